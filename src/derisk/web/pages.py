"""The dashboard: server-rendered pages over the same domain functions as the CLI.

Figures come from derisk.diagnose (concentration, stage_summary, dependency,
chokepoints), derisk.forecast (presets, scenarios; results via the /api/forecast jobs)
and derisk.review (via /api/review). Charts are built by derisk.web.chartbook (the same
builder answers each chart's CSV at /api/charts/ID) and shown as grapher cards
(derisk.web.grapher). This module only selects rows to show and lays them out; the
selection rules are derisk.web.selection, and each page states its rule, so a reader
can check it. The data browser is derisk.web.data_page; the
scenario and review pages, whose work runs in the browser, are derisk.web.tool_pages.

`register(app)` mounts the pages and /static; plotly.min.js is served from the
installed plotly package, never fetched from a CDN.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from derisk.data.blocs import blocs, resolve_bloc
from derisk.data.schema import TABLES
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.summary import stage_summary
from derisk.errors import InputError
from derisk.web import chartbook, data_page, grapher, selection, tool_pages
from derisk.web import templates as t
from derisk.web.cache import derived
from derisk.web.chartbook import DEFAULT_CONTEXT
from derisk.web.templates import esc

STATIC_DIR = Path(__file__).with_name("static")
LATEST_EVENTS = 15
SECURITY_HEADERS = t.SECURITY_HEADERS


def plotly_js_path() -> Path:
    """plotly.min.js from the installed plotly package (served at /static/plotly.min.js)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def register(app: FastAPI) -> None:
    """Mount the dashboard pages, the static files and plotly.min.js."""
    plotly_js = plotly_js_path()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def _plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for path, endpoint in (
        ("/", overview),
        ("/element/{symbol}", element_page),
        ("/element", element_index),
        ("/bloc/{code}", bloc_page),
        ("/bloc", bloc_index),
        ("/scenarios", tool_pages.scenarios_page),
        ("/review", tool_pages.review_page),
        ("/data", data_page.data_index),
        ("/data/{table}", data_page.data_table),
        ("/sources/{source_id}", source_page),
    ):
        app.add_api_route(
            path, endpoint, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
        )


# -- helpers -------------------------------------------------------------------------------
def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=SECURITY_HEADERS)


def _error(status: int, title: str, message: str, hint: str = "") -> HTMLResponse:
    return _html(t.page(title, t.error_body(status, message, hint)), status)


def _store(request: Request) -> Any:
    return request.app.state.store


def _section(title: str, body: str, sid: str = "") -> str:
    ident = f' id="{esc(sid)}"' if sid else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{body}</section>"


def _links(items: list[tuple[str, str]], current: str = "") -> str:
    return (
        '<nav class="chips">'
        + "".join(
            f'<a href="{esc(href)}"{" class=current" if label == current else ""}>{esc(label)}</a>'
            for href, label in items
        )
        + "</nav>"
    )


def _cards(request: Request, wanted: dict[str, str], context: dict[str, str]) -> dict[str, str]:
    """Each chart of ``wanted`` (id -> the section it sits in) as a card, '' when the store
    has nothing to draw; a selection the chart does not offer is an InputError."""
    store = _store(request)
    query = dict(request.query_params)
    out = {}
    for chart_id, anchor in wanted.items():
        chart = chartbook.build(store, chart_id, {**query, **context})
        out[chart_id] = (
            ""
            if chart is None
            else grapher.card(chart, store, action=f"{request.url.path}#{anchor}", query=query)
        )
    return out


# -- overview ------------------------------------------------------------------------------
def overview(request: Request, bloc: str = "US") -> HTMLResponse:
    store = _store(request)
    try:
        code = resolve_bloc(store, bloc)
    except InputError as err:
        return _error(404, "Unknown bloc", str(err))
    wanted = {"stage-share": "stages", "heatmap": "concentration", "production": "production",
              "chokepoints": "chokepoints"}  # fmt: skip
    try:
        cards = _cards(request, wanted, {"bloc": code})
    except InputError as err:
        return _error(400, "Bad selection", str(err))
    summary = derived(store, stage_summary)
    conc = derived(store, concentration)
    chokes = derived(store, chokepoints, bloc=code)
    parts = [
        t.note(
            "Shares are per cent of world output at each stage; the HHI runs from 0 to "
            "10,000. Mining is tonnes of rare-earth oxide of all rare earths (USGS); the "
            "other stages use published shares, often scoped to the magnet rare earths "
            "(Nd, Pr, Dy, Tb). Every chart lists the source ids of the rows behind it."
        ),
        _section(
            "China's share by stage (headline)",
            cards["stage-share"] + t.table(summary, table_id="table-stage-summary"),
            "stages",
        ),
        _section(
            "Concentration by stage and element group",
            cards["heatmap"]
            + t.note("Each cell is the latest year with a China share for that stage and group.")
            + t.notes(conc.attrs.get("notes", [])),
            "concentration",
        ),
        _section(
            "Mine production by country",
            (cards["production"] or t.no_data("mine production"))
            + t.note(
                "The largest producers of the latest year are named, and China, the United "
                "States and Australia always; every other country (and the source's 'other "
                "countries') is summed as Rest of world. Name another with 'Also name'."
            ),
            "production",
        ),
        _section(
            f"Chokepoints ({code})",
            (cards["chokepoints"] or t.no_data("chokepoints"))
            + ("" if chokes.empty else t.table(chokes, table_id="table-chokepoints")),
            "chokepoints",
        ),
        _latest_events(store),
        _section("Browse", _browse_links(store)),
    ]
    return _html(
        t.page(
            "Overview: where the world depends on China for rare earths",
            "".join(parts),
            active="Overview",
            charts=True,
            subtitle=f"Dataset {store.meta().get('dataset_version', '?')}",
        )
    )


def _latest_events(store: Any) -> str:
    events = store.table("events")
    latest = events.sort_values(["date", "year"], ascending=False, na_position="last")
    return _section(
        "Latest policy events",
        t.note(
            "The most recent dated rows of the events table (some dates are announced "
            "effective dates). All events: "
        )
        + '<p><a href="/data/events">/data/events</a></p>'
        + t.table(
            latest.head(LATEST_EVENTS),
            ["date", "actor", "type", "elements_affected", "summary", "source_id"],
            table_id="table-events",
        ),
        "events",
    )


def _browse_links(store: Any) -> str:
    elements = store.table("elements").sort_values("atomic_number")
    return (
        "<h3>Elements</h3>"
        + _links([(f"/element/{s}", s) for s in elements["symbol"]])
        + "<h3>Blocs</h3>"
        + _links([(f"/bloc/{b}", b) for b in blocs(store)])
    )


# -- elements ------------------------------------------------------------------------------
def element_index(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/element/{DEFAULT_CONTEXT['symbol']}", status_code=307)


def _element_facts(el: selection.Element) -> str:
    row = el.row
    return (
        '<dl class="facts">'
        f"<dt>Name</dt><dd>{esc(el.name)}</dd>"
        f"<dt>Atomic number</dt><dd>{esc(row['atomic_number'])}</dd>"
        f"<dt>Group</dt><dd>{esc(row['ree_group'])}</dd>"
        f"<dt>Magnet rare earth</dt><dd>{'yes' if bool(row['magnet_ree']) else 'no'}</dd>"
        f"<dt>Source</dt><dd>{t.source_links(row['source_id'])}</dd>"
        "</dl>"
    )


def _shares_body(store: Any, el: selection.Element, card: str) -> str:
    """The stage-share chart (or why there is none), its rule, and the rows behind it."""
    sym = el.symbol
    scope, conc_all, has_own, shown = chartbook.element_shares(store, sym)
    if not scope.mined:
        body = t.note(f"Not mined. {scope.note}.")
    elif not card:
        gaps = derived(store, concentration, gaps=True)
        gaps = gaps[gaps["missing"].notna() & gaps["group"].isin(shown + list(scope.groups))]
        body = t.no_data(f"China's dated share at any stage for {sym} or its own group")
        body += "".join(t.note(f"{g.stage}, {g.group}: {g.missing}.") for g in gaps.itertuples())
    else:
        body = card
    if scope.mined:
        body += t.note(
            f"Shares for {', '.join(shown)} (derisk.diagnose.concentration). {scope.note}. "
            + (f"Shares for {sym} alone are included." if has_own
               else f"The dataset gives no world share for {sym} on its own.")
        )  # fmt: skip
    stage_rows = store.table("stage_shares")
    stage_rows = stage_rows[
        stage_rows["group"].map(lambda g: sym in str(g).split("+"))
        | stage_rows["element_or_group"].map(el.named_in)
    ]
    deposits = store.table("deposit_composition", filters={"element": sym})
    return (
        body
        + f"<h3>Stage-share rows that name {esc(sym)}</h3>"
        + t.rows_table(
            stage_rows,
            ["stage", "measure", "element_or_group", "country", "year", "value_text", "unit"]
            + ["source_id", "note"],
            table_id="table-element-stage-rows",
        )
        + f"<h3>Share of {esc(sym)} in deposits (per cent of total REO)</h3>"
        + t.rows_table(
            deposits.sort_values("value", ascending=False),
            ["deposit", "country", "deposit_type", "value_text", "unit", "source_id"],
            table_id="table-element-deposits",
        )
    )


def _prices_body(store: Any, sym: str, card: str) -> str:
    prices = store.table("prices")
    prices = prices[prices["element"].map(lambda e: sym in str(e).split("+"))]
    if prices.empty:
        return t.no_data(f"prices for {sym}")
    return (
        card
        + t.note(
            "One element label at a time (choose with 'Element'), one line per market: "
            "the market a source names in its product or price basis (FOB, CIF, ex-works, "
            "international spot); prices that name none are kept apart, not guessed."
        )
        + t.rows_table(
            prices.sort_values(["product", "price_basis", "year"]),
            ["element", "product", "year", "price_basis", "value_text", "unit", "source_id"],
            table_id="table-element-prices",
        )
    )


def _facilities_body(store: Any, el: selection.Element) -> str:
    facilities = store.table("facilities")
    is_heavy = el.row["ree_group"] == "HREE"
    named = facilities["products"].map(el.named_in).astype(bool)
    heavy = (facilities["heavy_ree"] == "yes") & ~named & is_heavy
    listed = facilities[named | heavy].copy()
    listed["why_listed"] = [
        f"products name {el.symbol}" if n else "heavy_ree = yes (element not named)"
        for n in named[named | heavy]
    ]
    rule = f"Facilities whose products name {el.symbol} ({el.name})"
    rule += " and facilities flagged heavy_ree = yes." if is_heavy else "."
    return t.note(rule) + t.rows_table(
        listed,
        ["name", "company", "country", "stage", "products", "status", "heavy_ree"]
        + ["why_listed", "source_id"],
        table_id="table-element-facilities",
        empty=f"no facility in the dataset lists {el.symbol}",
    )


def _demand_body(store: Any, el: selection.Element, card: str) -> str:
    demand = store.table("demand_projections")
    demand = demand[demand["element_or_group"].map(el.named_in)]
    if demand.empty:
        return t.no_data(f"demand projections for {el.symbol}")
    note = t.note(
        "One scenario at a time (choose with 'Scenario'); each line starts from its "
        "observed base year."
    )
    return (card + note if card else "") + t.rows_table(
        demand.sort_values(["element_or_group", "scenario", "year"]),
        ["scope", "scenario", "element_or_group", "year", "value_text", "unit", "source_id"],
        table_id="table-element-demand",
    )


def element_page(request: Request, symbol: str) -> HTMLResponse:
    store = _store(request)
    el = selection.find_element(store, symbol)
    elements = store.table("elements").sort_values("atomic_number")
    if el is None:
        return _error(
            404,
            "Unknown element",
            f"No element {symbol!r} in the dataset's elements table.",
            "Known: "
            + ", ".join(f'<a href="/element/{esc(s)}">{esc(s)}</a>' for s in elements["symbol"]),
        )
    sym = el.symbol
    wanted = {"element-shares": "shares", "element-prices": "prices", "element-demand": "demand"}
    try:
        cards = _cards(request, wanted, {"symbol": sym})
    except InputError as err:
        return _error(400, "Bad selection", str(err))
    events = store.table("events")
    events = events[events["elements_affected"].map(
        lambda e: sym in selection.element_parts(e, set(el.symbols)))]  # fmt: skip
    parts = [
        _links([(f"/element/{s}", s) for s in elements["symbol"]], current=sym),
        _element_facts(el),
        _section("Production and stage shares",
                 _shares_body(store, el, cards["element-shares"]), "shares"),
        _section("Prices", _prices_body(store, sym, cards["element-prices"]), "prices"),
        _section("Facilities", _facilities_body(store, el), "facilities"),
        _section("Demand", _demand_body(store, el, cards["element-demand"]), "demand"),
        _section(
            "Policy events naming " + sym,
            t.rows_table(
                events.sort_values("date", ascending=False),
                ["date", "actor", "type", "elements_affected", "summary", "source_id"],
                table_id="table-element-events",
            ),
            "events",
        ),
    ]  # fmt: skip
    return _html(t.page(f"{el.name} ({sym})", "".join(parts), active="Elements", charts=True))


# -- blocs ---------------------------------------------------------------------------------
def bloc_index(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/bloc/{DEFAULT_CONTEXT['bloc']}", status_code=307)


def _dependency_body(store: object, bloc: str, card: str) -> str:
    try:
        dep = derived(store, dependency, bloc)
    except InputError as err:  # a bloc that includes China has no dependency on China
        return t.note(err.message)
    body = card or t.no_data(f"dependency of {bloc} on China")
    return (
        body
        + t.note(
            "Low bound: non-Chinese processors use non-Chinese feed first. High bound: feed "
            "bought at the world mix (derisk.diagnose.dependency). Stages without a China "
            "share say so in the 'missing' column."
        )
        + t.table(dep, table_id="table-dependency")
    )


def _funding_body(store: Any, bloc: str, short: set[str], long: set[str], members: int) -> str:
    funding = store.table("funding")
    funding = funding[
        funding["funder"].map(lambda x: selection.names_any(x, short, long))
        | funding["recipient"].map(lambda x: selection.names_any(x, short, long))
    ]
    words = sorted(short | long)
    named = ", ".join(words) if len(words) <= 12 else f"{bloc} and its {members} members"
    return t.note(
        f"Rows whose funder or recipient names the bloc or a member country ({named}). "
        "Funders that do not name the country (a US state, an agency by acronym alone) "
        "are not matched: see /data/funding for every row."
    ) + t.rows_table(
        funding.sort_values("date", ascending=False, na_position="last"),
        ["date", "funder", "recipient", "instrument", "purpose", "value_text", "unit"]
        + ["source_id"],
        table_id="table-funding",
        empty=f"no funding rows in the dataset name {bloc} or its members",
    )


def _facility_rows(store: Any, bloc: str, members: list[str], card: str) -> str:
    facilities = store.table("facilities")
    facilities = facilities[facilities["country"].isin(members)]
    body = card or t.no_data(f"facility start dates in {bloc}")
    return (
        body
        + t.note(
            "Open circle: first announced start; dot: latest announced start; the grey bar "
            "between them is the slippage; diamond: the year a source reports production "
            "began."
        )
        + t.rows_table(
            facilities.sort_values(["stage", "name"]),
            ["name", "company", "country", "stage", "status", "announced_start"]
            + ["actual_start", "value_text", "unit", "source_id"],
            table_id="table-facilities",
            empty=f"no facilities in the dataset for {bloc}",
        )
    )


def bloc_page(request: Request, code: str) -> HTMLResponse:
    store = _store(request)
    try:
        bloc = resolve_bloc(store, code)
    except InputError:
        known = blocs(store)
        return _error(
            404,
            "Unknown bloc",
            f"No bloc {code!r} in the dataset's bloc_members table.",
            "Known: " + ", ".join(f'<a href="/bloc/{esc(b)}">{esc(b)}</a>' for b in known),
        )
    try:
        cards = _cards(request, {"dependency": "dependency", "facilities": "facilities"},
                       {"bloc": bloc})  # fmt: skip
    except InputError as err:
        return _error(400, "Bad selection", str(err))
    members = selection.bloc_members(store, bloc)
    names = selection.country_names(store)
    short, long = selection.bloc_names(store, bloc)
    bench = store.table("benchmarks")
    bench = bench[bench["jurisdiction"].map(lambda x: selection.names_any(x, short, long))]
    parts = [
        _links([(f"/bloc/{b}", b) for b in blocs(store)], current=bloc),
        '<p class="members">Members: '
        + esc(", ".join(f"{names.get(c, c)} ({c})" for c in members))
        + "</p>",
        _section("Dependency on China by stage",
                 _dependency_body(store, bloc, cards["dependency"]), "dependency"),
        _section("Funding", _funding_body(store, bloc, short, long, len(members)), "funding"),
        _section("Facilities pipeline",
                 _facility_rows(store, bloc, members, cards["facilities"]), "facilities"),
        _section(
            "Benchmarks and targets",
            t.table(
                bench,
                ["jurisdiction", "target", "metric", "deadline_year", "kind", "value_text"]
                + ["unit", "source_id"],
                table_id="table-benchmarks",
                empty=f"no benchmarks in the dataset for {bloc}",
            ),
            "benchmarks",
        ),
        _section(
            "Chokepoints and forecast",
            f'<p><a href="/?bloc={esc(bloc)}#chokepoints">Chokepoints for {esc(bloc)}</a> · '
            f'<a href="/scenarios?bloc={esc(bloc)}">Forecast for {esc(bloc)}</a></p>',
        ),
    ]  # fmt: skip
    return _html(t.page(f"Bloc: {bloc}", "".join(parts), active="Blocs", charts=True))


# -- sources -------------------------------------------------------------------------------
def _cited_counts(store: Any, source_id: str) -> list[str]:
    """A link per table to the rows that cite the source, with their count."""
    cited = []
    for table in TABLES:
        if table.name == "sources" or "source_id" not in table.column_names:
            continue
        n = store.sql(
            f'SELECT count(*) AS n FROM "{table.name}" WHERE list_contains('
            "string_split(replace(source_id, ' ', ''), ';'), ?)",
            [source_id],
        )["n"].iloc[0]
        if n:
            cited.append(
                f'<li><a href="{t.url(f"/data/{table.name}", source_id=source_id)}">'
                f"{esc(table.name)}</a>: {int(n)} row{'s' if n != 1 else ''}</li>"
            )
    return cited


def source_page(request: Request, source_id: str) -> HTMLResponse:
    store = request.app.state.store
    rows = store.table("sources", filters={"source_id": source_id})
    if rows.empty:
        return _error(404, "Unknown source", f"No source {source_id!r} in the sources table.",
                      '<a href="/data/sources">All sources</a>')  # fmt: skip
    src = rows.iloc[0]
    link = str(src["url"]) if isinstance(src["url"], str) else ""
    url_html = (
        f'<a class="external" href="{esc(link)}" rel="noopener noreferrer">{esc(link)}</a>'
        if re.match(r"^https?://", link)
        else esc(link) or "(none)"
    )
    fields = [("Title", esc(src["title"])), ("Publisher", esc(src["publisher"])),
              ("Date", esc(src["date"])), ("URL", url_html),
              ("Accessed via", esc(src["accessed_via"])), ("Reliability", esc(src["reliability"])),
              ("Folder", esc(src["folder"])), ("Note", esc(src["note"])),
              ("Origin", esc(src.get("origin")))]  # fmt: skip
    facts = (
        '<dl class="facts" id="source-facts">'
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields)
        + "</dl>"
    )
    cited = _cited_counts(store, source_id)
    body = facts + (
        "<section><h2>Rows citing this source</h2>"
        + ("<ul>" + "".join(cited) + "</ul>" if cited else t.no_data("rows citing it"))
        + t.note("Each link shows the rows that cite this id among their source ids.")
        + data_page.exports(f"/api/sources/{quote(source_id, safe='')}", {})
        + "</section>"
    )
    return _html(t.page(f"Source: {source_id}", body, active="Data & sources"))

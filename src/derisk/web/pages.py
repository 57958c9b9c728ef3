"""The dashboard: server-rendered pages over the same domain functions as the CLI.

Figures come from derisk.diagnose (concentration, stage_summary, dependency,
chokepoints), derisk.forecast (presets, scenarios; results via the /api/forecast jobs)
and derisk.review (via /api/review); charts are built in derisk.report.charts. This
module only selects rows to show and lays them out. Row selection for element and bloc
pages is by what the rows say (a symbol or name in a label, a member country in a
funder's name) and each page states its rule, so a reader can check it.

`register(app)` mounts the pages and /static; plotly.min.js is served from the
installed plotly package, never fetched from a CDN.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from derisk.data.blocs import bloc_pairs, blocs, resolve_bloc
from derisk.data.schema import TABLES, spec
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.elements import element_scope
from derisk.diagnose.summary import stage_summary
from derisk.errors import DeriskError, InputError
from derisk.forecast.scenario import load_scenario, presets
from derisk.forecast.summary import STABLE_DRAWS
from derisk.report import charts
from derisk.vocabulary import Bloc
from derisk.web import templates as t
from derisk.web.templates import esc

STATIC_DIR = Path(__file__).with_name("static")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
LATEST_EVENTS = 15
#: Review uploads: the API enforces its own limit; the page checks first to say so early.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": t.CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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
        ("/scenarios", scenarios_page),
        ("/review", review_page),
        ("/data", data_index),
        ("/data/{table}", data_table),
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


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _links(items: list[tuple[str, str]], current: str = "") -> str:
    return (
        '<nav class="chips">'
        + "".join(
            f'<a href="{esc(href)}"{" class=current" if label == current else ""}>{esc(label)}</a>'
            for href, label in items
        )
        + "</nav>"
    )


def _country_names(store: Any) -> dict[str, str]:
    countries = store.table("countries")
    return dict(zip(countries["code"], countries["name"], strict=True))


# -- overview ------------------------------------------------------------------------------
def overview(request: Request, bloc: str = "US") -> HTMLResponse:
    store = _store(request)
    try:
        code = resolve_bloc(store, bloc)
    except InputError as err:
        return _error(404, "Unknown bloc", str(err))
    conc = concentration(store)
    summary = stage_summary(store)
    chokes = chokepoints(store, bloc=code)
    mine = store.table("mine_production")
    events = store.table("events")
    names = _country_names(store)

    parts = [
        _note(
            "Shares are per cent of world output at each stage; the HHI runs from 0 to "
            "10,000. Mining is tonnes of rare-earth oxide of all rare earths (USGS); the "
            "other stages use published shares, often scoped to the magnet rare earths "
            "(Nd, Pr, Dy, Tb). Every chart lists the source ids of the rows behind it."
        ),
        _section(
            "China's share by stage (headline)",
            t.figure(charts.china_share_by_stage(summary), "chart-stage-share", summary["sources"])
            + t.table(summary, table_id="table-stage-summary"),
            "stages",
        ),
        _section(
            "Concentration by stage and element group",
            t.figure(charts.share_hhi_heatmap(conc), "chart-heatmap", conc["sources"], height=460)
            + _note("Each cell is the latest year with a China share for that stage and group.")
            + t.notes(conc.attrs.get("notes", [])),
            "concentration",
        ),
    ]
    if mine["value"].notna().any():
        prod = t.figure(
            charts.production_by_country(mine, names), "chart-production", mine["source_id"]
        )
    else:
        prod = t.no_data("mine production")
    parts.append(_section("Mine production by country", prod, "production"))

    bloc_form = (
        '<form class="inline" method="get" action="/">'
        '<label>Chokepoints for <select name="bloc">'
        + "".join(
            f'<option value="{esc(b)}"{" selected" if b == code else ""}>{esc(b)}</option>'
            for b in blocs(store)
        )
        + '</select></label> <button type="submit">Show</button></form>'
    )
    if chokes.empty:
        choke_body = t.no_data("chokepoints")
    else:
        choke_body = t.figure(
            charts.chokepoint_scores(chokes, code), "chart-chokepoints", chokes["sources"]
        ) + t.table(chokes, table_id="table-chokepoints")
    parts.append(_section(f"Chokepoints ({code})", bloc_form + choke_body, "chokepoints"))

    latest = events.sort_values(["date", "year"], ascending=False, na_position="last")
    latest = latest.head(LATEST_EVENTS)
    parts.append(
        _section(
            "Latest policy events",
            _note(
                "The most recent dated rows of the events table (some dates are announced "
                "effective dates). All events: "
            )
            + '<p><a href="/data/events">/data/events</a></p>'
            + t.table(
                latest,
                ["date", "actor", "type", "elements_affected", "summary", "source_id"],
                table_id="table-events",
            ),
            "events",
        )
    )
    parts.append(_section("Browse", _browse_links(store)))
    return _html(
        t.page(
            "Overview: where the world depends on China for rare earths",
            "".join(parts),
            active="Overview",
            charts=True,
            subtitle=f"Dataset {store.meta().get('dataset_version', '?')}",
        )
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
def _element_parts(text: object, symbols: set[str]) -> set[str]:
    """Element symbols a label names as chemical symbols: 'Dy', 'NdPr', 'Dy/Tb', 'Nd+Pr'."""
    if not isinstance(text, str):
        return set()
    found: set[str] = set()
    for word in re.findall(r"[A-Za-z]+", text):
        if word in symbols:
            found.add(word)
            continue
        if not any(ch.islower() for ch in word):
            continue  # 'REO', 'YES': capitals only are acronyms, not symbols
        parts = re.findall(r"[A-Z][a-z]?", word)
        if "".join(parts) == word and any(p in symbols for p in parts):
            found |= {p for p in parts if p in symbols}
    return found


def _mentions(text: object, symbol: str, name: str, symbols: set[str]) -> bool:
    """True when a label names the element by name (any case) or by its chemical symbol."""
    if not isinstance(text, str):
        return False
    if re.search(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE):
        return True
    return symbol in _element_parts(text, symbols)


def element_index(request: Request) -> RedirectResponse:
    return RedirectResponse("/element/Nd", status_code=307)


def element_page(request: Request, symbol: str) -> HTMLResponse:
    store = _store(request)
    elements = store.table("elements").sort_values("atomic_number")
    match = elements[elements["symbol"].str.lower() == symbol.strip().lower()]
    if match.empty:
        return _error(
            404,
            "Unknown element",
            f"No element {symbol!r} in the dataset's elements table.",
            "Known: "
            + ", ".join(f'<a href="/element/{esc(s)}">{esc(s)}</a>' for s in elements["symbol"]),
        )
    el = match.iloc[0]
    sym, name = str(el["symbol"]), str(el["name"])
    symbols = set(elements["symbol"])

    def mentions(text: object) -> bool:
        return _mentions(text, sym, name, symbols)

    strip = _links([(f"/element/{s}", s) for s in elements["symbol"]], current=sym)
    facts = (
        '<dl class="facts">'
        f"<dt>Name</dt><dd>{esc(name)}</dd>"
        f"<dt>Atomic number</dt><dd>{esc(el['atomic_number'])}</dd>"
        f"<dt>Group</dt><dd>{esc(el['ree_group'])}</dd>"
        f"<dt>Magnet rare earth</dt><dd>{'yes' if bool(el['magnet_ree']) else 'no'}</dd>"
        f"<dt>Source</dt><dd>{t.source_links(el['source_id'])}</dd>"
        "</dl>"
    )
    parts = [strip, facts]

    # stage shares: the element's own figures, then its own group's (diagnose.elements)
    scope = element_scope(store, sym)
    conc = concentration(store)
    own = concentration(store, group=sym)
    conc_all = pd.concat([conc, own], ignore_index=True) if not own.empty else conc
    shown_groups = [g for g in scope.groups if g != sym or not own.empty]
    rows = conc_all[conc_all["group"].isin(shown_groups) & conc_all["china_share"].notna()]
    if not scope.mined:
        share_body = _note(f"Not mined. {scope.note}.")
    elif rows.empty:
        gaps = concentration(store, gaps=True)
        gaps = gaps[gaps["missing"].notna() & gaps["group"].isin(shown_groups + list(scope.groups))]
        share_body = t.no_data(f"China's dated share at any stage for {sym} or its own group")
        share_body += "".join(
            _note(f"{g.stage}, {g.group}: {g.missing}.") for g in gaps.itertuples()
        )
    else:
        share_body = t.figure(
            charts.element_stage_shares(conc_all, sym, shown_groups),
            "chart-element-shares",
            rows["sources"],
        )
    if scope.mined:
        share_body += _note(
            f"Shares for {', '.join(shown_groups)} (derisk.diagnose.concentration). "
            f"{scope.note}. "
            + (
                f"The dataset gives no world share for {sym} on its own."
                if own.empty
                else f"Shares for {sym} alone are included."
            )
        )
    stage_rows = store.table("stage_shares")
    stage_rows = stage_rows[
        stage_rows["group"].map(lambda g: sym in str(g).split("+"))
        | stage_rows["element_or_group"].map(mentions)
    ]
    share_body += (
        "<h3>Stage-share rows that name "
        + esc(sym)
        + "</h3>"
        + t.rows_table(
            stage_rows,
            ["stage", "measure", "element_or_group", "country", "year", "value_text", "unit"]
            + ["source_id", "note"],
            table_id="table-element-stage-rows",
        )
    )
    deposits = store.table("deposit_composition", filters={"element": sym})
    share_body += (
        "<h3>Share of "
        + esc(sym)
        + " in deposits (per cent of total REO)</h3>"
        + t.rows_table(
            deposits.sort_values("value", ascending=False),
            ["deposit", "country", "deposit_type", "value_text", "unit", "source_id"],
            table_id="table-element-deposits",
        )
    )
    parts.append(_section("Production and stage shares", share_body, "shares"))

    prices = store.table("prices")
    prices = prices[prices["element"].map(lambda e: sym in str(e).split("+"))]
    if prices.empty:
        price_body = t.no_data(f"prices for {sym}")
    else:
        price_body = t.figure(
            charts.price_history(prices, sym), "chart-element-prices", prices["source_id"]
        ) + t.rows_table(
            prices.sort_values(["product", "price_basis", "year"]),
            ["element", "product", "year", "price_basis", "value_text", "unit", "source_id"],
            table_id="table-element-prices",
        )
    parts.append(_section("Prices", price_body, "prices"))

    facilities = store.table("facilities")
    is_heavy = el["ree_group"] == "HREE"
    named = facilities["products"].map(mentions).astype(bool)
    heavy = (facilities["heavy_ree"] == "yes") & ~named & is_heavy
    listed = facilities[named | heavy].copy()
    listed["why_listed"] = [
        f"products name {sym}" if n else "heavy_ree = yes (element not named)"
        for n in named[named | heavy]
    ]
    rule = f"Facilities whose products name {sym} ({name})"
    rule += " and facilities flagged heavy_ree = yes." if is_heavy else "."
    fac_body = _note(rule) + t.rows_table(
        listed,
        ["name", "company", "country", "stage", "products", "status", "heavy_ree"]
        + ["why_listed", "source_id"],
        table_id="table-element-facilities",
        empty=f"no facility in the dataset lists {sym}",
    )
    parts.append(_section("Facilities", fac_body, "facilities"))

    demand = store.table("demand_projections")
    demand = demand[demand["element_or_group"].map(mentions)]
    own_demand = demand[
        demand["element_or_group"].str.lower().str.startswith(name.lower())
        & demand["value"].notna()
    ]
    if demand.empty:
        demand_body = t.no_data(f"demand projections for {sym}")
    else:
        demand_body = ""
        if not own_demand.empty:
            demand_body += t.figure(
                charts.demand_projection(own_demand, sym),
                "chart-element-demand",
                own_demand["source_id"],
            )
        demand_body += t.rows_table(
            demand.sort_values(["element_or_group", "scenario", "year"]),
            ["scope", "scenario", "element_or_group", "year", "value_text", "unit", "source_id"],
            table_id="table-element-demand",
        )
    parts.append(_section("Demand", demand_body, "demand"))

    events = store.table("events")
    events = events[events["elements_affected"].map(lambda e: sym in _element_parts(e, symbols))]
    parts.append(
        _section(
            "Policy events naming " + sym,
            t.rows_table(
                events.sort_values("date", ascending=False),
                ["date", "actor", "type", "elements_affected", "summary", "source_id"],
                table_id="table-element-events",
            ),
            "events",
        )
    )
    return _html(t.page(f"{name} ({sym})", "".join(parts), active="Elements", charts=True))


# -- blocs ---------------------------------------------------------------------------------
def _bloc_names(store: Any, code: str) -> tuple[set[str], set[str]]:
    """Words that name the bloc or a member: codes (matched by case) and names (any case)."""
    bloc = Bloc.from_rows(code, bloc_pairs(store))
    member_codes = set(bloc.members)
    countries = store.table("countries")
    countries = countries[countries["code"].isin(member_codes)]
    codes = {code, *bloc.user_aliases}
    codes |= member_codes if bloc.single_country else set()
    names = set(countries["name"])
    for aliases in countries["aliases"].dropna():
        names |= {a.strip() for a in str(aliases).split(";") if a.strip()}
    short = {n for n in codes | names if len(n) <= 3 and n.isupper()}
    return short, {n for n in codes | names if n not in short}


def _names_any(text: object, short: set[str], long: set[str]) -> bool:
    if not isinstance(text, str):
        return False
    if any(re.search(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])", text) for s in short):
        return True
    return any(re.search(rf"\b{re.escape(n)}\b", text, flags=re.IGNORECASE) for n in long)


def bloc_index(request: Request) -> RedirectResponse:
    return RedirectResponse("/bloc/US", status_code=307)


def _dependency_body(store: object, bloc: str) -> str:
    try:
        dep = dependency(store, bloc)
    except InputError as err:  # a bloc that includes China has no dependency on China
        return _note(err.message)
    measured = dep[dep["dependency_low"].notna()]
    if measured.empty:
        body = t.no_data(f"dependency of {bloc} on China")
    else:
        body = t.figure(
            charts.dependency_bounds(dep, bloc), "chart-dependency", measured["sources"]
        )
    return (
        body
        + _note(
            "Low bound: non-Chinese processors use non-Chinese feed first. High bound: feed "
            "bought at the world mix (derisk.diagnose.dependency). Stages without a China "
            "share say so in the 'missing' column."
        )
        + t.table(dep, table_id="table-dependency")
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
    members = store.table("bloc_members")
    member_codes = sorted(members.loc[members["bloc"] == bloc, "country"])
    names = _country_names(store)
    strip = _links([(f"/bloc/{b}", b) for b in blocs(store)], current=bloc)
    parts = [
        strip,
        '<p class="members">Members: '
        + esc(", ".join(f"{names.get(c, c)} ({c})" for c in member_codes))
        + "</p>",
    ]

    parts.append(
        _section("Dependency on China by stage", _dependency_body(store, bloc), "dependency")
    )

    short, long = _bloc_names(store, bloc)
    funding = store.table("funding")
    funding = funding[
        funding["funder"].map(lambda x: _names_any(x, short, long))
        | funding["recipient"].map(lambda x: _names_any(x, short, long))
    ]
    words = sorted(short | long)
    named = ", ".join(words) if len(words) <= 12 else f"{bloc} and its {len(member_codes)} members"
    fund_body = _note(
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
    parts.append(_section("Funding", fund_body, "funding"))

    facilities = store.table("facilities")
    facilities = facilities[facilities["country"].isin(member_codes)]
    dated = facilities[
        facilities[
            ["announced_start_first_year", "announced_start_latest_year", "actual_start_year"]
        ]
        .notna()
        .any(axis=1)
    ]
    if dated.empty:
        fac_body = t.no_data(f"facility start dates in {bloc}")
    else:
        fac_body = t.figure(
            charts.facilities_timeline(dated, bloc), "chart-facilities", dated["source_id"]
        )
    fac_body += _note(
        "Open circle: first announced start; dot: latest announced start; the grey bar "
        "between them is the slippage; diamond: the year a source reports production began."
    ) + t.rows_table(
        facilities.sort_values(["stage", "name"]),
        ["name", "company", "country", "stage", "status", "announced_start", "actual_start"]
        + ["value_text", "unit", "source_id"],
        table_id="table-facilities",
        empty=f"no facilities in the dataset for {bloc}",
    )
    parts.append(_section("Facilities pipeline", fac_body, "facilities"))

    bench = store.table("benchmarks")
    bench = bench[bench["jurisdiction"].map(lambda x: _names_any(x, short, long))]
    parts.append(
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
        )
    )
    parts.append(
        _section(
            "Chokepoints and forecast",
            f'<p><a href="/?bloc={esc(bloc)}#chokepoints">Chokepoints for {esc(bloc)}</a> · '
            f'<a href="/scenarios?bloc={esc(bloc)}">Forecast for {esc(bloc)}</a></p>',
        )
    )
    return _html(t.page(f"Bloc: {bloc}", "".join(parts), active="Blocs", charts=True))


# -- scenarios -----------------------------------------------------------------------------
def _lever_defaults() -> dict[str, Any]:
    """Per preset: its description and the levers the form can change, as the preset has them."""
    out: dict[str, Any] = {}
    for name in presets():
        s = load_scenario(name).model_dump(mode="json")
        out[name] = {
            "description": s["description"],
            "start_year": s["start_year"],
            "end_year": s["end_year"],
            "collection_rate": s["recycling"]["collection_rate"],
            "export_controls": s["china"]["export_controls"],
            "multiplier": s["demand"]["multiplier"],
            "demand_path": s["demand"]["path"],
            "on_time": s["pipeline"]["on_time"],
        }
    return out


def _scenario_fieldset(key: str, label: str, preset_names: list[str], bloc_codes: list[str],
                       preset: str, bloc: str) -> str:  # fmt: skip
    opts = "".join(
        f'<option value="{esc(p)}"{" selected" if p == preset else ""}>{esc(p)}</option>'
        for p in preset_names
    )
    bloc_opts = "".join(
        f'<option value="{esc(b)}"{" selected" if b == bloc else ""}>{esc(b)}</option>'
        for b in bloc_codes
    )
    k = esc(key)
    return f"""
<fieldset class="scenario" id="scenario-{k}" data-key="{k}">
<legend>{esc(label)}</legend>
<label>Preset <select name="scenario">{opts}</select></label>
<p class="preset-description note"></p>
<label>Bloc <select name="bloc">{bloc_opts}</select></label>
<label>Recycling collection rate (0-1)
 <input name="collection_rate" type="number" min="0" max="1" step="0.01" placeholder="preset">
 <span class="hint" data-hint="collection_rate"></span></label>
<label>China export-control approval rate (0-1)
 <input name="approval_rate" type="number" min="0" max="1" step="0.05" placeholder="preset">
 <span class="hint" data-hint="approval_rate"></span></label>
<label>Demand multiplier (x the preset's)
 <input name="demand_multiplier" type="number" min="0.1" max="5" step="0.05" value="1"></label>
<label>Demand path <select name="demand_path"><option value="">preset</option>
 <option>IEA STEPS</option><option>IEA APS</option><option>IEA NZE</option></select>
 <span class="hint" data-hint="demand_path"></span></label>
<label><input name="on_time" type="checkbox"> Projects start on their announced dates</label>
<label>Further overrides (one <code>path=value</code> per line)
 <textarea name="extra" rows="2" placeholder="china.reexport_share=0.1"></textarea></label>
</fieldset>"""


def scenarios_page(request: Request, bloc: str = "US") -> HTMLResponse:
    store = _store(request)
    names = presets()
    codes = blocs(store)
    try:
        bloc = resolve_bloc(store, bloc)
    except InputError:
        bloc = "US"
    levers = _lever_defaults()
    form = (
        '<form id="forecast-form" novalidate>'
        + '<div class="scenario-grid">'
        + _scenario_fieldset("a", "Scenario A", names, codes, "baseline", bloc)
        + _scenario_fieldset("b", "Scenario B (compare)", names, codes, "full-ban", bloc)
        + "</div>"
        + '<div class="run-options">'
        '<label><input type="checkbox" id="compare" name="compare"> Compare with scenario B'
        "</label>"
        '<label>Draws <input name="draws" type="number" min="1" max="100000" '
        f'value="{STABLE_DRAWS}">'
        "</label>"
        '<label>Seed <input name="seed" type="number" value="1"></label>'
        '<button type="submit" id="run-forecast">Run forecast</button>'
        "</div></form>"
    )
    results = """
<div id="forecast-status" aria-live="polite"></div>
<div id="forecast-progress" class="progress-list"></div>
<div id="forecast-error" class="error" hidden></div>
<section id="forecast-results" hidden>
 <h2>Results</h2>
 <p class="note" id="forecast-summary"></p>
 <label>Element <select id="fan-element"></select></label>
 <div class="chart-pair">
  <figure class="chart-box"><div class="chart" id="chart-fan-shortfall"></div>
   <figcaption class="chart-sources" id="fan-sources-1"></figcaption></figure>
  <figure class="chart-box"><div class="chart" id="chart-fan-chinafree"></div>
   <figcaption class="chart-sources" id="fan-sources-2"></figcaption></figure>
 </div>
 <h3>Year de-risked</h3>
 <p class="note">The first year from which China-free supply covers demand in every later
 year (P10 / P50 / P90 over the draws; 'never' = not within the horizon).</p>
 <div id="table-derisked"></div>
 <h3>Downloads</h3>
 <div id="forecast-downloads"></div>
</section>"""
    body = (
        _note(
            "Pick a preset and change the main levers. The run goes to POST /api/forecast "
            "as a background job; the page polls its progress and draws the P10-P90 band "
            "and the P50 line per element. Blank levers keep the preset's distribution; a "
            "number fixes the lever (the CLI's --set)."
        )
        + form
        + results
        + t.json_block("preset-levers", levers)
    )
    return _html(
        t.page(
            "Scenarios: when can a bloc stop depending on China?",
            body,
            active="Scenarios",
            charts=True,
            scripts=("scenarios.js",),
        )
    )


# -- review --------------------------------------------------------------------------------
def review_page(request: Request) -> HTMLResponse:
    body = f"""
{
        _note(
            "Paste an article (plain text, Markdown or HTML) or upload a file (.txt, .md, .html, "
            ".pdf; up to 5 MB). The review checks its figures against the dataset as of the "
            "article's date and says what it leaves out. Nothing is sent off this machine."
        )
    }
<form id="review-form" novalidate data-max-bytes="{MAX_UPLOAD_BYTES}">
 <label>Title <input name="title" type="text" maxlength="300"></label>
 <label>Article date <input name="date" type="date"></label>
 <label>Article text <textarea name="text" rows="12"></textarea></label>
 <label>or a file <input name="file" type="file"
   accept=".txt,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf">
 </label>
 <button type="submit" id="run-review">Review</button>
</form>
<div id="review-status" aria-live="polite"></div>
<div id="review-error" class="error" hidden></div>
<section id="review-result" hidden></section>
<section id="review-history"><h2>Earlier reviews</h2><div id="review-list"></div></section>
"""
    return _html(
        t.page(
            "Review an article",
            body,
            active="Review",
            scripts=("review.js",),
        )
    )


# -- data and sources ----------------------------------------------------------------------
def data_index(request: Request) -> HTMLResponse:
    store = _store(request)
    info = store.info()
    body = _note(
        "Every table of the dataset. Curated rows come from the packaged dataset; user "
        "rows are your imports and replace curated rows with the same key."
    ) + t.table(info, links={"table": lambda name: f"/data/{name}"}, table_id="table-tables")
    return _html(t.page("Data & sources", body, active="Data & sources"))


def _int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value not in (None, "") else default
    except ValueError:
        return default


def data_table(request: Request, table: str) -> HTMLResponse:
    store = _store(request)
    try:
        table_spec = spec(table)
    except InputError:
        names = ", ".join(f'<a href="/data/{esc(s.name)}">{esc(s.name)}</a>' for s in TABLES)
        return _error(
            404, "Unknown table", f"No table {table!r} in the dataset.", "Tables: " + names
        )
    params = request.query_params
    page_no = _int_param(params.get("page"), 1, 1, 1_000_000)
    size = _int_param(params.get("size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    filters = {k: v for k, v in params.items() if k not in ("page", "size") and v != ""}
    try:
        rows = store.table(table, filters=filters)
    except DeriskError as err:
        return _error(400, f"Table {table}", str(err))
    total = len(rows)
    pages = max(1, -(-total // size))
    page_no = min(page_no, pages)
    shown = rows.iloc[(page_no - 1) * size : page_no * size]
    columns = list(table_spec.column_names) + [c for c in ("origin",) if c in rows.columns]

    inputs = "".join(
        f'<label>{esc(c)} <input name="{esc(c)}" value="{esc(filters.get(c, ""))}"></label>'
        for c in columns
    )
    form = (
        f'<details class="filters"{" open" if filters else ""}><summary>Filter (column = value)'
        f'</summary><form method="get" action="/data/{esc(table)}" class="filter-form">{inputs}'
        f'<input type="hidden" name="size" value="{size}">'
        '<button type="submit">Apply</button> '
        f'<a href="/data/{esc(table)}">clear</a></form></details>'
    )
    active = (
        "<p class='note'>Filters: "
        + esc(", ".join(f"{k} = {v}" for k, v in filters.items()))
        + "</p>"
        if filters
        else ""
    )

    def page_link(n: int, label: str) -> str:
        return f'<a href="{t.url(f"/data/{table}", **filters, page=n, size=size)}">{esc(label)}</a>'

    pager = (
        '<nav class="pager">'
        + (page_link(page_no - 1, "← previous") if page_no > 1 else "")
        + f"<span>page {page_no} of {pages} · {total:,} rows</span>"
        + (page_link(page_no + 1, "next →") if page_no < pages else "")
        + "</nav>"
    )
    body = (
        f'<p class="note">{esc(table_spec.description)}</p>'
        + form
        + active
        + pager
        + t.table(shown, columns, table_id="table-data", empty="no rows match")
        + pager
        + '<p><a href="/data">All tables</a></p>'
    )
    return _html(t.page(f"Table: {table}", body, active="Data & sources"))


def source_page(request: Request, source_id: str) -> HTMLResponse:
    store = _store(request)
    rows = store.table("sources", filters={"source_id": source_id})
    if rows.empty:
        return _error(
            404,
            "Unknown source",
            f"No source {source_id!r} in the sources table.",
            '<a href="/data/sources">All sources</a>',
        )
    src = rows.iloc[0]
    link = str(src["url"]) if isinstance(src["url"], str) else ""
    url_html = (
        f'<a class="external" href="{esc(link)}" rel="noopener noreferrer">{esc(link)}</a>'
        if re.match(r"^https?://", link)
        else esc(link) or "(none)"
    )
    fields = [
        ("Title", esc(src["title"])),
        ("Publisher", esc(src["publisher"])),
        ("Date", esc(src["date"])),
        ("URL", url_html),
        ("Accessed via", esc(src["accessed_via"])),
        ("Reliability", esc(src["reliability"])),
        ("Folder", esc(src["folder"])),
        ("Note", esc(src["note"])),
        ("Origin", esc(src.get("origin"))),
    ]
    facts = (
        '<dl class="facts" id="source-facts">'
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields)
        + "</dl>"
    )
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
    body = facts + _section(
        "Rows citing this source",
        ("<ul>" + "".join(cited) + "</ul>" if cited else t.no_data("rows citing it"))
        + _note("The table links show rows whose source_id is exactly this id."),
    )
    return _html(t.page(f"Source: {source_id}", body, active="Data & sources"))

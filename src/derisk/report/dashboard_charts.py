"""The dashboard's charts (derisk.web): one question per chart, few series, sources cited.

Each builder takes the rows a domain function or a table returned, draws them and
only them, and names its series so a reader can find them: a chart that would need a
dozen series draws one selection (an element's markets, one demand scenario) and the
page offers the rest through a selector. Titles sit above the plot area
(``title.automargin``) and legends to the right of it, so neither can cover the other;
the dashboard's script moves legends below the plot on narrow screens.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from derisk.report.charts import CHINA_COLOUR, _source_note
from derisk.vocabulary import GROUPS, STAGES

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94",
)  # fmt: skip
REST_COLOUR = "#b8bec4"
REST_OF_WORLD = "Rest of world"
#: The two measures of the concentration heatmap: (column, label, colour scale, maximum).
MEASURES = {
    "china_share": ("China's share of world output (%)", "Reds", 100.0),
    "hhi": ("Market concentration (HHI, 0-10,000)", "Oranges", 10_000.0),
}
#: Where a price was struck, read from its product and price-basis text (first match).
#: Sources print the market in words ("cif Rotterdam", "FOB", "ex-works China"); a
#: price whose text names none is kept apart as "market not stated", never guessed.
PRICE_MARKETS = (
    (r"rotterdam|europe|\bcif\b", "Europe (CIF / onshore)"),
    (r"\bfob\b", "China FOB (export)"),
    (r"export price", "China export price"),
    (r"ex-works", "China ex-works (domestic)"),
    (r"international", "International spot"),
    (r"global consumption", "Volume-weighted world average"),
    (r"yearend range", "Year-end range (market not stated)"),
)
OTHER_MARKET = "Annual average (market not stated)"


def _legend_right(fig: go.Figure) -> go.Figure:
    """A vertical legend beside the plot, level with its top: clear of the title."""
    fig.update_layout(
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
    )
    return fig


def _latest_per_stage_group(conc: pd.DataFrame) -> pd.DataFrame:
    rows = conc[conc["china_share"].notna()]
    return rows.sort_values("year").groupby(["stage", "group"]).tail(1)


def concentration_heatmap(conc: pd.DataFrame, measure: str = "china_share") -> go.Figure:
    """One measure (China's share or the HHI) per stage x element group, latest year each.

    One heatmap per chart: two side by side left no room for their colour bars on a
    phone. ``conc`` is derisk.diagnose.concentration(); empty cells read 'no data'.
    """
    label, scale, zmax = MEASURES[measure]
    latest = _latest_per_stage_group(conc)
    groups = [g for g in GROUPS if g in set(latest["group"])]
    groups += sorted(set(latest["group"]) - set(groups))
    stages = list(STAGES)
    cell = {(r.stage, r.group): r for r in latest.itertuples()}
    z, text, hover = [], [], []
    for stage in stages:
        zr, tr, hr = [], [], []
        for group in groups:
            r = cell.get((stage, group))
            if r is None:
                zr.append(None)
                tr.append("no data")
                hr.append(f"{stage} / {group}: no data in the dataset")
                continue
            value = float(getattr(r, measure))
            zr.append(value)
            shown = f"{value:.0f}%" if measure == "china_share" else f"{value:,.0f}"
            tr.append(f"{shown}<br>({int(r.year)})")
            hr.append(
                f"{stage} / {group} {int(r.year)}: China {r.china_share:.1f}%, "
                f"HHI {r.hhi:,.0f}<br>sources: {r.sources}"
            )
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=groups, y=stages, text=text, texttemplate="%{text}", hovertext=hover,
            hoverinfo="text", zmin=0, zmax=zmax, colorscale=scale, name=label,
            colorbar={"thickness": 12, "len": 0.9}, xgap=2, ygap=2,
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", title_text="stage")
    fig.update_xaxes(title_text="element group")
    fig.update_layout(title=f"{label} by stage and element group (latest year per cell)")
    return _source_note(fig, latest["sources"])


def _named_countries(countries: pd.DataFrame, always: tuple[str, ...], top: int,
                     extra: str | None) -> list[str]:  # fmt: skip
    """Countries drawn on their own: the ``top`` producers of the latest year, those that
    must always be findable, and the one a reader picked; largest first."""
    latest = countries[countries["year"] == countries["year"].max()]
    by_size = latest.groupby("country")["value"].sum().sort_values(ascending=False)
    total = countries.groupby("country")["value"].sum()
    present = set(total[total > 0].index)
    picked = [c for c in by_size.index if c in present][:top]
    picked += [c for c in (*always, extra) if c and c in present and c not in picked]
    return sorted(picked, key=lambda c: (-by_size.get(c, 0.0), -total.get(c, 0.0)))


def production_by_country(
    mine: pd.DataFrame,
    names: dict[str, str] | None = None,
    *,
    always: tuple[str, ...] = (),
    top: int = 5,
    extra: str | None = None,
    world: str = "WLD",
    other: str = "OTH",
) -> go.Figure:
    """Mine production per year (stacked, t REO): the largest producers named, the rest
    summed as 'Rest of world', and the world total as reported.

    A legend of every producer scrolled and hid the ones a reader looks for; ``always``
    (and ``extra``, the reader's pick) are named even when small. ``other`` is the
    source's own 'other countries' row: it goes to the rest of the world.
    """
    names = names or {}
    rows = mine[mine["value"].notna()]
    totals = rows[rows["country"] == world].sort_values("year")
    countries = rows[(rows["country"] != world) & (rows["country"] != other)]
    named = _named_countries(countries, always, top, extra)
    fig = go.Figure()
    for i, code in enumerate(named):
        part = countries[countries["country"] == code].groupby("year", as_index=False)["value"]
        part = part.sum()
        label = names.get(code, code)
        fig.add_trace(
            go.Bar(
                x=part["year"], y=part["value"], name=label,
                marker_color=CHINA_COLOUR if code == "CHN" else PALETTE[i % len(PALETTE)],
                hovertemplate="%{x}: %{y:,.0f} t REO<extra>" + label + "</extra>",
            )
        )  # fmt: skip
    rest = rows[(rows["country"] != world) & ~rows["country"].isin(named)]
    if not rest.empty:
        summed = rest.groupby("year")["value"].sum().reset_index()
        members = rest[rest["value"] > 0].groupby("year")["country"]
        listed = members.apply(lambda c: ", ".join(sorted(names.get(x, x) for x in c)))
        fig.add_trace(
            go.Bar(
                x=summed["year"], y=summed["value"], name=REST_OF_WORLD,
                marker_color=REST_COLOUR,
                customdata=[[listed.get(y, "")] for y in summed["year"]],
                hovertemplate="%{x}: %{y:,.0f} t REO<br>%{customdata[0]}<extra>"
                + REST_OF_WORLD + "</extra>",
            )
        )  # fmt: skip
    if len(totals):
        fig.add_trace(
            go.Scatter(
                x=totals["year"], y=totals["value"], name="World total (as reported)",
                mode="lines+markers", line={"color": "#222", "dash": "dot"},
            )
        )  # fmt: skip
    fig.update_layout(
        barmode="stack",
        title="Rare-earth mine production: the largest producers (t REO)",
        yaxis={"title": "t REO (rare-earth oxide)"},
        xaxis={"title": "year", "dtick": 1},
    )
    return _source_note(_legend_right(fig), rows["source_id"])


def chokepoint_scores(chokes: pd.DataFrame, bloc: str) -> go.Figure:
    """Chokepoint score (0-1) per stage and group, highest first, with the evidence."""
    rows = chokes.sort_values("rank", ascending=False)
    labels = [f"{r.stage} · {r.group} ({r.year})" for r in rows.itertuples()]
    fig = go.Figure(
        go.Bar(
            x=rows["score"], y=labels, orientation="h", marker_color=CHINA_COLOUR,
            text=[f"{v:.2f}" for v in rows["score"]], textposition="outside",
            hovertext=rows["evidence"], hoverinfo="text", name="chokepoint score",
        )
    )  # fmt: skip
    fig.update_layout(
        title=f"Chokepoints for {bloc}: mean of China share, HHI/10,000 and dependency",
        xaxis={"title": "score (0-1)", "range": [0, 1.1]},
        yaxis={"title": "", "automargin": True},
    )
    return _source_note(fig, chokes["sources"])


def element_stage_shares(conc: pd.DataFrame, symbol: str, groups: list[str]) -> go.Figure:
    """China's latest share per stage for each group that contains the element."""
    latest = _latest_per_stage_group(conc)
    latest = latest[latest["group"].isin(groups)]
    fig = go.Figure()
    for i, group in enumerate(groups):
        part = latest[latest["group"] == group]
        if part.empty:
            continue
        part = part.set_index("stage")
        part = part.reindex([s for s in STAGES if s in set(part.index)])
        fig.add_trace(
            go.Bar(
                x=part.index, y=part["china_share"], name=group,
                marker_color=PALETTE[i % len(PALETTE)] if group != symbol else CHINA_COLOUR,
                text=[f"{v:.0f}% ({int(y)})"
                      for v, y in zip(part["china_share"], part["year"], strict=True)],
                textposition="outside",
            )
        )  # fmt: skip
    fig.update_layout(
        barmode="group",
        title=f"China's share of world output by stage, groups that include {symbol}",
        yaxis={"title": "% of world output", "range": [0, 110]},
        xaxis={"title": "stage", "categoryorder": "array", "categoryarray": list(STAGES)},
    )
    return _source_note(_legend_right(fig), latest["sources"])


def price_market(product: object, basis: object) -> str:
    """The market a price row was struck in, by :data:`PRICE_MARKETS`."""
    text = f"{product or ''} {basis or ''}".lower()
    for pattern, market in PRICE_MARKETS:
        if re.search(pattern, text):
            return market
    return OTHER_MARKET


def price_history(prices: pd.DataFrame, label: str) -> go.Figure:
    """One element's prices (nominal USD/kg), one line per market.

    ``prices`` are the rows of one element label (e.g. 'Nd' or 'Nd+Pr'). A printed range
    is drawn at its midpoint with a bar from its low to its high; the hover names the
    product, basis and source of each point.
    """
    rows = prices.copy()
    rows["_market"] = [price_market(p, b) for p, b in zip(rows["product"], rows["price_basis"],
                                                           strict=True)]  # fmt: skip
    is_range = rows["value"].isna() & rows["value_low"].notna() & rows["value_high"].notna()
    rows["_y"] = rows["value"].where(~is_range, (rows["value_low"] + rows["value_high"]) / 2)
    rows["_range"] = is_range
    rows = rows[rows["_y"].notna()]
    order = [m for _, m in PRICE_MARKETS if m in set(rows["_market"])]
    order += [OTHER_MARKET] if OTHER_MARKET in set(rows["_market"]) else []
    fig = go.Figure()
    for i, market in enumerate(order):
        part = rows[rows["_market"] == market].sort_values("year")
        y = part["_y"]
        plus = (part["value_high"] - y).where(part["_range"], 0)
        minus = (y - part["value_low"]).where(part["_range"], 0)
        fig.add_trace(
            go.Scatter(
                x=part["year"], y=y, name=market, mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
                error_y={"type": "data", "array": plus, "arrayminus": minus,
                         "visible": bool(part["_range"].any())},
                customdata=part[["value_text", "product", "price_basis", "source_id"]],
                hovertemplate="%{x}: %{customdata[0]} USD/kg<br>%{customdata[1]}<br>"
                "%{customdata[2]} (%{customdata[3]})<extra>" + market + "</extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        title=f"{label} prices by market (nominal USD/kg, as printed by each source)",
        yaxis={"title": "USD/kg (nominal)"},
        xaxis={"title": "year"},
    )
    return _source_note(_legend_right(fig), rows["source_id"])


def demand_projection(demand: pd.DataFrame, symbol: str, scenario: str) -> go.Figure:
    """One scenario's projected demand for the element, a line per use (kt of element).

    Each line starts at its observed base year (rows whose year is their base year),
    so the projection reads from where demand stands; other scenarios are a selector.
    """
    rows = demand[demand["value"].notna()]
    base = rows["year"] == rows["base_year"]
    rows = rows[(rows["scenario"] == scenario) | base].sort_values("year")
    fig = go.Figure()
    for i, (label, part) in enumerate(rows.groupby("element_or_group", sort=True)):
        if not (part["scenario"] == scenario).any():
            continue
        unit = str(part["unit"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=part["year"], y=part["value"], name=str(label), mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
                customdata=part[["scenario", "source_id"]],
                hovertemplate="%{x}: %{y:,.2f} " + unit
                + " (%{customdata[0]}; %{customdata[1]})<extra></extra>",
            )
        )  # fmt: skip
    units = ", ".join(sorted(rows["unit"].unique()))
    fig.update_layout(
        title=f"{symbol}: projected demand, {scenario} ({units})",
        yaxis={"title": units, "rangemode": "tozero"},
        xaxis={"title": "year"},
    )
    return _source_note(_legend_right(fig), rows["source_id"])


def facilities_timeline(facilities: pd.DataFrame, bloc: str) -> go.Figure:
    """Announced (first and latest) against actual start years for the bloc's facilities."""
    rows = facilities[
        facilities["announced_start_first_year"].notna()
        | facilities["announced_start_latest_year"].notna()
        | facilities["actual_start_year"].notna()
    ].sort_values(["country", "stage", "name"], ascending=False)
    labels = [f"{r.name} ({r.country}, {r.stage})" for r in rows.itertuples()]
    first = [None if pd.isna(v) else float(v) for v in rows["announced_start_first_year"]]
    latest = [None if pd.isna(v) else float(v) for v in rows["announced_start_latest_year"]]
    actual = [None if pd.isna(v) else float(v) for v in rows["actual_start_year"]]
    xs: list = []
    ys: list = []
    for lab, a, b in zip(labels, first, latest, strict=True):
        if a is not None and b is not None and a != b:
            xs += [a, b, None]
            ys += [lab, lab, None]
    status = rows["status"].tolist()
    announced = rows["announced_start"].fillna("").tolist()
    marks = (
        ("slippage (first to latest announced)", xs, ys, None, None),
        ("first announced start", first, labels,
         {"symbol": "circle-open", "size": 11, "color": "#555", "line": {"width": 2}},
         [[s, t] for s, t in zip(status, announced, strict=True)]),
        ("latest announced start", latest, labels,
         {"symbol": "circle", "size": 10, "color": "#e67e22"}, [[s, ""] for s in status]),
        ("actual start", actual, labels, {"symbol": "diamond", "size": 12, "color": "#27ae60"},
         [[t, ""] for t in rows["actual_start"].fillna("")]),
    )  # fmt: skip
    fig = go.Figure()
    for name, x, y, marker, custom in marks:
        if marker is None:
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"color": "#bbb", "width": 6},
                                     name=name, hoverinfo="skip"))  # fmt: skip
            continue
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="markers", marker=marker, name=name, customdata=custom,
                hovertemplate=name + " %{x}<br>%{customdata[0]} %{customdata[1]}<extra></extra>",
            )
        )  # fmt: skip
    height = max(360, 150 + 26 * len(rows))
    fig.update_layout(
        title=f"{bloc}: facility start dates, announced vs actual (calendar year)",
        xaxis={"title": "start year", "dtick": 1},
        yaxis={"title": "", "automargin": True},
        height=height,
    )
    fig = _source_note(_legend_right(fig), rows["source_id"])
    fig.update_annotations(y=-60 / height - 0.02)
    return fig

"""Plotly figures for briefings: titled, sourced, and readable when pasted alone."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from derisk.vocabulary import GROUPS, STAGES

_CHINA = "#c0392b"
_OTHER = "#7f8c8d"


def _source_note(fig: go.Figure, cited: pd.Series) -> go.Figure:
    """Put the source ids under the chart, wrapped, so a pasted image still cites them."""
    ids = sorted({s.strip() for ids in cited.dropna() for s in str(ids).split(";") if s.strip()})
    fig.update_layout(meta={"sources": ids})  # the web pages link these under the chart
    sources = "; ".join(ids)
    lines, line = [], "Sources:"
    for sid in sources.split("; "):
        if len(line) + len(sid) > 140:
            lines.append(line)
            line = ""
        line = f"{line} {sid};" if line else f"{sid};"
    lines.append(line.rstrip(";"))
    fig.add_annotation(
        text="<br>".join(lines),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.22,
        xanchor="left",
        yanchor="top",
        align="left",
        font={"size": 10, "color": "#555"},
    )
    fig.update_layout(margin={"b": 90 + 14 * len(lines), "t": 70}, template="plotly_white")
    return fig


def china_share_by_stage(summary: pd.DataFrame) -> go.Figure:
    """Bar per stage with China's share; stages without data are labelled, not hidden."""
    rows = summary.copy()
    labels = [
        f"{r.stage}<br>({r.coverage})"
        if pd.isna(r.year)
        else f"{r.stage}<br>({r.coverage}, {int(r.year)})"
        for r in rows.itertuples()
    ]
    values = rows["china_share"].astype(float).fillna(0)
    text = ["no data" if pd.isna(v) else f"{v:.0f}%" for v in rows["china_share"]]
    fig = go.Figure(
        go.Bar(
            x=labels, y=values, text=text, textposition="outside", marker_color=_CHINA, name="China"
        )
    )
    fig.update_layout(
        title="China's share of world output by stage (latest year with data)",
        yaxis={"title": "% of world output", "range": [0, 110]},
    )
    return _source_note(fig, rows["sources"])


def mining_over_time(conc: pd.DataFrame) -> go.Figure:
    """China's mining share and the mining HHI, year by year (all REE, t REO)."""
    rows = conc[(conc["stage"] == "mining") & (conc["group"] == "REE")].sort_values("year")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=rows["year"],
            y=rows["china_share"],
            name="China share (%)",
            mode="lines+markers",
            line={"color": _CHINA},
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=rows["year"],
            y=rows["hhi"],
            name="HHI (0-10,000)",
            mode="lines+markers",
            line={"color": _OTHER, "dash": "dot"},
        ),
        secondary_y=True,
    )
    fig.update_layout(title="Rare-earth mining: China's share and market concentration")
    fig.update_yaxes(title_text="China share (%)", range=[0, 100], secondary_y=False)
    fig.update_yaxes(title_text="HHI", range=[0, 10_000], secondary_y=True)
    return _source_note(fig, rows["sources"])


def dependency_bounds(dep: pd.DataFrame, bloc: str) -> go.Figure:
    """Low and high bounds of the bloc's dependency per stage and group."""
    rows = dep[dep["dependency_low"].notna()]
    labels = [f"{r.stage} ({r.group})" for r in rows.itertuples()]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels, y=rows["dependency_low"], name="at least (best routing)", marker_color=_CHINA
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=rows["dependency_high"] - rows["dependency_low"],
            name="up to (pro-rata routing)",
            marker_color="#e6b0aa",
        )
    )
    fig.update_layout(
        barmode="stack",
        yaxis={"title": "% of supply", "range": [0, 100]},
        title=f"{bloc}: share of supply that depends on China at or above each stage",
    )
    return _source_note(fig, rows["sources"])


# -- dashboard charts (derisk.web) ----------------------------------------------------------
# Each takes the rows a domain function or a table returned and only draws them; the web
# pages add the same source ids as links under the chart.

_STAGE_ORDER = STAGES
_GROUP_ORDER = GROUPS
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94",
)  # fmt: skip


def _latest_per_stage_group(conc: pd.DataFrame) -> pd.DataFrame:
    rows = conc[conc["china_share"].notna()]
    return rows.sort_values("year").groupby(["stage", "group"]).tail(1)


def share_hhi_heatmap(conc: pd.DataFrame) -> go.Figure:
    """China's share and the HHI per stage x element group, latest year with data each.

    ``conc`` is derisk.diagnose.concentration(); empty cells read 'no data'.
    """
    latest = _latest_per_stage_group(conc)
    groups = [g for g in _GROUP_ORDER if g in set(latest["group"])]
    groups += sorted(set(latest["group"]) - set(groups))
    stages = list(_STAGE_ORDER)
    cell = {(r.stage, r.group): r for r in latest.itertuples()}
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("China's share of world output (%)", "HHI (0-10,000)"),
        horizontal_spacing=0.12,
    )
    for col, (field, zmax, scale, bar_x) in enumerate(
        (("china_share", 100, "Reds", 0.44), ("hhi", 10_000, "Oranges", 1.0)), start=1
    ):
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
                value = float(getattr(r, field))
                zr.append(value)
                label = f"{value:.0f}%" if field == "china_share" else f"{value:,.0f}"
                tr.append(f"{label}<br>({int(r.year)})")
                hr.append(
                    f"{stage} / {group} {int(r.year)}: China {r.china_share:.1f}%, "
                    f"HHI {r.hhi:,.0f}<br>sources: {r.sources}"
                )
            z.append(zr)
            text.append(tr)
            hover.append(hr)
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=groups,
                y=stages,
                text=text,
                texttemplate="%{text}",
                hovertext=hover,
                hoverinfo="text",
                zmin=0,
                zmax=zmax,
                colorscale=scale,
                colorbar={"x": bar_x, "len": 0.9, "thickness": 12},
                xgap=2,
                ygap=2,
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(autorange="reversed", title_text="stage", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_xaxes(title_text="element group")
    fig.update_layout(
        title="Concentration by stage and element group (latest year with data per cell)"
    )
    return _source_note(fig, latest["sources"])


def production_by_country(mine: pd.DataFrame, names: dict[str, str] | None = None) -> go.Figure:
    """Mine production per country and year (stacked, t REO), world total as reported."""
    names = names or {}
    rows = mine[mine["value"].notna()]
    world = rows[rows["country"] == "WLD"].sort_values("year")
    countries = rows[rows["country"] != "WLD"]
    order = countries.groupby("country")["value"].sum().sort_values(ascending=False).index.tolist()
    fig = go.Figure()
    for i, code in enumerate(order):
        part = countries[countries["country"] == code].sort_values("year")
        if not (part["value"] > 0).any():
            continue
        color = _CHINA if code == "CHN" else _PALETTE[i % len(_PALETTE)]
        fig.add_trace(
            go.Bar(
                x=part["year"],
                y=part["value"],
                name=names.get(code, code),
                marker_color=color,
                hovertemplate="%{x}: %{y:,.0f} t REO<extra>" + names.get(code, code) + "</extra>",
            )
        )
    if len(world):
        fig.add_trace(
            go.Scatter(
                x=world["year"],
                y=world["value"],
                name="World total (as reported)",
                mode="lines+markers",
                line={"color": "#222", "dash": "dot"},
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Rare-earth mine production by country (t REO)",
        yaxis={"title": "t REO (rare-earth oxide)"},
        xaxis={"title": "year", "dtick": 1},
        legend={"orientation": "v"},
    )
    return _source_note(fig, rows["source_id"])


def chokepoint_scores(chokes: pd.DataFrame, bloc: str) -> go.Figure:
    """Chokepoint score (0-1) per stage and group, highest first, with the evidence."""
    rows = chokes.sort_values("rank", ascending=False)
    labels = [f"{r.stage} · {r.group} ({r.year})" for r in rows.itertuples()]
    fig = go.Figure(
        go.Bar(
            x=rows["score"],
            y=labels,
            orientation="h",
            marker_color=_CHINA,
            text=[f"{v:.2f}" for v in rows["score"]],
            textposition="outside",
            hovertext=rows["evidence"],
            hoverinfo="text",
        )
    )
    fig.update_layout(
        title=f"Chokepoints for {bloc}: mean of China share, HHI/10,000 and dependency",
        xaxis={"title": "score (0-1)", "range": [0, 1.1]},
        yaxis={"title": ""},
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
        part = part.reindex([s for s in _STAGE_ORDER if s in set(part.index)])
        fig.add_trace(
            go.Bar(
                x=part.index,
                y=part["china_share"],
                name=group,
                marker_color=_PALETTE[i % len(_PALETTE)] if group != symbol else _CHINA,
                text=[
                    f"{v:.0f}% ({int(y)})"
                    for v, y in zip(part["china_share"], part["year"], strict=True)
                ],
                textposition="outside",
            )
        )
    fig.update_layout(
        barmode="group",
        title=f"China's share of world output by stage, groups that include {symbol}",
        yaxis={"title": "% of world output", "range": [0, 110]},
        xaxis={"title": "stage", "categoryorder": "array", "categoryarray": list(_STAGE_ORDER)},
    )
    return _source_note(fig, latest["sources"])


def price_history(prices: pd.DataFrame, symbol: str) -> go.Figure:
    """Price series (nominal USD/kg) for the element; a printed range is drawn as a bar
    from its low to its high around the midpoint, and labelled so."""
    fig = go.Figure()
    rows = prices.copy()
    rows["_series"] = (
        rows["element"] + " · " + rows["product"] + " · " + rows["price_basis"].fillna("")
    )
    for i, (name, part) in enumerate(rows.groupby("_series", sort=True)):
        part = part.sort_values("year")
        is_range = part["value"].isna() & part["value_low"].notna() & part["value_high"].notna()
        y = part["value"].where(~is_range, (part["value_low"] + part["value_high"]) / 2)
        keep = y.notna()
        if not keep.any():
            continue
        part, y, is_range = part[keep], y[keep], is_range[keep]
        plus = (part["value_high"] - y).where(is_range, 0)
        minus = (y - part["value_low"]).where(is_range, 0)
        label = str(name) + (" (range: midpoint, bar = low-high)" if is_range.any() else "")
        short = label if len(label) <= 60 else label[:57] + "..."
        fig.add_trace(
            go.Scatter(
                x=part["year"],
                y=y,
                name=short,
                mode="lines+markers",
                line={"color": _PALETTE[i % len(_PALETTE)]},
                error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True},
                customdata=part[["value_text", "source_id"]],
                hovertemplate="%{x}: %{customdata[0]} USD/kg (%{customdata[1]})<extra>"
                + label.replace("<", "&lt;")
                + "</extra>",
            )
        )
    fig.update_layout(
        title=f"{symbol} prices (nominal USD/kg, as printed by each source)",
        yaxis={"title": "USD/kg (nominal)"},
        xaxis={"title": "year"},
        legend={"font": {"size": 10}},
        height=520,
    )
    return _source_note(fig, rows["source_id"])


def demand_projection(demand: pd.DataFrame, symbol: str) -> go.Figure:
    """Projected demand rows that name the element, by scenario (kt of element)."""
    rows = demand[demand["value"].notna()].sort_values("year")
    fig = go.Figure()
    dashes = ("solid", "dash", "dot", "dashdot", "longdash")
    labels = sorted(rows["element_or_group"].unique())
    scenarios = sorted(rows["scenario"].unique())
    for (label, scenario), part in rows.groupby(["element_or_group", "scenario"], sort=True):
        name = f"{label} · {scenario}"
        fig.add_trace(
            go.Scatter(
                x=part["year"],
                y=part["value"],
                name=name if len(name) <= 60 else name[:57] + "...",
                mode="lines+markers",
                line={
                    "color": _PALETTE[scenarios.index(scenario) % len(_PALETTE)],
                    "dash": dashes[labels.index(label) % len(dashes)],
                },
                hovertemplate="%{x}: %{y:,.2f} " + str(part["unit"].iloc[0]) + "<extra></extra>",
            )
        )
    units = ", ".join(sorted(rows["unit"].unique()))
    fig.update_layout(
        title=f"{symbol}: demand projections in the dataset ({units})",
        yaxis={"title": units},
        xaxis={"title": "year"},
        legend={"font": {"size": 10}},
        height=520,
    )
    return _source_note(fig, rows["source_id"])


def facilities_timeline(facilities: pd.DataFrame, bloc: str) -> go.Figure:
    """Announced (first and latest) against actual start years for the bloc's facilities."""
    rows = facilities.copy()
    has_year = (
        rows["announced_start_first_year"].notna()
        | rows["announced_start_latest_year"].notna()
        | rows["actual_start_year"].notna()
    )
    rows = rows[has_year].sort_values(["country", "stage", "name"], ascending=False)
    labels = [f"{r.name} ({r.country}, {r.stage})" for r in rows.itertuples()]
    first = rows["announced_start_first_year"].astype("Float64")
    latest = rows["announced_start_latest_year"].astype("Float64")
    actual = rows["actual_start_year"].astype("Float64")
    fig = go.Figure()
    # slippage: a line from the first announced year to the latest one
    xs: list = []
    ys: list = []
    for lab, a, b in zip(labels, first, latest, strict=True):
        if pd.notna(a) and pd.notna(b) and a != b:
            xs += [float(a), float(b), None]
            ys += [lab, lab, None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": "#bbb", "width": 6},
            name="slippage (first to latest announced)", hoverinfo="skip",
        )
    )  # fmt: skip
    status = rows["status"].tolist()
    fig.add_trace(
        go.Scatter(
            x=[None if pd.isna(v) else float(v) for v in first],
            y=labels,
            mode="markers",
            marker={"symbol": "circle-open", "size": 11, "color": "#555", "line": {"width": 2}},
            name="first announced start",
            customdata=[
                [s, t] for s, t in zip(status, rows["announced_start"].fillna(""), strict=True)
            ],
            hovertemplate="first announced %{x} (%{customdata[0]})<br>%{customdata[1]}"
            "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None if pd.isna(v) else float(v) for v in latest],
            y=labels,
            mode="markers",
            marker={"symbol": "circle", "size": 10, "color": "#e67e22"},
            name="latest announced start",
            customdata=[[s] for s in status],
            hovertemplate="latest announced %{x} (%{customdata[0]})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None if pd.isna(v) else float(v) for v in actual],
            y=labels,
            mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": "#27ae60"},
            name="actual start",
            customdata=[[t] for t in rows["actual_start"].fillna("")],
            hovertemplate="actual start %{x}<br>%{customdata[0]}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{bloc}: facility start dates, announced vs actual (calendar year)",
        xaxis={"title": "start year", "dtick": 1},
        yaxis={"title": "", "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        height=max(360, 150 + 26 * len(rows)),
    )
    fig = _source_note(fig, rows["source_id"])
    fig.update_annotations(y=-60 / max(360, 150 + 26 * len(rows)) - 0.02)
    return fig

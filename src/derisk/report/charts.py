"""Plotly figures for briefings: titled, sourced, and readable when pasted alone.

The dashboard's own charts are in derisk.report.dashboard_charts; both use
:func:`_source_note`, so every figure carries its source ids and a title that sits
above the plot area (it pushes the top margin instead of running into the plot).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

CHINA_COLOUR = "#c0392b"
_CHINA = CHINA_COLOUR
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
    fig.update_layout(
        margin={"b": 90 + 14 * len(lines), "t": 70},
        template="plotly_white",
        title={"x": 0, "xanchor": "left", "xref": "paper", "yref": "paper", "automargin": True},
    )
    return fig


def _stage_label(row: object) -> str:
    """A short tick label: the stage, the group its figure covers and the year, or 'no
    data'. The longer coverage note goes to the hover (it squeezed the plot to a strip)."""
    group = getattr(row, "group", None)
    scope = group if isinstance(group, str) and group else ""
    if pd.isna(getattr(row, "year", None)) or pd.isna(getattr(row, "china_share", None)):
        return f"{row.stage}<br>({scope + ', ' if scope else ''}no data)"  # type: ignore[attr-defined]
    return f"{row.stage}<br>({scope or 'all'}, {int(row.year)})"  # type: ignore[attr-defined]


def china_share_by_stage(summary: pd.DataFrame) -> go.Figure:
    """Bar per stage with China's share; a stage without data keeps its place on the axis,
    labelled 'no data', and draws no bar (so no zero is plotted or downloaded for it)."""
    rows = summary.copy()
    labels = [_stage_label(r) for r in rows.itertuples()]
    values = [None if pd.isna(v) else float(v) for v in rows["china_share"]]
    text = ["" if v is None else f"{v:.0f}%" for v in values]
    coverage = rows["coverage"] if "coverage" in rows else pd.Series([""] * len(rows))
    fig = go.Figure(
        go.Bar(
            x=labels, y=values, text=text, textposition="outside", marker_color=_CHINA,
            name="China", hovertext=[str(c) for c in coverage], hoverinfo="x+y+text",
        )
    )  # fmt: skip
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

"""Plotly figures for briefings: titled, sourced, and readable when pasted alone."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_CHINA = "#c0392b"
_OTHER = "#7f8c8d"


def _source_note(fig: go.Figure, cited: pd.Series) -> go.Figure:
    """Put the source ids under the chart, wrapped, so a pasted image still cites them."""
    sources = "; ".join(sorted({s for ids in cited.dropna() for s in ids.split(";") if s}))
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
        f"{r.stage}<br>({r.coverage}, {'' if pd.isna(r.year) else int(r.year)})"
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

"""Fan charts of a forecast: the P10-P90 band and the P50 line, per element."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from derisk.report.charts import _source_note

PALETTE = ("#c0392b", "#2471a3", "#7d3c98", "#117a65", "#b9770e", "#566573")


def fan_chart(
    quantiles: xr.DataArray,
    elements: tuple[str, ...],
    title: str,
    units: str,
    sources: str,
) -> go.Figure:
    """quantiles: (quantile[0.1, 0.5, 0.9], element, year) as from summary.ratio_quantiles."""
    years = quantiles["year"].values
    fig = go.Figure()
    for i, element in enumerate(elements):
        q = quantiles.sel(element=element)
        colour = PALETTE[i % len(PALETTE)]
        p10, p50, p90 = (q.sel(quantile=v).values for v in (0.1, 0.5, 0.9))
        fig.add_trace(
            go.Scatter(
                x=list(years) + list(years[::-1]),
                y=list(p90) + list(p10[::-1]),
                fill="toself",
                fillcolor=colour,
                opacity=0.18,
                line={"width": 0},
                hoverinfo="skip",
                name=f"{element} P10-P90",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(x=years, y=p50, name=f"{element} P50", line={"color": colour, "width": 2})
        )
    fig.update_layout(title=title, yaxis={"title": units}, xaxis={"title": "year"})
    return _source_note(fig, pd.Series([sources]))

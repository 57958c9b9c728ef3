"""The numbers behind each dashboard chart: GET /api/charts and /api/charts/{chart_id}.

The chart's Download view links here. The route builds the chart with the same
function and parameters as the page (derisk.web.chartbook.build) and answers the
points the figure draws (derisk.web.chartdata), so the CSV (``_format=csv``) is the
plotted numbers, not the table they were drawn from.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi import Path as Path_

from derisk.errors import InputError
from derisk.web import models as m
from derisk.web.apiutil import API_RESPONSES, NOT_FOUND, ApiError, cached, not_found
from derisk.web.chartbook import DEFAULT_CONTEXT, SPECS, build
from derisk.web.chartdata import figure_rows

router = APIRouter(prefix="/api", responses=API_RESPONSES)


@router.get("/charts", response_model=m.ChartList, summary="The dashboard's charts")
async def list_charts(request: Request) -> Response:
    """Each chart's id, question, page parameter and selectors."""

    def compute() -> dict:
        charts = []
        for spec in SPECS.values():
            query = {c: DEFAULT_CONTEXT[c] for c in spec.context if c in DEFAULT_CONTEXT}
            charts.append(
                {
                    "id": spec.id,
                    "question": spec.question,
                    "context": list(spec.context),
                    "params": [{"name": p.name, "label": p.label} for p in spec.params],
                    "url": f"/api/charts/{spec.id}" + (f"?{urlencode(query)}" if query else ""),
                }
            )
        return {"charts": charts}

    return await cached(request, ("charts",), compute)


@router.get(
    "/charts/{chart_id}",
    response_model=m.ChartData,
    responses=NOT_FOUND,
    summary="The numbers a chart plots, one row per point",
)
async def chart_data(
    request: Request,
    chart_id: str = Path_(description="A chart id (GET /api/charts lists them)."),
) -> Response:
    """The plotted points of one chart; `_format=csv` for the CSV the chart offers.

    Other query parameters are the chart's page parameter (`symbol` for an element
    chart, `bloc` for a bloc chart; Nd and US when left out) and its selectors as GET
    /api/charts lists them, e.g. `/api/charts/element-prices?symbol=Nd&prices=Nd%2BPr`.
    A parameter the chart does not take, or a value it does not offer, is 422; a
    selection with nothing to draw is 404.
    """
    spec = SPECS.get(chart_id)
    if spec is None:
        raise not_found("chart", chart_id[:80], ", ".join(SPECS), field="chart_id")
    query = dict(request.query_params)
    unknown = sorted(set(query) - set(spec.names))
    if unknown:
        raise InputError(
            f"chart {chart_id} takes no parameter {unknown[0]!r}", column=unknown[0][:80],
            expected=", ".join(spec.names) or "no parameters", found=unknown[0][:80],
        )  # fmt: skip

    def compute() -> dict:
        chart = build(request.app.state.store, chart_id, query)
        if chart is None:
            raise ApiError(404, "no data for that selection", field=",".join(spec.names) or None,
                           found=urlencode(query)[:80] or None)  # fmt: skip
        columns, rows = figure_rows(chart.figure)
        return {
            "chart": chart_id,
            "title": str(chart.figure.layout.title.text or ""),
            "question": spec.question,
            "params": chart.values,
            "sources": chart.sources,
            "columns": columns,
            "rows": rows,
        }

    return await cached(request, ("chart", chart_id, tuple(sorted(query.items()))), compute)

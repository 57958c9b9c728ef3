"""A chart as a reader's tool, in the manner of Our World in Data's grapher.

Each chart is a card with four views, as tabs: **Chart** (the Plotly figure),
**Table** (the plotted numbers), **Sources** (each source the figure cites, with its
title and publisher) and **Download** (PNG and SVG drawn in the browser by plotly.js,
and the plotted numbers as CSV or JSON from /api/charts/ID). A chart with a selector
(which element, scenario, bloc or measure) gets a small GET form: choosing reloads the
page with that selection, so every view and the download URL always describe the same
figure, and the page works without script too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from derisk.web import templates as t
from derisk.web.chartbook import Chart
from derisk.web.chartdata import figure_rows
from derisk.web.templates import esc

VIEWS = (("chart", "Chart"), ("table", "Table"), ("sources", "Sources"), ("download", "Download"))


def data_url(chart: Chart, fmt: str | None = None) -> str:
    """/api/charts/ID with the chart's context and selections (and ``_format``)."""
    query = dict(chart.values)
    if fmt:
        query["_format"] = fmt
    return f"/api/charts/{chart.spec.id}?{urlencode(query)}"


def _controls(chart: Chart, action: str, query: Mapping[str, str]) -> str:
    """The selector form; the page's other selections ride along as hidden fields."""
    if not chart.spec.params:
        return ""
    own = {p.name for p in chart.spec.params}
    selects = []
    for param in chart.spec.params:
        current = chart.values.get(param.name, "")
        options = "".join(
            f'<option value="{esc(v)}"{" selected" if v == current else ""}>{esc(label)}</option>'
            for v, label in chart.choices.get(param.name, [])
        )
        selects.append(
            f'<label>{esc(param.label)} <select name="{esc(param.name)}" data-autosubmit>'
            f"{options}</select></label>"
        )
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
        for k, v in query.items()
        if k not in own and v != ""
    )
    return (
        f'<form class="chart-controls" method="get" action="{esc(action)}">'
        f'{"".join(selects)}{hidden}<button type="submit" class="no-js">Show</button></form>'
    )


def _tabs(div_id: str) -> str:
    buttons = "".join(
        f'<button type="button" role="tab" id="{esc(div_id)}-tab-{key}" data-view="{key}" '
        f'aria-controls="{esc(div_id)}-view-{key}" aria-selected="{str(key == "chart").lower()}"'
        f">{label}</button>"
        for key, label in VIEWS
    )
    return f'<div class="chart-tabs" role="tablist" aria-label="Views">{buttons}</div>'


def _view(div_id: str, key: str, body: str) -> str:
    hidden = "" if key == "chart" else " hidden"
    return (
        f'<div class="chart-view chart-view-{key}" role="tabpanel" id="{esc(div_id)}-view-{key}" '
        f'aria-labelledby="{esc(div_id)}-tab-{key}" data-view="{key}"{hidden}>{body}</div>'
    )


def _table_view(chart: Chart, div_id: str) -> str:
    header, rows = figure_rows(chart.figure)
    if not rows:
        return t.no_data("numbers in this chart")
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(t.fmt(row[h], h))}</td>" for h in header) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap table-scroll"><table class="data" id="{esc(div_id)}-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _sources_view(store: Any, ids: Iterable[str]) -> str:
    ids = sorted(set(ids))
    if not ids:
        return '<p class="note">This chart cites no source.</p>'
    found = store.sources(ids)
    rows = {r["source_id"]: r for r in found.to_dict("records")}
    items = []
    for sid in ids:
        r = rows.get(sid, {})
        about = ", ".join(esc(r.get(k)) for k in ("title", "publisher", "date") if esc(r.get(k)))
        items.append(f"<li>{t.source_links(sid)}{': ' + about if about else ''}</li>")
    return f'<ul class="chart-source-list">{"".join(items)}</ul>'


def _download_view(chart: Chart, div_id: str) -> str:
    name = esc(div_id)
    return (
        '<div class="chart-downloads">'
        f'<button type="button" data-download="png" data-chart="{name}">PNG image</button> '
        f'<button type="button" data-download="svg" data-chart="{name}">SVG image</button> '
        f'<a class="download-csv" href="{esc(data_url(chart, "csv"))}" download="{name}.csv">'
        "CSV: the plotted numbers</a> "
        f'<a class="download-json" href="{esc(data_url(chart))}">JSON</a></div>'
        '<p class="note">The images are drawn in this browser; the CSV holds exactly the '
        "numbers the chart plots, one row per point.</p>"
    )


def card(chart: Chart, store: Any, *, action: str, query: Mapping[str, str]) -> str:
    """The chart card: selector, tabs, the four views and a caption citing the sources."""
    div_id = f"chart-{chart.spec.id}"
    payload = t.json_for_script(chart.figure.to_json())
    figure = (
        f'<div class="chart" id="{esc(div_id)}" data-figure="{esc(div_id)}-data"></div>'
        f'<script type="application/json" id="{esc(div_id)}-data">{payload}</script>'
    )
    ids = chart.sources
    note = f"Sources: {t.source_links(';'.join(ids))}" if ids else "Sources: none cited"
    caption = (
        f'<figcaption class="chart-sources">{note} · '
        f'<a href="{esc(data_url(chart, "csv"))}">data (CSV)</a></figcaption>'
    )
    return (
        f'<figure class="chart-box grapher" id="{esc(div_id)}-card" '
        f'data-chart-id="{esc(chart.spec.id)}" data-csv="{esc(data_url(chart, "csv"))}">'
        f'<p class="chart-question">{esc(chart.spec.question)}</p>'
        + _controls(chart, action, query)
        + _tabs(div_id)
        + _view(div_id, "chart", figure)
        + _view(div_id, "table", _table_view(chart, div_id))
        + _view(div_id, "sources", _sources_view(store, ids))
        + _view(div_id, "download", _download_view(chart, div_id))
        + caption
        + "</figure>"
    )

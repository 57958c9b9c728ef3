"""The numbers a chart draws, as rows: what a chart's Table view and CSV download show.

Read from the figure itself (its traces' x, y, z and error arrays), never from the
rows the figure was built from, so the download holds exactly the plotted numbers:
a midpoint drawn for a printed range is the midpoint, a 'Rest of world' bar is the sum
that was drawn. Points a chart does not draw (a missing x or y, an empty heatmap cell,
the gaps between line segments) are left out.

Columns, in order: ``series`` (the trace's name), the x axis title, the y axis title,
then ``value`` for a heatmap cell and ``low``/``high`` where an error bar is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import plotly.graph_objects as go

SERIES = "series"
VALUE = "value"
LOW, HIGH = "low", "high"


def _plain(value: Any) -> Any:
    """A JSON-able scalar: numpy numbers become int/float, NaN becomes None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _values(array: Any) -> list[Any]:
    if array is None:
        return []
    return [_plain(v) for v in array]


def _axis_title(fig: go.Figure, trace: Any, axis: str) -> str:
    """The title of the axis a trace is drawn on ('x' -> xaxis, 'x2' -> xaxis2)."""
    ref = getattr(trace, f"{axis}axis", None) or axis
    try:
        text = fig.layout[f"{axis}axis{ref[1:]}"].title.text
    except (KeyError, ValueError):
        text = None
    return str(text) if text else axis


def columns_of(fig: go.Figure) -> list[str]:
    """The CSV header of a figure: series, x title, y title (+ value, low, high)."""
    x_name = y_name = ""
    heat = bars = False
    for trace in fig.data:
        x_name = x_name or _axis_title(fig, trace, "x")
        y_name = y_name or _axis_title(fig, trace, "y")
        heat = heat or trace.type == "heatmap"
        bars = bars or _error_bars(trace) is not None
    if x_name == y_name:
        x_name, y_name = f"{x_name} (x)", f"{y_name} (y)"
    names = [SERIES, x_name or "x", y_name or "y"]
    return names + ([VALUE] if heat else []) + ([LOW, HIGH] if bars else [])


def _error_bars(trace: Any) -> tuple[list[Any], list[Any]] | None:
    error = getattr(trace, "error_y", None)
    if error is None or not error.visible or error.array is None:
        return None
    plus = _values(error.array)
    minus = _values(error.arrayminus) if error.arrayminus is not None else plus
    return plus, minus


def _trace_rows(trace: Any, index: int) -> Iterator[dict[str, Any]]:
    """(series, x, y[, value][, low, high]) of each drawn point of one trace."""
    name = trace.name or f"trace {index + 1}"
    xs, ys = _values(trace.x), _values(trace.y)
    if trace.type == "heatmap":
        for j, row in enumerate(trace.z or ()):
            for i, z in enumerate(row):
                if _plain(z) is not None and i < len(xs) and j < len(ys):
                    yield {"series": name, "x": xs[i], "y": ys[j], VALUE: _plain(z)}
        return
    bars = _error_bars(trace)
    for i, (x, y) in enumerate(zip(xs, ys, strict=False)):
        if x is None or y is None:
            continue
        row: dict[str, Any] = {"series": name, "x": x, "y": y}
        if bars is not None and isinstance(y, int | float):
            plus, minus = bars
            row[LOW] = _plain(y - (minus[i] or 0))
            row[HIGH] = _plain(y + (plus[i] or 0))
        yield row


def figure_rows(fig: go.Figure) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the rows of every point the figure draws, trace by trace."""
    header = columns_of(fig)
    keys: Sequence[str] = [SERIES, "x", "y", *header[3:]]
    rows = []
    for index, trace in enumerate(fig.data):
        for point in _trace_rows(trace, index):
            rows.append({h: point.get(k) for h, k in zip(header, keys, strict=True)})
    return header, rows

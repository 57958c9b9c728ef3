"""What a chart plots, read from its figure JSON: the oracle the download tests compare
the server's CSV with (test_downloads.py, test_browser.py). It reads the JSON as plotly
writes it, with no derisk code, so a mistake in derisk.web.chartdata cannot hide here."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
import urllib.error
import urllib.request
from html import unescape
from typing import Any

import numpy as np

CARD = re.compile(
    r'<figure class="chart-box grapher" id="chart-(?P<id>[^"]+)-card" '
    r'data-chart-id="[^"]+" data-csv="(?P<csv>[^"]+)">'
)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as reply:  # noqa: S310 - loopback
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def decode(value: Any) -> Any:
    """A figure JSON array: plotly writes numeric arrays as base64 ``{dtype, bdata}``."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    return value


def figure_points(payload: str) -> list[list[Any]]:
    """(series, x, y[, value][, low, high]) of every point the figure JSON draws."""
    points = []
    for i, trace in enumerate(json.loads(payload)["data"]):
        name = trace.get("name") or f"trace {i + 1}"
        xs, ys = decode(trace.get("x", [])), decode(trace.get("y", []))
        if trace.get("type") == "heatmap":
            for j, row in enumerate(decode(trace["z"])):
                points += [[name, xs[k], ys[j], z] for k, z in enumerate(decode(row))
                           if z is not None and not math.isnan(z)]  # fmt: skip
            continue
        error = trace.get("error_y") or {}
        plus = decode(error.get("array")) if error.get("visible") else None
        minus = decode(error.get("arrayminus", error.get("array"))) if plus is not None else None
        for k, (x, y) in enumerate(zip(xs, ys, strict=False)):
            if x is None or y is None or (isinstance(y, float) and math.isnan(y)):
                continue
            points.append([name, x, y] + ([y - minus[k], y + plus[k]] if plus else []))
    return points


def same(a: object, b: object) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a) == str(b)


def assert_csv_is_the_figure(csv_text: str, payload: str, where: str) -> None:
    rows = list(csv.reader(io.StringIO(csv_text)))
    header, body = rows[0], rows[1:]
    points = figure_points(payload)
    assert header[0] == "series" and len(body) == len(points), (where, header, len(points))
    low = header.index("low") if "low" in header else None
    for row, point in zip(body, points, strict=True):
        cells = row[:3] + ([row[3]] if header[3:4] == ["value"] else [])
        if low is not None and len(point) == 5:
            cells += [row[low], row[low + 1]]
        assert all(same(c, p) for c, p in zip(cells, point, strict=True)), (where, row, point)


def cards(body: str) -> list[tuple[str, str, str]]:
    """(chart id, CSV URL, figure JSON) of each chart card of a page."""
    out = []
    for match in CARD.finditer(body):
        ident = match["id"]
        data = re.search(rf'<script type="application/json" id="chart-{re.escape(ident)}-data">'
                         r"(.*?)</script>", body, flags=re.S)  # fmt: skip
        assert data, f"card {ident} has no figure"
        out.append((ident, unescape(match["csv"]), data.group(1)))
    return out

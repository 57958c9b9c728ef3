"""The HTML report: self-contained, charted, and citing every source it uses."""

from __future__ import annotations

import re

import pytest

from derisk.data.store import Store
from derisk.report.html import write_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Store]:
    tmp = tmp_path_factory.mktemp("report")
    store = Store(tmp / "s.duckdb")
    store.build()
    path = write_report(store, tmp / "r.html", bloc="EU27")
    return path.read_text(), store


def test_report_has_at_least_two_charts_and_loads_nothing_from_the_network(report) -> None:
    page, _ = report
    charts = re.findall(r'<div id="chart-[a-z-]+"', page)
    assert len(charts) >= 2
    assert not re.search(r"<script[^>]+src=", page), "external script found"
    assert "Plotly.newPlot" in page


def test_report_lists_every_cited_source_with_its_title(report) -> None:
    page, store = report
    notes = re.findall(r'"text":"(Sources:[^"]*)"', page)
    assert len(notes) >= 2
    text = " ".join(notes).replace("\\u003cbr\\u003e", " ").replace("Sources:", " ")
    ids = {s for s in re.split(r"[;\s]+", text) if s}
    known = set(store.table("sources")["source_id"])
    assert ids and ids <= known
    for sid in ids:
        title = store.sources([sid])["title"].iloc[0]
        assert sid in page and title.split()[0] in page

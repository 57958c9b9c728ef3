"""The plotted numbers of a figure (derisk.web.chartdata) and the CSV any API list
becomes (derisk.web.formats), on figures and answers built here by hand."""

from __future__ import annotations

import csv
import io

import numpy as np
import plotly.graph_objects as go

from derisk.web.chartdata import figure_rows
from derisk.web.formats import records_of, to_csv


def test_lines_skip_the_points_they_do_not_draw() -> None:
    fig = go.Figure(go.Scatter(x=[2020, None, 2022, 2023], y=[1.5, 2.0, None, 4.25], name="a"))
    fig.add_trace(go.Bar(x=["p", "q"], y=np.array([3, 7]), name="b"))
    fig.update_layout(xaxis={"title": "year"}, yaxis={"title": "t REO"})
    header, rows = figure_rows(fig)
    assert header == ["series", "year", "t REO"]
    assert [tuple(r.values()) for r in rows] == [
        ("a", 2020, 1.5), ("a", 2023, 4.25), ("b", "p", 3), ("b", "q", 7),
    ]  # fmt: skip


def test_error_bars_give_the_low_and_high_drawn() -> None:
    fig = go.Figure(
        go.Scatter(x=[1, 2], y=[10.0, 20.0], name="r",
                   error_y={"type": "data", "array": [2.0, 0.0], "arrayminus": [1.0, 0.0],
                            "visible": True})
    )  # fmt: skip
    header, rows = figure_rows(fig)
    assert header == ["series", "x", "y", "low", "high"]
    assert rows[0] == {"series": "r", "x": 1, "y": 10, "low": 9, "high": 12}
    assert rows[1]["low"] == rows[1]["high"] == 20


def test_a_heatmap_gives_one_row_per_filled_cell() -> None:
    fig = go.Figure(go.Heatmap(x=["REE", "magnet"], y=["mining", "metal"],
                               z=[[90.5, None], [None, 80.0]], name="share"))  # fmt: skip
    fig.update_xaxes(title_text="group")
    fig.update_yaxes(title_text="stage")
    header, rows = figure_rows(fig)
    assert header == ["series", "group", "stage", "value"]
    assert [tuple(r.values()) for r in rows] == [
        ("share", "REE", "mining", 90.5), ("share", "magnet", "metal", 80),
    ]  # fmt: skip


def test_records_of_finds_the_list_in_an_answer() -> None:
    assert records_of({"total": 2, "rows": [{"a": 1}, {"a": 2}]}) == [{"a": 1}, {"a": 2}]
    assert records_of({"diagnosis": "x", "notes": ["n"], "records": [{"b": 1}]}) == [{"b": 1}]
    assert records_of({"source_id": "s", "title": "t"}) == [{"source_id": "s", "title": "t"}]


def test_csv_writes_every_key_and_flattens_nested_values() -> None:
    rows = [{"a": 1, "b": None, "c": ["x", "y"]}, {"a": 2.5, "d": {"k": True}, "e": False}]
    parsed = list(csv.reader(io.StringIO(to_csv(rows).decode())))
    assert parsed[0] == ["a", "b", "c", "d", "e"]
    assert parsed[1] == ["1", "", "x;y", "", ""]
    assert parsed[2] == ["2.5", "", "", '{"k": true}', "false"]

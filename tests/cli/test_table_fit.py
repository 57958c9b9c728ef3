"""derisk.cli.table: the column choice and rendering that keep each row on one line."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from derisk.cli import table
from derisk.errors import InputError

NAMES = st.sampled_from(
    ["country", "year", "value", "unit", "source_id", "note", "origin", "import_id",
     "china_share_world", "basis", "qualifier", "description", "x", "a_very_long_header_name"]
)  # fmt: skip
CELL = st.text(alphabet="abcXYZ 0123,.-_é", max_size=60)


@st.composite
def frames_of_text(draw: st.DrawFn) -> dict[str, list[str]]:
    names = draw(st.lists(NAMES, min_size=1, max_size=10, unique=True))
    rows = draw(st.integers(0, 8))
    return {n: [" ".join(c.split()) for c in draw(st.lists(CELL, min_size=rows, max_size=rows))]
            for n in names}  # fmt: skip


def rendered(texts: dict[str, list[str]], width: int) -> tuple[table.Layout, list[str]]:
    layout = table.fit(texts, width)
    console = Console(width=width, color_system=None)
    with console.capture() as capture:
        console.print(table.render(texts, layout, set()))
    return layout, capture.get().splitlines()


@settings(max_examples=150, deadline=None)
@given(texts=frames_of_text(), width=st.integers(20, 240))
def test_a_fitted_table_never_outgrows_its_width(texts: dict[str, list[str]], width: int) -> None:
    layout, lines = rendered(texts, width)
    assert sum(layout.widths.values()) + table.GAP * len(layout.shown) <= width
    assert all(len(line) <= width for line in lines)
    rows = len(next(iter(texts.values())))
    if layout.shown:
        header = max(len(table.header_lines(c, layout.widths[c])) for c in layout.shown)
        assert len(lines) == header + 1 + rows  # the header, its rule, one line per row
    accounted = set(layout.shown) | set(layout.hidden) | set(layout.empty)
    assert accounted == set(texts) and not set(layout.shown) & set(layout.hidden)


@given(texts=frames_of_text())
def test_empty_columns_are_named_not_shown(texts: dict[str, list[str]]) -> None:
    layout = table.fit(texts, 200)
    has_rows = bool(next(iter(texts.values())))
    assert set(layout.empty) == {c for c, v in texts.items() if has_rows and not any(v)}


def test_identity_and_figures_come_before_free_text_and_bookkeeping() -> None:
    texts = {
        "country": ["CHN", "AUS", "USA"],
        "note": ["a long free-text note about the figure and its source"] * 3,
        "origin": ["curated"] * 3,
        "value": ["270,000", "29,000", "45,500"],
        "unit": ["t REO"] * 3,
    }
    layout = table.fit(texts, 30)
    assert layout.shown == ["country", "value", "unit"]
    assert set(layout.hidden) == {"note", "origin"}
    wider = table.fit(texts, 50)
    assert wider.truncated == ["note"] and wider.shown == ["country", "note", "value", "unit"]
    assert "origin" in wider.hidden  # bookkeeping after the note, which took the room


def test_a_figure_is_never_cut_only_an_odd_long_note_is() -> None:
    years = ["2031", "2034", "never", "2040", "never"]
    texts = {"element": list("ABCDE"), "p50": years, "range": ["2030 (2028-never)"] * 5}
    layout = table.fit(texts, 24)
    assert "range" in layout.hidden and "range" not in layout.truncated
    texts["p50"] = [*years[:4], "no data: this element is not in the dataset"]
    assert "p50" in table.fit(texts, 24).truncated


@given(
    name=st.from_regex(r"[a-z]{1,8}(_[a-z]{1,8}){0,3}", fullmatch=True), content=st.integers(0, 30)
)
def test_headers_wrap_at_underscores_onto_two_lines(name: str, content: int) -> None:
    width = table.natural_width(name, content)
    lines = table.header_lines(name, width)
    assert "".join(lines) == name and width >= content
    assert len(lines) <= 2 and max(map(len, lines)) <= width
    if width > max(content, 1):  # no narrower width would do
        narrower = table.header_lines(name, width - 1)
        assert len(narrower) > 2 or max(map(len, narrower)) > width - 1


def test_parse_columns() -> None:
    available = ["country", "year", "value"]
    assert table.parse_columns(None, available) is None
    assert table.parse_columns("all", available) == available
    assert table.parse_columns(" value, country ,value", available) == ["value", "country"]
    with pytest.raises(InputError) as caught:
        table.parse_columns("country,colour", available)
    assert "colour" in str(caught.value) and all(c in str(caught.value) for c in available)


def test_cell_texts_use_the_rows_unit() -> None:
    frame = pd.DataFrame({"year": [2024.0, None], "value": [110e6, 45.5], "unit": ["EUR", "t"]})
    texts = table.cell_texts(frame)
    assert texts["year"] == ["2024", ""]
    assert texts["value"][0].startswith("EUR ") and "110000000" not in texts["value"][0]
    assert texts["value"][1] == "45.5"

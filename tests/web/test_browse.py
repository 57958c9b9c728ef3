"""The data browser's rules (derisk.web.browse): filters ignore case, numbers sort as
numbers, a source id matches among a row's ids, and a bad column names the good ones."""

from __future__ import annotations

import pandas as pd
import pytest

from derisk.data.schema import spec
from derisk.errors import InputError
from derisk.web import browse

PRICES = spec("prices")
MINE = spec("mine_production")


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["CHN", "usa", "AUS", None, "CHN"],
            "year": [2024, 2010, 2009, 2024, 2100],
            "value": [270000.0, 9.5, 100.0, None, 80.0],
            "source_id": ["a; b", "b", "c", "a", "ab"],
            "estimate": [True, False, False, True, False],
        }
    )


def parse(*items: tuple[str, str]) -> browse.TableQuery:
    return browse.parse(MINE, list(items), ("page", "size"))


def test_filters_ignore_case_and_blank_values() -> None:
    query = parse(("country", "chn"), ("note", ""), ("page", "2"))
    assert query.filters == {"country": "chn"}
    rows = browse.apply(frame(), MINE, query)
    assert list(rows.index) == [0, 4]
    assert list(browse.apply(frame(), MINE, parse(("country", "USA"))).index) == [1]


def test_numbers_compare_as_numbers() -> None:
    for text in ("2024", "2024.0", " 2024 "):
        assert list(browse.apply(frame(), MINE, parse(("year", text))).index) == [0, 3]
    assert list(browse.apply(frame(), MINE, parse(("value", "9.50"))).index) == [1]
    assert browse.apply(frame(), MINE, parse(("year", "soon"))).empty


def test_a_source_id_matches_among_a_rows_ids_not_inside_one() -> None:
    rows = browse.apply(frame(), MINE, parse(("source_id", "A")))
    assert list(rows.index) == [0, 3]  # 'ab' is another id


def test_booleans_read_true_and_false() -> None:
    assert list(browse.apply(frame(), MINE, parse(("estimate", "TRUE"))).index) == [0, 3]
    assert list(browse.apply(frame(), MINE, parse(("estimate", "no"))).index) == [1, 2, 4]


def test_sort_numbers_as_numbers_and_text_ignoring_case_blanks_last() -> None:
    by_value = browse.apply(frame(), MINE, parse(("_sort", "value")))
    assert list(by_value["value"].dropna()) == [9.5, 80.0, 100.0, 270000.0]
    assert pd.isna(by_value["value"].iloc[-1])
    down = browse.apply(frame(), MINE, parse(("_sort_desc", "year")))
    assert list(down["year"]) == [2100, 2024, 2024, 2010, 2009]
    assert list(down.index[1:3]) == [0, 3]  # ties keep the store's order
    by_country = browse.apply(frame(), MINE, parse(("_sort", "country")))
    assert list(by_country["country"].iloc[:4]) == ["AUS", "CHN", "CHN", "usa"]


def test_unknown_columns_name_the_valid_ones() -> None:
    with pytest.raises(browse.UnknownColumn) as err:
        parse(("colour", "red"))
    assert err.value.column == "colour"
    assert "country" in (err.value.expected or "") and "origin" in (err.value.expected or "")
    with pytest.raises(browse.UnknownColumn, match="sort"):
        parse(("_sort", "colour"))
    with pytest.raises(InputError, match="twice"):
        parse(("_sort", "year"), ("_sort_desc", "value"))
    with pytest.raises(InputError, match="twice"):
        parse(("country", "CHN"), ("country", "USA"))


def test_query_params_round_trip() -> None:
    query = parse(("country", "chn"), ("_sort_desc", "year"))
    assert browse.parse(MINE, list(query.params().items()), ()) == query


def test_facets_count_rows_and_split_source_ids() -> None:
    facets = {f.column: f for f in browse.facets(frame())}
    assert facets["country"].counts == [("CHN", 2), ("AUS", 1), ("usa", 1)]
    assert facets["year"].counts[0] == ("2024", 2)
    sources = dict(facets["source_id"].counts)
    assert sources == {"a": 2, "b": 2, "c": 1, "ab": 1}
    small = {f.column: f for f in browse.facets(frame(), size=1)}
    assert small["source_id"].more == 3 and len(small["source_id"].counts) == 1

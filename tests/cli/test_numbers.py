"""derisk.report.numbers: the rules every table prints numbers by, as properties.

The CLI table, the web pages and the briefing share these rules, so they are stated
as invariants over many values rather than as a few examples.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from derisk.report.numbers import format_column, format_number, kind_of, money_currency

YEAR_COLUMNS = st.sampled_from(["year", "as_of", "deadline_year", "year_start", "vintage"])
SHARE_COLUMNS = st.sampled_from(["china_share", "top3_share", "share_pct", "dependency_low"])
CURRENCY = st.sampled_from(["USD", "EUR", "AUD", "CAD", "GBP"])
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@given(year=st.integers(1000, 3000), column=YEAR_COLUMNS, as_float=st.booleans())
def test_years_are_digits_without_separators(year: int, column: str, as_float: bool) -> None:
    assert format_number(float(year) if as_float else year, column) == str(year)


@given(year=st.integers(1000, 3000), column=YEAR_COLUMNS, currency=CURRENCY)
def test_a_year_stays_a_year_whatever_the_rows_unit(year: int, column: str, currency: str) -> None:
    assert format_number(year, column, currency) == str(year)


@given(hhi=st.floats(0, 10_000), numpy=st.booleans())
def test_hhi_prints_as_an_integer(hhi: float, numpy: bool) -> None:
    text = format_number(np.float64(hhi) if numpy else hhi, "hhi")
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", text), text
    assert abs(int(text.replace(",", "")) - hhi) <= 0.5


@given(share=st.floats(0, 100), column=SHARE_COLUMNS)
def test_shares_have_one_decimal(share: float, column: str) -> None:
    text = format_number(share, column)
    assert re.fullmatch(r"\d+\.\d", text), text
    assert abs(float(text) - share) <= 0.05 + 1e-9


@given(share=st.floats(0, 100), unit=st.sampled_from(["percent", "%", "percent of REO"]))
def test_a_percent_unit_makes_the_value_a_share(share: float, unit: str) -> None:
    assert re.fullmatch(r"\d+\.\d", format_number(share, "value", unit))


@given(amount=st.floats(1e6, 1e14), currency=CURRENCY)
@example(amount=999.96e6, currency="EUR")  # rounds up into the next scale
@example(amount=110e6, currency="EUR")  # the bloc page case
def test_money_reads_currency_amount_and_scale(amount: float, currency: str) -> None:
    text = format_number(amount, "value", currency)
    match = re.fullmatch(rf"{currency} ([\d,]+(?:\.\d)?) (million|billion|trillion)", text)
    assert match, text
    scale = {"million": 1e6, "billion": 1e9, "trillion": 1e12}[match[2]]
    shown = float(match[1].replace(",", "")) * scale
    assert abs(shown - amount) <= 0.05 * scale + 1e-6 * amount
    assert 1 <= float(match[1].replace(",", "")) < 1000 or match[2] == "trillion"


@given(amount=st.floats(0.01, 1e5), currency=CURRENCY)
def test_a_scaled_money_unit_is_multiplied_out(amount: float, currency: str) -> None:
    text = format_number(amount, "value", f"million {currency}")
    assert text.startswith(f"{currency} ")
    assert format_number(amount * 1e6, "value", currency) == text


@given(price=finite, currency=CURRENCY)
def test_a_price_is_not_an_amount_of_money(price: float, currency: str) -> None:
    for unit in (f"{currency}/kg", f"{currency} each", f"billion {currency} per year"):
        assert money_currency(unit) is None
        assert currency not in format_number(price, "value", unit)


@given(value=finite, column=st.sampled_from(["value", "score", "n_effective", "ratio"]))
def test_plain_numbers_round_trip_to_their_precision(value: float, column: str) -> None:
    text = format_number(value, column)
    back = float(text.replace(",", ""))
    assert abs(back - value) <= max(0.5, abs(value) * 1e-2)
    if abs(value) >= 1000:
        assert "." not in text


@given(
    values=st.lists(
        st.floats(0, 999, allow_nan=False).map(lambda v: round(v, 2)), min_size=1, max_size=20
    )
)
def test_a_column_of_plain_numbers_shares_its_decimals(values: list[float]) -> None:
    texts = format_column(values, "value")
    places = {len(t.partition(".")[2]) for t in texts}
    assert len(places) == 1, texts
    assert all(
        abs(float(t.replace(",", "")) - v) < 0.006 for t, v in zip(texts, values, strict=True)
    )


@given(value=st.one_of(st.none(), st.just(math.nan), st.just(pd.NA), st.just(pd.NaT)))
def test_missing_is_empty(value: object) -> None:
    assert format_number(value, "value") == ""


@given(value=st.one_of(finite, st.integers(), st.text(), st.booleans(), st.none()))
def test_any_cell_becomes_text(value: object) -> None:
    assert isinstance(format_number(value, "value", "t"), str)


def test_the_name_decides_before_the_unit() -> None:
    assert kind_of("year", "EUR") == "year"
    assert kind_of("import_id", "percent") == "id"
    assert kind_of("value", "EUR") == "money"
    assert kind_of("hhi_wgi_global") == "number"  # the EU's 0-10 index, not an HHI
    assert format_number(np.int64(1234), "import_id") == "1234"

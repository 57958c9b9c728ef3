"""How a number is written, by what it measures: the one home for every interface.

The CLI, the web pages and the briefing all print numbers; they must agree, so the
rules live here. A number's kind comes from its column name first, then its unit:

- years (``year``, ``*_year``, ``year_*``, ``as_of``, ``vintage``): ``2024``, never
  ``2,024.00``;
- identifiers (``id``, ``*_id``): the digits alone, ``1234``;
- HHI (``hhi``, ``*_hhi``; not the EU's ``hhi_wgi_*`` index on a 0-10 scale): an
  integer with a thousands separator, ``5,054``;
- shares (``share``, ``pct``, ``percent``, ``dependency``, or a ``%``/``percent``
  unit): one decimal, ``91.3``;
- money (a unit that is a currency amount, ``EUR`` or ``million USD``; not a price
  such as ``USD/kg``): the currency and a scale, ``EUR 110 million``;
- counts and ranks: integers;
- anything else: thousands separators, and at most two decimals (three significant
  digits below 0.01).

Machine formats (CSV, JSON, TSV) never pass through here: they carry raw values.
"""

from __future__ import annotations

import math
import numbers as _abc
import re
from collections.abc import Sequence

import pandas as pd

from derisk.vocabulary import CURRENCIES

YEAR_NAMES = ("year", "as_of", "vintage", "first_announced", "start_or_bound")
SHARE_HINTS = ("share", "pct", "percent", "dependency")
COUNT_NAMES = ("rank", "count", "n", "rows", "draws")
SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
UNIT_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_MONEY_UNIT = re.compile(
    rf"^(?:(?P<pre>{'|'.join(UNIT_SCALES)})\s+)?(?P<cur>{'|'.join(CURRENCIES)})"
    rf"(?:\s+(?P<post>{'|'.join(UNIT_SCALES)}))?$",
    re.IGNORECASE,
)


def _kind_by_name(name: str) -> str | None:
    """The kind a column's name alone decides; None when only the unit can tell."""
    if name in YEAR_NAMES or name.endswith("_year") or name.startswith("year"):
        return "year"
    if name == "id" or name.endswith("_id"):
        return "id"
    if (name == "hhi" or name.endswith("_hhi") or name.startswith("hhi")) and "wgi" not in name:
        return "hhi"
    if any(h in name for h in SHARE_HINTS):
        return "share"
    if name in COUNT_NAMES or name.endswith(("_count", "_rows")):
        return "count"
    return None


def kind_of(column: str = "", unit: str | None = None) -> str:
    """The kind of a column: year, id, hhi, share, money, count or number.

    The name wins over the unit: a row whose unit is ``EUR`` still has a ``year``
    that is a year, not an amount of euros.
    """
    by_name = _kind_by_name(column.lower())
    if by_name:
        return by_name
    if money_currency(unit):
        return "money"
    text = (unit or "").strip().lower()
    if text.startswith(("%", "percent")):
        return "share"
    return "number"


def _money_match(unit: str | None) -> re.Match[str] | None:
    """The one parse of a money unit, so the currency and its scale never disagree."""
    return _MONEY_UNIT.match((unit or "").strip())


def money_currency(unit: str | None) -> str | None:
    """The currency a unit is an amount of (``EUR``, ``million USD``), or None.

    A price or a rate (``USD/kg``, ``USD each``, ``billion USD per year``) is not an
    amount: it keeps its unit column, and its value is written as a plain number.
    """
    match = _money_match(unit)
    return match["cur"].upper() if match else None


def money_scale(unit: str | None) -> float:
    """The factor a money unit carries: 1e6 for ``million USD``, else 1."""
    match = _money_match(unit)
    if not match:
        return 1.0
    word = (match["pre"] or match["post"] or "").lower()
    return UNIT_SCALES.get(word, 1.0)


def is_missing(value: object) -> bool:
    """None, NaN and pandas' missing markers (NA, NaT)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_money(value: float, currency: str) -> str:
    """``EUR 110 million``: the currency and a scale a reader can say aloud."""
    for size, word in SCALES:  # largest first; rounded first, so 999.96 million is 1 billion
        scaled = round(value / size, 1)
        if abs(scaled) >= 1:
            return f"{currency} {f'{scaled:,.1f}'.removesuffix('.0')} {word}"
    return f"{currency} {value:,.0f}"


def _plain(number: float) -> str:
    """A number of no particular kind: separators, and only the decimals that inform."""
    if number.is_integer() or abs(number) >= 1000:
        return f"{number:,.0f}"
    if number == 0:
        return "0"
    if abs(number) < 0.01:
        return f"{number:,.3g}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _is_number(value: object) -> bool:
    """A real, present number (numpy included); bools are flags, not numbers."""
    return isinstance(value, _abc.Real) and not isinstance(value, bool) and not is_missing(value)


def format_column(
    values: Sequence[object], column: str = "", units: Sequence[str | None] | None = None
) -> list[str]:
    """A column of cells, each by :func:`format_number`, plain numbers to one precision.

    ``4.9`` above ``5`` reads as a different precision; a column of plain numbers
    below 1000 shares the decimals its most precise cell needs (at most two), so it
    reads ``4.9`` above ``5.0``. Years, shares, HHI and money already agree.
    """
    units = list(units) if units is not None else [None] * len(values)
    texts = [format_number(v, column, u) for v, u in zip(values, units, strict=True)]
    if any(kind_of(column, u) != "number" for u in units):
        return texts
    small = [i for i, v in enumerate(values) if _is_number(v) and abs(float(v)) < 1000]
    fractions = [texts[i].partition(".")[2] for i in small if "." in texts[i]]
    if not fractions or max(map(len, fractions)) > 2:
        return texts
    places = max(map(len, fractions))
    for i in small:
        texts[i] = f"{float(values[i]):,.{places}f}"  # type: ignore[arg-type]
    return texts


def format_number(value: object, column: str = "", unit: str | None = None) -> str:
    """A cell as text, written for its kind; missing values are ''.

    Non-numbers (text, dates) come back as ``str(value)``, so any cell can go through.
    """
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, _abc.Real):
        return str(value)
    number = float(value)
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    kind = kind_of(column, unit)
    if kind == "money":
        return format_money(number * money_scale(unit), money_currency(unit) or "")
    if kind in ("year", "id"):
        return f"{number:.0f}" if number.is_integer() else f"{number:.1f}"
    if kind in ("hhi", "count"):
        return f"{number:,.0f}"
    if kind == "share":
        return f"{number:.1f}"
    return _plain(number)

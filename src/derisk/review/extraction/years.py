"""Find the years a sentence names and pick the period a claim is about
(`find_years`, `_period`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from derisk.review.extraction.quantities import _Found
from derisk.review.extraction.quantity_patterns import _I, _MONTH

_YEAR = re.compile(r"(?<![\w$€£¥.,/-])(?:mid-|early-|late-)?(?P<y>(?:19|20)\d\d)(?![\w%]|[.,]\d)")
_PERIOD_BEFORE = re.compile(
    r"\b(?P<p>in|by|since|until|till|through|thru|to|from|between|before|after|as\s+of"
    r"|during|for|on|at|of|ahead\s+of|starting)\s+"
    r"(?:(?:the\s+)?(?:end|start|beginning|middle|close|first\s+half|second\s+half"
    r"|(?:first|second|third|fourth)\s+quarter|turn)\s+of\s+)?"
    r"(?:(?:early|late|mid)[- ]?\s*)?"
    r"(?:"
    + _MONTH
    + r"\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?|\d{1,2}(?:st|nd|rd|th)?\s+"
    + _MONTH
    + r",?\s+|Q[1-4]\s+|H[12]\s+|(?:fiscal|FY)\s*)?$",
    _I,
)
_PERIOD_KIND = {
    "in": "in",
    "during": "in",
    "as of": "in",
    "for": "in",
    "on": "in",
    "at": "in",
    "of": "in",
    "by": "by",
    "before": "by",
    "ahead of": "by",
    "since": "since",
    "from": "since",
    "after": "since",
    "between": "since",
    "starting": "since",
    "until": "until",
    "till": "until",
    "through": "until",
    "thru": "until",
    "to": "until",
}


_COMPARISON_BEFORE = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|versus|vs\.?|from|over|against|relative\s+to)\s+"
    r"(?:(?:in|the|same\s+period\s+(?:of|in)|levels?\s+(?:of|in))\s+)*$",
    _I,
)
_TO_YEAR_AFTER = re.compile(r"\s*(?:-|–|to|until|through|and)\s*(?:19|20)\d\d\b", _I)


def find_years(text: str, quantities: Sequence[_Found] = ()) -> list[tuple[int, str | None, bool]]:
    """(year, period kind, is a comparison) for each year in ``text`` outside a quantity.

    A comparison is a year the claim measures against ("up 6% from 2023", "than in 2020");
    "from 2020 to 2024" is a period (kind "since"), not a comparison.
    """
    out = []
    for m in _YEAR.finditer(text):
        s = m.start("y")
        if any(f.start <= s < f.end for f in quantities):
            continue
        year = int(m.group("y"))
        window = text[max(0, m.start() - 60) : m.start()]
        pm = _PERIOD_BEFORE.search(window)
        kind = _PERIOD_KIND.get(" ".join(pm.group("p").lower().split())) if pm else None
        comparison = bool(_COMPARISON_BEFORE.search(window)) and not _TO_YEAR_AFTER.match(
            text, m.end()
        )
        out.append((year, None if comparison else kind, comparison))
    return out


def _period(years: Sequence[tuple[int, str | None, bool]]) -> tuple[int | None, str | None]:
    """The year a claim is about: the first with a preposition, else the first that is
    not a comparison, else the first."""
    for year, kind, comparison in years:
        if kind is not None and not comparison:
            return year, kind
    for year, kind, comparison in years:
        if not comparison:
            return year, kind
    return (years[0][0], None) if years else (None, None)

"""Reading figures as sources print them, without rounding them into shape.

Sources print '>95', '~2,800', '1400-1420', 'NA' or a phrase. We keep the printed
text, and derive a number only where the text states one; a range keeps both ends
and no invented midpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derisk.vocabulary import CURRENCIES, MATERIAL_WORDS

_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_PREFIX = r"(?P<prefix>~|>=|<=|>|<|≥|≤|up to|approx\.?|about|more than|over)?"
_RANGE = re.compile(
    rf"^{_PREFIX}\s*(?P<low>{_NUMBER})\s*(?:-|–|to)\s*(?P<high>\d[\d,]*(?:\.\d+)?)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"^{_PREFIX}\s*(?P<num>{_NUMBER})\s*(?P<rest>.*)$", re.IGNORECASE)
_QUALIFIER_OF_PREFIX = {
    None: "=",
    "~": "~",
    "approx": "~",
    "approx.": "~",
    "about": "~",
    ">": ">",
    "more than": ">",
    "over": ">",
    ">=": ">=",
    "≥": ">=",
    "<": "<",
    "<=": "<=",
    "≤": "<=",
    "up to": "<=",
}


@dataclass(frozen=True)
class Parsed:
    """A printed figure split into the parts an analysis may rely on."""

    value: float | None
    qualifier: str
    low: float | None = None
    high: float | None = None
    rest: str = ""


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def parse_figure(text: str | None) -> Parsed | None:
    """Parse a printed figure; None for an empty cell, qualifier 'text' for prose."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw == "":
        return None
    if raw.upper() in {"NA", "N/A", "NAN"}:
        return Parsed(None, "NA")
    m = _RANGE.match(raw)
    if m and _rest_is_unit(m.group("rest")):
        low, high = _num(m.group("low")), _num(m.group("high"))
        if low <= high:
            prefix = (m.group("prefix") or "").lower() or None
            if prefix in (None, "~", "approx", "approx.", "about"):
                return Parsed(None, "range", low, high, m.group("rest").strip())
    m = _SINGLE.match(raw)
    if m and _rest_is_unit(m.group("rest")):
        prefix = (m.group("prefix") or "").lower() or None
        return Parsed(
            _num(m.group("num")), _QUALIFIER_OF_PREFIX[prefix], rest=m.group("rest").strip()
        )
    return Parsed(None, "text")


def _rest_is_unit(rest: str) -> bool:
    """A trailing unit or parenthetical is fine; more numbers mean prose like '90 + 161'."""
    rest = rest.strip()
    if rest == "":
        return True
    if rest.startswith(("+", "->", "/", "×", "x ")):
        return False
    without_parens = re.sub(r"\(.*?\)", "", rest)
    return not re.search(r"\d", without_parens.replace("Y2O3", "").replace("CO2", ""))


def basis_for_unit(unit: str, context: str = "") -> str:
    """The basis a unit implies; 'not_stated' for bare masses whose basis is unknown.

    The unit decides where it can (t REO is oxide, kt (element) is element); the
    context (a label such as 'NdFeB magnet') only settles bare masses.
    """
    u = unit.strip()
    low = u.lower()
    ctx = context.lower()
    if low.startswith(("percent", "%", "wt%", "wt percent", "share")) or low.endswith("%"):
        return "share"
    if "fraction" in low:
        return "share"
    if "reo" in low or "oxide" in low or "y2o3" in low:
        return "oxide"
    if "element" in low or "contained" in low or "as metal" in low:
        return "element"
    if "usd/kg" in low or "/kg" in low:
        return "price"
    if "kg per" in low or "per mw" in low or "per vehicle" in low or "kg/" in low:
        return "intensity"
    if any(low.startswith(c.lower()) for c in CURRENCIES) or "usd" in low or "eur" in low:
        return "money"
    if re.match(r"^(k?t|mt|tonnes?|kt \(gg\))\b", low) or low.startswith("t/"):
        if "magnet ree" in ctx or "magnet rare earth" in ctx:
            return "not_stated"  # rare-earth content of magnets, basis (oxide/element) unsaid
        if any(w in low or w in ctx for w in MATERIAL_WORDS):
            return "material"
        return "not_stated"
    return "other"


def first_year(text: str | None) -> int | None:
    """The first four-digit year in a date-like string such as '2023 (2022 plan); 2024'."""
    years = all_years(text)
    return years[0] if years else None


def all_years(text: str | None) -> list[int]:
    """Every plausible year (1900-2100) mentioned, in order of appearance."""
    if not text:
        return []
    return [int(y) for y in re.findall(r"(?<!\d)(19\d\d|20\d\d|2100)(?!\d)", str(text))]


_ESTIMATE_WORDS = re.compile(r"\b(estimat\w*|approx\w*|derived|roughly|about)\b|~", re.IGNORECASE)


def looks_estimated(*texts: str | None) -> bool:
    """derisk's estimate rule for sources that carry no flag of their own (see docs/DATA.md)."""
    return any(t and _ESTIMATE_WORDS.search(str(t)) for t in texts)

"""Parse the quantities a text states: `Quantity`, `parse_quantities` and the scanner
behind it. Units, ranges and bounds are described in `derisk.review.claims`'s module
docstring."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from derisk import vocabulary
from derisk.review.quantity_patterns import (
    _ANY_DIGIT,
    _BETWEEN_BEFORE,
    _CORE,
    _CORE_WORDS,
    _COUNT_NOUN,
    _CURRENCY_AFTER,
    _CURRENCY_BEFORE,
    _CURRENCY_CODE,
    _CURRENCY_WORD,
    _DIGITS,
    _DOLLAR_KIND,
    _DURATION,
    _FRACTION,
    _FRACTION_DENOM,
    _FROM_BEFORE,
    _I,
    _IDENTIFIER_BEFORE,
    _MAGNITUDE,
    _MAGNITUDE_VALUE,
    _MASS,
    _MULTIPLE,
    _OF_AFTER,
    _ORDINAL_BEFORE,
    _OUT_OF,
    _PER_MASS,
    _PER_YEAR,
    _PERCENT,
    _RANGE_SEP,
    _SUFFIX_QUALIFIER,
    _alternatives,
    _basis,
    _date_spans,
    _is_year_text,
    _number,
    _prefix,
)


@dataclass(frozen=True)
class Quantity:
    """A number as the text states it; see the module docstring for units and ranges."""

    value: float
    unit: str
    text: str
    low: float | None = None
    high: float | None = None
    approx: bool = False
    bound: str | None = None  # "at_least" | "at_most" | None
    basis: str | None = None  # "REO" | "element" | "magnet_ree" | "material" | None
    per: str | None = None  # "year" for a rate: "7,000 tpa", "2,000 tonnes a year"


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    quantity: Quantity
    noun: str | None = None


def _parse_number(text: str, m: re.Match[str]) -> tuple[_Found | None, int]:
    """Parse the number at ``m`` and what follows it; returns (found or None, end)."""
    s, e = m.span()
    digits, word = m.groupdict().get("d"), m.group("w")
    value = _number(digits, word)
    if value is None:
        return None, e
    # part of an identifier: Q1, G7, F-35, COVID-19, No. 61, 2024-25
    cm = _CURRENCY_BEFORE.match(text, s, 10) if digits and s else None
    if s and (text[s - 1].isalnum() or text[s - 1] == "_") and cm is None:
        return None, e
    if s >= 2 and text[s - 1] in "-–—/" and text[s - 2].isalnum():
        return None, e
    if s and _IDENTIFIER_BEFORE.match(text, s, 16):
        return None, e

    start = s
    currency = None
    if cm:
        code = cm.group()[::-1].replace(" ", "")
        currency = _CURRENCY_CODE.get(code) or _CURRENCY_CODE.get(code.rstrip("$"), "USD")
        start = s - len(cm.group())
    approx, bound = _prefix(text, start)
    between = _BETWEEN_BEFORE.match(text, start, 12) is not None
    from_before = _FROM_BEFORE.match(text, start, 8) is not None

    pos = e
    mag = 1.0
    mm = _MAGNITUDE.match(text, pos)
    if mm and _magnitude_ok(mm, word):
        mag = _MAGNITUDE_VALUE[mm.group("m").lower()]
        pos = mm.end()
    if text.startswith("-odd", pos):
        approx, pos = True, pos + 4
    unit: str | None = None
    pm = _PERCENT.match(text, pos)
    if pm:
        unit = "percent" if pm.group("pct") else "pp"
        pos = pm.end()

    # range
    low = high = None
    rm = _RANGE_SEP.match(text, pos)
    if rm:
        sep = rm.group("sep").lower()
        ok = sep in "-–—" or (sep == "to" and not from_before) or (sep == "and" and between)
        cur2 = _CURRENCY_BEFORE_AT.match(text, rm.end()) if ok else None
        p2 = cur2.end() if cur2 else rm.end()
        m2 = _CORE.match(text, p2) if ok else None
        if m2 and (m2.group("d") is None) == (digits is None):
            v2 = _number(m2.group("d"), m2.group("w"))
            raw2 = m2.group("d") or ""
            if v2 is not None and not (_is_year_text(raw2) and not currency and unit is None):
                pos2 = m2.end()
                mag2 = 1.0
                mm2 = _MAGNITUDE.match(text, pos2)
                if mm2 and _magnitude_ok(mm2, m2.group("w")):
                    mag2 = _MAGNITUDE_VALUE[mm2.group("m").lower()]
                    pos2 = mm2.end()
                if mag == 1.0 and mag2 != 1.0:
                    mag = mag2
                pm2 = _PERCENT.match(text, pos2)
                unit2 = ("percent" if pm2.group("pct") else "pp") if pm2 else None
                same_unit = unit is None or unit2 == unit or sep != "to"
                if v2 * mag2 >= value * mag and same_unit:
                    low, high = value * mag, v2 * mag2
                    pos = pm2.end() if pm2 else pos2
                    unit = unit2 or unit
    value *= mag

    noun = None
    per: str | None = None
    basis_needed = False
    if unit is None:
        if currency:
            unit = currency
            per = _PER_MASS.match(text, pos)
            if per:
                u = per.group("u").lower()
                unit = currency + (
                    "/kg" if u.startswith("k") else "/lb" if u.startswith(("lb", "pound")) else "/t"
                )
                pos = per.end()
                basis_needed = True
        else:
            ca = _CURRENCY_AFTER.match(text, pos)
            ms = _MASS.match(text, pos)
            mult = _MULTIPLE.match(text, pos)
            dur = _DURATION.match(text, pos)
            if ca:
                if ca.lastgroup in _CURRENCY_WORD:
                    unit = _CURRENCY_WORD[str(ca.lastgroup)]
                else:  # dollars, perhaps "Australian dollars"
                    which = " ".join((ca.group("cur") or "").lower().split())
                    unit = _DOLLAR_KIND.get(which, "USD")
                pos = ca.end()
                per = _PER_MASS.match(text, pos)
                if per:
                    u = per.group("u").lower()
                    unit += (
                        "/kg"
                        if u.startswith("k")
                        else "/lb"
                        if u.startswith(("lb", "pound"))
                        else "/t"
                    )
                    pos = per.end()
                    basis_needed = True
            elif ms:
                u = ms.group("u")
                ul = u.lower()
                factor = 1.0
                unit = "t"
                if ul in ("kt", "ktpa") or ul.startswith("kilot"):
                    factor = 1e3
                elif u == "Mt" or ul == "mtpa":  # "MT" and "mt" are metric tonnes
                    factor = 1e6
                elif ul in ("kg",) or ul.startswith("kilogram"):
                    unit = "kg"
                elif ul.startswith("lb") or ul == "pounds":
                    unit = "lb"
                if ul in ("ktpa", "mtpa", "tpa", "tpy", "t/yr", "t/y", "t/a"):
                    per = "year"
                value *= factor
                if low is not None and high is not None:
                    low, high = low * factor, high * factor
                pos = ms.end()
                py = _PER_YEAR.match(text, pos)
                if unit == "t" and per is None and py:
                    per = "year"
                    pos = py.end()
                basis_needed = True
            elif mult and (mult.group("x") is None or mult.group("x") in "x×"):
                unit = "x"
                pos = mult.end()
            elif dur:
                u = dur.group("u").lower()
                unit = "month" if u.startswith("month") else "year"
                if u.startswith("decade"):
                    value *= 10
                    if low is not None and high is not None:
                        low, high = low * 10, high * 10
                pos = dur.end()
            elif (oo := _OUT_OF.match(text, pos)) and mag == 1.0 and low is None:
                d = _number(oo.group("d"), oo.group("w"))
                if d and value <= d <= 1000 and not _is_year_text(oo.group("d") or ""):
                    unit = "percent"  # "nine out of ten", "one in five"
                    value = 100.0 * value / d
                    pos = oo.end()
            else:
                cn = _COUNT_NOUN.match(text, pos)
                if cn:
                    unit = "count"
                    noun = cn.group("noun")
                    pos = cn.end()

    # a number glued to letters that are not its unit: 10X, 48C, 3rd, 5G
    if pos == e and e < len(text) and text[e].isalpha():
        return None, e
    if (
        digits
        and _is_year_text(digits)
        and mag == 1.0
        and unit in (None, "count", "number", "year", "month", "x")
    ):
        return None, e  # a year ("in 2024", "2024 companies"), not a quantity
    if unit is None:
        if word:
            return None, e  # "seven" alone says nothing checkable
        unit = "number"
    if word and word.lower() == "one" and mag == 1.0 and unit in ("count", "number", "year"):
        return None, pos  # "one of the", "one year": too vague to be a figure

    sq = _SUFFIX_QUALIFIER.match(text, pos)
    if sq:
        if sq.group("ge"):
            approx, bound = True, "at_least"
        elif sq.group("le"):
            approx, bound = True, "at_most"
        else:
            approx = True
        pos = sq.end()
    if approx is False and text[max(0, start - 1) : start] == "~":
        approx = True

    basis = _basis(text, pos) if basis_needed else None
    if low is not None:
        value = low
    q = Quantity(
        value=value,
        unit=unit,
        text=text[start:pos],
        low=low,
        high=high,
        approx=approx,
        bound=bound,
        basis=basis,
        per=per,
    )
    return _Found(start, pos, q, noun), pos


def _magnitude_ok(m: re.Match[str], word: str | None) -> bool:
    """Single-letter magnitudes (m, bn's b, k) only when glued to digits: "$400m", not "5 m"."""
    single = m.group("m").lower() in ("b", "m", "k")
    return not (single and (m.group("sp") or word))


#: A currency symbol before the second number of a range ("$1-$2 billion").
_CURRENCY_BEFORE_AT = re.compile(
    "(?:"
    + _alternatives([sym for c in vocabulary.CURRENCY_TERMS for sym in c.symbols], space=" ")
    + ")"
)


_FOLD = re.compile(
    r"(?<![\w-])(?:(?P<n>two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|\d+)"
    r"-?fold|(?P<v>doubl|tripl|quadrupl)(?:e|ed|es|ing)(?!-))(?![\w-])",
    _I,
)
_FOLD_VERB = {"doubl": 2.0, "tripl": 3.0, "quadrupl": 4.0}


def _fractions(text: str) -> list[_Found]:
    """Fractions ("two-thirds"), "N out of M", and multiples ("threefold", "doubled")."""
    out: list[_Found] = []
    low = text.lower()
    if any(w in low for w in ("fold", "doubl", "tripl", "quadrupl")):
        out.extend(_folds(text))
    if any(w in low for w in ("half", "halves", "third", "quarter", "fifth")):
        out.extend(_fraction_words(text))
    return out


def _folds(text: str) -> list[_Found]:
    out = []
    for m in _FOLD.finditer(text):
        if m.group("v"):
            value = _FOLD_VERB[m.group("v").lower()]
        else:
            n = m.group("n")
            value = _number(n if n[0].isdigit() else None, n) or 0.0
        approx, bound = _prefix(text, m.start())
        out.append(
            _Found(m.start(), m.end(), Quantity(value, "x", m.group(), approx=approx, bound=bound))
        )
    return out


def _fraction_words(text: str) -> list[_Found]:
    out = []
    for m in _FRACTION.finditer(text):
        denom = _FRACTION_DENOM[m.group("d").lower()]
        num_word = (m.group("n") or "").lower()
        plural = m.group("d").lower().endswith("s") and m.group("d").lower() != "halves"
        if plural and not num_word or num_word in ("a", "an") and plural:
            continue
        num = {"": 1, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}[num_word]
        if num >= denom:
            continue
        if not plural and not _OF_AFTER.match(text, m.end()):
            continue
        if not num_word and _ORDINAL_BEFORE.match(text, m.start(), 12):
            continue
        approx, bound = _prefix(text, m.start())
        out.append(
            _Found(
                m.start(),
                m.end(),
                Quantity(100.0 * num / denom, "percent", m.group(), approx=approx, bound=bound),
            )
        )
    return out


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    for a, b in spans:  # noqa: SIM110 (a plain loop is faster than any() on a generator)
        if start < b and a < end:
            return True
    return False


def _scan(text: str) -> list[_Found]:
    """All quantities in ``text`` with their spans, in order, without overlaps."""
    if not text:
        return []
    has_digit = _ANY_DIGIT.search(text) is not None
    taken: list[tuple[int, int]] = _date_spans(text) if has_digit else []
    found: list[_Found] = []
    for f in _fractions(text):
        if not _overlaps(f.start, f.end, taken):
            found.append(f)
            taken.append((f.start, f.end))
    pos = 0
    for m in (_CORE if has_digit else _CORE_WORDS).finditer(text):
        if m.start() < pos or _overlaps(m.start(), m.end(), taken):
            continue
        f, pos = _parse_number(text, m)
        if f is not None and not _overlaps(f.start, f.end, taken):
            found.append(f)
            taken.append((f.start, f.end))
    found.sort(key=lambda f: f.start)
    return _carry_units(text, found)


_FROM_TO = re.compile(r"\s*(?:to|-|–)\s*$", _I)


def _carry_units(text: str, found: list[_Found]) -> list[_Found]:
    """ "from 60 to 80 dollars per kg": the first number takes the unit of the second."""
    out = list(found)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.quantity.unit != "number" or b.quantity.unit in ("number", "count"):
            continue
        if not _FROM_TO.match(text[a.end : b.start]) or "\n" in text[a.end : b.start]:
            continue
        raw = _first_number(b.quantity.text)
        mag = b.quantity.value / raw if raw and b.quantity.low is None else 1.0
        value = a.quantity.value * (mag if a.quantity.value * mag <= b.quantity.value else 1.0)
        q = Quantity(
            value=value,
            unit=b.quantity.unit,
            text=a.quantity.text,
            approx=a.quantity.approx,
            bound=a.quantity.bound,
            basis=b.quantity.basis,
            per=b.quantity.per,
        )
        out[i] = _Found(a.start, a.end, q, a.noun)
    return out


def _first_number(text: str) -> float | None:
    m = re.search(_DIGITS, text)
    return float(m.group().replace(",", "")) if m else None


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity stated in ``text``, in order (years excluded; see module docstring)."""
    return [f.quantity for f in _scan(text)]

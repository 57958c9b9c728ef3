"""Parse the quantities a text states: `Quantity`, `parse_quantities` and the scanner
behind it. Units, ranges and bounds are described in `derisk.review.extraction.claims`'s module
docstring."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from derisk import vocabulary
from derisk.review.extraction.quantity_patterns import (
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


@dataclass(slots=True)
class _Parse:
    """What `_parse_number` has read so far about one number.

    One mutable record instead of a dozen locals threaded through every step, so
    each step can be a small function with a short signature.
    """

    text: str
    end: int  # end of the bare number match; a rejected number resumes here
    digits: str | None
    word: str | None
    value: float
    start: int  # start of the quantity's text (before a currency sign)
    pos: int  # how far the quantity's text reaches so far
    currency: str | None = None
    approx: bool = False
    bound: str | None = None
    between: bool = False  # "between" before: "and" may join a range
    from_before: bool = False  # "from" before: "to" belongs to "from ... to"
    mag: float = 1.0
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    # "year", or (for a price per mass) the `_PER_MASS` match itself, as before the
    # split; it is passed on to `Quantity.per` unchanged.
    per: str | re.Match[str] | None = None
    basis_needed: bool = False
    noun: str | None = None


def _parse_number(text: str, m: re.Match[str]) -> tuple[_Found | None, int]:
    """Parse the number at ``m`` and what follows it; returns (found or None, end).

    Each step below reads one part of the quantity (sign, magnitude, range, unit,
    qualifier) so the order of the steps, which decides ambiguous readings, stays
    visible in one place.
    """
    s, e = m.span()
    digits, word = m.groupdict().get("d"), m.group("w")
    value = _number(digits, word)
    if value is None:
        return None, e
    cm = _CURRENCY_BEFORE.match(text, s, 10) if digits and s else None
    if _in_identifier(text, s, cm):
        return None, e
    st = _start_parse(text, m, value, cm)
    _read_magnitude_and_percent(st)
    _read_range(st)
    st.value *= st.mag
    if st.unit is None:
        _read_unit(st)
    if _glued_or_year(st):
        return None, e
    if st.unit is None:
        if word:
            return None, e  # "seven" alone says nothing checkable
        st.unit = "number"
    if _too_vague(st):
        return None, st.pos  # "one of the", "one year": too vague to be a figure
    _read_suffix_qualifier(st)
    return _found(st), st.pos


def _in_identifier(text: str, s: int, cm: re.Match[str] | None) -> bool:
    """Whether the number at ``s`` is part of an identifier, not a quantity.

    Q1, G7, F-35, COVID-19, No. 61 and 2024-25 carry digits that state no amount;
    letters glued before a number are allowed only when they are a currency sign
    (``cm``), as in "US$5".
    """
    if s and (text[s - 1].isalnum() or text[s - 1] == "_") and cm is None:
        return True
    if s >= 2 and text[s - 1] in "-–—/" and text[s - 2].isalnum():
        return True
    return bool(s and _IDENTIFIER_BEFORE.match(text, s, 16))


def _start_parse(text: str, m: re.Match[str], value: float, cm: re.Match[str] | None) -> _Parse:
    """The parse state at the number: currency sign, prefix qualifiers and context words.

    A currency sign before the number moves the quantity's start back so the sign is
    part of its text, and the qualifiers ("about", "at least") are read before that
    start.
    """
    st = _Parse(
        text=text,
        end=m.end(),
        digits=m.groupdict().get("d"),
        word=m.group("w"),
        value=value,
        start=m.start(),
        pos=m.end(),
    )
    if cm:
        code = cm.group()[::-1].replace(" ", "")
        st.currency = _CURRENCY_CODE.get(code) or _CURRENCY_CODE.get(code.rstrip("$"), "USD")
        st.start = m.start() - len(cm.group())
    st.approx, st.bound = _prefix(text, st.start)
    st.between = _BETWEEN_BEFORE.match(text, st.start, 12) is not None
    st.from_before = _FROM_BEFORE.match(text, st.start, 8) is not None
    return st


def _magnitude_at(text: str, pos: int, word: str | None) -> tuple[float, int]:
    """(magnitude, end) for "million", "bn", "k"... at ``pos``; (1.0, pos) if none.

    Shared by both ends of a range so "$1-2 billion" and "$1 billion-$2 billion"
    read their magnitudes alike.
    """
    mm = _MAGNITUDE.match(text, pos)
    if mm and _magnitude_ok(mm, word):
        return _MAGNITUDE_VALUE[mm.group("m").lower()], mm.end()
    return 1.0, pos


def _percent_unit(pm: re.Match[str] | None) -> str | None:
    """ "percent" or "pp" (percentage points) for a `_PERCENT` match, else None."""
    if pm is None:
        return None
    return "percent" if pm.group("pct") else "pp"


def _read_magnitude_and_percent(st: _Parse) -> None:
    """Read what is glued to the first number: magnitude, "-odd", a percent sign.

    These come before any range separator ("5%-7%", "3bn-4bn"), so they must be read
    before `_read_range` looks for one.
    """
    st.mag, st.pos = _magnitude_at(st.text, st.pos, st.word)
    if st.text.startswith("-odd", st.pos):
        st.approx, st.pos = True, st.pos + 4
    pm = _PERCENT.match(st.text, st.pos)
    if pm:
        st.unit = _percent_unit(pm)
        st.pos = pm.end()


def _range_end(st: _Parse, rm: re.Match[str], sep: str) -> re.Match[str] | None:
    """The second number of a range after separator ``rm``, or None.

    "to" after "from" and "and" without "between" do not make a range: "from 5 to 10"
    is read as two numbers by `_carry_units`, "5 and 10" are two figures. Both ends
    must be digits or both words.
    """
    ok = sep in "-–—" or (sep == "to" and not st.from_before) or (sep == "and" and st.between)
    if not ok:
        return None
    cur2 = _CURRENCY_BEFORE_AT.match(st.text, rm.end())
    m2 = _CORE.match(st.text, cur2.end() if cur2 else rm.end())
    if m2 and (m2.group("d") is None) == (st.digits is None):
        return m2
    return None


def _read_range(st: _Parse) -> None:
    """Read "N-M", "N to M", "between N and M" into low/high.

    The second end's magnitude is lent to the first ("1-2 million") even when the
    range is then refused, and a year as the second end ("2020-2030") is no range
    unless a currency or unit says it is an amount.
    """
    rm = _RANGE_SEP.match(st.text, st.pos)
    if not rm:
        return
    sep = rm.group("sep").lower()
    m2 = _range_end(st, rm, sep)
    if m2 is None:
        return
    v2 = _number(m2.group("d"), m2.group("w"))
    raw2 = m2.group("d") or ""
    if v2 is None or (_is_year_text(raw2) and not st.currency and st.unit is None):
        return
    mag2, pos2 = _magnitude_at(st.text, m2.end(), m2.group("w"))
    if st.mag == 1.0 and mag2 != 1.0:
        st.mag = mag2
    pm2 = _PERCENT.match(st.text, pos2)
    unit2 = _percent_unit(pm2)
    same_unit = st.unit is None or unit2 == st.unit or sep != "to"
    if v2 * mag2 >= st.value * st.mag and same_unit:
        st.low, st.high = st.value * st.mag, v2 * mag2
        st.pos = pm2.end() if pm2 else pos2
        st.unit = unit2 or st.unit


def _read_unit(st: _Parse) -> None:
    """Read the unit after a number that has none yet, trying the readings in order.

    The order matters: a currency sign before the number wins, then a currency word,
    mass, multiple, duration, "out of", and a counted noun last.
    """
    text, pos = st.text, st.pos
    if st.currency:
        _read_per_mass(st, st.currency)
    elif ca := _CURRENCY_AFTER.match(text, pos):
        _read_currency_after(st, ca)
    elif ms := _MASS.match(text, pos):
        _read_mass(st, ms)
    elif (mult := _MULTIPLE.match(text, pos)) and (
        mult.group("x") is None or mult.group("x") in "x×"
    ):
        st.unit = "x"
        st.pos = mult.end()
    elif dur := _DURATION.match(text, pos):
        _read_duration(st, dur)
    elif (oo := _OUT_OF.match(text, pos)) and st.mag == 1.0 and st.low is None:
        _read_out_of(st, oo)
    else:
        _read_count_noun(st)


def _read_per_mass(st: _Parse, money: str) -> None:
    """Set the money unit, made a price per mass if one follows ("$50/kg", "60 dollars a t").

    A price per mass depends on what is weighed (oxide, metal), so it asks for a basis.
    """
    st.unit = money
    per = _PER_MASS.match(st.text, st.pos)
    st.per = per
    if per:
        u = per.group("u").lower()
        st.unit = money + (
            "/kg" if u.startswith("k") else "/lb" if u.startswith(("lb", "pound")) else "/t"
        )
        st.pos = per.end()
        st.basis_needed = True


def _read_currency_after(st: _Parse, ca: re.Match[str]) -> None:
    """A currency word after the number: "30 euros", "40 Australian dollars"."""
    if ca.lastgroup in _CURRENCY_WORD:
        money = _CURRENCY_WORD[str(ca.lastgroup)]
    else:  # dollars, perhaps "Australian dollars"
        which = " ".join((ca.group("cur") or "").lower().split())
        money = _DOLLAR_KIND.get(which, "USD")
    st.pos = ca.end()
    _read_per_mass(st, money)


def _read_mass(st: _Parse, ms: re.Match[str]) -> None:
    """A mass unit, scaled to tonnes where it is a multiple of one ("5 kt", "3 Mt").

    "tpa"-style units and a following "a year" make it a rate; tonnages depend on
    what is weighed, so a basis is asked for.
    """
    u = ms.group("u")
    ul = u.lower()
    factor = 1.0
    st.unit = "t"
    if ul in ("kt", "ktpa") or ul.startswith("kilot"):
        factor = 1e3
    elif u == "Mt" or ul == "mtpa":  # "MT" and "mt" are metric tonnes
        factor = 1e6
    elif ul in ("kg",) or ul.startswith("kilogram"):
        st.unit = "kg"
    elif ul.startswith("lb") or ul == "pounds":
        st.unit = "lb"
    if ul in ("ktpa", "mtpa", "tpa", "tpy", "t/yr", "t/y", "t/a"):
        st.per = "year"
    st.value *= factor
    if st.low is not None and st.high is not None:
        st.low, st.high = st.low * factor, st.high * factor
    st.pos = ms.end()
    py = _PER_YEAR.match(st.text, st.pos)
    if st.unit == "t" and st.per is None and py:
        st.per = "year"
        st.pos = py.end()
    st.basis_needed = True


def _read_duration(st: _Parse, dur: re.Match[str]) -> None:
    """Months or years; decades are counted as ten years so durations compare."""
    u = dur.group("u").lower()
    st.unit = "month" if u.startswith("month") else "year"
    if u.startswith("decade"):
        st.value *= 10
        if st.low is not None and st.high is not None:
            st.low, st.high = st.low * 10, st.high * 10
    st.pos = dur.end()


def _read_out_of(st: _Parse, oo: re.Match[str]) -> None:
    """ "nine out of ten", "one in five" as a percentage, when the ratio is plausible.

    A denominator below the numerator, above 1000 or that is a year is no share; the
    number is then left without a unit.
    """
    d = _number(oo.group("d"), oo.group("w"))
    if d and st.value <= d <= 1000 and not _is_year_text(oo.group("d") or ""):
        st.unit = "percent"
        st.value = 100.0 * st.value / d
        st.pos = oo.end()


def _read_count_noun(st: _Parse) -> None:
    """A count of things ("40 companies"); the noun is kept for matching claims."""
    cn = _COUNT_NOUN.match(st.text, st.pos)
    if cn:
        st.unit = "count"
        st.noun = cn.group("noun")
        st.pos = cn.end()


def _glued_or_year(st: _Parse) -> bool:
    """Whether the number is glued to letters that are not its unit, or is a year.

    10X, 48C, 3rd and 5G are names; "in 2024" and "2024 companies" are dates.
    """
    e, text = st.end, st.text
    if st.pos == e and e < len(text) and text[e].isalpha():
        return True
    return bool(
        st.digits
        and _is_year_text(st.digits)
        and st.mag == 1.0
        and st.unit in (None, "count", "number", "year", "month", "x")
    )


def _too_vague(st: _Parse) -> bool:
    """ "one" as a plain count, number or year ("one of the", "one year") is no figure."""
    return bool(
        st.word
        and st.word.lower() == "one"
        and st.mag == 1.0
        and st.unit in ("count", "number", "year")
    )


def _read_suffix_qualifier(st: _Parse) -> None:
    """Read "or more", "+", "or less", "or so" after the quantity, and a "~" before it.

    They widen an exact figure into a bound or an approximation, so they must be part
    of the quantity's text and flags.
    """
    sq = _SUFFIX_QUALIFIER.match(st.text, st.pos)
    if sq:
        if sq.group("ge"):
            st.approx, st.bound = True, "at_least"
        elif sq.group("le"):
            st.approx, st.bound = True, "at_most"
        else:
            st.approx = True
        st.pos = sq.end()
    if st.approx is False and st.text[max(0, st.start - 1) : st.start] == "~":
        st.approx = True


def _found(st: _Parse) -> _Found:
    """The `_Found` for a finished parse; a range states its low end as its value."""
    basis = _basis(st.text, st.pos) if st.basis_needed else None
    value = st.low if st.low is not None else st.value
    q = Quantity(
        value=value,
        unit=st.unit,
        text=st.text[st.start : st.pos],
        low=st.low,
        high=st.high,
        approx=st.approx,
        bound=st.bound,
        basis=basis,
        per=st.per if isinstance(st.per, str) else None,  # a price match is no rate
    )
    return _Found(st.start, st.pos, q, st.noun)


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

"""Stage 2 of `derisk review`: find the checkable claims in an article and parse them.

`extract_claims(article, lexicon)` returns one `Claim` per sentence that mentions at
least one entity (see `derisk.review.lexicon`) or quantity and is not boilerplate.
Every field is filled by the keyword rules in this module's tables, so a reader can see
why a sentence got its metric, stage and hedge:

- `METRIC_RULES`: first matching rule wins (see the table for the order);
- `STAGE_RULES`: the stage word nearest the claim's main quantity, else the stage of the
  one facility named;
- `OPINION`, `SPECULATIVE`, `HEDGED`: the first class that matches, in that order;
- `parse_quantities`: numbers, with what the text says about them (unit, magnitude,
  range, bound, basis). A year (1900-2100, four digits, no unit) is never a quantity:
  it goes to ``Claim.year`` with the preposition before it in ``period_kind``.

Quantity units: ``percent``, ``pp`` (percentage points), a currency code (``USD``,
``AUD``, ``CAD``, ``EUR``, ``GBP``, ``CNY``, ``JPY``, ``HKD``), a price per mass
(``USD/kg``, ``USD/t``, ``USD/lb``, other currencies alike), ``t`` (tonnes; kt, Mt,
"thousand tonnes" are converted; a rate such as "tpa", "tonnes per year" or "t/yr" is
also ``t``, with ``per`` = "year"), ``kg``, ``lb``, ``x`` (multiples: "10x", "three times",
"fivefold"), ``year``, ``month``, ``count`` (a number of things: "seven rare earths",
"12 projects") and ``number`` (a bare number with nothing to say what it counts).

A range ("80-90%", "$1-2 billion", "between 5,000 and 7,000 tonnes") is one Quantity
with ``low`` and ``high``; ``value`` is then the low end (never an invented midpoint,
as in the dataset, docs/DATA.md rule 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from derisk import vocabulary
from derisk.review.lexicon import Entity, Lexicon

METRICS = (
    "share",
    "production",
    "capacity",
    "reserves",
    "funding",
    "price",
    "price_floor",
    "policy_event",
    "element_count",
    "facility_status",
    "demand",
    "quota",
    "ownership",
    "target",
    "growth",
    "import_share",
    "market_size",
    "other",
)
STAGES = vocabulary.CLAIM_STAGES
HEDGES = ("certain", "hedged", "speculative", "opinion")


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
class Claim:
    text: str
    sentence_index: int
    entities: tuple[Entity, ...]
    metric: str | None
    stage: str | None
    quantity: Quantity | None
    quantities: tuple[Quantity, ...]
    year: int | None
    period_kind: str | None  # "in" | "by" | "since" | "until" | None
    hedge: str
    checkworthy: bool
    attribution: str | None
    #: 0 for a sentence's main claim; 1, 2 ... for further figures in the same sentence
    #: ("69% of mining and 90% of refining"), each checked on its own.
    part: int = 0


class _Sentence(Protocol):
    text: str
    index: int
    attribution: str | None


class _Article(Protocol):
    sentences: Sequence[_Sentence]


# ======================================================================================
# Numbers
# ======================================================================================

_I = re.IGNORECASE
_UNITS_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_WORD_NUM = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:" + _ONES + r"))?"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|ten|"
    + _ONES
    + r"|a dozen|dozen|a hundred|hundred)"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_CORE = re.compile(
    r"(?<![\w.,])(?:(?P<d>" + _DIGITS + r")(?![\d,]\d)|(?P<w>" + _WORD_NUM + r")"
    r"(?!\w|-(?!(?:years?|months?|decades?|tonnes?|tons?|fold)\b)))",
    _I,
)
_CORE_WORDS = re.compile(  # _CORE without digits, for sentences that have none
    r"(?<![\w.,])(?P<w>" + _WORD_NUM + r")"
    r"(?!\w|-(?!(?:years?|months?|decades?|tonnes?|tons?|fold)\b))",
    _I,
)
_ANY_DIGIT = re.compile(r"\d")
#: Any spelling of a month (the longest first, so "Sept" is not read as "Sep" + "t").
_MONTH = (
    "(?:"
    + "|".join(sorted((*vocabulary.MONTHS, *vocabulary.MONTH_ABBREVIATIONS), key=len, reverse=True))
    + r")(?:\.|\b)"
)
_DATES_MONTH = re.compile(
    r"\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?![%.,]\d|%|\s*per\s?cent|\s*percent)"
    r"(?:,?\s+\d{4}\b)?"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+\d{4}\b)?"
)
_MONTH_HINTS = tuple(m[:3] for m in vocabulary.MONTHS)  # "Jan" ... "Dec", cheap to test
_DATES_NUMERIC = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}\b"
    r"|\b(?:19|20)\d0s\b|'\d0s\b"
)


def _date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of calendar dates and times, whose numbers are not quantities."""
    spans = [m.span() for m in _DATES_NUMERIC.finditer(text)]
    if any(h in text for h in _MONTH_HINTS):
        spans.extend(m.span() for m in _DATES_MONTH.finditer(text))
    return spans


class _EndsWith:
    """Which of some phrases ends at a position: a match on the reversed text, so the
    regex engine tries one position instead of searching a window for ``...$``."""

    def __init__(
        self,
        groups: dict[str, Sequence[str]],
        *,
        flags: int = re.IGNORECASE,
        boundary: str = r"(?!\w)",
        space: str = r"\s*",
    ) -> None:
        alts = []
        for name, phrases in groups.items():
            rev = sorted((self._reverse(p) for p in phrases), key=len, reverse=True)
            alts.append(f"(?P<{name}>{'|'.join(rev)})")
        self.rx = re.compile(space + "(?:" + "|".join(alts) + ")" + boundary, flags)

    @staticmethod
    def _reverse(phrase: str) -> str:
        return "".join(r"\s+" if ch == " " else re.escape(ch) for ch in reversed(phrase))

    def match(self, text: str, end: int, width: int = 32) -> re.Match[str] | None:
        return self.rx.match(text[max(0, end - width) : end][::-1])


_CURRENCY_BEFORE = _EndsWith(
    {"c": tuple(sign for c in vocabulary.CURRENCY_TERMS for sign in c.signs)},
    flags=0,
    boundary=r"(?![A-Za-z])",
    space=r"\s?",
)
#: A sign before a number, spaces removed ("U.S. $" -> "U.S.$") -> currency code.
_CURRENCY_CODE = vocabulary.SIGN_CURRENCY
_MAGNITUDE = re.compile(
    r"(?P<sp>\s?)(?P<m>trillion|tn|billion|bn|million|mln|mn|thousand|hundred|b|m|k)"
    r"(?![A-Za-z])",
    _I,
)
_MAGNITUDE_VALUE = {
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mln": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "hundred": 1e2,
}
_PERCENT = re.compile(
    r"\s?(?:(?P<pct>%|per\s?cent\b|percent\b|pc\b)|(?P<pp>percentage points?\b|pp\b|ppts?\b))",
    _I,
)
_RANGE_SEP = re.compile(r"\s*(?P<sep>-|–|—|to\b|and\b)\s*", _I)


def _alternatives(words: Sequence[str], space: str) -> str:
    """A regex alternation of ``words``, longest first, a space in a word matching ``space``."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(space.join(re.escape(part) for part in w.split(" ")) for w in ordered)


def _currency_after() -> re.Pattern[str]:
    """ "300 million yuan", "5 billion Australian dollars": a currency written after a number.

    One named group per currency with words (its code in lower case); ``cur`` holds the
    adjective of "<adjective> dollars", which `_DOLLAR_KIND` turns into a code.
    """
    adjectives = _alternatives(
        [w for c in vocabulary.CURRENCY_TERMS for w in c.dollar_words], space=" "
    )
    spaces = r"\s+"
    named = "".join(
        rf"|(?P<{c.code.lower()}>(?:{_alternatives(c.words, space=spaces)})\b)"
        for c in vocabulary.CURRENCY_TERMS
        if c.words
    )
    return re.compile(rf"\s+(?:(?P<cur>(?:{adjectives})\s+)?dollars?\b{named})", _I)


_CURRENCY_AFTER = _currency_after()
#: Named group of `_CURRENCY_AFTER` -> currency code.
_CURRENCY_WORD = {c.code.lower(): c.code for c in vocabulary.CURRENCY_TERMS if c.words}
#: The adjective of "<adjective> dollars", lower case -> code; a bare "dollars" is USD.
_DOLLAR_KIND = vocabulary.DOLLAR_CURRENCY
_PER_MASS = re.compile(
    r"\s*(?:/|per\s+|an?\s+)(?P<u>kg\b|kilo(?:gram)?s?\b|t\b|tonnes?\b|tons?\b|metric tons?\b"
    r"|lbs?\b|pounds?\b)",
    _I,
)
_MASS = re.compile(
    r"\s?-?\s?(?P<u>metric\s+tonnes?|metric\s+tons?|tonnes?|tons?|kilotonnes?|kilotons?"
    r"|ktpa|mtpa|tpa|tpy|t/yr|t/y|t/a|kt|Mt|mt|t|kg|kilograms?|lbs?|pounds)(?![A-Za-z])",
    _I,
)
_PER_YEAR = re.compile(
    r"\s*(?:per\s+(?:year|annum)|a\s+year|/\s?(?:yr|year|y|a)\b|annually\b|each\s+year\b"
    r"|of\s+annual\b)",
    _I,
)
_MULTIPLE = re.compile(r"(?:\s?(?P<x>x|×)(?![A-Za-z])|\s?-?\s?fold\b|\s+times\b)", _I)
_DURATION = re.compile(r"\s?-?\s?(?P<u>years?|yrs?|decades?|months?)\b", _I)
_COUNT_NOUN = re.compile(
    r"(?:\s+(?!(?:of|per|to|in|by|from|the|a|an|than|percent)\b)[A-Za-z][\w-]*){0,3}?\s+"
    r"(?P<noun>rare[- ]earths?(?:\s+(?:elements?|metals?|oxides?|minerals?))?|REEs?\b"
    r"|elements?|metals?|minerals?|compan(?:y|ies)|firms?|mines?|plants?|facilit(?:y|ies)"
    r"|refiner(?:y|ies)|projects?|countr(?:y|ies)|nations?|deposits?|producers?|suppliers?"
    r"|sites?|licen[cs]es?|permits?|jobs?|workers?|employees|people|vehicles?|cars?"
    r"|turbines?|magnets?|items?|products?|technologies|entities|measures|categories|types"
    r"|processors?|smelters?|makers?|manufacturers?|deals?|agreements?)\b",
    _I,
)
_SUFFIX_QUALIFIER = re.compile(
    r"(?P<ge>\s*\+|-?plus\b|\s+or\s+(?:more|higher|above)\b)|(?P<le>\s+or\s+(?:less|fewer|"
    r"below|lower)\b)|(?P<ap>\s+or\s+so\b)",
    _I,
)
_PREFIX_QUALIFIER = _EndsWith(
    {
        "ge": (
            "more than",
            "over",
            "at least",
            "upwards of",
            "in excess of",
            "above",
            "exceeding",
            "greater than",
            ">",
            ">=",
            "≥",
        ),
        "le": (
            "less than",
            "fewer than",
            "under",
            "below",
            "up to",
            "at most",
            "no more than",
            "<",
            "<=",
            "≤",
        ),
        "ap": (
            "about",
            "around",
            "roughly",
            "approximately",
            "approx",
            "approx.",
            "nearly",
            "almost",
            "some",
            "close to",
            "circa",
            "c.",
            "an estimated",
            "estimated",
            "~",
            "≈",
        ),
    }
)
_IDENTIFIER_BEFORE = _EndsWith(
    {
        "id": (
            "No",
            "No.",
            "Nos",
            "Nos.",
            "number",
            "Section",
            "Title",
            "Article",
            "Phase",
            "Announcement",
            "Decree",
            "Order",
            "Chapter",
            "Rule",
            "Table",
            "Figure",
            "Fig.",
            "page",
            "p.",
            "Level",
            "Tier",
            "Class",
            "Stage",
            "Unit",
            "Line",
            "Block",
            "#",
        )
    }
)
_BETWEEN_BEFORE = _EndsWith({"b": ("between",)})
_FROM_BEFORE = _EndsWith({"f": ("from",)})
_OUT_OF = re.compile(
    r"\s+(?:out\s+of|in)\s+(?:every\s+)?(?:(?P<d>\d{1,4})|(?P<w>" + _WORD_NUM + r"))(?![\w-])",
    _I,
)
_FRACTION = re.compile(
    r"(?<![\w-])(?:(?P<n>one|two|three|four|a|an)[- ])?(?P<d>halves|half|thirds?|quarters?"
    r"|fifths?)(?![\w-])",
    _I,
)
_FRACTION_DENOM = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fifth": 5,
    "fifths": 5,
}
_ORDINAL_BEFORE = _EndsWith(
    {
        "o": (
            "first",
            "second",
            "third",
            "fourth",
            "last",
            "final",
            "latter",
            "former",
            "1st",
            "2nd",
            "3rd",
            "4th",
            "the",
        )
    },
    space=r"[\s-]*",
)
_OF_AFTER = re.compile(r"\s+(?:of|the|its|their|all|global|world)\b", _I)
_BASIS = (
    (
        "magnet_ree",
        re.compile(
            r"\bNdPr\b|\bNd-Pr\b|\bPrNd\b|magnet rare[- ]earth|magnet REE"
            r"|neodymium[- ]praseodymium|didymium"
        ),
    ),
    ("REO", re.compile(r"\bREO\b|\bTREO\b|rare[- ]earth oxides?\b|\boxides?\b", _I)),
    ("element", re.compile(r"\bcontained\b|element basis|metal basis|\bmetal content\b", _I)),
    (
        "material",
        re.compile(
            r"\bmagnets?\b|\bNdFeB\b|\balloys?\b|\bconcentrates?\b|\bore\b"
            r"|\bpowders?\b|\bmetals?\b",
            _I,
        ),
    ),
)
_BASIS_WINDOW = re.compile(r"[^.;:!?]{0,60}")


def _word_value(word: str) -> float | None:
    w = word.lower().replace("a ", "").strip()
    if w in ("dozen",):
        return 12.0
    if w == "hundred":
        return 100.0
    if w in _UNITS_WORDS:
        return float(_UNITS_WORDS[w])
    if w in _TENS_WORDS:
        return float(_TENS_WORDS[w])
    if "-" in w:
        tens, _, ones = w.partition("-")
        if tens in _TENS_WORDS and ones in _UNITS_WORDS:
            return float(_TENS_WORDS[tens] + _UNITS_WORDS[ones])
    return None


def _number(digits: str | None, word: str | None) -> float | None:
    if digits:
        try:
            return float(digits.replace(",", ""))
        except ValueError:
            return None
    return _word_value(word or "")


def _is_year_text(raw: str) -> bool:
    return len(raw) == 4 and raw.isdigit() and 1900 <= int(raw) <= 2100


def _prefix(text: str, start: int) -> tuple[bool, str | None]:
    """(approx, bound) from the words just before ``start``."""
    m = _PREFIX_QUALIFIER.match(text, start)
    if not m:
        return False, None
    if m.group("ge"):
        return True, "at_least"
    if m.group("le"):
        return True, "at_most"
    return True, None


def _basis(text: str, end: int) -> str | None:
    window = _BASIS_WINDOW.match(text, end)
    snippet = window.group() if window else ""
    for basis, pattern in _BASIS:
        if pattern.search(snippet):
            return basis
    return None


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


# -- years ---------------------------------------------------------------------------

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


# ======================================================================================
# Claims
# ======================================================================================


@dataclass(frozen=True)
class MetricRule:
    """A sentence gets ``metric`` when ``pattern`` matches and ``needs`` holds."""

    metric: str
    pattern: re.Pattern[str]
    needs: str  # a key of _NEEDS
    words: str  # what the rule looks for, in words (for docs and the report)
    #: lower-case substrings one of which any match of ``pattern`` contains; a cheap test
    #: that skips the regex on most sentences (empty: always run it)
    hints: tuple[str, ...] = ()


def _rule(
    metric: str, pattern: str, needs: str, words: str, hints: tuple[str, ...] = ()
) -> MetricRule:
    return MetricRule(metric, re.compile(pattern, _I), needs, words, hints)


def _hinted(present: frozenset[str] | set[str], hints: tuple[str, ...]) -> bool:
    return not hints or not present.isdisjoint(hints)


_NEEDS: dict[str, Callable[[tuple[Entity, ...], Sequence[Quantity]], bool]] = {
    "nothing": lambda ents, qs: True,
    "percent": lambda ents, qs: any(q.unit == "percent" for q in qs),
    "money": lambda ents, qs: any(len(q.unit) == 3 and q.unit.isupper() for q in qs),
    "money+agency": lambda ents, qs: (
        any(len(q.unit) == 3 and q.unit.isupper() for q in qs)
        and any(e.kind == "agency" for e in ents)
    ),
    "price": lambda ents, qs: any("/" in q.unit for q in qs),
    "facility|company": lambda ents, qs: any(e.kind in ("facility", "company") for e in ents),
    "mass|no percent": lambda ents, qs: (
        any(q.unit == "t" for q in qs) or not any(q.unit == "percent" for q in qs)
    ),
    "element count": lambda ents, qs: any(q.unit == "count" for q in qs),
    "percent+company": lambda ents, qs: (
        any(q.unit == "percent" for q in qs)
        and sum(e.kind in ("company", "facility") for e in ents) >= 2
    ),
    "percent+bloc": lambda ents, qs: (
        any(q.unit == "percent" for q in qs) and any(e.kind == "bloc" for e in ents)
    ),
}

#: Controls with a status ("the October 2025 controls remain in force"): a policy claim
#: even with no entity or number, judged on the status on record at the article's date.
_CONTROL_STATUS = re.compile(
    r"\bcontrols?\b[^.]{0,60}\b(?:in\s+force|in\s+effect|in\s+place|suspend\w*|lift\w*|"
    r"paus\w*)|\b(?:19|20)\d\d\s+(?:export\s+)?controls\b",
    _I,
)

#: Metric rules, tried in order; the first whose pattern matches (and whose condition
#: holds) sets ``Claim.metric``. A sentence that matches none gets "other" when it has a
#: quantity, else None.
METRIC_RULES: tuple[MetricRule, ...] = (
    _rule(
        "price_floor",
        r"price\s+floor|floor\s+price|minimum\s+price|price\s+guarantee",
        "nothing",
        "price floor, floor price, minimum price, price guarantee",
        ("floor", "minimum", "guarantee"),
    ),
    _rule("quota", r"\bquotas?\b", "nothing", "quota", ("quota",)),
    # Percentages that are not shares of world output: each has its own fact table (or
    # none), and comparing them with stage_shares gave false "contradicted" verdicts.
    _rule(
        "ownership",
        r"\bstakes?\b|\bowns?\b|\bowned\b|\bholds?\b|\bheld\b|\bsharehold|\bownership\b",
        "percent+company",
        "stake, owns, holds, shareholder, ownership + a percentage and two companies/sites",
        ("stake", "own", "hold", "held", "shareholder"),
    ),
    _rule(
        "target",
        r"\btargets?\b|\bbenchmarks?\b|\bcap\b|\bceiling\b|\bgoals?\b|\baims?\b|\bCRMA\b|"
        r"Critical\s+Raw\s+Materials\s+Act|\bno\s+more\s+than\b",
        "percent+bloc",
        "target, benchmark, cap, ceiling, goal, aim, CRMA, no more than + a percentage and a bloc",
        ("target", "benchmark", "cap", "ceiling", "goal", "aim", "crma", "critical", "more"),
    ),
    _rule(
        "target",
        r"\bby\s+20[3-5]\d\b",
        "percent+bloc",
        "a percentage for a bloc by a year from 2030",
        ("by 20",),
    ),
    _rule(
        "target",
        r"\btargets?\b|\bCRMA\b|Critical\s+Raw\s+Materials\s+Act|\bbinding\s+benchmark",
        "percent",
        "target, CRMA, binding benchmark + a percentage",
        ("target", "crma", "critical", "binding"),
    ),
    _rule(
        "policy_event",
        r"\bexport\s+(?:controls?|bans?|restrictions?|licen[cs](?:e|es|ing)|curbs?|"
        r"permits?)\b|\brestrict(?:s|ed|ing|ions?)?\b|\bembargo|\bban(?:s|ned|ning)?\b|"
        r"\blicen[cs](?:e|es|ing)\b|\btariffs?\b|\bsanction|\bstockpil|\bentity\s+list\b|"
        r"\bsuspend(?:s|ed|ing)?\b\s+(?:exports|shipments)|\bcontrol\s+list\b",
        "nothing",
        "export control/ban/restriction/licence/curb, restrict, embargo, ban, licence, "
        "tariff, sanction, stockpile, entity list, control list",
        (
            "export",
            "restrict",
            "embargo",
            "ban",
            "licen",
            "tariff",
            "sanction",
            "stockpil",
            "entity",
            "suspend",
            "control",
        ),
    ),
    _rule(
        "policy_event",
        _CONTROL_STATUS.pattern,
        "nothing",
        "controls ... in force/in effect/in place/suspended/lifted/paused, 'October 2025 controls'",
        ("control",),
    ),
    _rule(
        "funding",
        r"\bfund(?:s|ed|ing)?\b|\bgrants?\b|\bloans?\b|\baward(?:s|ed)?\b|"
        r"\binvest(?:s|ed|ing|ment|ments)?\b|\bequity\b|\bstake\b|\bfinanc(?:e|ed|ing)\b|"
        r"\bsubsid|\btax\s+credits?\b|\bDPA\b|\bTitle\s+III\b|\bbacked\b|\bbacking\b",
        "nothing",
        "fund, grant, loan, award, invest(ment), equity, stake, financing, subsidy, "
        "tax credit, DPA / Title III, backed",
        (
            "fund",
            "grant",
            "loan",
            "award",
            "invest",
            "equity",
            "stake",
            "financ",
            "subsid",
            "credit",
            "dpa",
            "title",
            "backed",
            "backing",
        ),
    ),
    _rule("funding", r".", "money+agency", "an amount of money and a named agency"),
    _rule(
        "market_size",
        r"\bmarket\b[^.]{0,40}\b(?:worth|valued|size)\b|\bmarket\s+(?:size|value\s+of)\b",
        "money",
        "market worth/valued/size + an amount of money",
        ("market",),
    ),
    _rule(
        "other",
        r"\bshares?\s+(?:of|in)\s+\S+(?:\s+\S+)?\s+(?:rose|fell|jumped|surged|climbed|dropped|"
        r"slumped|soared|gained|lost|tumbled)\b|\bshare\s+price\b|\bstock\s+(?:price|market)\b|"
        r"\bmarket\s+(?:value|cap(?:itali[sz]ation)?)\b",
        "nothing",
        "share price, shares of X rose/fell, stock price, market cap (not checked)",
        ("share", "stock", "market"),
    ),
    _rule(
        "price",
        r"\bpric(?:e|es|ed|ing)\b|\bper\s+(?:kg|kilogram|tonne)\b|/kg\b",
        "nothing",
        "price, priced, per kg, /kg",
        ("pric", "per", "/kg"),
    ),
    _rule("price", r".", "price", "a money-per-mass quantity"),
    _rule(
        "growth",
        r"\b(?:grow|grew|grown|rose|rise[ns]?|rising|increas\w*|climb\w*|jump\w*|fell|fall\w*|"
        r"drop\w*|declin\w*|up|down)\s+(?:by\s+)?(?:about\s+|around\s+|nearly\s+|some\s+)?"
        r"\d[\d.,]*\s*(?:%|per\s?cent)|%\s+(?:a|per)\s+year\b|\bCAGR\b|\bgrowth\s+(?:rate\s+)?of\b|"
        r"\byear-on-year\b|\by/y\b|\bannual\s+growth\b|\bcompound\s+annual\b",
        "percent",
        "grew/rose/fell (by) N%, N% a year, CAGR, growth of, year-on-year",
        (
            "grow",
            "grew",
            "rose",
            "ris",
            "increas",
            "climb",
            "jump",
            "fell",
            "fall",
            "drop",
            "declin",
            "up",
            "down",
            "year",
            "cagr",
            "y/y",
        ),
    ),
    _rule(
        "import_share",
        r"\bimports?\b|\bimported\b|\brelian|\bdependen|\bdepends?\b|"
        r"\b(?:its|their)\s+(?:rare|supply|supplies|magnets|needs|demand|consumption)",
        "percent",
        "imports, reliance, dependence, its/their supply + a percentage",
        ("import", "relian", "dependen", "depend", "its", "their"),
    ),
    _rule(
        "reserves",
        r"\breserves\b|\bore\s+reserves?\b|\bresources?\s+of\b",
        "mass|no percent",
        "reserves, ore reserve, resources of + a tonnage or no percentage",
        ("reserve", "resource"),
    ),
    _rule(
        "share",
        r"\bshare\b|%\s+of\b|\bper\s?cent\s+of\b|\b(?:thirds?|half|quarters?|fifths?)\s+of\b|"
        r"\bout\s+of\s+(?:ten|10|five|5|four|4|three|3)\b|\bcontrol(?:s|led|ling)?\b(?!\s+list)|"
        r"\bdominat|\baccount(?:s|ed|ing)?\s+for\b|\bmonopol|\bmakes?\s+up\b|\bmade\s+up\b",
        "nothing",
        "share, % of, per cent of, half/third/quarter of, N out of ten, control(s), "
        "dominat-, account for, monopoly, make up",
        (
            "share",
            "%",
            "cent",
            "third",
            "half",
            "quarter",
            "fifth",
            "out",
            "control",
            "dominat",
            "account",
            "monopol",
            "make",
            "made",
        ),
    ),
    _rule(
        "share",
        r"\bsuppl(?:y|ies|ied)\b|\brelian|\bdependen|\bdepends?\b|\bimport(?:s|ed)?\b|"
        r"\bsourc(?:e|es|ed)\b",
        "percent",
        "supply, reliance, depend, import, source + a percentage",
        ("suppl", "relian", "depend", "import", "sourc"),
    ),
    _rule(
        "facility_status",
        r"\bopen(?:s|ed)\b|\b(?:to|will)\s+open\b|\bcommission(?:s|ed|ing)?\b|"
        r"\b(?:began|begun|begin|begins|start(?:s|ed)?)\s+(?:commercial\s+)?(?:production"
        r"|producing|operations?|operating|output|construction)\b|\bcame\s+online\b|"
        r"\bcome\s+online\b|\bonline\b|\bunder\s+construction\b|\bbroke\s+ground\b|"
        r"\bdelay(?:s|ed)?\b|\bpostpone|\bcancel(?:l)?ed\b|\bscrapped\b|\bshelved\b|"
        r"\bsuspended\b|\bhalted\b|\bshut\b|\bclosed\b|\bclosure\b|\bmothball|"
        r"\brestart(?:s|ed)?\b|\boperational\b|\bramp(?:s|ed|ing)?\s+up\b|"
        r"\bfirst\s+(?:production|output|shipment)\b|\bcare\s+and\s+maintenance\b|\bidled?\b",
        "facility|company",
        "opened, commissioned, began/started production or operations, came online, under "
        "construction, broke ground, delayed, postponed, cancelled, scrapped, shelved, "
        "suspended, halted, shut, closed, mothballed, restarted, operational, ramp up, "
        "first production, care and maintenance, idle + a named facility or company",
        (
            "open",
            "commission",
            "began",
            "begun",
            "begin",
            "start",
            "online",
            "construction",
            "broke",
            "delay",
            "postpone",
            "cancel",
            "scrapped",
            "shelved",
            "suspended",
            "halted",
            "shut",
            "closed",
            "closure",
            "mothball",
            "restart",
            "operational",
            "ramp",
            "first",
            "care",
            "idle",
        ),
    ),
    _rule(
        "capacity",
        r"\bcapacit(?:y|ies)\b|\bnameplate\b|\b(?:tonnes?|tons?|t)\s+(?:per|a)\s+(?:year|annum)"
        r"\b|\btpa\b|\bt/yr\b|\bper\s+annum\b",
        "nothing",
        "capacity, nameplate, tonnes per year, tpa, t/yr, per annum",
        ("capacit", "nameplate", "year", "annum", "tpa", "t/yr"),
    ),
    _rule(
        "production",
        r"\bproduc(?:e|es|ed|ing|tion|er|ers)\b|\boutput\b|\bmined\b|\bextract(?:s|ed|ion)?\b"
        r"|\brefined\b|\bprocessed\b|\bseparated\b",
        "nothing",
        "produce, production, producer, output, mined, extracted, refined, processed",
        ("produc", "output", "mined", "extract", "refined", "processed", "separated"),
    ),
    _rule(
        "demand",
        r"\bdemand\b|\bconsum(?:e|es|ed|ption|ing)\b",
        "nothing",
        "demand, consumption, consume",
        ("demand", "consum"),
    ),
    _rule(
        "element_count",
        r"\b(?:\d+|" + _WORD_NUM + r")\s+(?:[\w-]+\s+){0,3}?(?:rare[- ]earths?|elements|REEs"
        r"|metals|minerals)\b",
        "element count",
        "N elements, N rare earths, N REEs, N metals (with a count quantity)",
        ("earth", "element", "ree", "metal", "mineral"),
    ),
    _rule("share", r".", "percent", "any other percentage"),
)

#: stage -> words. The word nearest the claim's main quantity decides. Entity names
#: ("magnet rare earths", "Less Common Metals") are masked first.
STAGE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "mining",
        re.compile(
            r"\bmin(?:e|es|ed|ing)\b|\bmine\s+production\b|\bextraction\b"
            r"|\bore\b|\bconcentrates?\b",
            _I,
        ),
    ),
    (
        "separation",
        re.compile(
            r"\brefin(?:e|es|ed|ing|ery|eries|er|ers)\b|\bprocessing\b|"
            r"\bprocessed\b|\bprocessors?\b|\bsepara(?:tion|te|ted|ting)\b|"
            r"\bsmelting\b|\boxides?\b",
            _I,
        ),
    ),
    (
        "metal",
        re.compile(
            r"\bmetal(?:s)?\s+and\s+alloys?\b|\bmetal\b|\bmetalli[sz]ation\b|"
            r"\balloys?\b|\bmetal-?making\b",
            _I,
        ),
    ),
    ("magnet", re.compile(r"\bmagnets?\b|\bNdFeB\b|\bmagnet-?making\b", _I)),
    ("recycling", re.compile(r"\brecycl(?:e|ed|ing)\b|\brecovery\b", _I)),
)

_STAGE_HINTS = (
    "min",
    "extract",
    "ore",
    "concentrat",
    "refin",
    "process",
    "separa",
    "smelt",
    "oxide",
    "metal",
    "alloy",
    "magnet",
    "ndfeb",
    "recycl",
    "recover",
)
_STAGE_SCAN = re.compile(
    "|".join(f"(?P<{stage}>{pattern.pattern})" for stage, pattern in STAGE_RULES), _I
)

#: Hedge markers, tried in this order: opinion, then speculative, then hedged.
OPINION = re.compile(
    r"\b(?:we|I)\s+(?:believe|think|argue|contend|would\s+argue|suspect|feel)\b|"
    r"\bin\s+(?:our|my)\s+(?:view|opinion)\b|\barguably\b|\bought\s+to\b|\bneeds?\s+to\b|"
    r"\bshould\b|\bmust\b|\blikely\s+to\s+be\s+the\s+best\b|\b(?:the\s+)?(?:best|worst|"
    r"smartest|only\s+sensible)\s+(?:way|option|bet|path|approach|policy|hope|strategy|"
    r"answer|solution|chance|move)\b|\b(?:a\s+)?(?:grave\s+|big\s+|serious\s+)?mistake\b|"
    r"\bfoolish\b|\bmisguided\b|\bnaive\b|\bunwise\b|\bit\s+is\s+(?:high\s+)?time\b|"
    r"\bshame\b|\bwake-up\s+call\b",
    _I,
)
#: "should"/"must" that state an expectation or a rule, not an opinion
_NOT_OPINION = re.compile(
    r"\bshould\s+(?:begin|start|reach|come|be\s+(?:completed|operational|online|ready|"
    r"finished|commissioned|producing|in\s+production)|open|produce|enter|complete|"
    r"deliver|ramp)\b"
    r"|\bmust\b(?=.*\b(?:licen[cs]e|permit|approval|rules?|regulations?|law|require|apply|"
    r"obtain|comply|report|declare|register)\w*)",
    _I,
)
SPECULATIVE = re.compile(
    r"\b(?:could|might|potentially|possibly|perhaps|expect(?:s|ed|ing)?|aim(?:s|ed|ing)?\s+"
    r"to|plan(?:s|ned|ning)?\s+to|planned|intend(?:s|ed)?\s+to|hopes?\s+to|targets?|"
    r"targeting|(?:is|are|was|were)\s+set\s+to|set\s+to|forecasts?|forecast(?:ed|ing)|"
    r"projected|projections?|will|would|likely|unlikely|anticipated|scheduled\s+to|"
    r"slated\s+to|due\s+to\s+(?:start|begin|open|be|come|reach)|on\s+track\s+to|"
    r"poised\s+to|outlook|should)\b|(?-i:\bmay\b)|(?-i:^May\s+(?![\d,]))",
    _I,
)
HEDGED = re.compile(
    r"\b(?:about|around|roughly|approximately|approx|nearly|almost|estimated|estimates?|"
    r"some|circa|reportedly|close\s+to|or\s+so|more\s+or\s+less|believed\s+to)\b|~|≈",
    _I,
)
#: Boilerplate: a sentence that starts with one of these, or contains one of `_BOILER_ANYWHERE`.
BOILERPLATE = re.compile(
    r"\W*(?:subscribe|sign\s+up|click\s+here|read\s+more|related\s*:|advertisement|"
    r"share\s+this|follow\s+us|copyright|©|all\s+rights\s+reserved|photo\s*:|image\s*:|"
    r"credit\s*:|reporting\s+by|editing\s+by|writing\s+by|additional\s+reporting|"
    r"this\s+article|newsletter|download|log\s+in|cookies?\b)",
    _I,
)
_BOILER_ANYWHERE = ("all rights reserved", "cookie policy", "privacy policy")


def is_boilerplate(text: str) -> bool:
    """True for site furniture ("Subscribe to ...", "All rights reserved")."""
    if BOILERPLATE.match(text):
        return True
    low = text.lower()
    return any(phrase in low for phrase in _BOILER_ANYWHERE)


_MASK_KINDS = ("group", "element", "facility", "company", "agency")
_MAIN_UNITS: dict[str, tuple[str, ...]] = {
    "share": ("percent",),
    "funding": ("money",),
    "price": ("price", "money"),
    "price_floor": ("price", "money"),
    "capacity": ("t/yr", "t"),
    "production": ("t", "t/yr"),
    "reserves": ("t",),
    "quota": ("t", "t/yr"),
    "demand": ("t", "t/yr", "percent"),
    "element_count": ("count",),
    "policy_event": ("count", "percent", "money"),
}


def _unit_class(q: Quantity) -> str:
    if q.unit == "t" and q.per == "year":
        return "t/yr"
    if "/" in q.unit:
        return "price"
    if len(q.unit) == 3 and q.unit.isupper():
        return "money"
    return q.unit


def _main_quantity(metric: str | None, found: Sequence[_Found]) -> _Found | None:
    if not found:
        return None
    for wanted in _MAIN_UNITS.get(metric or "", ()):
        for f in found:
            if _unit_class(f.quantity) == wanted:
                return f
    for f in found:
        if f.quantity.unit != "number":
            return f
    return found[0]


def _metric(
    text: str,
    ents: tuple[Entity, ...],
    qs: Sequence[Quantity],
    present: set[str] | None = None,
) -> str | None:
    present = _hints_in(text) if present is None else present
    for rule in METRIC_RULES:
        if (
            _NEEDS[rule.needs](ents, qs)
            and _hinted(present, rule.hints)
            and rule.pattern.search(text)
        ):
            return rule.metric
    return "other" if qs else None


def _stage(
    masked: str, anchor: int | None, ents: Sequence[tuple[int, int, Entity]], lexicon: Lexicon
) -> str | None:
    best: tuple[int, str] | None = None
    matches = _STAGE_SCAN.finditer(masked) if _hinted(_hints_in(masked), _STAGE_HINTS) else ()
    for m in matches:
        dist = abs(m.start() - anchor) if anchor is not None else m.start()
        if best is None or dist < best[0]:
            best = (dist, str(m.lastgroup))
    if best is not None:
        return best[1]
    stages = {lexicon.facility_stages.get(e.key) for _, _, e in ents if e.kind == "facility"}
    stages.discard(None)
    if len(stages) == 1:
        stage = stages.pop()
        return {"alloy": "metal"}.get(stage, stage) if stage else None
    return None


_OPINION_HINTS = (
    "believe",
    "think",
    "argue",
    "contend",
    "suspect",
    "feel",
    "view",
    "opinion",
    "arguabl",
    "ought",
    "need",
    "should",
    "must",
    "best",
    "worst",
    "smartest",
    "sensible",
    "mistake",
    "foolish",
    "misguided",
    "naive",
    "unwise",
    "time",
    "shame",
    "wake-up",
)
_SPECULATIVE_HINTS = (
    "could",
    "might",
    "potential",
    "possibl",
    "perhaps",
    "expect",
    "aim",
    "plan",
    "intend",
    "hope",
    "target",
    "set",
    "forecast",
    "project",
    "will",
    "would",
    "likely",
    "anticipat",
    "schedul",
    "slated",
    "due",
    "track",
    "poised",
    "outlook",
    "should",
    "may",
)
_HEDGED_HINTS = (
    "about",
    "around",
    "roughly",
    "approx",
    "nearly",
    "almost",
    "estimat",
    "some",
    "circa",
    "reported",
    "close",
    "so",
    "less",
    "believed",
    "~",
    "≈",
)


def _hedge(text: str, quantity: Quantity | None, present: set[str] | None = None) -> str:
    low = _hints_in(text) if present is None else present
    if _hinted(low, _OPINION_HINTS) and OPINION.search(text):
        cleaned = _NOT_OPINION.sub(" ", text)
        if OPINION.search(cleaned):
            return "opinion"
    if _hinted(low, _SPECULATIVE_HINTS) and SPECULATIVE.search(text):
        return "speculative"
    if _hinted(low, _HEDGED_HINTS) and HEDGED.search(text):
        return "hedged"
    if quantity is not None and quantity.approx and quantity.bound is None:
        return "hedged"
    return "certain"


def _all_hints() -> list[str]:
    hints = {h for rule in METRIC_RULES for h in rule.hints}
    hints.update(_OPINION_HINTS, _SPECULATIVE_HINTS, _HEDGED_HINTS, _STAGE_HINTS)
    return sorted(hints)


_HINTS = tuple(_all_hints())


def _hints_in(text: str) -> set[str]:
    """Which hint substrings occur in the lower-cased ``text`` (one pass of ``in`` tests)."""
    low = text.lower()
    return {h for h in _HINTS if h in low}


def claim_from_sentence(
    text: str,
    index: int,
    lexicon: Lexicon,
    attribution: str | None = None,
    want_parts: bool = False,
) -> Claim | None:
    """The claim one sentence makes, or None when it names nothing and states no number.

    With want_parts, a list: the main claim, then one claim per further checkable
    figure in the sentence (part 1, 2 ...).
    """
    if not text or not text.strip() or is_boilerplate(text):
        return None
    spans = lexicon.find_spans(text)
    named = [(s, e) for s, e, ent in spans if ent.kind in ("facility", "company", "agency")]
    found = [f for f in _scan(text) if not _overlaps(f.start, f.end, named)]
    if not spans and not found and not (_CONTROL_STATUS.search(text) and _YEAR.search(text)):
        return None
    entities: list[Entity] = []
    seen: set[tuple[str, str]] = set()
    for _, _, ent in spans:
        if (ent.kind, ent.key) not in seen:
            seen.add((ent.kind, ent.key))
            entities.append(ent)
    ents = tuple(entities)
    quantities = tuple(f.quantity for f in found)
    present = _hints_in(text)
    metric = _metric(text, ents, quantities, present)
    main = _main_quantity(metric, found)

    masked, last = [], 0
    for s, e, ent in spans:
        if ent.kind in _MASK_KINDS:
            masked.append(text[last:s])
            masked.append(" " * (e - s))
            last = e
    masked.append(text[last:])
    stage = _stage("".join(masked), main.start if main else None, spans, lexicon)

    year, kind = _period(find_years(text, found))

    quantity = main.quantity if main else None
    hedge = _hedge(text, quantity, present)
    has_quantity = any(q.unit != "number" for q in quantities) or (
        bool(quantities) and metric not in (None, "other")
    )
    checkworthy = hedge != "opinion" and (
        has_quantity
        or (year is not None and (bool(ents) or metric not in (None, "other")))
        or metric == "facility_status"
    )
    claim = Claim(
        text=text,
        sentence_index=index,
        entities=ents,
        metric=metric,
        stage=stage,
        quantity=quantity,
        quantities=quantities,
        year=year,
        period_kind=kind,
        hedge=hedge,
        checkworthy=checkworthy,
        attribution=attribution,
    )
    if want_parts:
        masked_text = "".join(masked)
        parts = [
            replace(
                claim,
                quantity=f.quantity,
                metric=_part_metric(f.quantity, metric, text),
                stage=_stage(masked_text, f.start, spans, lexicon),
                part=i,
            )
            for i, f in enumerate((f for f in found if f is not main and _checkable(f)), 1)
        ]
        return [claim, *parts]  # type: ignore[return-value]
    return claim


def _checkable(found: _Found) -> bool:
    return _unit_class(found.quantity) in ("percent", "money", "price", "t", "t/yr")


def _part_metric(q: Quantity, metric: str | None, text: str) -> str | None:
    """The metric a further figure in a sentence speaks to, from its unit."""
    unit = _unit_class(q)
    if unit == "money":
        return "funding"
    if unit == "price":
        return "price_floor" if re.search(r"floor", text, re.IGNORECASE) else "price"
    if unit == "percent":
        kept = ("ownership", "target", "growth", "import_share")
        return metric if metric in kept else "share"
    if metric in ("production", "capacity", "reserves", "quota", "demand"):
        return metric
    return "production"


def extract_claims(article: _Article, lexicon: Lexicon) -> list[Claim]:
    """One Claim per sentence of ``article`` that names an entity or states a quantity."""
    claims: list[Claim] = []
    last_year: int | None = None
    for sentence in article.sentences:
        found = claim_from_sentence(
            sentence.text,
            sentence.index,
            lexicon,
            getattr(sentence, "attribution", None),
            want_parts=True,
        )
        if not found:
            continue
        year = found[0].year  # type: ignore[index]
        if year is None and last_year is not None and SAME_YEAR.search(sentence.text):
            # "the same year" / "that year" points back at the previous claim's period.
            found = [replace(c, year=last_year, period_kind="in") for c in found]  # type: ignore[union-attr]
            year = last_year
        if year is not None:
            last_year = year
        claims.extend(found)  # type: ignore[arg-type]
    return claims


SAME_YEAR = re.compile(r"\b(?:the same year|that year|that same year)\b", re.IGNORECASE)

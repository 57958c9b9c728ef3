"""The regex tables and word values that recognise numbers, magnitudes, units,
qualifiers, identifiers and calendar dates in text, for `derisk.review.extraction.quantities`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from derisk import vocabulary

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
#: After a counted noun, a second noun makes the first a modifier: "30 national critical
#: minerals strategies" counts strategies, not minerals, and "five rare earth projects"
#: counts projects. Shared by every rule that reads a count of elements.
NOT_A_MODIFIER = (
    r"(?!\s+(?:strateg\w*|polic(?:y|ies)|plans?|programm?e?s?|initiatives?|lists?|laws?"
    r"|acts?|projects?|compan(?:y|ies)|deals?|agreements?|summits?|stocks?|funds?"
    r"|partnerships?|alliances?|sectors?|industr(?:y|ies)|markets?|chains?|producers?"
    r"|suppliers?|mines?|deposits?|firms?|ministers?|experts?|countries|nations)\b)"
)
_COUNT_NOUN = re.compile(
    r"(?:\s+(?!(?:of|per|to|in|by|from|the|a|an|than|percent)\b)[A-Za-z][\w-]*){0,3}?\s+"
    r"(?P<noun>rare[- ]earths?(?:\s+(?:elements?|metals?|oxides?|minerals?))?|REEs?\b"
    r"|elements?|metals?|minerals?|compan(?:y|ies)|firms?|mines?|plants?|facilit(?:y|ies)"
    r"|refiner(?:y|ies)|projects?|countr(?:y|ies)|nations?|deposits?|producers?|suppliers?"
    r"|sites?|licen[cs]es?|permits?|jobs?|workers?|employees|people|vehicles?|cars?"
    r"|turbines?|magnets?|items?|products?|technologies|entities|measures|categories|types"
    r"|processors?|smelters?|makers?|manufacturers?|deals?|agreements?)\b" + NOT_A_MODIFIER,
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

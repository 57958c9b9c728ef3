"""Stage 2 of `derisk review`: find the checkable claims in an article and parse them.

`extract_claims(article, lexicon)` returns one `Claim` per sentence that mentions at
least one entity (see `derisk.review.extraction.lexicon`) or quantity and is not boilerplate.
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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from derisk import vocabulary

# The rule tables and parsers live in their own modules; the names marked "re-exported"
# stay importable from here for the modules and tests that import them from claims.
from derisk.review.extraction.classify import (
    _hedge,
    _hints_in,
    _main_quantity,
    _metric,
    _stage,
    _unit_class,
)
from derisk.review.extraction.hedge_rules import (  # noqa: F401 (re-exported)
    _HEDGED_HINTS,
    _OPINION_HINTS,
    _SPECULATIVE_HINTS,
    HEDGED,
    OPINION,
    SPECULATIVE,
)
from derisk.review.extraction.lexicon import Entity, Lexicon
from derisk.review.extraction.metric_rules import (
    _CONTROL_STATUS,
    METRIC_RULES,  # noqa: F401 (re-exported)
    MetricRule,  # noqa: F401 (re-exported)
)
from derisk.review.extraction.quantities import (
    Quantity,
    _Found,
    _overlaps,
    _scan,
    parse_quantities,  # noqa: F401 (re-exported)
)
from derisk.review.extraction.quantity_patterns import _I
from derisk.review.extraction.stage_rules import _STAGE_HINTS, _STAGE_SCAN, STAGE_RULES  # noqa: F401
from derisk.review.extraction.years import _YEAR, _period, find_years

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
        rel = relative_year(sentence.text, getattr(article, "date", None))
        if rel is not None:
            found = [
                replace(c, year=rel, period_kind=c.period_kind or "in")  # type: ignore[union-attr]
                if _nearer_relative(c, rel) else c
                for c in found
            ]  # fmt: skip
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
#: "last year", "this year", "next year": a year counted from the article's date.
RELATIVE_YEAR = re.compile(r"\b(last|this|next|past)\s+year\b", re.IGNORECASE)
_OFFSET = {"last": -1, "past": -1, "this": 0, "next": 1}


def relative_year(text: str, date: object) -> int | None:
    """The calendar year "last year" (or this, next) means in an article of ``date``."""
    m = RELATIVE_YEAR.search(text)
    if m is None or not hasattr(date, "year"):
        return None
    return int(date.year) + _OFFSET[m.group(1).lower()]  # type: ignore[attr-defined]


def _nearer_relative(claim: object, rel: int) -> bool:
    """Whether "last year" (not an explicit year) dates the claim's figure: it does when
    the claim has no year, or the phrase is nearer the figure than the year named
    ("averaged $56 a kilo last year, way down from the 2022 peak" is about last year)."""
    year = getattr(claim, "year", None)
    if year is None:
        return True
    if year == rel:
        return False
    text = claim.text  # type: ignore[attr-defined]
    q = getattr(claim, "quantity", None)
    at = text.find(q.text) if q is not None and q.text else 0
    phrase = RELATIVE_YEAR.search(text)
    named = text.find(str(year))
    if phrase is None or named < 0:
        return False
    return abs(phrase.start() - at) < abs(named - at)

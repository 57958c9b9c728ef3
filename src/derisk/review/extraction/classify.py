"""Decide a sentence's metric, main quantity, stage and hedge from the rule tables in
`metric_rules`, `stage_rules` and `hedge_rules` (with the cheap hint pre-filter)."""

from __future__ import annotations

from collections.abc import Sequence

from derisk.review.extraction.hedge_rules import (
    _HEDGED_HINTS,
    _NOT_OPINION,
    _OPINION_HINTS,
    _SPECULATIVE_HINTS,
    HEDGED,
    OPINION,
    SPECULATIVE,
)
from derisk.review.extraction.lexicon import Entity, Lexicon
from derisk.review.extraction.metric_rules import _NEEDS, METRIC_RULES
from derisk.review.extraction.quantities import Quantity, _Found
from derisk.review.extraction.stage_rules import _STAGE_HINTS, _STAGE_SCAN


def _hinted(present: frozenset[str] | set[str], hints: tuple[str, ...]) -> bool:
    return not hints or not present.isdisjoint(hints)


def _all_hints() -> list[str]:
    hints = {h for rule in METRIC_RULES for h in rule.hints}
    hints.update(_OPINION_HINTS, _SPECULATIVE_HINTS, _HEDGED_HINTS, _STAGE_HINTS)
    return sorted(hints)


_HINTS = tuple(_all_hints())


def _hints_in(text: str) -> set[str]:
    """Which hint substrings occur in the lower-cased ``text`` (one pass of ``in`` tests)."""
    low = text.lower()
    return {h for h in _HINTS if h in low}


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

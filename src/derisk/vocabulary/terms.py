"""Stages, element groups, bases, verdicts and months: each term defined once, in data.

Every constant here is built from a JSON file of this package, so the dataset schema,
the diagnoses, the forecast, the review and the interfaces all spell a term the same
way and a new term needs one edit. The tuples keep the files' order, which is the order
users see (chain order for stages, calendar order for months).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from derisk.vocabulary._files import VocabularyError, records, unique


# -- stages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StageTerm:
    """A supply-chain stage; ``chain`` and ``claim`` say which lists it belongs to."""

    name: str
    chain: bool
    claim: bool
    doc: str


STAGE_TERMS = tuple(
    StageTerm(r["name"], bool(r["chain"]), bool(r["claim"]), r["doc"])
    for r in records("stages.json", "stages")
)
#: Every stage a facility can be at (facilities.stage), in chain order.
FACILITY_STAGES = unique("stages.json", "stage", [s.name for s in STAGE_TERMS])
#: The stages of the chain the diagnoses, stage_shares and the forecast model use.
STAGES = tuple(s.name for s in STAGE_TERMS if s.chain)
#: The stages a review claim can be about.
CLAIM_STAGES = tuple(s.name for s in STAGE_TERMS if s.claim)
StageName = Literal[STAGES]  # type: ignore[valid-type]


# -- element groups --------------------------------------------------------------------
@dataclass(frozen=True)
class GroupTerm:
    """A group of elements under its dataset ``code`` and its review ``key``."""

    key: str
    code: str | None
    doc: str
    #: "all", "ree_group", "magnet_ree" or the member symbols (see groups.json)
    members: str | tuple[str, ...]
    headline: bool
    precedence: int | None
    aliases: tuple[str, ...]

    def members_of(self, elements: Iterable[tuple[str, object, object]]) -> tuple[str, ...]:
        """The symbols in this group of ``elements`` rows (symbol, ree_group, magnet_ree)."""
        rows = list(elements)
        if self.members == "all":
            return tuple(s for s, _, _ in rows)
        if self.members == "ree_group":
            return tuple(s for s, group, _ in rows if group == self.code)
        if self.members == "magnet_ree":
            return tuple(s for s, _, magnet in rows if magnet in (True, "true", "True"))
        present = {s for s, _, _ in rows}
        return tuple(s for s in self.members if s in present)


def _group(r: dict) -> GroupTerm:
    members = r["members"]
    if not isinstance(members, str):
        members = tuple(members)
    elif members not in ("all", "ree_group", "magnet_ree"):
        raise VocabularyError(f"groups.json: {r['key']!r} has unknown members {members!r}")
    return GroupTerm(
        key=r["key"],
        code=r.get("code"),
        doc=r["doc"],
        members=members,
        headline=bool(r.get("headline", False)),
        precedence=r.get("precedence"),
        aliases=tuple(r.get("aliases", ())),
    )


GROUP_TERMS = tuple(_group(r) for r in records("groups.json", "groups"))
#: Group codes of the dataset (group columns, --group, diagnoses), in display order.
GROUPS = unique("groups.json", "group code", [g.code for g in GROUP_TERMS if g.code])
#: The review's group keys (claims, verdicts).
GROUP_KEYS = unique("groups.json", "group key", [g.key for g in GROUP_TERMS])
#: Dataset code -> review key.
GROUP_KEY = {g.code: g.key for g in GROUP_TERMS if g.code}


def groups_of(symbol: str, ree_group: object, magnet_ree: object) -> tuple[str, ...]:
    """The dataset groups an element is in: REE, its light/heavy class, magnet."""
    row = [(symbol, ree_group, magnet_ree)]
    return tuple(g.code for g in GROUP_TERMS if g.code and g.members_of(row))


#: The light/heavy split an element belongs to (elements.ree_group, besides "none").
ELEMENT_CLASSES = tuple(g.code for g in GROUP_TERMS if g.code and g.members == "ree_group")
#: The groups a summary reports by default: all rare earths, then magnet rare earths.
HEADLINE_GROUPS = tuple(g.code for g in GROUP_TERMS if g.code and g.headline)
#: Review keys by precedence: the first a claim names decides what it is compared with.
GROUP_PRECEDENCE = tuple(
    g.key for g in sorted(GROUP_TERMS, key=lambda g: g.precedence or 0) if g.precedence
)
#: The review key of a claim that names no more specific group.
FALLBACK_GROUP = next(g.key for g in GROUP_TERMS if g.members == "all")


# -- bases -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BasisTerm:
    """What a measured figure is a quantity of; see bases.json for the fields."""

    name: str
    doc: str
    unit_decides: bool
    unit_words: tuple[str, ...]


BASIS_TERMS = tuple(
    BasisTerm(r["name"], r["doc"], bool(r["unit_decides"]), tuple(r.get("unit_words", ())))
    for r in records("bases.json", "bases")
)
BASES = unique("bases.json", "basis", [b.name for b in BASIS_TERMS])
BasisName = Literal[BASES]  # type: ignore[valid-type]
BASIS_DOCS = {b.name: b.doc for b in BASIS_TERMS}
#: Bases a unit settles on its own; a row that claims another basis has a unit mismatch.
UNIT_DECIDED_BASES = frozenset(b.name for b in BASIS_TERMS if b.unit_decides)
#: Words that make a bare mass a mass of product ("t magnet", "t alloy"): basis material.
MATERIAL_WORDS = next(b.unit_words for b in BASIS_TERMS if b.name == "material")


# -- verdicts --------------------------------------------------------------------------
@dataclass(frozen=True)
class VerdictTerm:
    """A review verdict: whether the claim was ``checked`` and whether it ``holds``."""

    name: str
    checked: bool
    holds: bool
    doc: str
    slip: bool = False


VERDICT_TERMS = tuple(
    VerdictTerm(r["name"], bool(r["checked"]), bool(r["holds"]), r["doc"], bool(r.get("slip")))
    for r in records("verdicts.json", "verdicts")
)
VERDICTS = unique("verdicts.json", "verdict", [v.name for v in VERDICT_TERMS])
VerdictName = Literal[VERDICTS]  # type: ignore[valid-type]
#: Verdicts of claims that were compared with rows on the same basis.
CHECKED_VERDICTS = tuple(v.name for v in VERDICT_TERMS if v.checked)
#: Checked verdicts that do not hold: the slips a critique lists.
WRONG_VERDICTS = tuple(v.name for v in VERDICT_TERMS if v.checked and not v.holds)
#: Checked verdicts that hold: What Holds Up.
HOLDING_VERDICTS = tuple(v.name for v in VERDICT_TERMS if v.checked and v.holds)
#: Verdicts a critique lists under Where It Slips.
SLIP_VERDICTS = tuple(v.name for v in VERDICT_TERMS if v.slip)
VERDICT_DOCS = {v.name: v.doc for v in VERDICT_TERMS}


# -- months ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Month:
    """A calendar month: its number, English name and abbreviations."""

    number: int
    name: str
    abbreviations: tuple[str, ...]


MONTH_TERMS = tuple(
    Month(n, r["name"], tuple(r["abbreviations"]))
    for n, r in enumerate(records("months.json", "months"), start=1)
)
#: Month names in calendar order ("January", ...).
MONTHS = unique("months.json", "month", [m.name for m in MONTH_TERMS])
#: Every abbreviation in calendar order ("Jan", ..., "Sep", "Sept", ...); May has none.
MONTH_ABBREVIATIONS = tuple(a for m in MONTH_TERMS for a in m.abbreviations)
#: Every spelling, lower case (names and abbreviations) -> month number.
MONTH_NUMBER = {word.lower(): m.number for m in MONTH_TERMS for word in (m.name, *m.abbreviations)}


def month_number(word: str, abbreviations: bool = True) -> int | None:
    """The month ``word`` names (any case), or None; abbreviations count unless told not."""
    number = MONTH_NUMBER.get(word.lower())
    if number is None or abbreviations:
        return number
    return number if MONTHS[number - 1].lower() == word.lower() else None

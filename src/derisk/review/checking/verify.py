"""Check claims against the store, with the article's date in mind.

Match before you judge (derisk.review.checking.match): a claim is compared only with rows that
answer it: the same subject (country, company, plant, bloc), metric, stage, element or
group, basis, market and period. A share of separation is not checked against a share
of mining, an ownership stake or a policy cap not against any market share, a price in
Europe not against a US price floor, one plant's capacity not against another's. When
nothing matches, the verdict is `unverifiable` and the evidence shows the nearest rows
and why they do not answer the claim; a wrong "contradicted" is the worst mistake.

Verdicts: `supported` (a matching row agrees within tolerance), `contradicted`
(matching rows on record at the article's date disagree), `outdated` (agrees with what
was on record then but not with the latest rows; a claim ahead of the record is
supported), `unverifiable` (nothing matches), `opinion` (opinion or speculation is never
verified). Each checker owns one metric; METRIC_CHECKERS maps them. Checkers live here
(shares, tonnages, quotas, demand) and in derisk.review.checking.checks (prices, stakes and
targets, events, laws, plants, funding, market sizes and deposits).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.checks.dominance import DOMINATES, check_dominance, is_dominance_claim
from derisk.review.checking.checks.events import check_policy
from derisk.review.checking.checks.funding import check_funding
from derisk.review.checking.checks.laws import check_law_date, is_dated_rule
from derisk.review.checking.checks.markets import check_deposit, check_market_size
from derisk.review.checking.checks.plants import check_facility, is_stated_plan, status_said
from derisk.review.checking.checks.prices import check_price, check_price_floor
from derisk.review.checking.checks.production import check_demand, check_production, check_quota
from derisk.review.checking.checks.stakes import check_ownership, check_target
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import (
    AMOUNT_TOLERANCE,
    CLAUSE,
    MONEY_TOLERANCE,
    SHARE_TOLERANCE_PP,
    Result,
    claim_group,
    entity_keys,
    judge,
    own_clause,
    unmatched,
)
from derisk.review.extraction.claims import _hedge

__all__ = [
    "AMOUNT_TOLERANCE",
    "MONEY_TOLERANCE",
    "SHARE_TOLERANCE_PP",
    "Candidate",
    "FactBase",
    "METRIC_CHECKERS",
    "Verdict",
    "verify",
    "verify_claim",
]

#: Claim groups that stage_shares rows measure on their own (magnet and heavy rare
#: earths); a claim about another group is compared with the all-REE rows.
_OWN_SHARE_GROUPS = (vocabulary.GROUP_KEY["magnet"], vocabulary.GROUP_KEY["HREE"])


@dataclass(frozen=True)
class Verdict:
    claim: object  # review.claims.Claim
    verdict: vocabulary.VerdictName
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""

    def to_dict(self) -> dict:
        q = getattr(self.claim, "quantity", None)
        entity = getattr(self.claim, "entities", ())
        return {
            "text": self.claim.text,  # type: ignore[attr-defined]
            "entity": entity[0].name if entity else None,
            "metric": getattr(self.claim, "metric", None),
            "value": None if q is None else q.value,
            "unit": None if q is None else q.unit,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "evidence": [e.to_dict() for e in self.evidence],
        }


def _row_group(label: str) -> str:
    text = str(label).lower()
    if re.search(r"hree|heavy|dysprosium|terbium|\bdy\b|\btb\b", text):
        return "heavy"
    if "magnet" in text and "ree" in text:
        return "magnet_ree"
    if re.search(r"ndfeb|magnet", text):
        return "magnet_product"
    return "all_ree"


# -- checkers, one per metric -----------------------------------------------------------
_IMPORTER = re.compile(r"\b(?:imports?|imported|relian\w*|dependen\w*|depends?)\b", re.I)


def check_share(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A country's share of world output at one stage, on the same group and basis."""
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "percent":
        return None
    countries = entity_keys(claim, "country")
    others = entity_keys(claim, ("bloc", "company", "facility"))
    stage = getattr(claim, "stage", None) or "mining"
    group = claim_group(claim)
    capacity = bool(re.search(r"capacit", claim.text, re.I))  # type: ignore[attr-defined]
    if not countries:
        what = f"a share for {', '.join(others)}" if others else "a share with no country named"
        return unmatched((), f"{what}; stage_shares holds countries' shares of world output")
    candidates, other_basis = facts.memo(
        ("share", tuple(countries), stage, group, capacity),
        lambda: _share_pool(facts, countries, stage, group, capacity),
    )
    if not candidates:
        if other_basis:
            return unmatched(
                other_basis,
                f"the data has {stage} shares only on another basis "
                f"({other_basis[0].label}); not comparable with a claim about {group}"
                + (" capacity" if capacity else ""),
            )
        return None
    verdict = judge(
        claim, candidates, article_date, lambda v: SHARE_TOLERANCE_PP, f"share of {stage}"
    )
    if verdict[0] == "contradicted" and group not in _HEAVY_GROUPS and _HEAVY_WORDS.search(
        own_clause(claim)
    ):
        # "... and its share of processing of the heavy ones at 100%": the figure's own
        # words are about heavy rare earths, the rows compared are not
        return unmatched(list(verdict[1]), f"the figure is for heavy rare earths: {verdict[2]}")
    ambiguous = len(countries) > 1 or bool(others) or _IMPORTER.search(claim.text)  # type: ignore[attr-defined]
    if verdict[0] == "contradicted" and ambiguous:
        # "Myanmar supplies 40% of China's feed", "the EU imports 98% from China": the
        # figure may be a share of one country's supply, not of world output.
        why = "the sentence names several parties or imports, so the figure may not be a "
        return unmatched(list(verdict[1]), f"{why}share of world output: {verdict[2]}")
    return verdict


_HEAVY_GROUPS = ("heavy", "Dy", "Tb")
_HEAVY_WORDS = re.compile(r"\b(?:heavy|heavies|HREEs?|dysprosium|terbium)\b", re.IGNORECASE)


def _share_pool(
    facts: FactBase, countries: list[str], stage: str, group: str, capacity: bool = False
) -> tuple[list[Candidate], list[Candidate]]:
    rows = facts.tables["stage_shares"]
    rows = rows[
        (rows["stage"] == stage)
        & rows["country"].isin(countries)
        & rows["unit"].eq("percent")
        & rows["value"].notna()
    ]
    candidates, other_basis = [], []
    for r in rows.itertuples():
        label = f"{r.value_text}% of {r.element_or_group}, {stage}, {r.country}"
        ev = facts.ev(
            "stage_shares",
            f"stage={stage}, country={r.country}, element_or_group={r.element_or_group}, "
            f"year={'' if pd.isna(r.year) else int(r.year)}",
            f"{r.value_text} %",
            r.source_id,
        )
        c = facts.candidate(r, facts.year_of(r.year, r.source_id), ev, label)
        c.low = c.high = None  # a share is compared with its value, within tolerance
        name = str(r.element_or_group)
        if "outlook" in name or str(r.measure) != "share":
            continue  # projections and other measures are not output shares
        row_group = _row_group(name)
        wanted = group if group in _OWN_SHARE_GROUPS else None
        if stage == "magnet":
            wanted = "magnet_product"
        if group in ("Dy", "Tb"):
            wanted = "heavy"
        if wanted is None:
            wanted = "all_ree"
        same_basis = row_group == wanted and ("capacity" in name) == capacity
        (candidates if same_basis else other_basis).append(c)
    return candidates, other_basis


def _no_table(what: str) -> Callable:
    """A metric the store holds no table for: unverifiable, never compared with another."""

    def check(claim: object, facts: FactBase, article_date: dt.date | None) -> Result:
        return "unverifiable", (), f"{what}: the dataset holds no table to check it against"

    return check


METRIC_CHECKERS: dict[str, tuple[Callable, ...]] = {
    "share": (check_deposit, check_share),
    "production": (check_market_size, check_production, check_facility),
    "reserves": (check_production,),
    "capacity": (check_facility,),
    "facility_status": (check_facility,),
    "funding": (check_funding,),
    "price_floor": (check_price_floor,),
    "price": (check_price,),
    "policy_event": (check_policy,),
    "element_count": (check_policy,),
    "quota": (check_quota, check_policy),
    "demand": (check_market_size, check_demand),
    "ownership": (check_ownership,),
    "target": (check_target,),
    "growth": (check_deposit, _no_table("a growth rate")),
    "import_share": (_no_table("a share of one party's imports or supply"),),
    "market_size": (check_market_size, _no_table("a market size")),
    "other": (check_market_size,),
}


def figure_is_stated_fact(claim: object) -> bool:
    """Whether the clause holding the claim's figure states a fact, whatever the rest of
    the sentence hedges.

    The hedge of a sentence is read from all its words, so "The Pentagon lent MP $150
    million ..., and it will buy all of the output ..." was speculation because of the
    second clause's "will". The figure's own clause decides whether it is checkable.
    """
    q = getattr(claim, "quantity", None)
    text = getattr(claim, "text", "")
    if q is None or q.text not in text:
        return False
    clauses = CLAUSE.split(text)
    if len(clauses) < 2:
        return False
    own = next((c for c in clauses if q.text in c), None)
    return own is not None and _hedge(own, q) in ("certain", "hedged")


#: Metrics whose checker already reads law dates (checks.events.check_policy).
_POLICY = ("policy_event", "element_count")
#: Metrics whose checker already reads a plant's row (checks.plants.check_facility).
_PLANT = ("facility_status", "capacity", "production")


def dominance_is_stated(claim: object) -> bool:
    """Whether the clause saying China dominates states it as fact ("Berman says China
    dominates both mining and refining, so a trade war could hit supply": the first
    clause is a statement, the second a speculation)."""
    text = getattr(claim, "text", "")
    own = next((c for c in CLAUSE.split(text) if DOMINATES.search(c)), None)
    return own is not None and _hedge(own, None) in ("certain", "hedged")


def verify_claim(claim: object, facts: FactBase, article_date: dt.date | None) -> Verdict:
    """One verdict with its evidence; opinion and speculation are never verified.

    Checkers get the article's date (not only its year): what was on record is decided
    by dates of record, and a figure printed after the article never refutes it.
    """
    # A named plant's planned capacity is a plan on record, checked despite its "will"
    # (checks.plants.is_stated_plan); with no row to check it stays speculation.
    if is_dominance_claim(claim) and dominance_is_stated(claim):
        result = check_dominance(claim, facts, article_date)
        if result is not None:
            return Verdict(claim, result[0], tuple(result[1]), result[2])
    hedged = getattr(claim, "hedge", "certain") in ("opinion", "speculative")
    if hedged and figure_is_stated_fact(claim):
        hedged = False
    if hedged and is_dated_rule(claim):  # a published rule's start date, not a forecast
        result = check_policy(claim, facts, article_date)
        if result is not None:
            return Verdict(claim, result[0], tuple(result[1]), result[2])
    if hedged and not is_stated_plan(claim):
        return Verdict(claim, "opinion", (), f"{claim.hedge}: not a checkable statement of fact")  # type: ignore[attr-defined]
    checkers = METRIC_CHECKERS.get(getattr(claim, "metric", None) or "", ())
    for checker in (check_facility,) if hedged else checkers:  # a plan: the plant's row only
        result = checker(claim, facts, article_date)
        if result is not None:
            verdict, evidence, explanation = result
            return Verdict(claim, verdict, tuple(evidence), explanation)
    if hedged:
        return Verdict(claim, "opinion", (), f"{claim.hedge}: not a checkable statement of fact")  # type: ignore[attr-defined]
    return Verdict(claim, "unverifiable", (), "no matching rows in the dataset")


#: The part number of a law's dated step read from a sentence about something else.
LAW_PART = -1


def status_step(claim: object, facts: FactBase, article_date: dt.date | None) -> Verdict | None:
    """A named plant's status in a sentence whose figure is about something else ("Lynas
    is still building its Seadrift plant, backed by a $258 million contract"): the
    status is a claim of its own, checked against the plant's row at the article's date."""
    if getattr(claim, "part", 0) != 0 or getattr(claim, "metric", None) in _PLANT:
        return None
    if not any(e.kind == "facility" for e in getattr(claim, "entities", ())):
        return None
    # only explicit building or cancelling words: "began", "operates" and the like in a
    # sentence about money say too little about which plant, and when, to be judged
    if status_said(getattr(claim, "text", "").lower()) not in ("construction", "cancelled"):
        return None
    step = replace(claim, quantity=None, quantities=(), metric="facility_status", part=LAW_PART)  # type: ignore[type-var]
    found = check_facility(step, facts, article_date)
    if found is None or found[0] not in vocabulary.CHECKED_VERDICTS:
        return None
    return Verdict(step, found[0], tuple(found[1]), found[2])


def law_step(claim: object, facts: FactBase, article_date: dt.date | None) -> Verdict | None:
    """The dated step of a named law in a sentence whose figure is about something else.

    "The CRMA entered into force in May 2023, setting benchmarks of 10% ..." makes two
    claims: the benchmark (the sentence's figure, checked as a target) and the law's
    date, checked here as a claim of its own with no figure, so neither verdict is
    charged to the other."""
    if getattr(claim, "part", 0) != 0 or getattr(claim, "metric", None) in _POLICY:
        return None
    law = check_law_date(claim, facts, article_date)
    if law is None or law[0] not in vocabulary.CHECKED_VERDICTS:
        return None
    step = replace(claim, quantity=None, quantities=(), metric="policy_event", part=LAW_PART)  # type: ignore[type-var]
    return Verdict(step, law[0], tuple(law[1]), law[2])


def verify(claims: list, facts: FactBase, article_date: dt.date | None = None) -> list[Verdict]:
    out = []
    for c in claims:
        if c.checkworthy or c.hedge in ("opinion", "speculative") or is_dominance_claim(c):
            out.append(verify_claim(c, facts, article_date))
            for extra in (law_step, status_step):
                if (step := extra(c, facts, article_date)) is not None:
                    out.append(step)
    return out

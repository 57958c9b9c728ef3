"""Check claims against the store, with the article's date in mind.

Match before you judge (derisk.review.match): a claim is compared only with rows that
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
(shares, tonnages, quotas, demand) and in derisk.review.checks (prices, stakes and
targets, events, laws, plants, funding, market sizes and deposits).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from derisk import vocabulary
from derisk.review.checks.dominance import DOMINATES, check_dominance, is_dominance_claim
from derisk.review.checks.events import check_policy
from derisk.review.checks.funding import check_funding
from derisk.review.checks.laws import check_law_date, is_dated_rule
from derisk.review.checks.markets import check_deposit, check_market_size
from derisk.review.checks.plants import check_facility, is_stated_plan
from derisk.review.checks.prices import check_price, check_price_floor
from derisk.review.checks.stakes import check_ownership, check_target
from derisk.review.claims import _hedge
from derisk.review.evidence import Evidence
from derisk.review.facts import Candidate, FactBase
from derisk.review.match import (
    AMOUNT_TOLERANCE,
    MONEY_TOLERANCE,
    SHARE_TOLERANCE_PP,
    Result,
    claim_group,
    entity_keys,
    judge,
    unmatched,
)

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
        _own_clause(claim)
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


#: Words that make a figure the world's, whatever country the sentence names later.
_WORLD = re.compile(r"\b(?:world(?:'s|wide)?|global(?:ly)?)\b", re.IGNORECASE)


def figure_subject(claim: object, countries: list[str]) -> tuple[list[str], bool]:
    """The countries a figure is about, and whether that attribution is certain.

    In "World reserves total 85 Mt, of which China holds 44 Mt" the first figure is the
    world's: a country is the figure's subject only if it is named before the figure;
    a world word nearer the figure makes it the world's (WLD). With several figures and
    no country named before this one, the attribution is uncertain.
    """
    q = claim.quantity  # type: ignore[attr-defined]
    text = claim.text  # type: ignore[attr-defined]
    at = text.find(q.text) if q is not None else -1
    before = text[:at] if at >= 0 else text
    named = [e for e in getattr(claim, "entities", ()) if e.kind == "country"]
    last_country = max((before.rfind(e.name) for e in named), default=-1)
    world = [m.end() for m in _WORLD.finditer(before)]
    if world and world[-1] > last_country:
        return ["WLD"], True
    several = len(getattr(claim, "quantities", ())) > 1
    return countries, last_country >= 0 or not several


#: A period that is not a calendar year: a quarter, a half or a fiscal year.
_PART_YEAR = re.compile(
    r"\b(?:quarter|quarterly|three months|six months|half[- ]year|first half|second half|"
    r"H[12]|Q[1-4]|year to (?:June|March|September)|fiscal|financial year|FY\s?\d{2,4})\b",
    re.IGNORECASE,
)
#: Volumes that change hands, not volumes produced.
_TRADED = re.compile(
    r"\b(?:offtake|off-take|priority access|access to|supply (?:deal|agreement|contract)|"
    r"buy|buys|bought|purchase\w*|import\w*|export\w*|ship\w*|sold|sells?|stockpil\w*)\b",
    re.IGNORECASE,
)


def _named_subject(claim: object) -> str | None:
    """The company or plant a tonnage belongs to: the one named nearest before the
    figure, when no country is named between it and the figure ("Lynas made 26 t ... at
    its Malaysian plant" is Lynas's; "The United States mined 41,600 t, almost all at
    Mountain Pass" is the country's). Unplaced names count as before the figure."""
    text = claim.text  # type: ignore[attr-defined]
    q = getattr(claim, "quantity", None)
    at = text.find(q.text) if q is not None and q.text else len(text)
    ents = getattr(claim, "entities", ())

    def last_before(kinds: tuple[str, ...]) -> tuple[int, str | None]:
        found = [(text.rfind(e.name, 0, at), e.name) for e in ents if e.kind in kinds]
        found = [(pos if pos >= 0 or text.find(e) < 0 else -2, e) for pos, e in found]
        return max(found, default=(-3, None))

    firm_at, firm = last_before(("company", "facility"))
    country_at, _ = last_before(("country",))
    if firm is None or firm_at < -1:
        return None
    return firm if firm_at >= country_at or firm_at == -1 else None


def production_basis(claim: object, table: str) -> str | None:
    """Why a tonnage is not on the basis of a country's calendar-year total (REO), or None.

    mine_production and reserves hold countries' totals of all rare earths, in t REO,
    per calendar year. Lynas's quarterly Dy+Tb output, Japan's NdPr offtake or a plant's
    fiscal-year output share the unit "t" but none of that basis, so none is compared."""
    text = claim.text  # type: ignore[attr-defined]
    firm = _named_subject(claim)
    if firm is not None:
        return f"the figure may be {firm}'s, not a country's total"
    group = claim_group(claim)
    if group != vocabulary.FALLBACK_GROUP:
        return f"the figure is for {group}; {table.replace('_', ' ')} holds all rare earths (t REO)"
    if _PART_YEAR.search(text):
        return "the figure is for part of a year or a fiscal year, not a calendar year"
    if table == "mine_production" and _TRADED.search(text):
        return "the figure is a traded or contracted volume, not output"
    return None


def check_production(claim: object, facts: FactBase, article_date: dt.date | None):
    q = claim.quantity  # type: ignore[attr-defined]
    countries = entity_keys(claim, "country")
    if q is None or q.unit != "t":
        return None
    countries, certain = figure_subject(claim, countries)
    if not countries:
        return None
    table = "reserves" if claim.metric == "reserves" else "mine_production"  # type: ignore[attr-defined]
    last, candidates = facts.memo(
        ("production", table, tuple(countries)),
        lambda: _production_pool(facts, table, countries),
    )
    if (why := production_basis(claim, table)) is not None:
        return unmatched((last,) if last is not None else (), f"{why}; not compared")
    if getattr(q, "basis", None) == "element":
        if last is None:
            return None
        return (
            "unverifiable",
            (last,),
            "the article gives tonnes of element; the data holds tonnes of oxide (REO)",
        )
    if not candidates:
        return None
    verdict = judge(
        claim, candidates, article_date, lambda v: AMOUNT_TOLERANCE * v, table.replace("_", " ")
    )
    if verdict[0] == "contradicted" and table == "reserves":
        verdict = _older_edition(claim, facts, countries, verdict)
    if verdict[0] == "contradicted" and not certain:
        return (
            "unverifiable",
            verdict[1],
            "the sentence gives several figures and this one cannot be tied to a country "
            f"with certainty; nearest record: {verdict[2]}",
        )
    return verdict


def _older_edition(
    claim: object, facts: FactBase, countries: list[str], verdict: tuple
) -> tuple[str, tuple[Evidence, ...], str]:
    """A figure an older edition printed, since revised, is outdated, not wrong."""
    q = claim.quantity  # type: ignore[attr-defined]
    rows = facts.tables["reserves"]
    rows = rows[
        rows["country"].isin(countries) & rows["value"].notna() & rows["superseded_by"].notna()
    ]
    rows = rows[rows["superseded_by"].astype(str) != ""]
    for r in rows.itertuples():
        if abs(float(r.value) - q.value) <= AMOUNT_TOLERANCE * q.value:
            ev = facts.ev(
                "reserves",
                f"country={r.country}, year={r.year}, superseded_by={r.superseded_by}",
                f"{r.value_text} {r.unit}",
                r.source_id,
                note="older edition, since revised",
            )
            return (
                "outdated",
                (ev, *verdict[1][:1]),
                f"matches an older edition ({r.value_text} {r.unit}, {r.source_id}), since "
                f"revised by {r.superseded_by}: {verdict[2]}",
            )
    if getattr(claim, "year", None) is None:
        # an undated reserve figure that an earlier year's row holds ("Vietnam has 22 Mt"
        # after USGS cut it to 3.5 Mt): the author used an old figure, outdated not wrong
        older = facts.tables["reserves"]
        older = older[older["country"].isin(countries) & older["value"].notna()]
        for r in older.sort_values("year", ascending=False).itertuples():
            if abs(float(r.value) - q.value) <= AMOUNT_TOLERANCE * q.value:
                ev = facts.ev("reserves", f"country={r.country}, year={r.year}",
                              f"{r.value_text} {r.unit}", r.source_id)  # fmt: skip
                return (
                    "outdated",
                    (ev, *verdict[1][:1]),
                    f"matches the {r.year} figure ({r.value_text} {r.unit}, {r.source_id}), "
                    f"since revised: {verdict[2]}",
                )
    return verdict


def _production_pool(
    facts: FactBase, table: str, countries: list[str]
) -> tuple[Evidence | None, list[Candidate]]:
    rows = facts.tables[table]
    rows = rows[rows["country"].isin(countries) & rows["value"].notna()]
    if table == "reserves" and "scope" in rows:
        rows = rows[~rows["scope"].astype(str).str.contains("resource", case=False)]
        # Only the current edition is the record; revised values are checked apart.
        rows = rows[rows["superseded_by"].isna() | (rows["superseded_by"].astype(str) == "")]
    last = None
    if len(rows):
        r = rows.iloc[-1]
        last = facts.ev(
            table, f"country={r['country']}", f"{r['value_text']} {r['unit']}", r["source_id"]
        )
    candidates = [
        facts.candidate(
            r,
            facts.year_of(r.year, r.source_id),
            facts.ev(
                table,
                f"country={r.country}, year={r.year}",
                f"{r.value_text} {r.unit}",
                r.source_id,
            ),
            f"{r.value_text} {r.unit}",
            float(r.value),
        )
        for r in rows.itertuples()
    ]
    for c in candidates:
        c.low = c.high = None
    return last, candidates


def check_quota(claim: object, facts: FactBase, article_date: dt.date | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "t":
        return None
    candidates = facts.memo(("quota",), lambda: _quota_pool(facts))
    kind = _quota_kind(_own_clause(claim))
    same = [c for c in candidates if _quota_matches(c.label, kind)]
    if not same:
        return unmatched(candidates[:3], "no China quota of the kind the article names")
    verdict = judge(claim, same, article_date, lambda v: 0.02 * v, "China quota")
    latest = max((c.year for c in same if c.year is not None), default=None)
    stale = (
        getattr(claim, "year", None) is None and article_date is not None
        and latest is not None and latest < article_date.year - 1
    )  # fmt: skip
    if stale and verdict[0] == "supported":
        # a quota China sets every year, stated in the present, whose last one on record
        # is years old: true once (the export quotas ended after 2014), not now
        why = f"{verdict[2]}; no quota of this kind on record after {latest}"
        return "outdated", verdict[1], why
    return verdict


def _quota_kind(text: str) -> dict[str, str | None]:
    """What kind of quota a sentence names: stage, ore type and period (None = unsaid).

    A heavy-REE first-batch quota is not comparable with the separation quota or the
    full-year total: each kind is its own figure (issue 11, match before judge).
    """
    low = text.lower()
    stage = "smelting" if re.search(r"smelt|separat|refin", low) else None
    if stage is None and re.search(r"\bmin(?:e|ed|ing)\b", low):
        stage = "mining"
    if re.search(r"export", low):
        stage = "export"
    ore = "heavy" if re.search(r"heavy|ion[- ]adsorption|ionic", low) else None
    if ore is None and re.search(r"\blight\b", low):
        ore = "light"
    period = None
    if re.search(r"\b(?:a|per|each) year\b|\bannual(?:ly)?\b", low) and not re.search(
        r"\bhalf\b|\bH[12]\b|batch|tranche", low
    ):
        period = "full year"  # "a quota of 31,000 tonnes a year" is not a half-year figure
    if re.search(r"first[- ]batch|first tranche", low):
        period = "first batch"
    elif re.search(r"second[- ]batch", low):
        period = "second batch"
    elif re.search(r"full[- ]year|annual|for the year|total quota", low):
        period = "full year"
    company = "northern" if "northern" in low else "group" if "rare earth group" in low else None
    return {"stage": stage, "ore": ore, "period": period, "company": company}


def _own_clause(claim: object) -> str:
    """The words of a sentence that belong to its figure: from the previous figure (or the
    clause start) up to the figure's end, so "the mining quota was 270,000 t and the
    smelting quota 254,000 t" reads "mining" for the first figure, "smelting" for the
    second."""
    text = claim.text  # type: ignore[attr-defined]
    q = getattr(claim, "quantity", None)
    at = text.find(q.text) if q is not None and q.text else -1
    if at < 0:
        return text
    start = 0
    for other in getattr(claim, "quantities", ()):
        pos = text.find(other.text)
        if other.text and 0 <= pos < at:
            start = max(start, pos + len(other.text))
    clause_start = max((m.end() for m in _CLAUSE.finditer(text, 0, at)), default=0)
    return text[max(start, clause_start) : at + len(q.text) + 25]


def _quota_matches(label: str, kind: dict[str, str | None]) -> bool:
    low = label.lower()
    if kind["stage"] and kind["stage"] not in low:
        return False
    if ("china northern" in low or "rare earth group" in low) and not (
        kind["company"] and kind["company"] in low
    ):
        return False  # one company's share of the quota, not the national figure
    has_ore = "heavy" in low or "light" in low
    if kind["ore"] and kind["ore"] not in low:
        return False
    if not kind["ore"] and has_ore:
        return False  # a claim about the total quota is not about one ore type
    return not kind["period"] or kind["period"] in low


def _quota_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["china_quotas"]
    rows = rows[rows["value"].notna()]
    candidates = [
        facts.candidate(
            r,
            int(r.year),
            facts.ev(
                "china_quotas",
                f"year={r.year}, type={r.quota_type}, period={r.period}",
                f"{r.value_text} {r.unit}",
                r.source_id,
            ),
            f"{r.quota_type} {r.period}: {r.value_text} {r.unit}",
            float(r.value),
        )
        for r in rows.itertuples()
    ]
    return candidates


def check_demand(claim: object, facts: FactBase, article_date: dt.date | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "t":
        return None
    candidates = facts.memo(("demand",), lambda: _demand_pool(facts))
    return judge(claim, candidates, article_date, lambda v: AMOUNT_TOLERANCE * v, "demand")


def _demand_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["demand_projections"]
    rows = rows[rows["element_or_group"].astype(str).str.contains("total demand")]
    candidates = [
        facts.candidate(
            r,
            int(r.year),
            facts.ev(
                "demand_projections",
                f"year={r.year}, scenario={r.scenario}, {r.element_or_group}",
                f"{r.value} {r.unit}",
                r.source_id,
            ),
            f"{r.element_or_group} {r.scenario}: {r.value} {r.unit}",
            float(r.value) * 1000.0,
        )
        for r in rows.itertuples()
        if str(r.unit).startswith("kt")
    ]
    return candidates


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


#: Where a sentence's clauses part: "lent MP $150 million ..., and it will buy ...".
_CLAUSE = re.compile(
    r"\s*[;:]\s+|,\s+(?=(?:and|but|while|which|although|though|whereas|so)\b)|\s+[—–]\s+"
)


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
    clauses = _CLAUSE.split(text)
    if len(clauses) < 2:
        return False
    own = next((c for c in clauses if q.text in c), None)
    return own is not None and _hedge(own, q) in ("certain", "hedged")


#: Metrics whose checker already reads law dates (checks.events.check_policy).
_POLICY = ("policy_event", "element_count")


def dominance_is_stated(claim: object) -> bool:
    """Whether the clause saying China dominates states it as fact ("Berman says China
    dominates both mining and refining, so a trade war could hit supply": the first
    clause is a statement, the second a speculation)."""
    text = getattr(claim, "text", "")
    own = next((c for c in _CLAUSE.split(text) if DOMINATES.search(c)), None)
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
            if (step := law_step(c, facts, article_date)) is not None:
                out.append(step)
    return out

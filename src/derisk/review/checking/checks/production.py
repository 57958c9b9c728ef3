"""Tonnages against countries' totals: mine production, reserves, China's quotas, demand.

mine_production and reserves hold countries' calendar-year totals of all rare earths in
t REO; a tonnage is compared with them only on that basis (`production_basis` says why
not otherwise). Quotas are compared by kind (stage, ore type, period) read from the
figure's own clause; demand with the world demand rows in kt.
"""

from __future__ import annotations

import datetime as dt
import re

from derisk import vocabulary
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import (
    AMOUNT_TOLERANCE,
    claim_group,
    entity_keys,
    judge,
    own_clause,
    unmatched,
)

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
PART_YEAR = re.compile(
    r"\b(?:quarter|quarterly|three months|six months|half[- ]year|first half|second half|"
    r"H[12]|Q[1-4]|year to (?:" + "|".join(vocabulary.MONTHS) + r")|fiscal|financial year|"
    r"FY\s?\d{2,4})\b",
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
    if PART_YEAR.search(text):
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
    kind = _quota_kind(own_clause(claim))
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

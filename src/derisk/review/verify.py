"""Check claims against the store, with the article's date in mind.

A claim is compared only with rows on the same basis: a share of separation is not
checked against a share of mining, a share of magnet rare earths not against a share
of all rare earths, tonnes of oxide not against tonnes of element. When the only rows
on hand are on another basis the verdict is `unverifiable` and the evidence says why.

Verdicts: `supported` (a row on the same basis agrees within tolerance), `contradicted`
(rows on the same basis exist for the period and none agrees), `outdated` (agrees with
what was on record when the article was written but not with the latest rows, or the
reverse), `unverifiable` (nothing on the same basis), `opinion` (opinion or speculation
is never verified). Each checker below owns one metric; METRIC_CHECKERS maps them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from derisk import vocabulary
from derisk.data.record import source_dates
from derisk.review.evidence import Evidence, SourceIndex

#: Percentage points a share may differ by and still agree (reported figures are
#: rounded and sources differ by a few points for the same year).
SHARE_TOLERANCE_PP = 4.0
#: Relative tolerance for tonnages, money and prices.
AMOUNT_TOLERANCE = 0.10
#: Money figures must match more tightly: awards are exact amounts.
MONEY_TOLERANCE = 0.03
# Undated statements are taken as current as of their source's year.

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


@dataclass
class Candidate:
    """One stored fact a claim can be compared with."""

    value: float
    year: int | None
    evidence: Evidence
    label: str = ""


@dataclass
class FactBase:
    """The store's tables, read once and indexed for the checkers (batch-friendly)."""

    store: object
    sources: SourceIndex = field(init=False)
    tables: dict[str, pd.DataFrame] = field(init=False, default_factory=dict)
    source_year: dict[str, int] = field(init=False, default_factory=dict)
    _memo: dict[tuple, object] = field(init=False, default_factory=dict)

    def memo(self, key: tuple, build: Callable[[], object]):  # noqa: ANN201
        """Rows a checker selects depend only on the store and the claim's shape (entity,
        stage, basis, year), never on its value: select them once per shape."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def __post_init__(self) -> None:
        self.sources = SourceIndex(self.store)
        names = (
            "stage_shares",
            "mine_production",
            "reserves",
            "funding",
            "events",
            "benchmarks",
            "facilities",
            "prices",
            "china_quotas",
            "demand_projections",
        )
        for name in names:
            self.tables[name] = self.store.table(name)  # type: ignore[attr-defined]
        # Publication dates come from the one home of dates of record (derisk.data.record).
        for source_id, date in source_dates(self.store).items():
            if date is not None:
                self.source_year[source_id] = date.start.year
        self.dataset_year = max(self.source_year.values(), default=dt.date.today().year)

    def published(self, source_id: str) -> int | None:
        """The year a row entered the record: its earliest dated source's year."""
        years = [self.source_year.get(s.strip()) for s in str(source_id).split(";")]
        return min((y for y in years if y is not None), default=None)

    def year_of(self, year: object, source_id: str) -> int | None:
        """A row's data year; None when the row is undated.

        The source's publication year is when a figure entered the record, not the year
        it describes: using it as the data year made undated figures look newest.
        """
        if year is not None and not pd.isna(year):
            return int(year)  # type: ignore[call-overload]
        return None

    def recorded_year(self, source_id: str) -> int | None:
        """The year a row's earliest source was published: when it entered the record."""
        return self.published(source_id)

    def ev(self, table: str, key: str, value: str, source_id: str, note: str | None = None):
        return self.sources.evidence(table, key, value, source_id, note)


# -- helpers ---------------------------------------------------------------------------
def _entity_keys(claim: object, kind: str | tuple[str, ...]) -> list[str]:
    kinds = (kind,) if isinstance(kind, str) else kind
    return [e.key for e in getattr(claim, "entities", ()) if e.kind in kinds]


def _group(claim: object) -> str:
    """all_ree, magnet_ree, heavy, light or an element symbol the claim is about."""
    groups = _entity_keys(claim, "group")
    for key in vocabulary.GROUP_PRECEDENCE:
        if key in groups:
            return key
    elements = _entity_keys(claim, "element")
    if elements:
        return elements[0]
    return vocabulary.FALLBACK_GROUP


def _row_group(label: str) -> str:
    text = str(label).lower()
    if re.search(r"hree|heavy|dysprosium|terbium|\bdy\b|\btb\b", text):
        return "heavy"
    if "magnet" in text and "ree" in text:
        return "magnet_ree"
    if re.search(r"ndfeb|magnet", text):
        return "magnet_product"
    return "all_ree"


def _agrees(claimed: float, fact: float, bound: str | None, tolerance: float) -> bool:
    if bound == "at_least":
        return fact >= claimed - tolerance
    if bound == "at_most":
        return fact <= claimed + tolerance
    return abs(fact - claimed) <= tolerance


def _known_by(c: Candidate, article_year: int, known: Callable[[str], int | None]) -> bool:
    """Whether a row was on record when the article was written.

    A figure for an earlier year counts (statistics are revised, not invented); a figure
    for the article's own year counts only if its source was out by then, since annual
    figures are published after the year ends.
    """
    if c.year is None or c.year > article_year:
        return False
    published = known(c.evidence.source_id)
    return c.year < article_year or published is None or published <= article_year


def _judge(
    claim: object,
    candidates: list[Candidate],
    article_year: int | None,
    tolerance: Callable[[float], float],
    what: str,
    known: Callable[[str], int | None] = lambda source_id: None,
) -> tuple[str, tuple[Evidence, ...], str]:
    """Compare with the rows on record when the article was written and with the latest."""
    q = claim.quantity  # type: ignore[attr-defined]
    bound = getattr(q, "bound", None)
    claim_year = getattr(claim, "year", None)
    dated = [c for c in candidates if c.year is not None]
    if claim_year is not None:
        same = [c for c in dated if c.year == claim_year]
        if same:
            ok = [c for c in same if _agrees(q.value, c.value, bound, tolerance(q.value))]
            chosen = ok or sorted(same, key=lambda c: abs(c.value - q.value))
            verdict = "supported" if ok else "contradicted"
            return verdict, tuple(c.evidence for c in chosen[:3]), _explain(q, chosen[0], what)
    if not candidates:
        return "unverifiable", (), f"no {what} on record"
    if not dated:
        return _judge_undated(q, bound, candidates, tolerance, what)
    pool = dated
    latest_year = max((c.year for c in dated), default=None)
    now = [c for c in pool if c.year == latest_year] if latest_year else pool
    then = now
    if article_year is not None and dated:
        before = [c for c in dated if _known_by(c, article_year, known)]
        if before:
            then_year = max(c.year for c in before)  # type: ignore[type-var]
            then = [c for c in before if c.year == then_year]
    ok_now = [c for c in now if _agrees(q.value, c.value, bound, tolerance(q.value))]
    ok_then = [c for c in then if _agrees(q.value, c.value, bound, tolerance(q.value))]
    if ok_now and (ok_then or then is now):
        return "supported", tuple(c.evidence for c in ok_now[:3]), _explain(q, ok_now[0], what)
    if ok_then and not ok_now:
        closest = min(now, key=lambda c: abs(c.value - q.value))
        return (
            "outdated",
            (ok_then[0].evidence, closest.evidence),
            f"true when written ({_explain(q, ok_then[0], what)}), but the latest record "
            f"is {closest.label} ({closest.year})",
        )
    if ok_now and not ok_then:
        closest = min(then, key=lambda c: abs(c.value - q.value))
        return (
            "outdated",
            (ok_now[0].evidence, closest.evidence),
            f"matches the latest record ({_explain(q, ok_now[0], what)}), not what was on "
            f"record at the article's date ({closest.label}, {closest.year})",
        )
    closest = sorted(now, key=lambda c: abs(c.value - q.value))
    return "contradicted", tuple(c.evidence for c in closest[:3]), _explain(q, closest[0], what)


def _judge_undated(
    q: object,
    bound: str | None,
    candidates: list[Candidate],
    tolerance: Callable[[float], float],
    what: str,
) -> tuple[str, tuple[Evidence, ...], str]:
    """Only undated figures on record: they may agree with a claim, never refute it.

    An undated figure cannot be placed before or after the claim's period, so treating
    it as the newest record would contradict claims about other years (issue 10).
    """
    value = q.value  # type: ignore[attr-defined]
    ok = [c for c in candidates if _agrees(value, c.value, bound, tolerance(value))]
    if ok:
        return "supported", tuple(c.evidence for c in ok[:3]), _explain(q, ok[0], what)
    closest = sorted(candidates, key=lambda c: abs(c.value - value))
    return (
        "unverifiable",
        tuple(c.evidence for c in closest[:3]),
        f"only undated figures on record, which cannot settle it: {_explain(q, closest[0], what)}",
    )


def _explain(q: object, c: Candidate, what: str) -> str:
    return f"article: {q.text}; data: {c.label} ({what}, {c.year or 'undated'})"  # type: ignore[attr-defined]


# -- checkers, one per metric -----------------------------------------------------------
def check_share(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "percent":
        return None
    countries = _entity_keys(claim, "country") or ["CHN"]
    stage = getattr(claim, "stage", None) or "mining"
    group = _group(claim)
    candidates, other_basis = facts.memo(
        ("share", tuple(countries), stage, group),
        lambda: _share_pool(facts, countries, stage, group),
    )
    if not candidates:
        if other_basis:
            return (
                "unverifiable",
                tuple(c.evidence for c in other_basis[:2]),
                f"the data has {stage} shares only on another basis "
                f"({other_basis[0].label}); not comparable with a claim about {group}",
            )
        return None
    return _judge(
        claim,
        candidates,
        article_year,
        lambda v: SHARE_TOLERANCE_PP,
        f"share of {stage}",
        facts.published,
    )


def _share_pool(
    facts: FactBase, countries: list[str], stage: str, group: str
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
        c = Candidate(float(r.value), facts.year_of(r.year, r.source_id), ev, label)
        row_group = _row_group(r.element_or_group)
        if "outlook" in str(r.element_or_group) or "capacity" in str(r.element_or_group):
            continue  # projections and capacity shares are not output shares
        wanted = group if group in _OWN_SHARE_GROUPS else None
        if stage == "magnet":
            wanted = "magnet_product"
        if group in ("Dy", "Tb"):
            wanted = "heavy"
        if wanted is None:
            wanted = "all_ree"
        (candidates if row_group == wanted else other_basis).append(c)
    return candidates, other_basis


def check_production(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    countries = _entity_keys(claim, "country")
    if q is None or q.unit != "t" or not countries:
        return None
    table = "reserves" if claim.metric == "reserves" else "mine_production"  # type: ignore[attr-defined]
    last, candidates = facts.memo(
        ("production", table, tuple(countries)),
        lambda: _production_pool(facts, table, countries),
    )
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
    verdict = _judge(
        claim,
        candidates,
        article_year,
        lambda v: AMOUNT_TOLERANCE * v,
        table.replace("_", " "),
        facts.published,
    )
    if verdict[0] == "contradicted" and table == "reserves":
        return _older_edition(claim, facts, countries, verdict)
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
        Candidate(
            float(r.value),
            facts.year_of(r.year, r.source_id),
            facts.ev(
                table,
                f"country={r.country}, year={r.year}",
                f"{r.value_text} {r.unit}",
                r.source_id,
            ),
            f"{r.value_text} {r.unit}",
        )
        for r in rows.itertuples()
    ]
    return last, candidates


def check_funding(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit not in vocabulary.CURRENCIES:
        return None
    # A named company decides which awards compare; the agency only when none is named
    # ("the Pentagon lent MP Materials ..." is about MP's awards, not every DoD award).
    names = [e.key.lower() for e in claim.entities if e.kind in ("company", "facility")]  # type: ignore[attr-defined]
    names = names or [e.key.lower() for e in claim.entities if e.kind == "agency"]  # type: ignore[attr-defined]
    candidates = facts.memo(
        ("funding", q.unit, tuple(names)), lambda: _funding_pool(facts, q.unit, names)
    )
    matches = [c for c in candidates if abs(c.value - q.value) <= MONEY_TOLERANCE * q.value]
    if matches:
        return "supported", tuple(c.evidence for c in matches[:3]), _explain(q, matches[0], "award")
    if candidates and names:
        closest = sorted(candidates, key=lambda c: abs(c.value - q.value))[:2]
        return (
            "unverifiable",
            tuple(c.evidence for c in closest),
            f"no award of {q.text} to or from {', '.join(names)} in the data; closest: "
            f"{closest[0].label}",
        )
    return None


def _funding_pool(facts: FactBase, unit: str, names: list[str]) -> list[Candidate]:
    rows = facts.tables["funding"]
    rows = rows[rows["value"].notna() & (rows["unit"] == unit)]
    if names:
        text = (rows["funder"].fillna("") + " | " + rows["recipient"].fillna("")).str.lower()
        mask = pd.Series(False, index=rows.index)
        for name in names:
            # the first distinctive word, whole: "US DoD" -> "dod" (not "us", which is in
            # "Australia" and every US agency), "MP Materials" -> "mp" (not "company")
            words = [w for w in name.split() if w not in ("us", "u.s.")] or name.split()
            token = words[0] if words else name
            mask |= text.str.contains(rf"\b{re.escape(token)}\b", regex=True)
        rows = rows[mask]
    candidates = [
        Candidate(
            float(r.value),
            facts.year_of(r.year, r.source_id),
            facts.ev(
                "funding",
                f"funder={r.funder}, recipient={r.recipient}, date={r.date}",
                f"{r.value_text} {r.unit} ({r.instrument})",
                r.source_id,
            ),
            f"{r.funder} -> {r.recipient}: {r.value_text} {r.unit}",
        )
        for r in rows.itertuples()
    ]
    return candidates


def check_price_floor(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or "kg" not in str(q.unit):
        return None
    candidates = facts.memo(("price_floor",), lambda: _price_floor_pool(facts))
    if not candidates:
        return None
    return _judge(claim, candidates, None, lambda v: 0.01 * v, "price floor")


def _price_floor_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["benchmarks"]
    rows = rows[rows["metric"].astype(str).str.contains("price", case=False)]
    candidates = []
    for r in rows.itertuples():
        match = re.match(r"\s*([\d.,]+)", str(r.value_text))
        if not match:
            continue
        value = float(match.group(1).replace(",", ""))
        candidates.append(
            Candidate(
                value,
                facts.recorded_year(r.source_id),
                facts.ev(
                    "benchmarks",
                    f"jurisdiction={r.jurisdiction}, target={r.target}",
                    str(r.value_text),
                    r.source_id,
                ),
                f"{r.target}: {r.value_text}",
            )
        )
    return candidates


def check_policy(claim: object, facts: FactBase, article_year: int | None):
    """Export controls: the number of elements and the year they were imposed."""
    q = claim.quantity  # type: ignore[attr-defined]
    year = getattr(claim, "year", None)
    month = _month(claim.text) if year is not None else None  # type: ignore[attr-defined]
    listed = facts.memo(("policy", year, month), lambda: _controls(facts, year, month))
    evidence = tuple(ev for _, ev in listed)
    if q is not None and q.unit == "count" and claim.metric in ("element_count", "policy_event"):  # type: ignore[attr-defined]
        counts = [len(affected) for affected, _ in listed]
        cumulative = sum(counts)
        if q.value in counts or q.value == cumulative:
            return (
                "supported",
                evidence[:3],
                f"article: {q.text}; data: export controls on {counts} elements "
                f"({cumulative} in all) in {year or 'the record'}",
            )
        if counts:
            return (
                "contradicted",
                evidence[:3],
                f"article: {q.text}; data: {counts} elements per announcement",
            )
    elements = set(_entity_keys(claim, "element"))
    if elements and year is not None and len(listed):
        hit = [ev for affected, ev in listed if elements & affected]
        if hit:
            return (
                "supported",
                tuple(hit[:3]),
                f"controls on {', '.join(sorted(elements))} in {year}",
            )
        return (
            "contradicted",
            evidence[:3],
            f"no control on {', '.join(sorted(elements))} in {year}",
        )
    return None


MONTH_WORD = re.compile(r"\b(" + "|".join(vocabulary.MONTHS) + r")\b")


def _month(text: str) -> int | None:
    """The month a sentence names ("in April 2025"), capitalised as a month is."""
    found = MONTH_WORD.search(text)
    return vocabulary.month_number(found.group(1)) if found else None


def _controls(
    facts: FactBase, year: int | None, month: int | None = None
) -> list[tuple[set[str], Evidence]]:
    """China's element-specific export controls (in a year and month, if given)."""
    rows = facts.tables["events"]
    rows = rows[rows["type"].astype(str).str.contains("export_control")]
    rows = rows[rows["actor"].astype(str).str.contains("China")]
    rows = rows[~rows["elements_affected"].astype(str).str.contains("all|magnets|techn")]
    if year is not None:
        rows = rows[rows["year"] == year]
    if month is not None:
        rows = rows[rows["date"].astype(str).str.startswith(f"{year}-{month:02d}")]
    return [
        (
            set(str(r.elements_affected).split(";")),
            facts.ev(
                "events", f"date={r.date}, actor={r.actor}", f"{r.elements_affected}", r.source_id
            ),
        )
        for r in rows.itertuples()
    ]


def check_facility(claim: object, facts: FactBase, article_year: int | None):
    keys = _entity_keys(claim, "facility")
    if not keys:
        return None
    found = facts.memo(("facility", tuple(keys)), lambda: _facility_row(facts, keys))
    if found is None:
        return None
    r, ev = found
    text = claim.text.lower()  # type: ignore[attr-defined]
    said = None
    if re.search(r"\b(operat|began|begun|started|commission|opened|producing)", text):
        said = "operating"
    elif "under construction" in text or "being built" in text:
        said = "construction"
    elif re.search(r"cancel|scrapp|abandon", text):
        said = "cancelled"
    q = claim.quantity  # type: ignore[attr-defined]
    if q is not None and q.unit == "t" and pd.notna(r["value"]):
        verdict = (
            "supported"
            if abs(q.value - r["value"]) <= AMOUNT_TOLERANCE * r["value"]
            else ("contradicted")
        )
        return verdict, (ev,), f"article: {q.text}; data: {r['value_text']} {r['unit']}"
    if said is None:
        return None
    if said == r["status"]:
        return "supported", (ev,), f"status on record: {r['status']}"
    return "contradicted", (ev,), f"article says {said}; on record: {r['status']}"


def _facility_row(facts: FactBase, keys: list[str]) -> tuple[dict, Evidence] | None:
    rows = facts.tables["facilities"]
    rows = rows[rows["name"].isin(keys)]
    if rows.empty:
        return None
    r = rows.iloc[0].to_dict()
    ev = facts.ev(
        "facilities",
        f"name={r['name']}",
        f"status {r['status']}; {r['value_text']} {r['unit']}; announced {r['announced_start']}; "
        f"actual {r['actual_start']}",
        r["source_id"],
    )
    return r, ev


def check_quota(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "t":
        return None
    candidates = facts.memo(("quota",), lambda: _quota_pool(facts))
    return _judge(
        claim, candidates, article_year, lambda v: 0.02 * v, "China quota", facts.published
    )


def _quota_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["china_quotas"]
    rows = rows[rows["value"].notna()]
    candidates = [
        Candidate(
            float(r.value),
            int(r.year),
            facts.ev(
                "china_quotas",
                f"year={r.year}, type={r.quota_type}, period={r.period}",
                f"{r.value_text} {r.unit}",
                r.source_id,
            ),
            f"{r.quota_type} {r.period}: {r.value_text} {r.unit}",
        )
        for r in rows.itertuples()
    ]
    return candidates


def check_demand(claim: object, facts: FactBase, article_year: int | None):
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "t":
        return None
    candidates = facts.memo(("demand",), lambda: _demand_pool(facts))
    return _judge(
        claim, candidates, article_year, lambda v: AMOUNT_TOLERANCE * v, "demand", facts.published
    )


def _demand_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["demand_projections"]
    rows = rows[rows["element_or_group"].astype(str).str.contains("total demand")]
    candidates = [
        Candidate(
            float(r.value) * 1000.0,
            int(r.year),
            facts.ev(
                "demand_projections",
                f"year={r.year}, scenario={r.scenario}, {r.element_or_group}",
                f"{r.value} {r.unit}",
                r.source_id,
            ),
            f"{r.element_or_group} {r.scenario}: {r.value} {r.unit}",
        )
        for r in rows.itertuples()
        if str(r.unit).startswith("kt")
    ]
    return candidates


METRIC_CHECKERS: dict[str, tuple[Callable, ...]] = {
    "share": (check_share,),
    "production": (check_production, check_facility),
    "reserves": (check_production,),
    "capacity": (check_facility,),
    "facility_status": (check_facility,),
    "funding": (check_funding,),
    "price_floor": (check_price_floor,),
    "price": (check_price_floor,),
    "policy_event": (check_policy,),
    "element_count": (check_policy,),
    "quota": (check_quota,),
    "demand": (check_demand,),
}


def verify_claim(claim: object, facts: FactBase, article_date: dt.date | None) -> Verdict:
    """One verdict with its evidence; opinion and speculation are never verified."""
    if getattr(claim, "hedge", "certain") in ("opinion", "speculative"):
        return Verdict(claim, "opinion", (), f"{claim.hedge}: not a checkable statement of fact")  # type: ignore[attr-defined]
    article_year = article_date.year if article_date else None
    for checker in METRIC_CHECKERS.get(getattr(claim, "metric", None) or "", ()):
        result = checker(claim, facts, article_year)
        if result is not None:
            verdict, evidence, explanation = result
            return Verdict(claim, verdict, tuple(evidence), explanation)
    return Verdict(claim, "unverifiable", (), "no matching rows in the dataset")


def verify(claims: list, facts: FactBase, article_date: dt.date | None = None) -> list[Verdict]:
    return [
        verify_claim(c, facts, article_date)
        for c in claims
        if c.checkworthy or c.hedge in ("opinion", "speculative")
    ]

"""Ownership stakes and policy targets: percentages that are not shares of world output.

"Shenghe holds 7.7% of Mountain Pass" is a stake in a company and "the EU's cap of 65%
from one country" is a rule; comparing either with China's mining or separation share
gave false verdicts. A stake is compared only with the `ownership` row for the same
holder and company (a named site stands for its operator); a target only with the
`benchmarks` rows of the same jurisdiction and, when the sentence says which, the same
aspect (extraction, processing, recycling, single-country cap).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import Result, entity_keys, explain, judge, unmatched

#: Percentage points a stake may differ by (filings round to one decimal; sources
#: differ by a few tenths between dates).
STAKE_TOLERANCE_PP = 0.5
#: Targets are set numbers: "40%" is the 40% target or another one.
TARGET_TOLERANCE_PP = 0.5
#: ... unless the article rounds it: "roughly two-thirds" (66.7%) is the 65% cap.
APPROX_TARGET_PP = 2.5


def _token(name: str) -> str:
    """The first distinctive word of a name, whole: "MP Materials" -> "mp"."""
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in ("us", "the")]
    return words[0] if words else name.lower()


def _mentions(series: pd.Series, name: str) -> pd.Series:
    return (
        series.fillna("")
        .astype(str)
        .str.lower()
        .str.contains(rf"\b{re.escape(_token(name))}\b", regex=True)
    )


def _operators(facts: FactBase, keys: list[str]) -> list[str]:
    """The companies that run the named sites ("Mountain Pass" -> MP Materials)."""
    rows = facts.tables["facilities"]
    names = rows["name"].astype(str)
    found = [rows[names.str.startswith(k) | (names == k)]["company"] for k in keys]
    return sorted({str(c) for part in found for c in part})


def check_ownership(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A stake: holder and company must both match an `ownership` row."""
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "percent":
        return None
    names = entity_keys(claim, "company") + _operators(facts, entity_keys(claim, "facility"))
    rows = facts.tables["ownership"]
    pool = [c for c, _, _ in _stake_rows(facts, rows)]
    if len(names) < 2:
        return unmatched(pool, "a stake needs a holder and a company; the sentence names "
                         f"{', '.join(names) or 'neither'}")  # fmt: skip
    chosen = [
        c
        for c, holder, company in _stake_rows(facts, rows)
        if any(_mentions(pd.Series([holder]), n).iloc[0] for n in names)
        and any(_mentions(pd.Series([company]), n).iloc[0] for n in names)
    ]
    if not chosen:
        return unmatched(pool, f"no stake held between {' and '.join(names)} on record")
    return judge(claim, chosen, article_date, lambda v: STAKE_TOLERANCE_PP, "ownership stake")


def _stake_rows(facts: FactBase, rows: pd.DataFrame) -> list[tuple[Candidate, str, str]]:
    out = []
    for r in rows[rows["value"].notna() & (rows["unit"] == "percent")].itertuples():
        year = int(str(r.as_of)[:4]) if re.match(r"\d{4}", str(r.as_of)) else None
        ev = facts.ev(
            "ownership",
            f"holder={r.holder}, company={r.company}, as_of={r.as_of}",
            f"{r.value_text} %",
            r.source_id,
        )
        label = f"{r.holder} holds {r.value_text}% of {r.company} (as of {r.as_of})"
        out.append((facts.candidate(r, year, ev, label), str(r.holder), str(r.company)))
    return out


# -- policy targets and caps --------------------------------------------------------------
#: Aspect of a target -> (words in the sentence, words in benchmarks.metric).
_ASPECTS = {
    "single": (r"one country|single|third country|any one|one supplier", r"single"),
    "extraction": (r"extract|\bmin(?:e|ed|ing)\b", r"extraction"),
    "processing": (r"process|refin|separat", r"processing"),
    "recycling": (r"recycl", r"recycling"),
}
_EU_LAW = re.compile(r"\bCRMA\b|Critical Raw Materials Act|RESourceEU", re.I)


def _jurisdictions(claim: object) -> list[str]:
    """Words a `benchmarks.jurisdiction` must contain for this claim's subject."""
    out = []
    for key in entity_keys(claim, "bloc"):
        out.extend(a for a in vocabulary.BLOC_ARTICLE_ALIASES.get(key, ()) if len(a) > 1)
    for key in entity_keys(claim, "country"):
        out.extend(vocabulary.COUNTRY_ALIASES.get(key, ()))
        out.append(key)
    if _EU_LAW.search(claim.text):  # type: ignore[attr-defined]
        out.extend(("EU", "European Union"))
    return out


def _aspect(text: str) -> str | None:
    """The one aspect a clause names; None when it names none or several."""
    found = [name for name, (said, _) in _ASPECTS.items() if re.search(said, text, re.I)]
    return found[0] if len(found) == 1 else None


def figure_clause(claim: object) -> str:
    """The words that belong to this claim's figure: from the previous figure to the next.

    "40 percent ... processed in the EU, alongside 10 percent from extraction and 15
    percent from recycling" gives each figure its own aspect; the whole sentence names
    all three and would pair 40% with the extraction target.
    """
    text = claim.text  # type: ignore[attr-defined]
    q = claim.quantity  # type: ignore[attr-defined]
    spots = sorted(
        {text.find(x.text) for x in getattr(claim, "quantities", ()) if x.text in text} - {-1}
    )
    at = text.find(q.text)
    if at < 0 or len(spots) < 2:
        return text
    prev = max((p for p in spots if p < at), default=0)
    nxt = min((p for p in spots if p > at), default=len(text))
    start = 0 if prev == 0 else prev + len(text[prev:].split(" ", 1)[0])
    after = text[at:nxt]  # "15 percent from recycling": the words after a figure first
    return after if _aspect(after) else text[start:nxt]


def check_target(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A policy target or cap, against the `benchmarks` rows of the same jurisdiction."""
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or q.unit != "percent":
        return None
    pool = facts.memo(("targets",), lambda: _target_pool(facts))
    places = _jurisdictions(claim)
    mine = [
        (c, metric)
        for c, metric, where in pool
        if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", where) for p in places)
    ]
    if not mine:
        return unmatched([c for c, _, _ in pool], "no target of this jurisdiction on record")
    aspect = _aspect(figure_clause(claim))
    if aspect is not None:
        same = [(c, m) for c, m in mine if re.search(_ASPECTS[aspect][1], m, re.I)]
        if not same:
            closest = sorted((c for c, _ in mine), key=lambda c: abs(c.value - q.value))
            return unmatched(closest, f"no {aspect} target of this jurisdiction on record")
        mine = same
    tolerance = APPROX_TARGET_PP if getattr(q, "approx", False) else TARGET_TOLERANCE_PP
    ok = [c for c, _ in mine if abs(c.value - q.value) <= tolerance]
    if ok:
        return "supported", tuple(c.evidence for c in ok[:3]), explain(q, ok[0], "policy target")
    closest = sorted((c for c, _ in mine), key=lambda c: abs(c.value - q.value))
    if aspect is None or any(c.weak for c in closest[:1]):
        return unmatched(closest, "no target of that value on record for this jurisdiction")
    return (
        "contradicted",
        tuple(c.evidence for c in closest[:2]),
        explain(q, closest[0], "policy target"),
    )


def _target_pool(facts: FactBase) -> list[tuple[Candidate, str, str]]:
    rows = facts.tables["benchmarks"]
    rows = rows[rows["value"].notna() & rows["unit"].astype(str).str.startswith("%")]
    rows = rows[~rows["kind"].astype(str).str.contains("projection|threshold", case=False)]
    out = []
    for r in rows.itertuples():
        ev = facts.ev(
            "benchmarks",
            f"jurisdiction={r.jurisdiction}, target={r.target}",
            str(r.value_text),
            r.source_id,
        )
        c = facts.candidate(r, None, ev, f"{r.jurisdiction}: {r.target} ({r.value_text})")
        out.append((c, f"{r.metric} {r.target}", str(r.jurisdiction)))
    return out

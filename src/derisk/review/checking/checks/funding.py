"""Money claims: awards, loans and equity against the funding table.

A named company decides which awards compare (the agency only when none is named). A
different amount is a contradiction only for the one award between both named parties
in the named month, on record by the article's date: several awards between the same
parties could add up to the claimed sum. With no month named, it takes the one award
of the named instrument (debt, loan, equity, grant ...) between the named funder and the
named recipient or project, ever on record by the article's date.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.checks.events import claimed_period
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import MONEY_TOLERANCE, explain


def check_funding(claim: object, facts: FactBase, article_date: dt.date | None):
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
        return "supported", tuple(c.evidence for c in matches[:3]), explain(q, matches[0], "award")
    if candidates and names:
        closest = sorted(candidates, key=lambda c: abs(c.value - q.value))[:2]
        same = _same_award(claim, facts, q.unit, names, article_date)
        if same is not None:
            scope = "in that month" if claimed_period(claim, article_date)[1] else (
                f"of this kind ({_instrument(claim.text)})"  # type: ignore[attr-defined]
            )
            return (
                "contradicted",
                (same.evidence,),
                explain(q, same, "award") + f" (the one award between these parties {scope} "
                "on record)",
            )
        return (
            "unverifiable",
            tuple(c.evidence for c in closest),
            f"no award of {q.text} to or from {', '.join(names)} in the data; closest: "
            f"{closest[0].label}",
        )
    return None


_PROPER = re.compile(r"\b(?:[A-Z][a-z]+\s+){1,5}[A-Z][a-z]+\b")


def _same_award(
    claim: object, facts: FactBase, unit: str, names: list[str], article_date: dt.date | None
) -> Candidate | None:
    """The one stored award that a money claim must be about, or None.

    A different amount contradicts only when the claim names both parties (the funder
    directly, or by the initials of its name: "Japan Australia Rare Earths" = JARE), the
    month, and exactly one award between them that month was on record by the article's
    date; several awards could add up to the claim, so they never contradict it.
    """
    year, month, _ = claimed_period(claim, article_date)  # "In March": the article's year
    text = claim.text  # type: ignore[attr-defined]
    instrument = _instrument(text)
    if (year is None or month is None) and instrument is None:
        return None
    said = set(re.findall(r"[A-Za-z]{2,}", text)) | {
        "".join(w[0] for w in m.split()) for m in _PROPER.findall(text)
    }
    rows = facts.tables["funding"]
    rows = rows[(rows["unit"] == unit) & rows["value"].notna()]
    if year is not None and month is not None:
        rows = rows[rows["date"].astype(str).str.startswith(f"{year}-{month:02d}")]
    else:
        # no month: the one award of the instrument named, for the project named, ever
        rows = rows[rows["instrument"].astype(str).str.lower().str.contains(instrument or "")]
    hits = []
    for r in rows.itertuples():
        funder = set(re.findall(r"[A-Za-z]{2,}", str(r.funder))) - {"via", "and", "US"}
        recipient = f"{r.recipient} {r.purpose if month is None else ''}".lower()
        if funder & said and any(n.split()[0] in recipient for n in names):
            hits.append(r)
    if len(hits) != 1:
        return None
    r = hits[0]
    c = _award(facts, r)
    q = claim.quantity  # type: ignore[attr-defined]
    known = article_date is None or (c.recorded is not None and c.recorded <= article_date)
    wrong = abs(c.value - q.value) > MONEY_TOLERANCE * q.value
    return c if known and wrong and not c.weak else None


#: Money instruments a sentence can name; with no month named, a different amount
#: contradicts only the one award of the same instrument between the same parties.
_INSTRUMENTS = ("debt", "loan", "equity", "grant", "prepayment", "convertible")


def _instrument(text: str) -> str | None:
    """The instrument a money sentence names ("debt financing" -> "debt"), or None."""
    low = text.lower()
    return next((i for i in _INSTRUMENTS if re.search(rf"\b{i}\b", low)), None)


def _award(facts: FactBase, r: object) -> Candidate:
    """One funding row as a Candidate, with the evidence key that finds it again."""
    return facts.candidate(
        r,
        facts.year_of(r.year, r.source_id),  # type: ignore[attr-defined]
        facts.ev(
            "funding",
            f"funder={r.funder}, recipient={r.recipient}, date={r.date}",  # type: ignore[attr-defined]
            f"{r.value_text} {r.unit} ({r.instrument})",  # type: ignore[attr-defined]
            r.source_id,  # type: ignore[attr-defined]
        ),
        f"{r.funder} -> {r.recipient}: {r.value_text} {r.unit}",  # type: ignore[attr-defined]
        float(r.value),  # type: ignore[attr-defined]
    )


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
    candidates = [_award(facts, r) for r in rows.itertuples()]
    return candidates

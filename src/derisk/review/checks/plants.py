"""Plants: a capacity or status is matched to the plant the sentence names, by name.

"Neo's Narva plant, 2,000 t a year" was contradicted by La Rochelle's 4,500 t because
the first facility named in a sentence was taken for every figure in it. The figure is
now matched to the plant mentioned nearest before it (else nearest after), a capacity
claim is not compared with a row that records output ("production, not nameplate") or
vice versa, and a claim in tonnes of element is not compared with tonnes of oxide.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk.review.evidence import Evidence
from derisk.review.facts import FactBase
from derisk.review.match import AMOUNT_TOLERANCE, Result, unmatched


def _nearest_facility(claim: object) -> str | None:
    """The facility mentioned nearest to the claim's figure (before it first)."""
    text = claim.text  # type: ignore[attr-defined]
    named = [e for e in claim.entities if e.kind == "facility"]  # type: ignore[attr-defined]
    if not named:
        return None
    q = claim.quantity  # type: ignore[attr-defined]
    at = text.find(q.text) if q is not None and q.text else -1
    if at < 0 or len(named) == 1:
        return named[0].key
    spots = [(text.find(e.name), e.key) for e in named if text.find(e.name) >= 0]
    before = [(p, k) for p, k in spots if p < at]
    if before:
        return max(before)[1]
    return min(spots, key=lambda s: abs(s[0] - at))[1] if spots else named[0].key


def check_facility(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    key = _nearest_facility(claim)
    if key is None:
        return None
    found = facts.memo(("facility", key), lambda: _facility_row(facts, [key]))
    if found is None:
        return None
    r, ev = found
    q = claim.quantity  # type: ignore[attr-defined]
    if q is not None and q.unit == "t" and pd.notna(r["value"]):
        return _capacity(claim, q, r, ev)
    said = _status_said(claim.text.lower())  # type: ignore[attr-defined]
    if said is None:
        return None
    if said == r["status"]:
        return "supported", (ev,), f"status on record: {r['status']} (as of {r['as_of']})"
    as_of = _as_of(r)
    if article_date is not None and as_of is not None and as_of > article_date:
        return unmatched((ev,), f"article says {said}; the status on record ({r['status']}) "
                         f"dates from {r['as_of']}, after the article")  # fmt: skip
    return "contradicted", (ev,), f"article says {said}; on record: {r['status']}"


def _status_said(text: str) -> str | None:
    if re.search(r"\b(operat|began|begun|started|commission|opened|producing)", text):
        return "operating"
    if "under construction" in text or "being built" in text:
        return "construction"
    if re.search(r"cancel|scrapp|abandon", text):
        return "cancelled"
    return None


def _as_of(r: dict) -> dt.date | None:
    match = re.match(r"(\d{4})-(\d{2})", str(r.get("as_of") or ""))
    return dt.date(int(match[1]), int(match[2]), 1) if match else None


def _capacity(claim: object, q: object, r: dict, ev: Evidence) -> Result:
    """A tonnage for the named plant, on the row's basis (capacity vs output, oxide vs
    element) or unverifiable."""
    unit = str(r["unit"]).lower()
    text = claim.text.lower()  # type: ignore[attr-defined]
    claims_capacity = getattr(claim, "metric", None) == "capacity" or "capacit" in text
    row_output = "production" in unit and "not nameplate" in unit
    if claims_capacity and row_output and not re.search(r"produc|output|mined", text):
        return unmatched((ev,), f"article gives a capacity; the row records output ({r['unit']})")
    if getattr(q, "basis", None) == "element" and r.get("basis") == "oxide":
        return unmatched((ev,), "article gives tonnes of element; the row holds tonnes of oxide")
    value = float(r["value"])
    agrees = abs(q.value - value) <= AMOUNT_TOLERANCE * value  # type: ignore[attr-defined]
    explanation = f"article: {q.text}; data for {r['name']}: {r['value_text']} {r['unit']}"  # type: ignore[attr-defined]
    return ("supported" if agrees else "contradicted"), (ev,), explanation


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

"""Prices: one element, one product, one market, one period.

A price claim is compared only with `prices` rows for the same element (NdPr is not Nd),
the same product (oxide, unless the article says metal), the same market when the
article names one (China FOB/ex-works against Europe CIF/ex-China differ several-fold
since 2025) and the period judged on record at the article's date. A benchmark price
floor (the DoD's US$110/kg NdPr floor for MP Materials) is a guarantee, not a market
price: only a claim about a floor is compared with it, and never a market price.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import (
    AMOUNT_TOLERANCE,
    Result,
    claim_group,
    claim_market,
    judge,
    row_market,
    unmatched,
)

#: Claim group or element -> the `prices.element` code that prices it.
_ELEMENT_CODE = {"ndpr": "Nd+Pr"}
#: Mass units a price may be quoted per, in kilograms.
_PER_KG = {"kg": 1.0, "t": 1000.0, "lb": 0.45359237}


def _per_kg(unit: str) -> tuple[str, float] | None:
    currency, _, mass = str(unit).partition("/")
    factor = _PER_KG.get(mass)
    return None if factor is None else (currency, factor)


def check_price(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A market price, matched by element, product, market and period."""
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or "/" not in str(q.unit):
        return None
    per = _per_kg(q.unit)
    text = claim.text  # type: ignore[attr-defined]
    group = claim_group(claim)
    code = _ELEMENT_CODE.get(group, group)
    metal = bool(re.search(r"\bmetals?\b", text, re.I)) and not re.search(
        r"\boxides?\b", text, re.I
    )
    market = claim_market(text)
    pool = facts.memo(("price", code, metal), lambda: _price_pool(facts, code, metal))
    if per is None or per[0] != "USD":
        return unmatched(pool, f"prices on record are in USD/kg; the article gives {q.unit}")
    if not pool:
        return unmatched((), f"no {'metal' if metal else 'oxide'} price for {code} on record")
    chosen = [c for c in pool if market is None or c.label.endswith(f"[{market}]")]
    if not chosen:
        return unmatched(pool, f"no {code} price quoted in {market} on record")
    value = q.value / per[1]
    scaled = _scaled(claim, value)
    if getattr(claim, "year", None) is None and article_date is not None:
        # prices move within months: a price stated in the present is the article's
        # year's price, never settled by an older year's row
        scaled = _Scaled(claim, value, article_date.year)
    verdict = judge(scaled, chosen, article_date, lambda v: AMOUNT_TOLERANCE * v, f"{code} price")
    markets = {c.label.rsplit("[", 1)[-1] for c in pool}
    if verdict[0] == "contradicted" and market is None and len(markets) > 1:
        return unmatched(
            list(verdict[1]),
            f"the article names no market and {code} prices differ between markets "
            f"({', '.join(sorted(m.rstrip(']') for m in markets))}): {verdict[2]}",
        )
    return verdict


class _Scaled:
    """A claim whose quantity is restated per kilogram (prices are stored per kg)."""

    def __init__(self, claim: object, value: float, year: int | None = None) -> None:
        self._claim = claim
        self.year = getattr(claim, "year", None) if year is None else year
        q = claim.quantity  # type: ignore[attr-defined]
        self.quantity = _Quantity(value, getattr(q, "bound", None), q.text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._claim, name)


class _Quantity:
    def __init__(self, value: float, bound: str | None, text: str) -> None:
        self.value, self.bound, self.text = value, bound, text


def _scaled(claim: object, value: float) -> object:
    return claim if value == claim.quantity.value else _Scaled(claim, value)  # type: ignore[attr-defined]


def _price_pool(facts: FactBase, code: str | None, metal: bool) -> list[Candidate]:
    rows = facts.tables["prices"]
    rows = rows[rows["unit"].astype(str) == "USD/kg"]
    if code is not None:
        rows = rows[rows["element"].astype(str) == code]
    is_metal = rows["product"].astype(str).str.contains(r"\bmetal\b", case=False)
    rows = rows[is_metal if metal else ~is_metal]
    out = []
    for r in rows.itertuples():
        market = row_market(str(r.product), str(r.price_basis))
        year = None if pd.isna(r.year) else int(r.year)
        ev = facts.ev(
            "prices",
            f"element={r.element}, product={r.product}, year={year or ''}",
            f"{r.value_text} {r.unit} ({r.price_basis})",
            r.source_id,
        )
        out.append(facts.candidate(r, year, ev, f"{r.product}: {r.value_text} {r.unit} [{market}]"))
    return out


def check_price_floor(
    claim: object, facts: FactBase, article_date: dt.date | None
) -> Result | None:
    """A price floor is compared with the benchmark floors only (they are NdPr floors)."""
    q = claim.quantity  # type: ignore[attr-defined]
    if q is None or "kg" not in str(q.unit):
        return None
    candidates = facts.memo(("price_floor",), lambda: _price_floor_pool(facts))
    if not candidates:
        return None
    group = claim_group(claim)
    if group not in _FLOOR_GROUPS:
        return unmatched(candidates, f"the price floors on record are for NdPr, not {group}")
    return judge(claim, candidates, article_date, lambda v: 0.01 * v, "price floor")


#: Claims a NdPr price floor can be compared with: Nd, Pr, and the groups that hold both
#: without heavy elements by definition (all, light, NdPr; not the magnet group).
_FLOOR_GROUPS = ("Nd", "Pr") + tuple(
    g.key
    for g in vocabulary.GROUP_TERMS
    if g.members != "magnet_ree"
    and set(g.members_of([("Nd", "LREE", True), ("Pr", "LREE", True)])) == {"Nd", "Pr"}
)


def _price_floor_pool(facts: FactBase) -> list[Candidate]:
    rows = facts.tables["benchmarks"]
    rows = rows[rows["metric"].astype(str).str.contains("price", case=False)]
    candidates = []
    for r in rows.itertuples():
        match = re.match(r"\s*([\d.,]+)", str(r.value_text))
        if not match:
            continue
        value = float(match.group(1).replace(",", ""))
        ev = facts.ev(
            "benchmarks",
            f"jurisdiction={r.jurisdiction}, target={r.target}",
            str(r.value_text),
            r.source_id,
        )
        c = facts.candidate(r, facts.recorded_year(r.source_id), ev, f"{r.target}: {r.value_text}")
        c.value, c.low, c.high = value, None, None
        candidates.append(c)
    return candidates

"""Tariffs: a rate threatened or imposed in a month, against the events on record.

A tariff's percentage is a rate, not a share of supply: it is compared only with the
tariff events of the period the sentence names, and only with the rates those events
state. A different rate or no event on record leaves the claim unverifiable (tariffs
differ by product and change within weeks), never contradicted.
"""

from __future__ import annotations

import datetime as dt
import re

from derisk.review.checking.checks.events import _known, claimed_period
from derisk.review.checking.facts import FactBase
from derisk.review.checking.match import Result, unmatched

TARIFF = re.compile(r"\btariffs?\b", re.IGNORECASE)
RATE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per cent)", re.IGNORECASE)


def check_tariff(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A tariff rate in a named month or year: supported when an event then states it."""
    text = claim.text  # type: ignore[attr-defined]
    if not TARIFF.search(text):
        return None
    rates = {float(m.group(1)) for m in RATE.finditer(text)}
    year, month, _ = claimed_period(claim, article_date)
    if year is None or not rates:
        return None
    rows = facts.tables["events"]
    rows = rows[rows["type"].astype(str).str.contains("tariff")]
    prefix = f"{year}-{month:02d}" if month else f"{year}"
    rows = rows[rows["date"].astype(str).str.startswith(prefix)]
    rows = rows[[_known(r, article_date) for r in rows.itertuples()]]
    evidence = tuple(
        facts.ev("events", f"date={r.date}, actor={r.actor}, type=tariff",
                 str(r.summary), r.source_id)  # fmt: skip
        for r in rows.itertuples()
    )
    for r, ev in zip(rows.itertuples(), evidence, strict=True):
        stated = {float(m.group(1)) for m in RATE.finditer(str(r.summary))}
        if rates & stated:
            rate = sorted(rates & stated)[0]
            return "supported", (ev,), f"a {rate:g} % tariff on record for {prefix}: {r.summary}"
    if evidence:
        return unmatched(evidence, f"tariff events on record for {prefix} state no rate of "
                         f"{', '.join(f'{r:g} %' for r in sorted(rates))}")  # fmt: skip
    return unmatched((), f"no tariff event on record for {prefix}")


__all__ = ["check_tariff"]

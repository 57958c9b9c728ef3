"""Why the money, policy and market topics matter, from the store: financing,
permitting and ESG, timelines, China's policy, demand and prices."""

from __future__ import annotations

import re
import statistics

import pandas as pd

from derisk.review.checking.coverage_rows import (
    MAX_EXAMPLES,
    NO_FIGURE,
    FactsBase,
    Why,
    _figure,
    _no_figure,
    _number,
    _sentence_with,
    _text,
)
from derisk.review.checking.evidence import Evidence

#: Funders summed for the financing topic: DoD first, then the other US lenders if present.
#: Rows whose funder is written "DoW" (Department of War, DoD's secondary name since
#: September 2025) are the same department and are summed with it.
DOD_FUNDER = re.compile(r"\bDo[DW]\b")
OTHER_FUNDERS: tuple[tuple[str, re.Pattern], ...] = (
    ("DOE", re.compile(r"\bDOE\b")),
    ("EXIM", re.compile(r"\bEXIM\b")),
    ("DFC", re.compile(r"\bDFC\b")),
)
#: Funding rows that restate other rows (e.g. "US DoD (aggregate)") are not summed again.
AGGREGATE_ROW = re.compile(r"aggregate", re.IGNORECASE)
#: Instruments that are commitments rather than disbursements.
CONDITIONAL = re.compile(r"conditional|letters? of interest|\bLOI\b|non-binding", re.IGNORECASE)
PERMIT_TEXT = re.compile(r"\bpermit|\benvironment", re.IGNORECASE)
DEMAND_GROUP = "magnet REEs (Nd+Pr+Dy+Tb) - total demand"


class MarketWhys(FactsBase):
    """The ``_why_*`` reasons for the money, policy and market topics."""

    def _sum_funding(
        self, rows: pd.DataFrame, label: str, key: str
    ) -> tuple[str, str, Evidence] | None:
        """(core, extras, evidence): 'N <label> awards summing to USD X' per currency over
        rows with a money amount; extras count conditional commitments and rows without
        an amount. Rows restating an aggregate are left out."""
        rows = rows[
            ~rows["funder"].str.contains(AGGREGATE_ROW)
            & ~rows["instrument"].fillna("").str.contains(AGGREGATE_ROW)
        ]
        money = rows[(rows["basis"] == "money") & rows["value"].notna()]
        if money.empty:
            return None
        cores, extras = [], []
        for unit, group in sorted(money.groupby("unit"), key=lambda kv: (-len(kv[1]), kv[0])):
            total = _number(float(group["value"].sum()))
            cores.append(f"{len(group)} {label} awards summing to {unit} {total}")
            cond = int(group["instrument"].fillna("").str.contains(CONDITIONAL).sum())
            if cond:
                extras.append(f"{cond} of the {unit} awards conditional or letters of interest")
        no_amount = int(((rows["basis"] == "money") & rows["value"].isna()).sum())
        if no_amount:
            extras.append(f"{no_amount} more without an amount")
        core, extra = " and ".join(cores), "; ".join(extras)
        value = core + (f" ({extra})" if extra else "")
        evidence = self._aggregate(
            "funding",
            f"{key}, basis = money, value present, excluding aggregate rows "
            "(count and sum by unit)",
            value,
            money["source_id"],
        )
        return core, extra, evidence

    def _why_financing(self) -> Why:
        """funding rows whose funder contains 'DoD' (then 'DOE', 'EXIM', 'DFC'): count and
        sum of the money amounts by currency, rows restating aggregates left out."""
        fund = self._table("funding")
        found = []
        for name, pattern in (("DoD/DoW", DOD_FUNDER), *OTHER_FUNDERS):
            summed = self._sum_funding(
                fund[fund["funder"].str.contains(pattern)], name, f"funder contains '{name}'"
            )
            if summed:
                found.append((name, *summed))
        if not found:
            return _no_figure("financing", "no DoD, DOE, EXIM or DFC funding rows")
        sentences = []
        others = found
        if found[0][0] == "DoD/DoW":
            _, core, extra, _ = found[0]
            sentences.append(
                f"the dataset holds {core}, the sum of the awards in the dataset, not an "
                "official cumulative total" + (f" ({extra})" if extra else "")
            )
            others = found[1:]
        if others:
            listed = "; ".join(
                core + (f" ({extra})" if extra else "") for _, core, extra, _ in others
            )
            sentences.append(("It also lists " if sentences else "the dataset lists ") + listed)
        why = "Public money carries much of the build-out: " + ". ".join(sentences)
        return why + ".", tuple(ev for *_, ev in found)

    def _why_permitting_esg(self) -> Why:
        """Rows whose note (facilities, funding, benchmarks) or summary/note (events)
        mentions 'permit' or 'environment': the clause that does, for up to two rows."""
        found: list[tuple[str, object, str, str]] = []
        fac = self._table("facilities")
        for r in fac.itertuples():
            note = _text(r.note)
            if PERMIT_TEXT.search(note):
                label = f"{r.name} ({r.company}, {r.status})"
                found.append(("facilities", r, label, _sentence_with(PERMIT_TEXT, note)))
        ev = self._table("events")
        for r in ev.itertuples():
            for text in (_text(r.summary), _text(r.note)):
                if PERMIT_TEXT.search(text):
                    found.append(
                        ("events", r, f"{r.date} {r.actor}", _sentence_with(PERMIT_TEXT, text))
                    )
                    break
        for table in ("funding", "benchmarks"):
            df = self._table(table)
            for r in df.itertuples():
                note = _text(r.note)
                if PERMIT_TEXT.search(note):
                    name = r.recipient if table == "funding" else r.target
                    found.append((table, r, str(name), _sentence_with(PERMIT_TEXT, note)))
        if not found:
            return _no_figure("permitting_esg", "no row mentions permits or the environment")
        evidence, quoted = [], []
        for table, r, label, clause in found[:MAX_EXAMPLES]:
            quoted.append(f'{label}: "{clause}"')
            evidence.append(self._row_evidence(table, r, f"{label}: {clause}"))
        why = "Permits and environmental approvals set the pace: the dataset notes " + "; ".join(
            quoted
        )
        return why + ".", tuple(evidence)

    def _why_timelines(self) -> Why:
        """facilities with both announced_start_first_year and actual_start_year: the
        median of actual - first announced (years) and how many started late; and, for
        plants not yet started, how many moved their announced start later."""
        fac = self._table("facilities")
        started = fac[fac["announced_start_first_year"].notna() & fac["actual_start_year"].notna()]
        waiting = fac[
            fac["actual_start_year"].isna()
            & fac["announced_start_first_year"].notna()
            & fac["announced_start_latest_year"].notna()
        ]
        if started.empty and waiting.empty:
            return _no_figure("timelines", "no facility with announced and actual start years")
        evidence, parts = [], []
        if not started.empty:
            slips = [
                int(a) - int(f)
                for f, a in zip(
                    started["announced_start_first_year"], started["actual_start_year"], strict=True
                )
            ]
            median = _number(float(statistics.median(slips)))
            late = sum(1 for s in slips if s > 0)
            text = (
                f"median slippage {median} years over {len(slips)} plants that started; "
                f"{late} started later than first announced (up to {max(slips)} years)"
            )
            evidence.append(
                self._aggregate(
                    "facilities",
                    "actual_start_year - announced_start_first_year, facilities with both",
                    text,
                    started["source_id"],
                )
            )
            parts.append(text)
        if not waiting.empty:
            pushes = [
                int(latest) - int(first)
                for first, latest in zip(
                    waiting["announced_start_first_year"],
                    waiting["announced_start_latest_year"],
                    strict=True,
                )
            ]
            moved = [p for p in pushes if p > 0]
            text = (
                f"{len(moved)} of {len(pushes)} plants not yet started have moved their "
                "announced start later"
            )
            if moved:
                text += f" (by up to {max(moved)} years)"
            evidence.append(
                self._aggregate(
                    "facilities",
                    "no actual_start_year; announced_start_latest_year - "
                    "announced_start_first_year",
                    text,
                    waiting["source_id"],
                )
            )
            parts.append(text)
        why = "Start dates are promises: in the dataset's facilities, " + "; ".join(parts)
        return why + ".", tuple(evidence)

    def _why_china_policy(self) -> Why:
        """events of type export_control whose actor names China: the latest by date,
        with its elements_affected."""
        ev = self._table("events")
        rows = ev[(ev["type"] == "export_control") & ev["actor"].str.contains("China")]
        if rows.empty:
            return _no_figure("china_policy", "no Chinese export-control event")
        r = next(rows.sort_values(["year", "date"], ascending=[False, False]).itertuples())
        elements = _text(r.elements_affected) or "not stated"
        summary = _text(r.summary).rstrip(".")
        text = f"{r.date} {r.actor}: {summary} (elements affected: {elements})"
        why = (
            "China's export controls are live policy that can change supply overnight: the "
            f"latest export-control move in the dataset is {text}"
        )
        return why.rstrip(".") + ".", (self._row_evidence("events", r, text),)

    def _why_demand(self) -> Why:
        """demand_projections for 'magnet REEs (Nd+Pr+Dy+Tb) - total demand': 2024 (any
        scenario, observed or STEPS) and 2050 under a STEPS scenario, from the same source
        where possible (the source with both, latest vintage first)."""
        dp = self._table("demand_projections")
        rows = dp[(dp["element_or_group"] == DEMAND_GROUP) & dp["value_text"].notna()]
        base = rows[(rows["year"] == 2024) & rows["scenario"].str.contains("STEPS|observed")]
        steps = rows[(rows["year"] == 2050) & rows["scenario"].str.contains("STEPS")]
        if base.empty and steps.empty:
            return _no_figure("demand", "no IEA magnet-REE total-demand rows")
        both = sorted(set(base["source_id"]) & set(steps["source_id"]))
        if both:
            base = base[base["source_id"] == both[0]]
            steps = steps[steps["source_id"] == both[0]]
        evidence, parts = [], []
        for frame in (base, steps):
            if frame.empty:
                continue
            r = next(
                frame.sort_values(["vintage", "scenario"], ascending=[False, True]).itertuples()
            )
            parts.append(f"{_figure(r)} in {r.year} ({r.scenario})")
            evidence.append(
                self._row_evidence("demand_projections", r, f"{_figure(r)}, {r.year}, {r.scenario}")
            )
        why = (
            "Demand sets how much new supply is needed: magnet rare earths (Nd+Pr+Dy+Tb) total "
            f"demand is {' rising to '.join(parts)}"
        )
        if base.empty:
            why += f"; for 2024 {NO_FIGURE}"
        elif steps.empty:
            why += f"; for 2050 under STEPS {NO_FIGURE}"
        return why + ".", tuple(evidence)

    def _why_prices(self) -> Why:
        """prices: the latest NdPr oxide row (element Nd+Pr, product mentions oxide; else
        Nd oxide), preferring an annual average, and the highest value in that series."""
        pr = self._table("prices")
        for element in ("Nd+Pr", "Nd"):
            rows = pr[
                (pr["element"] == element)
                & pr["product"].str.contains("oxide", case=False)
                & pr["value_text"].notna()
            ]
            if not rows.empty:
                break
        else:
            return _no_figure("prices", "no NdPr or Nd oxide price")
        rows = rows.assign(_avg=rows["price_basis"].fillna("").str.contains("annual average"))
        latest = next(
            rows.sort_values(
                ["year", "_avg", "source_id"], ascending=[False, False, True]
            ).itertuples()
        )
        series = rows[(rows["product"] == latest.product) & rows["value"].notna()]
        text = f"{_figure(latest)} ({latest.product}, {latest.year}, {latest.price_basis})"
        evidence = [self._row_evidence("prices", latest, text)]
        why = (
            "Project economics turn on prices: the latest "
            f"{latest.product} price in the dataset is {_figure(latest)} for {latest.year}"
        )
        if not series.empty:
            peak = next(
                series.sort_values(["value", "year"], ascending=[False, False]).itertuples()
            )
            if peak.year != latest.year:
                ptext = f"{_figure(peak)} ({peak.product}, {peak.year}, {peak.price_basis})"
                evidence.append(self._row_evidence("prices", peak, ptext))
                why += f", against {_figure(peak)} in {peak.year}"
        return why + ".", tuple(evidence)

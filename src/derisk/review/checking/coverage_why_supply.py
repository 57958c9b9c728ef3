"""Why the supply-chain topics matter, from the store: midstream, heavy vs light,
allied capacity, recycling, substitution and stockpiles."""

from __future__ import annotations

import re
from collections import Counter

from derisk.review.checking.coverage_rows import (
    MAX_EXAMPLES,
    NO_FIGURE,
    FactsBase,
    Why,
    _count,
    _figure,
    _int,
    _no_figure,
    _number,
    _pct,
    _text,
)

STOCKPILE_TEXT = re.compile(r"stockpil", re.IGNORECASE)


class SupplyWhys(FactsBase):
    """The ``_why_*`` reasons for the supply-chain topics."""

    def _why_midstream(self) -> Why:
        """stage_shares, country CHN, measure share, group REE, not a projection, with a
        year: the latest mining row against the latest separation row."""
        ss = self._table("stage_shares")
        base = ss[
            (ss["country"] == "CHN")
            & (ss["measure"] == "share")
            & (ss["group"] == "REE")
            & ~ss["projection"].astype(bool)
            & ss["year"].notna()
            & ss["value_text"].notna()
        ]
        parts, evidence = [], []
        for stage, wording in (("mining", "mined"), ("separation", "separated")):
            rows = base[base["stage"] == stage]
            if rows.empty:
                parts.append(None)
                continue
            latest = rows[rows["year"] == rows["year"].max()].sort_values("source_id")
            first = next(latest.itertuples())
            values = list(dict.fromkeys(_pct(r) for r in latest.itertuples()))
            parts.append(f"{wording} {' or '.join(values)} of all rare earths in {first.year}")
            for r in latest.itertuples():
                evidence.append(
                    self._row_evidence(
                        "stage_shares", r, f"{_figure(r)} ({r.element_or_group}, {r.year})"
                    )
                )
        if not evidence:
            return _no_figure("midstream", "no dated China mining or separation share")
        mined, separated = parts
        if mined and separated:
            why = (
                f"The chokepoint sits after the mine: China {mined} but {separated} "
                "(stage_shares), so a piece that stops at mining misses where control is."
            )
        elif mined:
            why = f"China {mined}; for its separation share {NO_FIGURE}."
        else:
            why = f"China {separated}; for its mining share {NO_FIGURE}."
        return why, tuple(evidence)

    def _why_heavy_vs_light(self) -> Why:
        """stage_shares rows for CHN whose group is HREE or whose label starts 'HREE'
        (China's heavy-REE refining share), plus the count of operating facilities
        outside China marked heavy_ree = yes."""
        ss = self._table("stage_shares")
        rows = ss[
            (ss["country"] == "CHN")
            & ((ss["group"] == "HREE") | ss["element_or_group"].astype(str).str.startswith("HREE"))
            & ss["value_text"].notna()
        ].sort_values(["stage", "element_or_group"])
        evidence = []
        quoted = []
        for r in rows.itertuples():
            year = _int(r.year)
            when = str(year) if year else "no reference year"
            quoted.append(f"{_pct(r)} ({r.element_or_group}, {when})")
            evidence.append(
                self._row_evidence(
                    "stage_shares", r, f"{_figure(r)} ({r.element_or_group}, {when})"
                )
            )
        fac = self._table("facilities")
        heavy = fac[
            (fac["country"] != "CHN") & (fac["status"] == "operating") & (fac["heavy_ree"] == "yes")
        ]
        if not evidence:
            return _no_figure("heavy_vs_light", "no China heavy-REE refining row")
        why = (
            "Heavy rare earths (Dy, Tb) are the tighter market: the dataset puts China's share "
            f"of heavy-REE refining at {' and '.join(quoted)}"
        )
        if not heavy.empty:
            n = len(heavy)
            value = f"{n} operating facilities outside China marked heavy_ree = yes"
            why += f", and lists only {value}"
            evidence.append(
                self._aggregate(
                    "facilities",
                    "country != CHN, status = operating, heavy_ree = yes (count)",
                    value,
                    heavy["source_id"],
                )
            )
        return why + ".", tuple(evidence)

    def _why_allied_capacity(self) -> Why:
        """facilities outside China: counts by status, operating counts by stage, and the
        largest operating separation and magnet plants (by stated capacity) as examples."""
        fac = self._table("facilities")
        out = fac[fac["country"] != "CHN"]
        if out.empty:
            return _no_figure("allied_capacity", "no facility outside China")
        by_status = Counter(out["status"])
        status_order = ("operating", "construction", "planned", "cancelled")
        statuses = [s for s in status_order if by_status.get(s)] + sorted(
            s for s in by_status if s not in status_order
        )
        wording = {"construction": "under construction"}
        status_text = ", ".join(f"{by_status[s]} {wording.get(s, s)}" for s in statuses)
        operating = out[out["status"] == "operating"]
        by_stage = Counter(operating["stage"])
        stage_text = ", ".join(f"{stage} {n}" for stage, n in by_stage.most_common())
        head = f"{len(out)} facilities outside China ({status_text})"
        value = head + (f"; operating by stage: {stage_text}" if stage_text else "")
        evidence = [
            self._aggregate(
                "facilities",
                "country != CHN (count by status; operating by stage)",
                value,
                out["source_id"],
            )
        ]
        examples = []
        for stage in ("separation", "magnet"):
            rows = operating[(operating["stage"] == stage) & operating["value"].notna()]
            if rows.empty:
                continue
            r = next(rows.sort_values(["value", "name"], ascending=[False, True]).itertuples())
            text = f"{r.name} ({r.company}, {r.country}, {_figure(r)})"
            examples.append(text)
            evidence.append(self._row_evidence("facilities", r, f"{text}, status {r.status}"))
        why = f"Allied supply is real but small: the dataset lists {value}."
        if examples:
            why = why[:-1] + f"; for example {' and '.join(examples[:MAX_EXAMPLES])}."
        return why, tuple(evidence)

    def _why_recycling(self) -> Why:
        """recycling_substitution category recycling_rate (end-of-life rows first, latest
        year first); else lifetimes_recycling eol_recycling_rate_pct for scope world. Plus
        the first benchmark whose target mentions recycling, as the policy contrast."""
        evidence, why = [], None
        rs = self._table("recycling_substitution")
        rates = rs[(rs["category"] == "recycling_rate") & rs["value_text"].notna()].copy()
        if not rates.empty:
            rates["_eol"] = rates["item"].str.contains(r"end-of-life|EOL", case=False, regex=True)
            rates["_year"] = rates["year"].fillna(0)
            r = next(
                rates.sort_values(
                    ["_eol", "_year", "item"], ascending=[False, False, True]
                ).itertuples()
            )
            year = _int(r.year)
            when = f", {year}" if year else ""
            value = f"{_figure(r)} ({r.item}{when})"
            evidence.append(self._row_evidence("recycling_substitution", r, value))
            why = f"Recycling barely feeds supply yet: {r.item} is {_figure(r)}"
            why += f" ({year})" if year else ""
        else:
            lr = self._table("lifetimes_recycling")
            rows = lr[lr["eol_recycling_rate_pct"].notna()]
            world = rows[rows["scope"] == "world"]
            rows = world if not world.empty else rows
            if not rows.empty:
                r = next(rows.sort_values("product_or_flow").itertuples())
                pct = _number(float(r.eol_recycling_rate_pct))
                value = f"{pct} % end-of-life recycling rate ({r.product_or_flow}, {r.scope})"
                evidence.append(
                    self._row_evidence("lifetimes_recycling", r, value, _text(r.note) or None)
                )
                why = (
                    "Recycling barely feeds supply yet: the end-of-life recycling rate for "
                    f"{r.product_or_flow} is {pct} %"
                )
        if why is None:
            return _no_figure("recycling", "no end-of-life recycling rate")
        bm = self._table("benchmarks")
        targets = bm[bm["target"].str.contains("recycl", case=False) & bm["value_text"].notna()]
        if not targets.empty:
            t = next(
                targets.assign(_d=targets["deadline_year"].fillna(9999))
                .sort_values(["_d", "jurisdiction"])
                .itertuples()
            )
            deadline = _int(t.deadline_year)
            by = f" by {deadline}" if deadline else ""
            evidence.append(
                self._row_evidence(
                    "benchmarks", t, f"{t.value_text} ({t.jurisdiction}: {t.target}{by})"
                )
            )
            why += f", against the {t.jurisdiction} target of {t.value_text} from recycling{by}"
        return why + ".", tuple(evidence)

    def _why_substitution(self) -> Why:
        """recycling_substitution rows in category substitution (count and the two most
        recent), plus the first thrifting row as the Dy/Tb-saving route."""
        rs = self._table("recycling_substitution")
        subs = rs[rs["category"] == "substitution"].copy()
        evidence = []
        if subs.empty:
            return _no_figure("substitution", "no substitution rows")
        subs["_year"] = subs["year"].fillna(0)
        value = f"{len(subs)} substitution cases in recycling_substitution"
        evidence.append(
            self._aggregate(
                "recycling_substitution",
                "category = substitution (count)",
                value,
                subs["source_id"],
            )
        )
        examples = []
        for r in (
            subs.sort_values(["_year", "item"], ascending=[False, True])
            .head(MAX_EXAMPLES)
            .itertuples()
        ):
            year = _int(r.year)
            text = f"{r.item} ({_figure(r)}" + (f", {year})" if year else ")")
            examples.append(text)
            evidence.append(self._row_evidence("recycling_substitution", r, text))
        why = (
            f"Design changes can cut exposure: the dataset records {value}, most recently "
            f"{'; and '.join(examples)}"
        )
        thrift = rs[(rs["category"] == "thrifting") & rs["value_text"].notna()]
        if not thrift.empty:
            t = next(thrift.sort_values("item").itertuples())
            text = f"{t.item}: {_figure(t)}"
            evidence.append(self._row_evidence("recycling_substitution", t, text))
            why += f". Thrifting also counts: {text}"
        return why + ".", tuple(evidence)

    def _why_stockpiles(self) -> Why:
        """events of type stockpile or whose summary/note mentions stockpiling, plus
        benchmarks whose target/note does: the count and the latest event."""
        ev = self._table("events")
        mask = (ev["type"] == "stockpile") | ev["summary"].str.contains("stockpil", case=False)
        mask = mask | ev["note"].fillna("").str.contains("stockpil", case=False)
        events = ev[mask]
        bm = self._table("benchmarks")
        bmask = bm["target"].str.contains("stockpil", case=False) | bm["note"].fillna(
            ""
        ).str.contains("stockpil", case=False)
        benches = bm[bmask]
        if events.empty and benches.empty:
            return _no_figure("stockpiles", "no event or benchmark mentions stockpiles")
        evidence = []
        n = len(events) + len(benches)
        value = (
            f"{n} rows mentioning stockpiles ({_count(len(events), 'event')}, "
            f"{_count(len(benches), 'benchmark')})"
        )
        evidence.append(
            self._aggregate(
                "events",
                "events: type = stockpile or summary/note mentions 'stockpil'; "
                "benchmarks: target/note mentions 'stockpil' (count)",
                value,
                list(events["source_id"]) + list(benches["source_id"]),
            )
        )
        why = f"Buffers are part of de-risking: the dataset holds {value}"
        if not events.empty:
            latest = next(
                events.sort_values(["year", "date"], ascending=[False, False]).itertuples()
            )
            text = f"{latest.date} {latest.actor}: {latest.summary}"
            evidence.append(self._row_evidence("events", latest, text))
            why += f"; the latest is {text}"
        return why.rstrip(".") + ".", tuple(evidence)

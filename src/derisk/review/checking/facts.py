"""The store's fact tables as the reviewer reads them: once, with dates of record.

Every checker needs the same three things about a stored row besides its value: when it
entered the public record (so an article is judged against what its author could have
read), whether it is marked low-reliability (such a row may support a claim but must
not alone refute one) and the evidence that cites it. They are computed here once per
store, from `derisk.data.record`, the one home of dates of record, so no checker
re-derives them differently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from derisk.data.cache import TableCache
from derisk.data.record import low_reliability, source_dates, with_record_dates
from derisk.review.checking.evidence import Evidence, SourceIndex

#: The tables the checkers read; each metric owns one (see derisk.review.checking.verify).
FACT_TABLES = (
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
    "ownership",
    "market_sizes",
    "deposit_composition",
    "deposit_profiles",
)


@dataclass
class Candidate:
    """One stored fact a claim can be compared with.

    ``recorded`` is the first day of the row's date of record (None when its sources are
    undated); ``weak`` marks a low-reliability row; ``low``/``high`` carry a stored range.
    """

    value: float
    year: int | None
    evidence: Evidence
    label: str = ""
    recorded: dt.date | None = None
    weak: bool = False
    low: float | None = None
    high: float | None = None


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
        once = TableCache(self.store)  # dates and reliability marks re-read `sources`
        for name in FACT_TABLES:
            frame = once.table(name)
            frame = with_record_dates(once, name, frame)
            # itertuples() renames columns that start with "_": copy them to plain names.
            # A row counts from the first day its printed date allows: a source dated
            # only "2025" (USGS MCS comes out in January) is on record for a mid-2025
            # article. This can credit a claim or make it outdated; a contradiction still
            # needs every row on record to disagree (match.on_record).
            frame["record_start"] = frame["_recorded_start"]
            frame["weak_row"] = low_reliability(once, frame).to_numpy()
            self.tables[name] = frame
        # Publication dates come from the one home of dates of record (derisk.data.record).
        for source_id, date in source_dates(once).items():
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

    def candidate(
        self, r: object, year: int | None, ev: Evidence, label: str, value: float | None = None
    ) -> Candidate:
        """A Candidate for row ``r`` (an itertuples row of a table read here)."""
        recorded = getattr(r, "record_start", None)
        low, high = _num(getattr(r, "value_low", None)), _num(getattr(r, "value_high", None))
        if value is None:
            value = _num(getattr(r, "value", None))
        if value is None:
            value = low if low is not None else float("nan")
        return Candidate(
            float(value),
            year,
            ev,
            label,
            recorded if isinstance(recorded, dt.date) else None,
            bool(getattr(r, "weak_row", False)),
            low,
            high,
        )


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number

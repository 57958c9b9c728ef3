"""Dates of record: when each fact row entered the public record.

A figure's data year (the year it describes) and its date of record (when a reader could
first have seen it) differ: the USGS publishes 2025 mine output in January 2026. The
reviewer must judge an article against what was on record on the article's date, and the
diagnosis must prefer the newest *dated* figure, so every fact row needs a date of record.
It is derived here, in one place, from the row itself: the event date for tables whose
rows are dated events (events, funding), otherwise the publication date of the row's
earliest source (the first time the figure was printed). A row whose sources are all
undated ('n.d.', 'undated', 'unknown') is flagged as undated and never ranks as newest.

Dates are kept at the precision the source prints (YYYY, YYYY-MM or YYYY-MM-DD). For
"was it on record by D" a date is read as the *end* of its period (a figure dated only
"2025" is on record by 2025-12-31 at the latest), so no row is credited to an article
written before it could have been read. "c.2023" is a circa year: dated, flagged.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from derisk.data.schema import REFERENCE_TABLES, TABLES, spec

#: Tables whose rows are themselves dated public events: their date is the record date.
EVENT_DATED = {"events": "date", "funding": "date"}
#: A table whose newest source is older than this many months is flagged as stale.
STALE_MONTHS = 18
_DATE = re.compile(r"^\s*(?P<circa>c\.\s*)?(?P<y>\d{4})(?:-(?P<m>\d{2}))?(?:-(?P<d>\d{2}))?\b")


@dataclass(frozen=True, order=True)
class RecordDate:
    """A date of record at the precision printed; ``circa`` for 'c.YYYY' dates."""

    start: dt.date
    end: dt.date
    text: str
    circa: bool = False


def parse_record_date(text: object) -> RecordDate | None:
    """A source or event date as printed, or None when undated ('n.d.', 'undated', '')."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    match = _DATE.match(str(text))
    if not match:
        return None
    year = int(match["y"])
    if match["d"] and match["m"]:
        day = dt.date(year, int(match["m"]), int(match["d"]))
        return RecordDate(day, day, day.isoformat(), bool(match["circa"]))
    if match["m"]:
        month = int(match["m"])
        last = calendar.monthrange(year, month)[1]
        return RecordDate(
            dt.date(year, month, 1), dt.date(year, month, last), f"{year}-{month:02d}",
            bool(match["circa"]),
        )  # fmt: skip
    return RecordDate(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), bool(match["circa"]))


def source_dates(store: object) -> dict[str, RecordDate | None]:
    """Each source id's publication date (None when the source is undated)."""
    sources = store.table("sources")  # type: ignore[attr-defined]
    pairs = zip(sources["source_id"], sources["date"], strict=True)
    return {str(s): parse_record_date(d) for s, d in pairs}


def row_record_date(
    table: str, row: dict | pd.Series, dates: dict[str, RecordDate | None]
) -> RecordDate | None:
    """When one row entered the record: its earliest dated source or, for events, the
    event date when that came first."""
    ids = [s.strip() for s in str(row.get("source_id") or "").split(";") if s.strip()]
    found = [d for d in (dates.get(s) for s in ids) if d is not None]
    column = EVENT_DATED.get(table)
    if column is not None:
        own = parse_record_date(row.get(column))
        if own is not None:
            # A past event was public on its date; a scheduled one from its announcement.
            found.append(own)
    return min(found) if found else None


def with_record_dates(store: object, table: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table (or ``frame`` read from it) with ``recorded`` (text) and ``undated``.

    ``recorded`` is the date of record as printed (None when undated); the hidden
    ``_recorded_start`` / ``_recorded_end`` columns carry it as dates for filtering and
    ranking.
    """
    if table in REFERENCE_TABLES:
        raise ValueError(f"{table} describes the dataset; its rows have no date of record")
    spec(table)
    if frame is None:
        frame = store.table(table)  # type: ignore[attr-defined]
    dates = source_dates(store)
    found = [row_record_date(table, r, dates) for r in frame.to_dict("records")]
    out = frame.copy()
    out["recorded"] = [d.text if d else None for d in found]
    out["undated"] = [d is None for d in found]
    out["_recorded_start"] = [d.start if d else None for d in found]
    out["_recorded_end"] = [d.end if d else None for d in found]
    return out


def on_record(
    store: object, table: str, date: dt.date, *, include_undated: bool = False
) -> pd.DataFrame:
    """The rows of ``table`` that were on record by ``date``.

    A row counts only if its date of record had certainly passed (the end of its printed
    period is on or before ``date``). Undated rows are left out unless asked for: nothing
    shows they were public by then.
    """
    frame = with_record_dates(store, table)
    known = frame["_recorded_end"].map(lambda d: d is not None and d <= date)
    if include_undated:
        known = known | frame["undated"]
    return frame[known.astype(bool)].reset_index(drop=True)


def _latest_data_year(table_name: str, frame: pd.DataFrame, today: dt.date) -> int | None:
    """The latest year a row describes, ignoring projections and future years."""
    table = spec(table_name)
    if not table.year_columns or frame.empty:
        return None
    column = table.year_columns[-1] if table_name == "us_salient" else table.year_columns[0]
    if table_name == "facilities":
        column = "actual_start_year"
    rows = frame
    if "projection" in rows.columns:
        rows = rows[~rows["projection"].astype("boolean").fillna(False).astype(bool)]
    if "kind" in rows.columns and table_name == "market_sizes":
        rows = rows[rows["kind"] != "projection"]
    years = pd.to_numeric(rows[column], errors="coerce").dropna()
    years = years[years <= today.year]
    return int(years.max()) if len(years) else None


def freshness(store: object, today: dt.date | None = None) -> pd.DataFrame:
    """Per fact table: latest data year, newest date of record, undated rows, staleness.

    A table is stale when its newest dated source is more than STALE_MONTHS old on
    ``today``: an analyst citing it should look for a newer edition.
    """
    today = today or dt.date.today()
    cutoff = _months_before(today, STALE_MONTHS)
    records = []
    for table in TABLES:
        if table.name in REFERENCE_TABLES:
            continue
        frame = with_record_dates(store, table.name)
        starts = frame["_recorded_start"].dropna()
        newest = frame.loc[starts.index[starts.argmax()], "recorded"] if len(starts) else None
        newest_end = max(frame["_recorded_end"].dropna(), default=None)
        records.append(
            {
                "table": table.name,
                "latest_data_year": _latest_data_year(table.name, frame, today),
                "newest_source": newest,
                "undated_rows": int(frame["undated"].sum()),
                "stale": newest_end is None or newest_end < cutoff,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame["latest_data_year"] = frame["latest_data_year"].astype("Int64")
    return frame


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


_LOW = re.compile(r"\blow[ -]reliability\b|^\s*(low|medium-low|low-medium)\b", re.IGNORECASE)


def low_reliability(store: object, frame: pd.DataFrame) -> pd.Series:
    """Rows the reference marks as low reliability (in the row's note or its source's
    reliability), so every figure built on them can carry the mark."""
    sources = store.table("sources")  # type: ignore[attr-defined]
    weak = {
        str(s)
        for s, r in zip(sources["source_id"], sources["reliability"].fillna(""), strict=True)
        if _LOW.search(str(r))
    }
    notes = frame["note"].fillna("").astype(str) if "note" in frame else pd.Series("", frame.index)
    by_note = notes.map(lambda n: bool(_LOW.search(n)) and "reliability" in n.lower())
    by_source = (
        frame["source_id"]
        .fillna("")
        .astype(str)
        .map(lambda ids: any(s.strip() in weak for s in ids.split(";")))
    )
    return by_note | by_source

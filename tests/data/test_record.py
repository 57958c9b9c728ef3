"""Dates of record: every fact row knows when it entered the public record (issue 10)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.record import (
    STALE_MONTHS,
    freshness,
    on_record,
    parse_record_date,
    source_dates,
    with_record_dates,
)
from derisk.data.schema import REFERENCE_TABLES, TABLES
from derisk.data.store import Store

FACT_TABLES = [t.name for t in TABLES if t.name not in REFERENCE_TABLES]


@pytest.mark.parametrize(
    ("text", "start", "end", "circa"),
    [
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), False),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), False),
        ("2026-05-27", dt.date(2026, 5, 27), dt.date(2026, 5, 27), False),
        ("c.2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31), True),
        ("2024-12-21 (last commit ed723dc)", dt.date(2024, 12, 21), dt.date(2024, 12, 21), False),
    ],
)
def test_printed_dates_keep_their_precision(
    text: str, start: dt.date, end: dt.date, circa: bool
) -> None:
    found = parse_record_date(text)
    assert found is not None
    assert (found.start, found.end, found.circa) == (start, end, circa)


@pytest.mark.parametrize("text", ["n.d.", "undated", "unknown", "undated (c.2021)", "", None])
def test_undated_sources_have_no_date(text: str | None) -> None:
    assert parse_record_date(text) is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_period_starts_before_it_ends(day: dt.date) -> None:
    for text in (day.isoformat(), day.isoformat()[:7], day.isoformat()[:4]):
        found = parse_record_date(text)
        assert found is not None and found.start <= day <= found.end


@pytest.mark.parametrize("table", FACT_TABLES)
def test_every_fact_row_is_dated_or_flagged_undated(session_store: Store, table: str) -> None:
    frame = with_record_dates(session_store, table)
    assert len(frame) == len(session_store.table(table))
    assert (frame["recorded"].isna() == frame["undated"]).all()
    dates = source_dates(session_store)
    for row in frame[frame["undated"]].to_dict("records"):
        ids = [s.strip() for s in str(row["source_id"]).split(";")]
        assert all(dates.get(s) is None for s in ids), row


def test_a_row_is_recorded_when_its_earliest_source_appeared(session_store: Store) -> None:
    sources = session_store.table("sources").set_index("source_id")["date"]
    frame = with_record_dates(session_store, "facilities")
    multi = frame[frame["source_id"].str.contains(";") & ~frame["undated"]]
    assert len(multi)
    for row in multi.to_dict("records"):
        printed = [parse_record_date(sources[s.strip()]) for s in row["source_id"].split(";")]
        assert row["recorded"] == min(d for d in printed if d is not None).text


def test_a_scheduled_event_is_recorded_when_announced_not_when_due(session_store: Store) -> None:
    frame = with_record_dates(session_store, "events")
    due = frame["date"].map(parse_record_date)
    pairs = zip(due, frame["_recorded_start"], strict=True)
    ahead = frame[[d is not None and d.start > r for d, r in pairs]]
    assert len(ahead), "expected at least one event announced before its date"
    starts = ahead["date"].map(lambda d: parse_record_date(d).start)
    assert (ahead["_recorded_start"] < starts).all()


def test_on_record_leaves_out_what_was_not_yet_published(session_store: Store) -> None:
    before = on_record(session_store, "reserves", dt.date(2025, 6, 30))
    after = on_record(session_store, "reserves", dt.date(2027, 1, 1))
    assert not (before["source_id"].str.startswith("usgs-mcs-2026")).any()
    brazil = after[(after["country"] == "BRA") & (after["year"] == 2025)]
    assert sorted(brazil["value"]) == [11_000_000, 21_000_000]
    assert len(before) < len(after) <= len(session_store.table("reserves"))


def test_undated_rows_are_only_on_record_when_asked_for(session_store: Store) -> None:
    day = dt.date(2100, 1, 1)
    dated = on_record(session_store, "stage_shares", day)
    every = on_record(session_store, "stage_shares", day, include_undated=True)
    assert not dated["undated"].any()
    undated = with_record_dates(session_store, "stage_shares")["undated"].sum()
    assert every["undated"].sum() == undated


def test_freshness_reports_latest_year_newest_source_and_staleness(session_store: Store) -> None:
    today = dt.date(2026, 12, 2)
    fresh = freshness(session_store, today).set_index("table")
    assert set(fresh.index) == set(FACT_TABLES)
    mines = session_store.table("mine_production")
    assert fresh.loc["mine_production", "latest_data_year"] == mines["year"].max()
    # The EU's newest assessment (2023) is more than 18 months old on 2026-12-02.
    assert bool(fresh.loc["eu_criticality", "stale"])
    assert not bool(fresh.loc["stage_shares", "stale"])
    far = freshness(session_store, dt.date(2040, 1, 1))
    assert far["stale"].all()
    shares = with_record_dates(session_store, "stage_shares")
    newest = max(d for d in shares["_recorded_start"].dropna())
    assert parse_record_date(fresh.loc["stage_shares", "newest_source"]).start == newest


def test_data_info_shows_freshness(built_store_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERISK_DB", str(built_store_path))
    result = CliRunner().invoke(app, ["data", "info", "--db", str(built_store_path),
                                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["table"]: r for r in json.loads(result.output)}
    for name in FACT_TABLES:
        assert {"latest_data_year", "newest_source", "undated_rows", "stale"} <= set(rows[name])
    assert rows["sources"]["newest_source"] is None
    assert isinstance(rows["reserves"]["latest_data_year"], int)
    assert STALE_MONTHS == 18
    assert pd.notna(rows["stage_shares"]["newest_source"])

"""The DuckDB store: rebuilds, user imports, overrides, exports, readers and crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import assert_same_content, dump_store, write_csv
from derisk.data.curate import CURATED_DIR
from derisk.data.schema import TABLES
from derisk.data.store import Store
from derisk.diagnose.concentration import concentration

MANIFEST = json.loads((CURATED_DIR / "manifest.json").read_text(encoding="utf-8"))
MINE_HEADER = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]
MARKET_HEADER = ["metric", "scope", "year", "kind", "value", "unit", "basis", "vintage"]
MARKET_HEADER += ["estimate", "source_id"]


def a_source_id(store: Store) -> str:
    return str(store.table("sources")["source_id"].iloc[0])


def market_rows(tag: str, n: int, source_id: str) -> list[list[object]]:
    """n valid market_sizes rows with keys unique to ``tag``."""
    return [
        [f"{tag} metric {i}", "World", 2020, "historical", i, "t (magnet)", "material"]
        + ["2024", "false", source_id]
        for i in range(n)
    ]


def without_meta(dump: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {k: v for k, v in dump.items() if k != "_meta"}  # _meta holds built_at


# -- build ------------------------------------------------------------------------------------
def test_build_is_idempotent(fresh_store: Store) -> None:
    first = dump_store(fresh_store)  # fresh_store was built once already
    counts = fresh_store.build()
    second = dump_store(fresh_store)
    assert counts == {name: entry["rows"] for name, entry in MANIFEST["tables"].items()}
    assert {t.name: len(second[t.name]) for t in TABLES} == counts
    assert_same_content(without_meta(first), without_meta(second))


# -- user imports -----------------------------------------------------------------------------
def test_user_import_is_tagged_and_survives_a_rebuild(fresh_store: Store, tmp_path: Path) -> None:
    rows = market_rows("mine", 5, a_source_id(fresh_store))
    path = write_csv(tmp_path / "mine.csv", MARKET_HEADER, rows)
    curated = len(fresh_store.table("market_sizes", include_user=False))

    report = fresh_store.import_file(path, "market_sizes")

    assert report.rows == 5 and report.table == "market_sizes"
    log = fresh_store.imports()
    assert list(log["import_id"]) == [report.import_id]
    assert list(log["rows"]) == [5] and list(log["table_name"]) == ["market_sizes"]
    fresh_store.build()
    for store in (fresh_store, Store(fresh_store.path)):
        table = store.table("market_sizes")
        mine = table[table["origin"] == "user"]
        assert sorted(mine["metric"]) == sorted(r[0] for r in rows)
        assert set(mine["import_id"]) == {report.import_id}
        assert len(table) == curated + 5
        only_curated = store.table("market_sizes", include_user=False)
        assert len(only_curated) == curated
        assert set(only_curated["origin"]) == {"curated"}
    assert list(fresh_store.imports()["import_id"]) == [report.import_id]


def test_user_row_overrides_the_curated_row_with_the_same_key(
    fresh_store: Store, tmp_path: Path
) -> None:
    curated = fresh_store.table("mine_production", include_user=False)
    chn = curated[(curated["country"] == "CHN") & (curated["year"] == 2024)]
    assert len(chn) == 1
    old_value = float(chn["value"].iloc[0])
    new_value = old_value / 2
    row = ["CHN", 2024, new_value, "t REO", "oxide", "2026", "true", chn["source_id"].iloc[0]]
    fresh_store.import_file(write_csv(tmp_path / "chn.csv", MINE_HEADER, [row]), "mine_production")

    merged = fresh_store.table("mine_production")
    chn_rows = merged[(merged["country"] == "CHN") & (merged["year"] == 2024)]
    assert list(chn_rows["value"]) == [new_value] and list(chn_rows["origin"]) == ["user"]
    assert len(merged) == len(curated)
    assert fresh_store.table("mine_production", include_user=False).equals(curated)

    def expected_china_share(frame: pd.DataFrame) -> float:
        # the documented method: China / max(world total, countries + OTH)
        block = frame[(frame["year"] == 2024) & frame["value"].notna()]
        countries = fresh_store.table("countries")
        kinds = dict(zip(countries["code"], countries["kind"], strict=True))
        named = block[block["country"].map(kinds) == "country"]
        parts = named["value"].sum() + block.loc[block["country"] == "OTH", "value"].sum()
        world = block.loc[block["country"] == "WLD", "value"]
        total = max(float(world.iloc[0]), parts) if len(world) else parts
        return 100 * float(named.loc[named["country"] == "CHN", "value"].iloc[0]) / total

    with_user = concentration(fresh_store, stage="mining", group="REE", year=2024)
    without = concentration(fresh_store, stage="mining", group="REE", year=2024, include_user=False)
    assert with_user["china_share"].iloc[0] == pytest.approx(expected_china_share(merged), abs=0.01)
    assert without["china_share"].iloc[0] == pytest.approx(expected_china_share(curated), abs=0.01)
    assert with_user["china_share"].iloc[0] < without["china_share"].iloc[0]


def test_remove_import_removes_exactly_that_imports_rows(
    fresh_store: Store, tmp_path: Path
) -> None:
    source = a_source_id(fresh_store)
    before = dump_store(fresh_store)
    first = fresh_store.import_file(
        write_csv(tmp_path / "a.csv", MARKET_HEADER, market_rows("a", 4, source)), "market_sizes"
    )
    mine = [["USA", 1990 + i, 10 * i, "t REO", "oxide", "2024", "false", source] for i in range(3)]
    other = fresh_store.import_file(
        write_csv(tmp_path / "b.csv", MINE_HEADER, mine), "mine_production"
    )
    third = fresh_store.import_file(
        write_csv(tmp_path / "c.csv", MARKET_HEADER, market_rows("c", 2, source)), "market_sizes"
    )
    with_all = dump_store(fresh_store)

    assert fresh_store.remove_import(first.import_id) == 4

    after = dump_store(fresh_store)
    kept = [r for r in with_all["market_sizes"] if r[-1] != first.import_id]  # r[-1]: import_id
    assert after["market_sizes"] == kept
    assert len(kept) == len(before["market_sizes"]) + 2
    market = fresh_store.table("market_sizes")
    assert set(market.loc[market["origin"] == "user", "import_id"]) == {third.import_id}
    assert after["mine_production"] == with_all["mine_production"]
    assert sorted(fresh_store.imports()["import_id"]) == [other.import_id, third.import_id]
    untouched = {k: v for k, v in after.items() if k not in ("market_sizes", "_imports")}
    assert_same_content({k: with_all[k] for k in untouched}, untouched)


# -- export -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_round_trips_the_row_count(fresh_store: Store, tmp_path: Path, fmt: str) -> None:
    source = a_source_id(fresh_store)
    fresh_store.import_file(
        write_csv(tmp_path / "u.csv", MARKET_HEADER, market_rows("u", 3, source)), "market_sizes"
    )
    table = fresh_store.table("market_sizes")
    out = tmp_path / f"market_sizes.{fmt}"
    assert fresh_store.export("market_sizes", fmt, out) is None
    reader = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt]
    back = reader(out)
    assert len(back) == len(table)
    assert list(back.columns) == list(table.columns)
    assert (back["origin"] == "user").sum() == 3
    curated_only = tmp_path / f"curated.{fmt}"
    fresh_store.export("market_sizes", fmt, curated_only, include_user=False)
    assert len(reader(curated_only)) == len(table) - 3


# -- concurrency and crashes ------------------------------------------------------------------
READER = """
import sys
from derisk.data.store import Store
store = Store(sys.argv[1])
counts = {len(store.table("mine_production")) for _ in range(5)}
print(counts.pop(), len(counts))
"""


def test_concurrent_readers_all_succeed(fresh_store: Store) -> None:
    expected = len(fresh_store.table("mine_production"))
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(fresh_store.path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        parent_reads = 0
        while any(r.poll() is None for r in readers):
            assert len(fresh_store.table("mine_production")) == expected
            parent_reads += 1
            time.sleep(0.05)  # leave the CPUs to the readers
        results = [r.communicate(timeout=60) for r in readers]
    finally:
        for r in readers:
            if r.poll() is None:
                r.kill()
    assert parent_reads > 0
    for reader, (out, err) in zip(readers, results, strict=True):
        assert reader.returncode == 0, err
        assert out.split() == [str(expected), "0"], (out, err)


IMPORTER = """
import sys, time
from derisk.data.store import Store

class Announcing(Store):
    # Say when validation is over and rows start to be written, so the test can kill then.
    @staticmethod
    def _insert(con, table, rows, origin, import_id):
        print("writing", import_id, time.monotonic(), flush=True)
        Store._insert(con, table, rows, origin, import_id)

store = Announcing(sys.argv[1])
for number, path in enumerate(sys.argv[2:], start=1):
    print("start", number, time.monotonic(), flush=True)
    store.import_file(path, "market_sizes")
    print("done", number, time.monotonic(), flush=True)
"""
ROWS_PER_FILE = 20_000


def test_kill_9_mid_import_leaves_only_whole_imports(fresh_store: Store, tmp_path: Path) -> None:
    source = a_source_id(fresh_store)
    files = [
        write_csv(
            tmp_path / f"big{i}.csv", MARKET_HEADER, market_rows(f"big{i}", ROWS_PER_FILE, source)
        )
        for i in range(1, 4)
    ]
    sizes = {str(f.resolve()): ROWS_PER_FILE for f in files}
    before = dump_store(fresh_store)
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(fresh_store.path), *map(str, files)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        events: dict[str, float] = {}
        while "writing 2" not in events:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"importer ended early: {proc.wait()} {proc.stderr.read()}")
            kind, number, stamp = line.split()
            events[f"{kind} {number}"] = float(stamp)
        # Import 1 is committed; import 2 is writing its rows. Kill a third of the way through
        # the write (timed on import 1), inside the transaction.
        time.sleep((events["done 1"] - events["writing 1"]) / 3)
        still_running = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert still_running and proc.returncode == -signal.SIGKILL

    after = dump_store(Store(fresh_store.path))
    log = Store(fresh_store.path).imports()
    ids = list(log["import_id"])
    assert ids in ([1], [1, 2]), ids  # import 1 reported done; import 3 never started
    rows = Store(fresh_store.path).table("market_sizes")
    user = rows[rows["origin"] == "user"]
    assert set(user["import_id"]) == set(ids)
    for entry in log.itertuples():
        assert (user["import_id"] == entry.import_id).sum() == entry.rows == sizes[entry.file]
    curated_rows = [r for r in after["market_sizes"] if r[-2] == "curated"]
    assert curated_rows == before["market_sizes"]
    untouched = {k: v for k, v in after.items() if k not in ("market_sizes", "_imports")}
    assert_same_content({k: before[k] for k in untouched}, untouched)

"""Read-only stores (``read_only=True`` or DERISK_READ_ONLY=1): reads work, writes are refused.

A refused write must say the store is read-only and leave the file's bytes as they were:
the check runs before any connection that could write is opened.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import write_csv
from derisk.data.store import READ_ONLY_ENV, Store
from derisk.errors import StoreError

HEADER = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]


def file_digests(store: Store) -> dict[str, str]:
    files = [store.path, store.path.with_name(store.path.name + ".wal")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


def a_row_file(store: Store, tmp_path: Path) -> Path:
    source = str(store.table("sources")["source_id"].iloc[0])
    row = ["USA", 1931, 5, "t REO", "oxide", "2024", "false", source]
    return write_csv(tmp_path / "row.csv", HEADER, [row])


WRITES = {
    "build": lambda store, path: store.build(),
    "import_file": lambda store, path: store.import_file(path, "mine_production"),
    "remove_import": lambda store, path: store.remove_import(1),
    "connect for writing": lambda store, path: store.connect(read_only=False).__enter__(),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("how", ["flag", "env"])
def test_every_write_is_refused_and_the_file_is_untouched(
    fresh_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: str, how: str
) -> None:
    rows = a_row_file(fresh_store, tmp_path)
    fresh_store.import_file(rows, "mine_production")  # import #1, for remove_import
    before = file_digests(fresh_store)
    if how == "env":
        monkeypatch.setenv(READ_ONLY_ENV, "1")
        store = Store.open(fresh_store.path)
    else:
        store = Store.open(fresh_store.path, read_only=True)
    assert store.read_only
    other = write_csv(tmp_path / "other.csv", HEADER, [])  # never read: refused first

    with pytest.raises(StoreError) as info:
        WRITES[write](store, other)

    message = str(info.value)
    assert message.startswith("the store is read-only"), message
    assert (f"{READ_ONLY_ENV}=1" if how == "env" else "opened read-only") in message
    assert file_digests(fresh_store) == before


def test_reads_work_on_a_read_only_store(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected = fresh_store.table("mine_production")
    monkeypatch.setenv(READ_ONLY_ENV, "yes")
    store = Store.open(fresh_store.path)
    assert store.table("mine_production").equals(expected)
    assert len(store.info()) > 0 and store.meta()["schema_version"]
    assert store.imports().empty
    out = tmp_path / "export.csv"  # exports write elsewhere, not to the store: allowed
    store.export("mine_production", "csv", out)
    assert out.read_text(encoding="utf-8").startswith("country,")


def test_env_wins_over_an_explicit_false(
    fresh_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(READ_ONLY_ENV, "1")
    assert Store(fresh_store.path, read_only=False).read_only
    monkeypatch.setenv(READ_ONLY_ENV, "0")
    assert not Store(fresh_store.path).read_only


def test_a_missing_store_is_not_built_when_read_only(tmp_path: Path) -> None:
    path = tmp_path / "none" / "derisk.duckdb"
    with pytest.raises(StoreError, match="read-only, so derisk will not build one"):
        Store.open(path, read_only=True)
    assert not path.exists() and not path.parent.exists()


def test_an_older_dataset_is_served_not_rebuilt(fresh_store: Store) -> None:
    import duckdb

    con = duckdb.connect(str(fresh_store.path))
    con.execute("UPDATE _meta SET value = 'older' WHERE key = 'dataset_version'")
    con.close()
    before = file_digests(fresh_store)
    store = Store.open(fresh_store.path, read_only=True)
    assert store.meta()["dataset_version"] == "older"
    assert file_digests(fresh_store) == before


def test_curate_is_refused_under_the_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from derisk.data.curate import curate

    monkeypatch.setenv(READ_ONLY_ENV, "1")
    out = tmp_path / "curated"
    out.mkdir()
    with pytest.raises(StoreError, match="cannot curate"):
        curate(tmp_path / "no-reference", out)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["data", "build"],
        ["data", "import", "ROWS", "--table", "mine_production"],
        ["data", "remove-import", "1"],
    ],
)
def test_cli_writes_exit_2_under_the_env(
    fresh_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from typer.testing import CliRunner

    from derisk.cli.main import app

    rows = a_row_file(fresh_store, tmp_path)
    before = file_digests(fresh_store)
    monkeypatch.setenv(READ_ONLY_ENV, "1")
    argv = [str(rows) if a == "ROWS" else a for a in args] + ["--db", str(fresh_store.path)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert "the store is read-only" in result.output
    assert file_digests(fresh_store) == before

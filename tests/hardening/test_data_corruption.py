"""A damaged store file is detected on open, reported with recovery steps, and never touched.

The files here are real: random bytes, a real store cut short, a real store with a
block overwritten, an empty file. Each must give a StoreError that names the file, says
it is damaged, and gives the exact commands to recover; the damaged file (and anything
beside it) must keep its bytes, whatever derisk command was attempted.
"""

from __future__ import annotations

import hashlib
import random
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import dump_store, write_csv
from derisk.data.store import Store
from derisk.errors import StoreError

HEADER = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]


def folder_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def random_bytes(good: bytes) -> bytes:
    return random.Random(1).randbytes(100_000)


def truncated(good: bytes) -> bytes:
    return good[: len(good) // 3]


def tiny_truncation(good: bytes) -> bytes:
    return good[:1000]


def garbled_middle(good: bytes) -> bytes:
    middle = len(good) // 2
    return good[:middle] + random.Random(2).randbytes(200_000) + good[middle + 200_000 :]


def garbled_header(good: bytes) -> bytes:
    return good[:4096] + random.Random(3).randbytes(8192) + good[4096 + 8192 :]


def empty(good: bytes) -> bytes:
    return b""


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "random bytes": random_bytes,
    "truncated to a third": truncated,
    "truncated to 1000 bytes": tiny_truncation,
    "200 kB garbled in the middle": garbled_middle,
    "database headers garbled": garbled_header,
    "empty file": empty,
}


@pytest.fixture
def damaged_store(request: pytest.FixtureRequest, built_store_path: Path, tmp_path: Path) -> Store:
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "derisk.duckdb"
    path.write_bytes(DAMAGE[request.param](built_store_path.read_bytes()))
    return Store(path)


def assert_recovery_message(message: str, path: Path) -> None:
    quoted = shlex.quote(str(path))
    assert message.startswith(f"the store {path} is damaged ("), message
    assert "derisk has not changed it" in message
    assert f"`mv {quoted} {shlex.quote(str(path) + '.damaged')}`" in message
    assert f"`derisk data build --db {quoted}`" in message
    assert "the curated rows come back" in message
    assert "imported again from their source files" in message
    assert "`derisk data imports`" in message
    assert "`derisk data export TABLE --where origin=user --out FILE`" in message
    assert "\n" not in message


ATTEMPTS: dict[str, Callable[[Store, Path], object]] = {
    "Store.open": lambda store, tmp: Store.open(store.path),
    "Store.open(build=False)": lambda store, tmp: Store.open(store.path, build=False),
    "first read, no open": lambda store, tmp: Store(store.path).table("mine_production"),
    "build": lambda store, tmp: Store(store.path).build(),
    "import": lambda store, tmp: Store(store.path).import_file(
        write_csv(tmp / "row.csv", HEADER, [["USA", 1931, 1, "t REO", "oxide", "2024", "f", "x"]]),
        "mine_production",
    ),
    "remove_import": lambda store, tmp: Store(store.path).remove_import(1),
}


@pytest.mark.parametrize("damaged_store", list(DAMAGE), indirect=True)
@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_damage_is_reported_with_recovery_steps_and_the_file_is_kept(
    damaged_store: Store, tmp_path: Path, attempt: str
) -> None:
    folder = damaged_store.path.parent
    before = folder_digests(folder)
    with pytest.raises(StoreError) as info:
        ATTEMPTS[attempt](damaged_store, tmp_path)
    assert_recovery_message(str(info.value), damaged_store.path)
    assert folder_digests(folder) == before  # nothing rewritten, deleted or added


def test_the_write_ahead_log_is_named_in_the_move_command(
    built_store_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "derisk.duckdb"
    path.write_bytes(truncated(built_store_path.read_bytes()))
    wal = tmp_path / "derisk.duckdb.wal"
    wal.write_bytes(b"left over")
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert f"mv {wal} {wal}.damaged" in str(info.value)


@pytest.mark.parametrize("args", [["data", "info"], ["data", "build"], ["data", "imports"]])
def test_cli_prints_one_line_and_exits_2(
    built_store_path: Path, tmp_path: Path, args: list[str]
) -> None:
    from typer.testing import CliRunner

    from derisk.cli.main import app

    path = tmp_path / "derisk.duckdb"
    path.write_bytes(truncated(built_store_path.read_bytes()))
    before = folder_digests(tmp_path)
    result = CliRunner().invoke(app, [*args, "--db", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "is damaged" in lines[0], result.output
    assert folder_digests(tmp_path) == before


def test_following_the_recovery_steps_restores_curated_and_backed_up_user_rows(
    fresh_store: Store, tmp_path: Path
) -> None:
    """Backup with export, damage the store, then do exactly what the message says."""
    from typer.testing import CliRunner

    from derisk.cli.main import app

    source = str(fresh_store.table("sources")["source_id"].iloc[0])
    rows = [
        ["USA", 1931 + i, 10.5 * i, "t REO", "oxide", "2024", "false", source] for i in range(5)
    ]
    fresh_store.import_file(write_csv(tmp_path / "mine.csv", HEADER, rows), "mine_production")
    curated = dump_store(fresh_store)
    backup = tmp_path / "backup.csv"
    export = ["data", "export", "mine_production", "--where", "origin=user", "--out", str(backup)]
    runner = CliRunner()
    assert runner.invoke(app, [*export, "--db", str(fresh_store.path)]).exit_code == 0

    path = fresh_store.path
    path.write_bytes(truncated(path.read_bytes()))
    with pytest.raises(StoreError) as info:
        Store.open(path)
    move = re.search(r"`mv (\S+) (\S+)`", str(info.value))
    assert move is not None
    shutil.move(move.group(1), move.group(2))
    build = re.search(r"`(derisk data build --db \S+)`", str(info.value))
    assert build is not None
    result = runner.invoke(app, shlex.split(build.group(1))[1:])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["data", "import", str(backup), "--table", "mine_production", "--db", str(path)]
    )
    assert result.exit_code == 0, result.output

    restored = dump_store(Store(path))
    for name in curated:
        if name in ("_meta", "_imports"):
            continue
        assert [r for r in restored[name] if "curated" in r] == [
            r for r in curated[name] if "curated" in r
        ], name

    def user_rows(dump: dict[str, list[tuple]]) -> list[tuple]:
        return [r[:-1] for r in dump["mine_production"] if r[-2] == "user"]  # minus import_id

    assert user_rows(restored) == user_rows(curated)
    assert Path(move.group(2)).exists()  # the damaged file is still there for inspection

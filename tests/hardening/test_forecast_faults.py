"""Faults while `derisk forecast --out` writes: a kill -9, a full disk, no permission.

write_forecast writes to a hidden temporary file in the target folder
(".<name>.tmp-<pid>") and renames it onto the target (os.replace), so:

- a process killed mid-write leaves the earlier result intact, and only a hidden
  temporary file that no "*.nc" glob picks up; the next successful write removes it;
- a write that fails (ENOSPC, EACCES, EFBIG) is one line on stderr naming the file and
  the cause, exit code 2, the earlier result unchanged and no temporary file left.

The kill and the file-size limit are real (a subprocess, SIGKILL, RLIMIT_FSIZE); a full
disk and a refused permission are simulated by making the writer fail the way the
libraries do (tests run as root, where chmod does not stop a write).
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from conftest import assert_same_content, dump_store
from derisk.cli.main import app
from derisk.data.store import Store
from derisk.forecast import output as output_module
from derisk.forecast.output import write_forecast
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario

runner = CliRunner()
CLI = "import sys; from derisk.cli.main import main; sys.argv[0] = 'derisk'; main()"


@pytest.fixture(scope="module")
def store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("forecast-faults") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _earlier_result(store: Path, out: Path, draws: int = 20) -> str:
    result = runner.invoke(
        app, ["forecast", "--draws", str(draws), "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    return _digest(out)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def _cli(*args: str, limit_bytes: int | None = None) -> subprocess.Popen:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=limit,  # noqa: PLW1509 - only sets a resource limit
    )


# -- kill -9 ------------------------------------------------------------------------------
def test_kill_9_while_writing_keeps_the_earlier_result(tmp_path: Path, store_path: Path) -> None:
    out = tmp_path / "X.nc"
    earlier = _earlier_result(store_path, out)
    with xr.open_dataset(out) as ds:
        earlier_ds = ds.load()
    # 1,000 draws, all kept, make a ~23 MB compressed file: long enough a write to kill.
    proc = _cli("forecast", "--draws", "1000", "--out", str(out), "--db", str(store_path),
                "--keep-draws", "all")  # fmt: skip
    deadline = time.monotonic() + 300
    temps: list[Path] = []
    while not temps:
        assert proc.poll() is None, proc.stderr.read().decode()  # finished before writing?
        assert time.monotonic() < deadline, "the forecast never started writing"
        temps = list(tmp_path.glob(".X.nc.tmp-*"))
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.stderr.close()

    assert len(temps) == 1 and temps[0].name.startswith(f".X.nc.tmp-{proc.pid}-")
    assert temps[0].exists(), "killed after the rename: the test proved nothing"
    assert _digest(out) == earlier
    with xr.open_dataset(out) as ds:
        xr.testing.assert_identical(ds.load(), earlier_ds)
    assert [p.name for p in tmp_path.glob("*.nc")] == ["X.nc"]  # the partial file is hidden

    # The next successful write replaces the result and removes the dead writer's file.
    ds = forecast(Store(store_path), load_scenario("baseline"), draws=7, seed=3)
    write_forecast(ds, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.nc"]
    with xr.open_dataset(out) as written:
        assert written.sizes["draw"] == 7


def test_a_live_writers_temporary_file_is_not_removed(tmp_path: Path, store_path: Path) -> None:
    """Two writers to one target: neither deletes the other's file in progress."""
    out = tmp_path / "f.csv"
    live = tmp_path / f".f.csv.tmp-{os.getppid()}-1"  # pytest's parent: alive, not us
    dead = tmp_path / ".f.csv.tmp-999999999-1"  # above pid_max: never a running process
    live.write_text("in progress")
    dead.write_text("left by a killed writer")
    write_forecast(forecast(Store(store_path), load_scenario("baseline"), draws=5), out)
    assert live.exists() and not dead.exists() and out.exists()


# -- real write failure: a file-size limit (EFBIG) ---------------------------------------------
@pytest.mark.parametrize(
    ("name", "cause"),
    # netCDF's own words depend on which write hits the limit ("HDF error", "Can't open
    # HDF5 attribute"): the message must name the library and be one line.
    [("X.csv", "File too large"), ("X.nc", "the netCDF library failed: NetCDF: ")],
)
def test_a_write_the_system_refuses_is_one_line_and_keeps_the_earlier_result(
    name: str, cause: str, tmp_path: Path, store_path: Path
) -> None:
    out = tmp_path / name
    earlier = _earlier_result(store_path, out, draws=5)
    before = dump_store(Store(store_path))
    proc = _cli(
        "forecast", "--draws", "20", "--seed", "2", "--out", str(out), "--db", str(store_path),
        limit_bytes=20_000,  # the result needs more (a .csv ~110 kB, a .nc ~2.4 MB)
    )  # fmt: skip
    stderr = proc.communicate(timeout=300)[1].decode()
    assert proc.returncode == 2, stderr
    message = stderr.strip()
    assert "\n" not in message
    if cause.endswith(": "):
        assert message.startswith(f"error: {out}: cannot write the file: {cause}"), message
        assert len(message) > len(f"error: {out}: cannot write the file: {cause}")
    else:
        assert message == f"error: {out}: cannot write the file: {cause}"
    assert _digest(out) == earlier
    assert _temps(tmp_path) == []
    assert_same_content(before, dump_store(Store(store_path)))


# -- simulated: a full disk, no permission -------------------------------------------------
def _failing_writer(kind: str, exc: OSError | RuntimeError) -> Callable[..., object]:
    """A DataFrame.to_csv / to_parquet / Dataset.to_netcdf that writes half, then fails."""
    real = {
        "csv": pd.DataFrame.to_csv,
        "parquet": pd.DataFrame.to_parquet,
        "nc": xr.Dataset.to_netcdf,
    }[kind]

    def writer(self: object, path: object = None, *args: object, **kwargs: object) -> object:
        if path is None:  # to_csv() into a string, for --format csv
            return real(self, path, *args, **kwargs)
        if isinstance(exc, PermissionError):
            raise exc  # refused when the file is created
        Path(path).write_bytes(b"half a result")
        raise exc

    return writer


FAILURES = [
    ("csv", OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    (
        "parquet",
        OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left"),
        "No space left on device",
    ),
    ("nc", RuntimeError("NetCDF: HDF error"), "No space left on device"),
    ("csv", PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
    ("nc", PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
]


@pytest.mark.parametrize(
    ("kind", "exc", "cause"),
    FAILURES,
    ids=["csv-enospc", "parquet-enospc", "nc-enospc", "csv-eacces", "nc-eacces"],
)
def test_full_disk_or_no_permission_while_writing(
    kind: str,
    exc: OSError | RuntimeError,
    cause: str,
    tmp_path: Path,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out" / f"result.{kind}"
    out.parent.mkdir()
    earlier = _earlier_result(store_path, out, draws=5)
    before = dump_store(Store(store_path))
    owner = xr.Dataset if kind == "nc" else pd.DataFrame
    monkeypatch.setattr(
        owner, f"to_{'netcdf' if kind == 'nc' else kind}", _failing_writer(kind, exc)
    )
    # The netCDF library does not say why it failed; derisk looks at the free space.
    monkeypatch.setattr(
        output_module.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 0)
    )
    result = runner.invoke(
        app, ["forecast", "--draws", "6", "--out", str(out), "--db", str(store_path)]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"error: {out}: cannot write the file: {cause}"
    assert "wrote" not in result.output
    assert _digest(out) == earlier
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    assert_same_content(before, dump_store(Store(store_path)))


def test_an_unwritable_folder_fails_before_the_forecast_runs(
    tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "locked" / "result.nc"
    out.parent.mkdir()
    monkeypatch.setattr(
        output_module.os, "access", lambda path, mode: Path(path) != out.parent
    )  # as root, chmod would not stop the write; this is what a normal user meets

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the forecast ran although its output cannot be written")

    monkeypatch.setattr("derisk.forecast.run.forecast", no_run)
    result = runner.invoke(
        app, ["forecast", "--draws", "6", "--out", str(out), "--db", str(store_path)]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {out.parent}: cannot write the file: Permission denied"
    assert list(out.parent.iterdir()) == []

"""Forecast results as the JSON object, tables and files the interfaces hand out."""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from derisk.errors import InputError
from derisk.forecast.summary import CRMA_MILESTONE, crma_check, series


def forecast_json(ds: xr.Dataset) -> str:
    """The object of `derisk forecast --format json` (issue 3's contract)."""
    summary = ds.attrs["summary"]
    payload = {
        "scenario": ds.attrs["scenario"],
        "bloc": ds.attrs["bloc"],
        "draws": int(ds.attrs["draws"]),
        "seed": int(ds.attrs["seed"]),
        "year_derisked": {
            e: {
                "p50": v["p50"],
                "p10": v["p10"],
                "p90": v["p90"],
                "prob_by": {str(y): p for y, p in v["prob_by"].items()},
                **({"note": v["note"]} if "note" in v else {}),
            }
            for e, v in summary["year_derisked"].items()
        },
        "worst_shortfall": summary["worst_shortfall"],
        "milestones": _json_keys(summary["milestones"]),
        "headline_share": _json_keys(summary["headline_share"]),
        "world_china_share": _json_keys(summary["world_china_share"]),
        "series": series(ds),
        "sources": ds.attrs["sources"],
    }
    if ds.attrs["bloc"] == "EU27":
        payload["crma_check"] = crma_check(ds)
    return json.dumps(payload, indent=1)


def _json_keys(value: object) -> object:
    """Year keys as JSON has them (strings), so the CLI and the API print the same object."""
    if isinstance(value, dict):
        return {str(k): _json_keys(v) for k, v in value.items()}
    return value


def milestone_table(ds: xr.Dataset) -> pd.DataFrame:
    """Element x milestone: the P50 year (P10-P90), "never" = not within the horizon."""

    def cell(record: dict) -> str:
        p10, p50, p90 = (record[k] or "never" for k in ("p10", "p50", "p90"))
        return str(p50) if p10 == p90 else f"{p50} ({p10}-{p90})"

    rows = []
    for element, records in ds.attrs["summary"]["milestones"].items():
        row = {"element": element}
        for key, record in records.items():
            label = "<=65% from China" if key == CRMA_MILESTONE else f"{key}%"
            row[label] = cell(record)
        rows.append(row)
    return pd.DataFrame.from_records(rows)


def forecast_tables(ds: xr.Dataset) -> list[tuple[str, pd.DataFrame]]:
    """Headline tables: milestones, year de-risked and worst shortfall per element (P10-P90)."""
    summary = ds.attrs["summary"]
    milestones_title = (
        "Milestones: first year China-free supply covers X% of demand for good, P50 (P10-P90)"
    )
    if ds.attrs["bloc"] == "EU27":
        milestones_title += "; <=65% from China = the CRMA single-country benchmark"
    rows = []
    for element, v in summary["year_derisked"].items():
        if "note" in v:
            rows.append({"element": element, "year_derisked_p50": v["note"]})
            continue
        w = summary["worst_shortfall"][element]
        last = max(int(y) for y in v["prob_by"])
        rows.append(
            {
                "element": element,
                "year_derisked_p10": v["p10"] or "never",
                "year_derisked_p50": v["p50"] or "never",
                "year_derisked_p90": v["p90"] or "never",
                f"p_derisked_by_{last}": v["prob_by"][last],
                "worst_shortfall_p50_t": w["p50_t"],
                "worst_shortfall_p10_p90_t": f"{w['p10_t']:,.0f}-{w['p90_t']:,.0f}",
                "worst_shortfall_share_p50_pct": w["share_of_demand_p50_pct"],
            }
        )
    title = (
        f"{ds.attrs['scenario']} | {ds.attrs['bloc']} | {ds.attrs['draws']} draws, "
        f"seed {ds.attrs['seed']} ('never' = not within {ds['year'].values[-1]})"
    )
    tables = [(milestones_title, milestone_table(ds)), (title, pd.DataFrame.from_records(rows))]
    if ds.attrs["bloc"] == "EU27":
        tables.append(("EU CRMA benchmarks (P50)", pd.DataFrame.from_records(crma_check(ds))))
    return tables


OUTPUT_SUFFIXES = (".nc", ".csv", ".parquet")


def check_output_path(out: Path) -> None:
    """Fail before a long run, not after it, when the output type or place is wrong."""
    if Path(out).suffix not in OUTPUT_SUFFIXES:
        raise InputError(
            "unknown output file type",
            column="--out",
            expected=", ".join(OUTPUT_SUFFIXES),
            found=Path(out).suffix or str(out),
        )
    check_writable_target(out)


def check_writable_target(out: Path) -> None:
    """``out`` can become a regular file: not a folder or device, under a usable folder.

    Missing folders are fine (they are created); an existing file in their place is not.
    """
    out = Path(out)
    if out.is_dir():
        raise InputError("--out is a folder; give a file name", file=str(out))
    if out.exists() and not out.is_file():
        raise InputError(
            "--out is not a regular file (a device, pipe or socket is never replaced)",
            file=str(out),
        )
    for folder in out.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                raise InputError(
                    "cannot create the output folder: a file is in the way", file=str(folder)
                )
            if not os.access(folder, os.W_OK | os.X_OK):
                raise InputError("cannot write the file: Permission denied", file=str(folder))
            break


def write_forecast(ds: xr.Dataset, out: Path) -> None:
    """.nc keeps every draw; .csv and .parquet hold the P10/P50/P90 series (long format).

    The file is written atomically (see write_atomically): a crash or a full disk never
    leaves a half-written result under ``out``, and an earlier result stays as it was.
    """
    out = Path(out)
    check_output_path(out)
    if out.suffix == ".nc":
        plain = ds.copy()
        plain.attrs = {
            k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in ds.attrs.items()
        }
        write_atomically(out, lambda tmp: _to_netcdf(plain, tmp))
        return
    frame = pd.DataFrame.from_records(series(ds))
    if out.suffix == ".csv":
        write_atomically(out, lambda tmp: frame.to_csv(tmp, index=False))
    else:
        write_atomically(out, lambda tmp: frame.to_parquet(tmp, index=False))


def _to_netcdf(ds: xr.Dataset, path: Path) -> None:
    try:
        ds.to_netcdf(path)
    except RuntimeError as err:
        # The netCDF library reports a failed write (a full disk) as "NetCDF: HDF error".
        full = shutil.disk_usage(path.parent).free < 1024 * 1024
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from err
        raise OSError(errno.EIO, f"the netCDF library failed: {err}") from err


#: Temporary files are ".<name>.tmp-<pid>-<thread id>" next to the target: hidden, and
#: never "*<suffix>", so no glob for results picks one up.
TEMP_MARK = ".tmp-"


def write_atomically(out: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``out``, then rename it onto ``out``.

    The rename (os.replace) is atomic, so ``out`` holds either the earlier file or the
    complete new one, even if the process is killed mid-write. A failed write removes its
    temporary file and raises an InputError naming ``out`` and the cause (disk full,
    permission denied); temporary files left by killed processes are removed here.
    """
    out = Path(out)
    target = out.resolve() if out.is_symlink() else out  # keep a link, replace its file
    check_writable_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(target)
    except OSError as err:
        raise _write_error(out, err) from None
    tmp = target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{threading.get_native_id()}")
    try:
        write(tmp)
        _fsync(tmp)
        with contextlib.suppress(OSError):
            shutil.copymode(target, tmp)  # an earlier file's permissions carry over
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _write_error(out, err) from None
        raise
    _fsync_folder(target.parent)


def _write_error(out: Path, err: OSError) -> InputError:
    if err.errno and err.errno != errno.EIO:
        cause = os.strerror(err.errno)  # "No space left on device", "Permission denied"
    else:
        cause = " ".join(str(err.strerror or err).split())
    return InputError(f"cannot write the file: {cause}", file=str(out))


def _remove_stale_temps(target: Path) -> None:
    """Temporary files of writers that died (kill -9, power cut) before their rename."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return
    for tmp in target.parent.glob(f".{glob.escape(target.name)}{TEMP_MARK}*"):
        pid = tmp.name.rpartition(TEMP_MARK)[2].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
    (target.parent / f".{target.name}.tmp").unlink(missing_ok=True)  # older derisk versions


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; not every system can open a folder, which is fine."""
    with contextlib.suppress(OSError):
        _fsync(folder)

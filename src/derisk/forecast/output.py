"""Forecast results as the JSON object, tables and files the interfaces hand out."""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import shutil
import threading
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from derisk.errors import InputError
from derisk.forecast.summary import CRMA_MILESTONE, crma_check, ratio_quantiles, series


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
                "worst_shortfall_p10_t": w["p10_t"],  # raw numbers: a CSV cell is one value
                "worst_shortfall_p90_t": w["p90_t"],
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


#: What `--keep-draws` accepts besides a count: every draw.
ALL_DRAWS = "all"
KeepDraws = int | Literal["all"]
#: zlib level 1 with the byte shuffle: lossless. Measured 2026-12 on the baseline, US,
#: 2,000 draws (258 MB of arrays): level 1 -> 46.5 MB in 1.7 s, level 2 -> 45.4 MB,
#: level 4 -> 49 MB (default chunks) at twice the time; without shuffle 55 MB. Higher
#: levels buy a few per cent for much more time, so level 1.
COMPRESSION = {"zlib": True, "complevel": 1, "shuffle": True}
#: Chunks of about this many bytes, cut along the draw axis only (a reader who wants one
#: draw, or the first N, reads whole draws). 10-1,000 draws a chunk made <3 % difference.
CHUNK_BYTES = 4 * 1024 * 1024
#: HDF5's own bytes per variable (headers, chunk index): a 2,000-draw summary-only file
#: of 18 variables measured 224 kB against 151 kB of compressed arrays and attributes.
HDF5_OVERHEAD = 4_000
#: The quantiles of a summary-only file: those of series() and the tables (P10/P50/P90).
SUMMARY_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class ForecastFile:
    """What `write_forecast` will put in ``out``, known before the (possibly long) write.

    The CLI prints ``estimated_bytes`` before a large write and the real size after.
    ``draws_kept`` is None for .csv and .parquet (they hold the P10/P50/P90 series).
    """

    out: Path
    content: xr.Dataset | pd.DataFrame
    draws_kept: int | None
    raw_bytes: int
    estimated_bytes: int

    def describe(self) -> str:
        """What the file holds, for the size note: '2,000 draws x 12 variables, 258 MB ...'."""
        if not isinstance(self.content, xr.Dataset):
            return f"the P10/P50/P90 series, {len(self.content):,} rows"
        what = f"{self.draws_kept:,} draws" if self.draws_kept else "P10/P50/P90, no draws"
        return (
            f"{what} x {len(self.content.data_vars)} variables, "
            f"{human_bytes(self.raw_bytes)} before compression"
        )

    def write(self) -> int:
        """Write atomically (see write_atomically); return the size of the file written."""
        content = self.content
        if isinstance(content, xr.Dataset):
            write_atomically(self.out, lambda tmp: _to_netcdf(content, tmp))
        elif self.out.suffix == ".csv":
            write_atomically(self.out, lambda tmp: content.to_csv(tmp, index=False))
        else:
            write_atomically(self.out, lambda tmp: content.to_parquet(tmp, index=False))
        return self.out.stat().st_size


def write_forecast(ds: xr.Dataset, out: Path, keep_draws: KeepDraws = ALL_DRAWS) -> int:
    """Write the forecast to ``out`` (.nc, .csv or .parquet); return the file's size.

    .nc holds ``keep_draws`` draws ("all", N = the first N, 0 = none: P10/P50/P90 along
    the draw axis instead, see netcdf_content), compressed losslessly; .csv and .parquet
    hold the P10/P50/P90 series (long format). The library keeps every draw by default
    (the API's .nc download promises them); the CLI defaults to the summary.
    The file is written atomically (see write_atomically): a crash or a full disk never
    leaves a half-written result under ``out``, and an earlier result stays as it was.
    """
    return plan_forecast_file(ds, out, keep_draws).write()


def plan_forecast_file(
    ds: xr.Dataset, out: Path, keep_draws: KeepDraws = ALL_DRAWS
) -> ForecastFile:
    """The file's content and its estimated size, without writing anything."""
    out = Path(out)
    check_output_path(out)
    if out.suffix != ".nc":
        frame = pd.DataFrame.from_records(series(ds))
        size = int(frame.memory_usage(deep=True).sum())
        return ForecastFile(out, frame, None, size, size)
    content = netcdf_content(ds, keep_draws)
    kept = int(content.sizes.get("draw", 0))
    raw, estimate = estimate_netcdf_bytes(content)
    return ForecastFile(out, content, kept, raw, estimate)


def check_keep_draws(keep_draws: KeepDraws, draws: int) -> int:
    """``keep_draws`` as a count: "all" -> draws; a count above ``draws`` is refused."""
    if keep_draws == ALL_DRAWS:
        return draws
    if isinstance(keep_draws, bool) or not isinstance(keep_draws, int) or keep_draws < 0:
        raise InputError(
            "must be 'all' or a number of draws",
            column="--keep-draws",
            expected="all, or a whole number >= 0",
            found=str(keep_draws),
        )
    if keep_draws > draws:
        raise InputError(
            "is more than the draws run",
            column="--keep-draws",
            expected=f"at most {draws} (--draws)",
            found=str(keep_draws),
        )
    return keep_draws


def netcdf_content(ds: xr.Dataset, keep_draws: KeepDraws = ALL_DRAWS) -> xr.Dataset:
    """The Dataset a .nc file holds: the first ``keep_draws`` draws, or the summary.

    Summary (keep_draws 0): every variable with P10/P50/P90 along ``quantile`` in place
    of ``draw`` (xarray's quantile, as series() takes them), plus china_free_share_pct,
    the quantiles of the per-draw ratio (not a ratio of quantiles). A 2,000-draw run is
    then well under a megabyte. Either way attrs["summary"] (JSON) is over all draws;
    attrs "draws" is the draws run and "draws_kept" those in the file.
    """
    kept = check_keep_draws(keep_draws, int(ds.sizes["draw"]))
    if kept:
        content = ds.isel(draw=slice(0, kept))
    else:
        with warnings.catch_warnings():  # elements without demand (Pm, Sc) are all-NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            content = xr.Dataset(
                {name: _quantiles(variable) for name, variable in ds.data_vars.items()},
            )
            share = ratio_quantiles(ds, "china_free_supply", "demand")
        content["china_free_share_pct"] = share.assign_attrs(
            units="%", long_name="China-free supply as a share of demand (per-draw ratio)"
        )
    content.attrs = {
        **{k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in ds.attrs.items()},
        "draws_kept": kept,
        "file_content": "draws" if kept else "summary: P10/P50/P90 along quantile",
    }
    return content


def _quantiles(variable: xr.DataArray) -> xr.DataArray:
    """xarray's quantile along draw (NaN skipped, as series() has it), faster without NaN.

    np.quantile gives the same numbers as xarray's nanquantile when there is no NaN, in
    a third of the time (2,000 draws of primary_supply: 1.0 s against 2.4 s).
    """
    if "draw" not in variable.dims:
        return variable
    values = variable.values
    if np.isnan(values).any():
        return variable.quantile(list(SUMMARY_QUANTILES), dim="draw", keep_attrs=True)
    axis = variable.dims.index("draw")
    data = np.quantile(values, SUMMARY_QUANTILES, axis=axis)
    dims = ("quantile", *(d for d in variable.dims if d != "draw"))
    coords = {d: variable.coords[d] for d in dims[1:] if d in variable.coords}
    return xr.DataArray(
        data, dims=dims, coords={"quantile": list(SUMMARY_QUANTILES), **coords},
        attrs=variable.attrs,
    )  # fmt: skip


def netcdf_encoding(content: xr.Dataset) -> dict[str, dict]:
    """Per data variable: lossless zlib + shuffle, chunked along draw (COMPRESSION)."""
    encoding = {}
    for name, variable in content.data_vars.items():
        if variable.ndim == 0 or 0 in variable.shape or variable.dtype.kind not in "fiu":
            continue
        encoding[name] = {**COMPRESSION, "chunksizes": _chunks(variable)}
    return encoding


def _chunks(variable: xr.DataArray) -> tuple[int, ...]:
    shape = variable.shape
    if "draw" not in variable.dims:
        return shape
    axis = variable.dims.index("draw")
    per_draw = variable.dtype.itemsize * int(np.prod(shape)) // shape[axis]
    rows = max(1, min(shape[axis], CHUNK_BYTES // max(per_draw, 1)))
    return (*shape[:axis], rows, *shape[axis + 1 :])


def estimate_netcdf_bytes(content: xr.Dataset) -> tuple[int, int]:
    """(bytes of the arrays, estimated file size) for ``content`` with netcdf_encoding.

    Compresses the first chunk of each variable as HDF5 will (shuffle, then zlib) and
    scales it to the variable: draws are independent, so the first chunk is typical.
    Coordinates and metadata are counted uncompressed.
    """
    encoding = netcdf_encoding(content)
    raw = estimate = sum(int(v.nbytes) for v in content.coords.values())
    for name, variable in content.data_vars.items():
        raw += int(variable.nbytes)
        if name not in encoding:
            estimate += int(variable.nbytes)
            continue
        chunk = variable.values[tuple(slice(0, n) for n in encoding[name]["chunksizes"])]
        shuffled = np.ascontiguousarray(chunk).view(np.uint8).reshape(-1, chunk.itemsize).T
        packed = len(zlib.compress(shuffled.tobytes(), COMPRESSION["complevel"]))
        estimate += int(variable.nbytes * packed / max(chunk.nbytes, 1))
    attrs = sum(len(str(v)) for v in content.attrs.values())
    overhead = HDF5_OVERHEAD * (len(content.data_vars) + len(content.coords))
    return raw + attrs, estimate + attrs + overhead


def human_bytes(size: int) -> str:
    """'46 MB', '850 kB', '1.2 GB': decimal units, as file managers show them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{size} B"


def _to_netcdf(ds: xr.Dataset, path: Path) -> None:
    try:
        ds.to_netcdf(path, engine="netcdf4", encoding=netcdf_encoding(ds))
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

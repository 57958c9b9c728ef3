"""Forecast files a laptop can hold: compressed NetCDF, summary by default, draws on request.

Issue 13, item 5: 2,000 draws wrote 242 MB with no warning. Now the .nc is compressed
losslessly (zlib + shuffle), `derisk forecast --out F.nc` writes P10/P50/P90 only,
`--keep-draws all|N` stores draws, and the CLI says how large a big file will be.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import derisk.cli.forecast as cli_forecast
from derisk.cli.main import app
from derisk.data.store import Store
from derisk.errors import InputError
from derisk.forecast.output import (
    SUMMARY_QUANTILES,
    check_keep_draws,
    human_bytes,
    netcdf_content,
    plan_forecast_file,
    write_forecast,
)
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario
from derisk.forecast.summary import series

DRAWS = 200
#: Lossless zlib level 1 + shuffle shrank 2,000 draws from 258 MB to 46 MB (5.6x) and
#: 200 draws by about as much; a ratio under 4 means the compression is gone or broken.
MIN_RATIO = 4.0

runner = CliRunner()


@pytest.fixture(scope="module")
def ds(session_store: Store) -> xr.Dataset:
    return forecast(session_store, load_scenario("baseline"), bloc="US", draws=DRAWS, seed=3)


def test_compressed_file_is_smaller_by_the_measured_ratio_and_round_trips(
    ds: xr.Dataset, tmp_path: Path
) -> None:
    packed = tmp_path / "packed.nc"
    write_forecast(ds, packed)  # the library default: every draw
    plain = tmp_path / "plain.nc"
    netcdf_content(ds).to_netcdf(plain, engine="netcdf4")  # the same content, no encoding
    ratio = plain.stat().st_size / packed.stat().st_size
    assert ratio >= MIN_RATIO, f"compressed only {ratio:.2f}x"
    back = xr.load_dataset(packed)
    assert back.sizes["draw"] == DRAWS
    for name, variable in ds.data_vars.items():
        assert back[name].dtype == variable.dtype, name
        assert back[name].dims == variable.dims, name
        np.testing.assert_array_equal(back[name].values, variable.values, err_msg=name)
    for name in ds.coords:
        np.testing.assert_array_equal(back[name].values, ds[name].values)
    encoding = back["primary_supply"].encoding
    assert encoding["zlib"] and encoding["shuffle"] and encoding["complevel"] == 1
    assert back.attrs["draws"] == back.attrs["draws_kept"] == DRAWS


def test_summary_file_has_no_draws_and_the_summary_statistics(
    ds: xr.Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "summary.nc"
    size = write_forecast(ds, out, keep_draws=0)
    assert size == out.stat().st_size < 1_000_000
    back = xr.load_dataset(out)
    assert "draw" not in back.dims
    assert list(back["quantile"].values) == list(SUMMARY_QUANTILES)
    assert back.attrs["draws"] == DRAWS and back.attrs["draws_kept"] == 0
    for name, variable in ds.data_vars.items():  # xarray's own quantile of every draw
        expected = variable.quantile(list(SUMMARY_QUANTILES), dim="draw")
        np.testing.assert_allclose(back[name].values, expected.values, rtol=1e-12, err_msg=name)
    # ... and the very numbers of the P10/P50/P90 series (.csv, --format json).
    for row in series(ds)[:: len(ds["year"]) // 3 + 1]:
        cell = back[row["metric"]].sel(element=row["element"], year=row["year"])
        for key, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
            value = float(cell.sel(quantile=q))
            if row[key] is None:
                assert np.isnan(value), row
            else:
                assert round(value, 3) == row[key], (row, key)


def test_keep_draws_n_keeps_the_first_n(ds: xr.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "first.nc"
    write_forecast(ds, out, keep_draws=17)
    back = xr.load_dataset(out)
    assert back.sizes["draw"] == 17
    assert back.attrs["draws"] == DRAWS and back.attrs["draws_kept"] == 17
    np.testing.assert_array_equal(
        back["shortfall"].values, ds["shortfall"].isel(draw=slice(0, 17)).values
    )


@pytest.mark.parametrize("keep", [DRAWS + 1, -1, True, "some"])
def test_keep_draws_beyond_the_run_or_not_a_count_is_refused(keep: object) -> None:
    with pytest.raises(InputError) as err:
        check_keep_draws(keep, DRAWS)  # type: ignore[arg-type]
    assert err.value.column == "--keep-draws"


def test_the_size_estimate_is_close_to_the_file(ds: xr.Dataset, tmp_path: Path) -> None:
    for keep in ("all", 50, 0):
        plan = plan_forecast_file(ds, tmp_path / f"estimate-{keep}.nc", keep)
        real = plan.write()
        assert 0.75 < plan.estimated_bytes / real < 1.33, (keep, plan.estimated_bytes, real)
        assert plan.raw_bytes > plan.estimated_bytes


def _run(db: Path, *args: str) -> object:
    return runner.invoke(app, ["forecast", "--draws", "30", "--db", str(db), *args])


def test_cli_default_is_summary_and_keep_draws_stores_them(
    built_store_path: Path, tmp_path: Path
) -> None:
    expected = {None: None, "7": 7, "all": 30, "ALL": 30}
    for keep, draws in expected.items():
        out = tmp_path / f"f-{keep}.nc"
        result = _run(
            built_store_path, "--out", str(out), *(["--keep-draws", keep] if keep else [])
        )
        assert result.exit_code == 0, result.output
        with xr.open_dataset(out) as back:
            assert back.sizes.get("draw") == draws, keep
            assert ("quantile" in back.dims) == (draws is None)
        assert f"wrote {out} ({human_bytes(out.stat().st_size)})" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--keep-draws", "5", "--out", "{tmp}/f.csv"], "applies to a .nc file only"),
        (["--keep-draws", "5"], "no --out"),
        (["--keep-draws", "31", "--out", "{tmp}/f.nc"], "at most 30"),
        (["--keep-draws", "1.5", "--out", "{tmp}/f.nc"], "'all' or a number of draws"),
    ],
)
def test_cli_refuses_keep_draws_that_cannot_apply(
    built_store_path: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    result = _run(built_store_path, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.exit_code == 2
    assert words in result.stderr and "--keep-draws" in result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before the run: nothing written


def test_cli_says_how_large_a_big_file_will_be_and_how_large_it_was(
    built_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "big.nc"
    quiet = _run(built_store_path, "--out", str(out))  # the summary: far below the bar
    assert "writing about" not in quiet.stderr
    monkeypatch.setattr(cli_forecast, "WARN_BYTES", 100_000)  # 30 draws stand in for 2,000
    result = _run(built_store_path, "--out", str(out), "--keep-draws", "all")
    assert result.exit_code == 0, result.output
    note = " ".join(result.stderr.split())
    match = re.search(r"writing about ([\d.,]+ [kMG]?B) to .*big\.nc \(30 draws x 12 variables, "
                      r"([\d.,]+ [kMG]?B) before compression\)", note)  # fmt: skip
    assert match, note
    assert "--keep-draws N" in note
    assert f"wrote {out} ({human_bytes(out.stat().st_size)})" in note
    assert note.index("writing about") < note.index("wrote")

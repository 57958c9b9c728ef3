"""`derisk forecast` from the command line: the JSON contract, files and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import xarray as xr
from typer.testing import CliRunner

from derisk.cli.main import app

runner = CliRunner()


def test_forecast_json_contract(built_store_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "--scenario",
            "export-controls-2025",
            "--set",
            "recycling.collection_rate=0.5",
            "--bloc",
            "US",
            "--draws",
            "40",
            "--seed",
            "1",
            "--years",
            "2025:2040",
            "--format",
            "json",
            "--db",
            str(built_store_path),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["scenario"], payload["bloc"], payload["draws"], payload["seed"]) == (
        "export-controls-2025",
        "US",
        40,
        1,
    )
    for element in ("Nd", "Pr", "Dy", "Tb"):
        entry = payload["year_derisked"][element]
        assert entry["p50"] is None or 2025 <= entry["p50"] <= 2040
        probs = [entry["prob_by"][str(y)] for y in range(2025, 2041)]
        assert probs == sorted(probs) and all(0 <= p <= 1 for p in probs)
    row = payload["series"][0]
    assert set(row) == {"element", "year", "metric", "p10", "p50", "p90"}
    defined = [r for r in payload["series"] if r["p50"] is not None]
    assert all(r["p10"] <= r["p50"] <= r["p90"] for r in defined)
    # Only the share of demand is undefined, and only where there is no demand (Pm, Sc).
    undefined = {(r["metric"], r["element"]) for r in payload["series"] if r["p50"] is None}
    assert undefined <= {("china_free_share_pct", "Pm"), ("china_free_share_pct", "Sc")}


def test_forecast_writes_netcdf_csv_and_parquet(built_store_path: Path, tmp_path: Path) -> None:
    for suffix in (".nc", ".csv", ".parquet"):
        out = tmp_path / f"f{suffix}"
        keep = ["--keep-draws", "all"] if suffix == ".nc" else []
        result = runner.invoke(
            app,
            ["forecast", "--draws", "20", "--out", str(out), "--db", str(built_store_path), *keep],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    ds = xr.open_dataset(tmp_path / "f.nc")
    assert ds.sizes["draw"] == 20 and "shortfall" in ds
    assert {"p10", "p50", "p90"} <= set(pd.read_csv(tmp_path / "f.csv").columns)


def test_forecast_bad_input_exits_2_naming_the_field(built_store_path: Path) -> None:
    for args, text in (
        (["--set", "pipeline.ramp_up_years=-1"], "pipeline.ramp_up_years"),
        (["--years", "2050"], "START:END"),
        (["--scenario", "nope"], "unknown scenario"),
        (["--out", "x.xlsx"], "unknown output file type"),
    ):
        result = runner.invoke(
            app, ["forecast", "--draws", "5", *args, "--db", str(built_store_path)]
        )
        assert result.exit_code == 2, (args, result.output)
        assert text in result.stderr


def test_delay_derivation_is_shown(built_store_path: Path) -> None:
    result = runner.invoke(app, ["forecast-delays", "-f", "json", "--db", str(built_store_path)])
    rows = json.loads(result.stdout)
    assert rows and all(r["delay_years"] >= 0 for r in rows)
    assert {"first_announced", "start_or_bound", "censored", "source_id"} <= set(rows[0])

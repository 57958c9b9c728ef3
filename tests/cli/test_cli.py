"""The CLI end to end on a real store file: formats, filters, errors and exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.store import Store

runner = CliRunner()
CURATED = Path(__file__).parents[2] / "src" / "derisk" / "data" / "curated"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store.duckdb"
    Store(path).build()
    return path


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def _packaged_mining(year: int) -> dict[str, float]:
    with (CURATED / "mine_production.csv").open() as handle:
        return {r["country"]: float(r["value"]) for r in csv.DictReader(handle)
                if r["year"] == str(year) and r["value"]}


def test_issue2_concentration_mining_2024_json_is_computed_from_usgs_rows(db: Path) -> None:
    result = run("diagnose", "concentration", "--stage", "mining", "--year", "2024",
                 "--format", "json", "--db", str(db))
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    # All rare earths from USGS tonnages; magnet REEs computed from the IEA's 2024 table.
    assert sorted(r["group"] for r in records) == ["REE", "magnet"]
    (rec,) = [r for r in records if r["group"] == "REE"]
    rows = _packaged_mining(2024)
    parts = sum(v for c, v in rows.items() if c != "WLD")
    total = max(rows["WLD"], parts)
    assert rec["china_share"] == pytest.approx(100 * rows["CHN"] / total, abs=0.01)
    named = [100 * v / total for c, v in rows.items() if c not in ("WLD", "OTH")]
    assert rec["hhi"] == pytest.approx(sum(s * s for s in named), abs=0.1)
    assert set(rec) == {"stage", "group", "year", "hhi", "top1_country", "top1_share",
                        "top3_share", "china_share", "n_effective", "residual_convention",
                        "basis", "as_of", "low_reliability", "sources", "missing"}
    assert rec["as_of"] == "2026" and rec["missing"] is None
    assert "usgs-mcs-2026-ree" in rec["sources"]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_every_diagnose_command_runs_in_every_format(db: Path, fmt: str) -> None:
    for args in (["concentration"], ["dependency", "--bloc", "EU27"],
                 ["chokepoints", "--bloc", "US"], ["criticality"]):
        result = run("diagnose", *args, "--format", fmt, "--db", str(db))
        assert result.exit_code == 0, (args, result.output)
        if fmt == "json":
            assert isinstance(json.loads(result.stdout), list)
        if fmt == "csv":
            assert result.stdout.count("\n") > 1


def test_data_commands(db: Path, tmp_path: Path) -> None:
    info = json.loads(run("data", "info", "-f", "json", "--db", str(db)).stdout)
    assert {"mine_production", "stage_shares", "sources"} <= {t["table"] for t in info}
    shown = run("data", "show", "mine_production", "-w", "country=CHN", "-w", "year=2024",
                "-f", "json", "--db", str(db))
    rows = json.loads(shown.stdout)
    assert [r["value"] for r in rows] == [_packaged_mining(2024)["CHN"]]
    src = json.loads(run("data", "sources", "usgs-mcs-2026-ree", "-f", "json",
                         "--db", str(db)).stdout)
    assert src[0]["publisher"] == "U.S. Geological Survey"
    out = tmp_path / "prices.parquet"
    assert run("data", "export", "prices", "-f", "parquet", "-o", str(out),
               "--db", str(db)).exit_code == 0
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diagnose", "concentration", "--stage", "smelting"], "unknown stage"),
        (["diagnose", "concentration", "--group", "XX"], "unknown group"),
        (["diagnose", "concentration", "--residual", "half"], "unknown residual"),
        (["diagnose", "dependency", "--bloc", "Atlantis"], "unknown bloc"),
        (["diagnose", "criticality", "--method", "astrology"], "method"),
        (["data", "show", "no_such_table"], "unknown table"),
        (["data", "show", "prices", "-w", "colour=red"], "unknown column"),
        (["data", "sources", "no-such-source"], "unknown source id"),
        (["data", "export", "prices", "-f", "xlsx"], "unknown export format"),
        (["diagnose", "concentration", "--format", "yaml"], "unknown output format"),
    ],
)
def test_bad_arguments_exit_2_with_a_named_error(db: Path, args: list[str], message: str) -> None:
    result = run(*args, "--db", str(db))
    assert result.exit_code == 2, result.output
    assert message in result.stderr.lower()
    assert "Traceback" not in result.output


def test_db_environment_variable_is_honoured(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERISK_DB", str(db))
    result = run("data", "info", "-f", "json")
    assert result.exit_code == 0
    assert str(db) in Store.open(None).path.as_posix()

"""The packaged dataset: provenance on every row, checksums, and no drift from the reference."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from derisk.data.curate import CURATED_DIR, PROJECT_DIR, curate
from derisk.data.schema import BASES, TABLES, spec

REFERENCE = Path(__file__).parents[3] / "shared" / "reference"
needs_reference = pytest.mark.skipif(
    not (REFERENCE / "supply" / "mine_production.csv").exists(),
    reason=f"no reference folder at {REFERENCE}",
)
MEASURE_TABLES = [t.name for t in TABLES if t.measure]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def data_rows(path: Path) -> int:
    """Records after the header (a quoted cell may span lines, so not a line count)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_schema_table_has_exactly_one_packaged_csv() -> None:
    packaged = {p.stem for p in CURATED_DIR.glob("*.csv")}
    assert packaged == {t.name for t in TABLES}


def test_packaged_csv_headers_follow_the_schema_column_order() -> None:
    for table in TABLES:
        with (CURATED_DIR / f"{table.name}.csv").open(newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == table.column_names, table.name


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_every_row_cites_sources_that_resolve(table: str) -> None:
    known = {r["source_id"] for r in read_rows(CURATED_DIR / "sources.csv")}
    rows = read_rows(CURATED_DIR / f"{table}.csv")
    assert rows, f"{table} is empty"
    unresolved = [
        (number, part)
        for number, row in enumerate(rows, start=2)
        for part in (p.strip() for p in row["source_id"].split(";"))
        if part not in known
    ]
    assert not unresolved, f"{table}: rows citing unknown or empty source ids: {unresolved[:10]}"


@pytest.mark.parametrize("table", MEASURE_TABLES)
def test_every_measure_row_has_unit_basis_vintage_and_estimate(table: str) -> None:
    problems = []
    for number, row in enumerate(read_rows(CURATED_DIR / f"{table}.csv"), start=2):
        missing = [c for c in ("unit", "basis", "vintage", "estimate") if not row[c].strip()]
        if missing:
            problems.append((number, missing))
        elif row["basis"] not in BASES or row["estimate"] not in ("true", "false"):
            problems.append((number, row["basis"], row["estimate"]))
    assert not problems, f"{table}: {problems[:10]}"


def test_manifest_checksums_and_row_counts_match_the_packaged_files() -> None:
    manifest = json.loads((CURATED_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tables"]) == {t.name for t in TABLES}
    for name, entry in manifest["tables"].items():
        path = CURATED_DIR / f"{name}.csv"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        assert data_rows(path) == entry["rows"], name


@needs_reference
def test_curating_the_reference_reproduces_the_packaged_files_byte_for_byte(
    tmp_path: Path,
) -> None:
    curate(REFERENCE, out_dir=tmp_path)
    packaged = sorted(p.name for p in CURATED_DIR.iterdir() if p.suffix in (".csv", ".json"))
    rebuilt = sorted(p.name for p in tmp_path.iterdir())
    assert rebuilt == packaged
    drifted = [
        name
        for name in packaged
        if (tmp_path / name).read_bytes() != (CURATED_DIR / name).read_bytes()
    ]
    assert not drifted, f"packaged files differ from a fresh curation: {drifted}"


@needs_reference
@pytest.mark.parametrize("table", [t.name for t in TABLES if len(t.reference_files) == 1])
def test_one_to_one_tables_keep_every_reference_row(table: str) -> None:
    (reference_file,) = spec(table).reference_files
    expected = data_rows(REFERENCE / reference_file)
    # Older editions that the reference replaced are added from a project file.
    extra = PROJECT_EXTRAS.get(table)
    if extra is not None:
        expected += data_rows(PROJECT_DIR / extra)
    assert data_rows(CURATED_DIR / f"{table}.csv") == expected


PROJECT_EXTRAS = {"reserves": "superseded_reserves.csv"}


def test_superseded_reserves_stay_visible_but_not_current() -> None:
    """Brazil 2025 is 11 Mt (MCS 2026 v1.3); the v1.0 21 Mt is an older edition."""
    rows = list(csv.DictReader((CURATED_DIR / "reserves.csv").open(encoding="utf-8")))
    brazil = [r for r in rows if r["country"] == "BRA" and r["year"] == "2025"]
    current = [r for r in brazil if not r["superseded_by"]]
    older = [r for r in brazil if r["superseded_by"]]
    assert [(r["value"], r["source_id"]) for r in current] == [
        ("11000000", "usgs-mcs-2026-ree-v1.3")
    ]
    assert [(r["value"], r["source_id"], r["superseded_by"]) for r in older] == [
        ("21000000", "usgs-mcs-2026-ree", "usgs-mcs-2026-ree-v1.3")
    ]


@needs_reference
def test_elements_and_sources_keep_every_reference_row() -> None:
    assert data_rows(CURATED_DIR / "elements.csv") == data_rows(
        REFERENCE / "supply" / "element_groups.csv"
    )
    expected_sources = sum(
        data_rows(REFERENCE / folder / "sources.csv") for folder in ("supply", "policy", "demand")
    ) + data_rows(PROJECT_DIR / "sources.csv")
    assert data_rows(CURATED_DIR / "sources.csv") == expected_sources

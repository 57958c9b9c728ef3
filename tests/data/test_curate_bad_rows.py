"""Bad rows in the reference files fail curation, named by file, row and field (issue 10).

Each test copies the real reference folder, damages one of this edition's new rows the
way a hand-edited CSV gets damaged, and checks that curation stops with the reference
file, the row's line and the field, and that the packaged files were left untouched.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from derisk.data.curate import CURATED_DIR, curate
from derisk.errors import InputError

REFERENCE = Path(__file__).parents[3] / "shared" / "reference"
pytestmark = pytest.mark.skipif(not REFERENCE.exists(), reason="reference folder not present")


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE, target)
    return target


@pytest.fixture
def packaged(tmp_path: Path) -> Path:
    """A copy of the packaged dataset standing in for CURATED_DIR."""
    target = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, target)
    return target


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _edit(path: Path, match: str, column: str, value: str) -> int:
    """Set ``column`` of the first row whose text contains ``match``; return its line."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    found = [i for i, row in enumerate(rows) if i and match in ",".join(row)]
    assert found, f"no row matching {match!r} in {path}"
    index = found[0]
    rows[index][header.index(column)] = value
    index += 1  # file lines count from 1 and the header is line 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return index


def _fails(reference: Path, packaged: Path) -> InputError:
    before = _snapshot(packaged)
    with pytest.raises(InputError) as caught:
        curate(reference, packaged)
    assert _snapshot(packaged) == before, "a failed curation changed the packaged files"
    return caught.value


def test_unknown_country_in_a_new_facility(reference: Path, packaged: Path) -> None:
    line = _edit(reference / "policy" / "facilities.csv", "Nakatsugawa sintered", "country",
                 "Japn")  # fmt: skip
    err = _fails(reference, packaged)
    assert (err.file, err.row, err.column) == ("policy/facilities.csv", line, "country")
    assert "Japn" in str(err)


def test_status_outside_the_vocabulary(reference: Path, packaged: Path) -> None:
    line = _edit(reference / "policy" / "facilities.csv", "Seong-An", "status", "mothballed")
    err = _fails(reference, packaged)
    assert (err.file, err.row, err.column) == ("policy/facilities.csv", line, "status")
    assert "mothballed" in str(err)


def test_year_that_is_not_a_year_in_a_new_price(reference: Path, packaged: Path) -> None:
    line = _edit(reference / "supply" / "prices.csv", "smm-2026-overseas-jan", "year", "Jan-26")
    err = _fails(reference, packaged)
    assert (err.file, err.row, err.column) == ("supply/prices.csv", line, "year")


def test_unknown_element_in_a_new_price(reference: Path, packaged: Path) -> None:
    line = _edit(reference / "supply" / "prices.csv", "adamas-2026-european-prices", "element",
                 "dysprosum")  # fmt: skip
    err = _fails(reference, packaged)
    assert (err.file, err.row, err.column) == ("supply/prices.csv", line, "element")


def test_unknown_source_in_a_new_share(reference: Path, packaged: Path) -> None:
    line = _edit(reference / "supply" / "stage_shares.csv", "Lynas, quarterly, Jul-Sep 2025",
                 "source_id", "no-such-source")  # fmt: skip
    err = _fails(reference, packaged)
    assert (err.file, err.row, err.column) == ("supply/stage_shares.csv", line, "source_id")
    assert "no-such-source" in str(err)


def test_row_with_a_missing_field(reference: Path, packaged: Path) -> None:
    path = reference / "policy" / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = len(lines)
    lines[-1] = lines[-1].rstrip("\n").rsplit(",", 1)[0] + "\n"  # drop the last field
    path.write_text("".join(lines), encoding="utf-8")
    err = _fails(reference, packaged)
    assert (err.file, err.row) == ("policy/events.csv", last)
    assert "fields" in str(err)

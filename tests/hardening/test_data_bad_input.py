"""Bad input for `derisk data import`, CSV and Parquet: a clear error, and nothing changes.

Each case runs through ``Store.import_file`` (must raise InputError) and through
``derisk data import FILE --table T --db PATH`` (must print one error line and exit 2).
Either way the store's content (every table, both origins, the import log) must be
exactly what it was before. The Parquet cases also check that a good Parquet file is
imported exactly as the same rows in CSV would be.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_same_content, dump_store, write_csv
from derisk.data.curate import CURATED_DIR
from derisk.data.store import Store
from derisk.errors import InputError

Dump = dict[str, list[tuple]]
HEADER = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]
DATA_ROW_NOTE = "Parquet rows are counted from 1"


def _packaged(name: str) -> list[dict[str, str]]:
    with (CURATED_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SOURCE_ID = _packaged("sources")[0]["source_id"]
COUNTRY = next(c["code"] for c in _packaged("countries") if c["kind"] == "country")


def good_row(**changes: object) -> list[object]:
    """A valid mine_production row (years before 1950 hold no curated or user rows)."""
    cells = {
        "country": COUNTRY,
        "year": 1931,
        "value": 1000,
        "unit": "t REO",
        "basis": "oxide",
        "vintage": "2024",
        "estimate": "false",
        "source_id": SOURCE_ID,
        **changes,
    }
    return [cells[h] for h in HEADER]


def typed_columns(n: int = 3) -> dict[str, pa.Array]:
    """Columns of n valid mine_production rows with the Arrow types a user would write."""
    return {
        "country": pa.array([COUNTRY] * n),
        "year": pa.array([1931 + i for i in range(n)], pa.int64()),
        "value": pa.array([1000.0 + i for i in range(n)], pa.float64()),
        "unit": pa.array(["t REO"] * n),
        "basis": pa.array(["oxide"] * n),
        "vintage": pa.array(["2024"] * n),
        "estimate": pa.array([False] * n),
        "source_id": pa.array([SOURCE_ID] * n),
    }


def write_parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


@dataclass
class Rejection:
    message: str
    error: BaseException | None


def attempt_import(store: Store, path: Path, table: str, via: str) -> Rejection:
    """Run the import; it must fail cleanly (InputError / exit 2, no traceback)."""
    if via == "api":
        with pytest.raises(InputError) as info:
            store.import_file(path, table)
        return Rejection(str(info.value), info.value)
    from typer.testing import CliRunner

    from derisk.cli.main import app

    args = ["data", "import", str(path), "--table", table, "--db", str(store.path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return Rejection(result.output, None)


def squash(text: str) -> str:
    return "".join(text.split())


def check(
    store: Store,
    before: Dump,
    path: Path,
    table: str,
    via: str,
    *phrases: str,
    row: int | None = None,
    imports: int = 0,
) -> str:
    """Import must fail naming the file, the row (if given) and every phrase; store unchanged."""
    rejection = attempt_import(store, path, table, via)
    flat = squash(rejection.message)
    assert squash(str(path)) in flat, rejection.message
    if row is not None:
        assert squash(f"{path}:{row}:") in flat, rejection.message
    for phrase in phrases:
        assert squash(phrase) in flat, rejection.message
    assert len(rejection.message) < 2_000, "an error must stay one readable line"
    assert_same_content(before, dump_store(store))
    assert len(store.imports()) == imports
    return rejection.message


@pytest.fixture(params=["api", "cli"])
def via(request: pytest.FixtureRequest) -> str:
    return request.param


# -- the catalogue: CSV ---------------------------------------------------------------------
def test_missing_column(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    header = [h for h in HEADER if h != "unit"]
    rows = [[c for h, c in zip(HEADER, good_row(), strict=True) if h != "unit"]]
    path = write_csv(tmp_path / "missing.csv", header, rows)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "missing required column(s) for table mine_production", "expected unit", row=1,
    )  # fmt: skip


def test_extra_unknown_column(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "extra.csv", [*HEADER, "colour"], [[*good_row(), "red"]])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "unknown column(s)", "found 'colour'", row=1,
    )  # fmt: skip


def test_wrong_type_in_a_numeric_cell(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    rows = [good_row(year=1931), good_row(year=1932, value="12 kt")]
    path = write_csv(tmp_path / "words.csv", HEADER, rows)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "value:", "not a number", "expected a float", "found '12 kt'", row=3,
    )  # fmt: skip


def test_unknown_source_id(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = write_csv(tmp_path / "source.csv", HEADER, [good_row(source_id="no-such-source")])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "source_id:", "unknown source id", "found 'no-such-source'", row=2,
    )  # fmt: skip


def test_unknown_country_code(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = write_csv(tmp_path / "country.csv", HEADER, [good_row(country="XQZ")])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "country:", "unknown country", "found 'XQZ'", row=2,
    )  # fmt: skip


def test_duplicate_key_within_the_file(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    rows = [good_row(year=1931), good_row(year=1932), good_row(year=1931, value=5)]
    path = write_csv(tmp_path / "dup.csv", HEADER, rows)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "duplicate key", "first seen on row 2", row=4,
    )  # fmt: skip


def test_duplicate_of_an_existing_user_row(fresh_store: Store, tmp_path: Path, via: str) -> None:
    fresh_store.import_file(
        write_csv(tmp_path / "first.csv", HEADER, [good_row(year=1931)]), "mine_production"
    )
    before = dump_store(fresh_store)
    path = write_csv(tmp_path / "again.csv", HEADER, [good_row(year=1932), good_row(year=1931)])
    check(
        fresh_store, before, path, "mine_production", via,
        "duplicate key: this row is already in the store", row=3, imports=1,
    )  # fmt: skip


def test_empty_file(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    check(fresh_store, built_store_dump, path, "mine_production", via, "file is empty")


def test_blank_lines_only(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = tmp_path / "blank.csv"
    path.write_text("\n  \n\n", encoding="utf-8")
    check(fresh_store, built_store_dump, path, "mine_production", via, "no header row")


def test_header_only(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str) -> None:
    path = write_csv(tmp_path / "header_only.csv", HEADER, [])
    check(fresh_store, built_store_dump, path, "mine_production", via, "no data rows", row=1)


def test_non_utf8_bytes(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = tmp_path / "latin1.csv"
    text = ",".join([*HEADER, "note"]) + "\n" + ",".join(map(str, [*good_row(), "Côte"])) + "\n"
    path.write_bytes(text.encode("latin-1"))
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "not UTF-8", "byte 0xf4", row=2,
    )  # fmt: skip


def test_binary_garbage_named_csv(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "picture.csv"
    garbage = random.Random(7).randbytes(4096)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + garbage)
    check(fresh_store, built_store_dump, path, "mine_production", via, "not UTF-8", row=1)


def test_nul_bytes_in_text(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = tmp_path / "nul.csv"
    path.write_bytes((",".join(HEADER) + "\n").encode() + b"CHN,19\x0031,1,t REO\n")
    check(fresh_store, built_store_dump, path, "mine_production", via, "NUL byte", row=2)


def test_huge_field(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str) -> None:
    note = "x" * (1_100_000)  # > 1 MB in one cell
    path = write_csv(tmp_path / "huge_cell.csv", [*HEADER, "note"], [[*good_row(), note]])
    message = check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "cell too long", "at most 131,072 characters", row=2,
    )  # fmt: skip
    assert "xxxxxxxxxx" not in message  # the cell is not echoed back


def test_huge_bad_value_is_shortened_in_the_message(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    value = "9" * 50 + "z" * 100_000  # under the cell cap, but not a number
    path = write_csv(tmp_path / "long_value.csv", HEADER, [good_row(value=value)])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "not a number", "(100,050 characters)", row=2,
    )  # fmt: skip


def test_very_many_columns(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    extra = [f"extra_{i}" for i in range(20_000)]
    path = write_csv(tmp_path / "wide.csv", [*HEADER, *extra], [[*good_row(), *["1"] * 20_000]])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "unknown column(s)", "extra_0", "and 19,988 more", row=1,
    )  # fmt: skip


def test_unknown_table_name(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    path = write_csv(tmp_path / "good.csv", HEADER, [good_row()])
    rejection = attempt_import(fresh_store, path, "mine_productions", via)
    assert "unknown table" in rejection.message and "mine_productions" in rejection.message
    assert "mine_production," in squash(rejection.message)  # lists the valid names
    assert_same_content(built_store_dump, dump_store(fresh_store))


def test_file_that_does_not_exist(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "nowhere" / "missing.csv"
    check(fresh_store, built_store_dump, path, "mine_production", via, "file not found")


def test_directory_instead_of_a_file(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "folder.csv"
    path.mkdir()
    check(fresh_store, built_store_dump, path, "mine_production", via, "is a folder, not a file")


def test_unsupported_file_type(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "rows.xlsx", HEADER, [good_row()])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "unsupported file type", "a file ending in .csv or .parquet", "found '.xlsx'",
    )  # fmt: skip


def test_fifo_is_refused_without_blocking(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "pipe.csv"
    import os

    os.mkfifo(path)  # reading a FIFO with no writer would hang forever
    check(fresh_store, built_store_dump, path, "mine_production", via, "not a regular file")


def test_curated_origin_is_refused_with_its_row(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    rows = [[*good_row(year=1931), "user"], [*good_row(year=1932), "curated"]]
    path = write_csv(tmp_path / "origin.csv", [*HEADER, "origin"], rows)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "imported rows are always user rows", "found 'curated'", row=3,
    )  # fmt: skip


# -- the catalogue: Parquet -----------------------------------------------------------------
def test_parquet_with_wrong_column_types(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["year"] = pa.array(pd.to_datetime(["1931-01-01", "1932-01-01", "1933-01-01"]))
    path = write_parquet(tmp_path / "dates.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "year:", "wrong column type", "expected an integer", "found 'timestamp",
    )  # fmt: skip


def test_parquet_with_a_number_in_a_text_column(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["vintage"] = pa.array([2024.0, 2024.0, 2024.0])  # pandas turns ints+NaN into floats
    path = write_parquet(tmp_path / "float_vintage.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "vintage:", "wrong column type", "expected text", "found 'double'",
    )  # fmt: skip


def test_parquet_with_a_list_column(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["value"] = pa.array([[1.0], [2.0], [3.0]])
    path = write_parquet(tmp_path / "lists.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "value:", "wrong column type", "expected a number (Parquet type string", "found 'list<",
    )  # fmt: skip


def test_parquet_with_text_in_a_numeric_column_names_the_data_row(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["value"] = pa.array(["1000", "1001", "lots"])
    path = write_parquet(tmp_path / "text_value.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "value:", "not a number", "Parquet data row 3", DATA_ROW_NOTE, "found 'lots'", row=3,
    )  # fmt: skip


def test_parquet_duplicate_key_counts_data_rows(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["year"] = pa.array([1931, 1932, 1931], pa.int64())
    path = write_parquet(tmp_path / "dup.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "duplicate key", "first seen on row 1", "Parquet data row 3", row=3,
    )  # fmt: skip


def test_parquet_unknown_country(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    columns["country"] = pa.array([COUNTRY, "XQZ", COUNTRY])
    path = write_parquet(tmp_path / "country.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "country:", "unknown country", "Parquet data row 2", row=2,
    )  # fmt: skip


def test_parquet_missing_and_unknown_columns(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    columns = typed_columns()
    del columns["unit"]
    path = write_parquet(tmp_path / "no_unit.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "missing required column(s)", "expected unit",
    )  # fmt: skip
    columns = {**typed_columns(), "colour": pa.array(["red"] * 3)}
    path = write_parquet(tmp_path / "colour.parquet", columns)
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "unknown column(s)", "found 'colour'",
    )  # fmt: skip


def test_parquet_without_rows(fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str):
    columns = {name: array.slice(0, 0) for name, array in typed_columns().items()}
    path = write_parquet(tmp_path / "no_rows.parquet", columns)
    check(fresh_store, built_store_dump, path, "mine_production", via, "no data rows")


def test_parquet_file_that_is_not_parquet(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "really_csv.parquet", HEADER, [good_row()])
    check(
        fresh_store, built_store_dump, path, "mine_production", via,
        "not a readable Parquet file", "expected a Parquet file",
    )  # fmt: skip


def test_truncated_parquet_file(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    whole = write_parquet(tmp_path / "whole.parquet", typed_columns(200)).read_bytes()
    path = tmp_path / "truncated.parquet"
    path.write_bytes(whole[: len(whole) // 2])
    check(
        fresh_store, built_store_dump, path, "mine_production", via, "not a readable Parquet file"
    )


def test_parquet_with_garbled_data_pages(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    whole = bytearray(write_parquet(tmp_path / "whole.parquet", typed_columns(200)).read_bytes())
    whole[8:400] = random.Random(3).randbytes(392)  # pages damaged, footer intact
    path = tmp_path / "garbled.parquet"
    path.write_bytes(bytes(whole))
    rejection = attempt_import(fresh_store, path, "mine_production", via)
    assert str(path) in squash(rejection.message) or squash(str(path)) in squash(rejection.message)
    assert_same_content(built_store_dump, dump_store(fresh_store))


# -- Parquet works like CSV ------------------------------------------------------------------
def test_parquet_import_stores_the_same_rows_as_the_csv_import(
    built_store_path: Path, tmp_path: Path
) -> None:
    stores = {}
    for kind in ("csv", "parquet"):
        target = tmp_path / kind / "derisk.duckdb"
        target.parent.mkdir()
        shutil.copyfile(built_store_path, target)
        stores[kind] = Store(target)
    rows = [good_row(year=1931 + i, value=1000 + i, estimate=i == 1) for i in range(3)]
    csv_file = write_csv(tmp_path / "rows.csv", HEADER, rows)
    columns = typed_columns()
    columns["estimate"] = pa.array([False, True, False])
    parquet_file = write_parquet(tmp_path / "rows.parquet", columns)

    by_csv = stores["csv"].import_file(csv_file, "mine_production")
    by_parquet = stores["parquet"].import_file(parquet_file, "mine_production")

    assert by_csv.rows == by_parquet.rows == 3
    dumps = {kind: dump_store(store) for kind, store in stores.items()}
    assert dumps["csv"]["mine_production"] == dumps["parquet"]["mine_production"]
    log = stores["parquet"].imports().iloc[0]
    assert log["table_name"] == "mine_production" and log["rows"] == 3
    import hashlib

    assert log["sha256"] == hashlib.sha256(parquet_file.read_bytes()).hexdigest()


def test_pandas_parquet_with_an_index_and_upper_case_suffix(
    fresh_store: Store, tmp_path: Path
) -> None:
    frame = pd.DataFrame([good_row(year=1931 + i) for i in range(6)], columns=HEADER)
    frame["estimate"] = False
    picked = frame.set_index(pd.Index(list("abcdef"))).iloc[::2]  # rows keyed by label
    path = tmp_path / "ROWS.PARQUET"
    picked.to_parquet(path)  # pandas also stores the index as a column
    assert "__index_level_0__" in pq.read_schema(path).names
    report = fresh_store.import_file(path, "mine_production")
    assert report.rows == 3


def test_a_parquet_export_of_user_rows_imports_again(
    fresh_store: Store, built_store_path: Path, tmp_path: Path
) -> None:
    rows = [good_row(year=1931 + i, value=10 * i) for i in range(4)]
    fresh_store.import_file(write_csv(tmp_path / "mine.csv", HEADER, rows), "mine_production")
    out = tmp_path / "backup.parquet"
    fresh_store.export("mine_production", "parquet", out, filters={"origin": "user"})
    target = tmp_path / "other" / "derisk.duckdb"
    target.parent.mkdir()
    shutil.copyfile(built_store_path, target)
    other = Store(target)
    assert other.import_file(out, "mine_production").rows == 4

    def user_rows(store: Store) -> list[tuple]:
        return [r[:-1] for r in dump_store(store)["mine_production"] if r[-2] == "user"]

    assert user_rows(other) == user_rows(fresh_store)


# -- the reader itself -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda: b"", "file is empty"),
        (lambda: b"PAR1", "not a readable Parquet file"),
        (lambda: b"PAR1" + b"\x00" * 64 + b"PAR1", "not a readable Parquet file"),
    ],
)
def test_parquet_reader_raises_only_input_errors(
    tmp_path: Path, make: Callable[[], bytes], phrase: str
) -> None:
    from derisk.data.validate import read_parquet_file

    path = tmp_path / "x.parquet"
    path.write_bytes(make())
    with pytest.raises(InputError, match=re.escape(phrase)):
        read_parquet_file(path)


def test_parquet_cells_become_the_text_a_csv_would_hold() -> None:
    from derisk.data.validate import parse_parquet_bytes

    buffer = io.BytesIO()
    table = pa.table(
        {
            "a": pa.array([1, None], pa.int64()),
            "b": pa.array([1.5, 2.0]),
            "c": pa.array([True, None]),
            "d": pa.array(["x", None]).dictionary_encode(),
        }
    )
    pq.write_table(table, buffer)
    header, records = parse_parquet_bytes(buffer.getvalue(), "mem.parquet")
    assert header == ["a", "b", "c", "d"]
    assert list(records) == [
        {"a": "1", "b": "1.5", "c": "true", "d": "x"},
        {"a": "", "b": "2.0", "c": "", "d": ""},
    ]
    assert records.lines == [1, 2]

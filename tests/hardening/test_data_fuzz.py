"""Property tests: whatever a user feeds the importers, the only failure is an InputError.

The CSV text parser, the header check and the row validator get arbitrary text and
arbitrary CSV-shaped rows; the Parquet reader gets arbitrary small DataFrames and
damaged Parquet bytes. Nothing may escape as another exception (a traceback for the
user). A few examples also go through ``Store.import_file`` on a copy of the built
store: a failure there must leave every table and the import log as they were.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, event, given, settings

from conftest import assert_same_content, dump_store
from derisk.data.curate import CURATED_DIR
from derisk.data.schema import GROUPS, TABLES, Column, TableSpec, spec
from derisk.data.store import Store
from derisk.data.validate import (
    Lookups,
    check_header,
    parse_csv_bytes,
    parse_csv_text,
    parse_parquet_bytes,
    validate_records,
)
from derisk.errors import InputError

#: DERISK_FUZZ_SCALE=10 (say) runs ten times the examples, for a deeper search by hand.
SCALE = float(os.environ.get("DERISK_FUZZ_SCALE", "1"))
FAST = settings(max_examples=int(300 * SCALE), deadline=None)
PARQUET = settings(max_examples=int(150 * SCALE), deadline=None)
THROUGH_THE_STORE = settings(
    max_examples=int(12 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TABLE_NAMES = [t.name for t in TABLES]


def _column(name: str, column: str) -> list[str]:
    with (CURATED_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


LOOKUPS = Lookups(
    sources=set(_column("sources", "source_id")),
    countries=set(_column("countries", "code")),
    elements=set(_column("elements", "symbol")),
)
REAL_VALUES = [
    *sorted(LOOKUPS.countries)[:5],
    *sorted(LOOKUPS.sources)[:3],
    *sorted(LOOKUPS.elements)[:3],
    "t REO", "oxide", "percent", "share", "=", "~", "range", "NA", "true", "false", "2024",
    "1931", "-1", "1e400", "nan", "inf", "1,000", "", " ", "0", "100.5", "REE", "mining",
]  # fmt: skip

cells = st.one_of(
    st.sampled_from(REAL_VALUES),
    st.text(max_size=20),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def plausible(table: TableSpec, column: Column) -> st.SearchStrategy[str]:
    """Cells that pass or nearly pass the column's checks, so examples reach deep rules."""
    if column.choices is not None:
        good: st.SearchStrategy[str] = st.sampled_from(column.choices)
    elif column.name == "unit" and table.allowed_units:
        good = st.sampled_from(table.allowed_units)
    elif column.ref == "sources":
        good = st.sampled_from(sorted(LOOKUPS.sources)[:20])
    elif column.ref in ("countries", "country_or_composite"):
        good = st.sampled_from(sorted(LOOKUPS.countries))
    elif column.ref in ("elements", "group"):
        good = st.sampled_from(sorted(LOOKUPS.elements) + list(GROUPS))
    elif column.kind == "int":
        good = st.integers(1890, 2110).map(str)
    elif column.kind == "float":
        good = st.floats(-5, 150, allow_nan=False).map(repr)
    elif column.kind == "bool":
        good = st.sampled_from(["true", "false", "yes", "0"])
    else:
        good = st.sampled_from(["2024", "t REO", "percent", "a note", "n.d."])
    return st.one_of(good, good, good, cells, st.just(""))


@st.composite
def csv_documents(draw: st.DrawFn) -> tuple[str, str]:
    """(table, CSV text): the table's columns (sometimes junk), cells good and bad."""
    table = spec(draw(st.sampled_from(TABLE_NAMES)))
    required = [c for c in table.all_columns if c.required]
    optional = [c for c in table.all_columns if not c.required]
    columns = required + draw(st.lists(st.sampled_from(optional), unique=True))
    if draw(st.integers(0, 4)) == 0:
        columns = draw(st.permutations(columns))[: draw(st.integers(0, len(columns)))]
    header = [c.name for c in columns]
    if draw(st.integers(0, 4)) == 0:
        header.append(
            draw(
                st.sampled_from(["origin", "import_id", "colour", "", header[0] if header else "x"])
            )
        )
    strategies = [plausible(table, c) for c in columns] + [cells] * (len(header) - len(columns))
    exact = st.tuples(*strategies).map(list)
    ragged = st.integers(max(0, len(header) - 1), len(header) + 1).flatmap(
        lambda n: st.lists(cells, min_size=n, max_size=n)
    )
    rows = draw(st.lists(exact, min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=6))
    if draw(st.integers(0, 4)) == 0:  # now and then one row of the wrong width
        rows.insert(draw(st.integers(0, len(rows))), draw(ragged))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    return table.name, buffer.getvalue()


def validate_text(table: str, text: str) -> None:
    header, records = parse_csv_text(text, "fuzz.csv")
    check_header(spec(table), header, "fuzz.csv")
    validate_records(table, records, LOOKUPS, file="fuzz.csv")


@FAST
@given(st.sampled_from(TABLE_NAMES), st.text(max_size=300))
def test_arbitrary_text_fails_only_with_input_error(table: str, text: str) -> None:
    try:
        validate_text(table, text)
    except InputError as err:
        assert err.file == "fuzz.csv" and str(err)


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_fail_only_with_input_error(raw: bytes) -> None:
    try:
        parse_csv_bytes(raw, "fuzz.csv")
    except InputError as err:
        assert err.file == "fuzz.csv"


@FAST
@given(csv_documents())
def test_csv_shaped_documents_fail_only_with_input_error(document: tuple[str, str]) -> None:
    table, text = document
    try:
        validate_text(table, text)
        event("accepted")
    except InputError as err:
        event(f"refused: {err.message.split(' [')[0]}")  # see --hypothesis-show-statistics
        assert err.file == "fuzz.csv" and len(str(err)) < 5_000


@FAST
@given(
    st.sampled_from(TABLE_NAMES),
    st.lists(
        st.dictionaries(
            st.sampled_from([c.name for t in TABLES for c in t.all_columns] + ["junk"]),
            st.one_of(st.none(), cells, st.integers(), st.floats(), st.booleans()),
            max_size=14,
        ),
        max_size=5,
    ),
)
def test_validator_on_arbitrary_rows_fails_only_with_input_error(
    table: str, rows: list[dict]
) -> None:
    try:
        validate_records(table, rows, LOOKUPS, file="rows")
    except InputError as err:
        assert err.file == "rows"


# -- Parquet ---------------------------------------------------------------------------------
column_values = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=1, max_size=4),
    st.lists(st.one_of(st.none(), st.floats()), min_size=1, max_size=4),
    st.lists(st.one_of(st.none(), cells), min_size=1, max_size=4),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=1, max_size=4),
    st.lists(st.binary(max_size=8), min_size=1, max_size=4),
    st.lists(st.datetimes(), min_size=1, max_size=4),
    st.lists(st.lists(st.integers(0, 9), max_size=2), min_size=1, max_size=4),
)


def typed(table: TableSpec, column: Column) -> st.SearchStrategy[object]:
    """Values of the column's own Python type (as pandas would hold them), or missing."""
    kinds: dict[str, st.SearchStrategy[object]] = {
        "int": st.integers(1890, 2110),
        "float": st.floats(-5, 150),
        "bool": st.booleans(),
        "str": plausible(table, column),
    }
    return st.one_of(kinds[column.kind], kinds[column.kind], kinds[column.kind], st.none())


@st.composite
def parquet_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(table, Parquet bytes) from a small DataFrame with typed, untyped and odd columns."""
    table = spec(draw(st.sampled_from(TABLE_NAMES)))
    required = [c for c in table.all_columns if c.required]
    optional = [c for c in table.all_columns if not c.required]
    columns = required + draw(st.lists(st.sampled_from(optional), unique=True))
    if draw(st.integers(0, 3)) == 0:
        columns = draw(st.permutations(columns))[: draw(st.integers(0, len(columns)))]
    extra = draw(st.lists(st.sampled_from(["origin", "import_id", "colour"]), unique=True))
    extra = extra if draw(st.integers(0, 3)) == 0 else []
    n = draw(st.sampled_from([0, 1, 2, 3, 4, 4]))
    data: dict[str, list] = {}
    for column in columns:
        if draw(st.integers(0, 3)) == 0:
            values = draw(column_values)
        else:
            values = draw(st.lists(typed(table, column), min_size=1, max_size=4))
        data[column.name] = (values * 4)[:n]
    for name in extra:
        data[name] = (draw(column_values) * 4)[:n]
    try:
        frame = pd.DataFrame(data)
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=draw(st.booleans()))
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        assume(False)  # pandas/pyarrow cannot write it, so no user can hand it to us
    return table.name, buffer.getvalue()


def validate_parquet(table: str, raw: bytes) -> None:
    header, records = parse_parquet_bytes(raw, "fuzz.parquet", spec(table))
    validate_records(table, records, LOOKUPS, file="fuzz.parquet")


@PARQUET
@given(parquet_files())
def test_parquet_frames_fail_only_with_input_error(document: tuple[str, bytes]) -> None:
    table, raw = document
    try:
        validate_parquet(table, raw)
        event("accepted")
    except InputError as err:
        event(f"refused: {err.message.split(' [')[0]}")
        assert err.file == "fuzz.parquet" and len(str(err)) < 5_000


GOOD_PARQUET = io.BytesIO()
pq.write_table(
    pa.table(
        {
            "country": ["CHN"] * 20,
            "year": pa.array(range(1931, 1951), pa.int64()),
            "value": [1.5] * 20,
            "note": [None, "x"] * 10,
        }
    ),
    GOOD_PARQUET,
)


@PARQUET
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=16),
    st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_damaged_parquet_bytes_fail_only_with_input_error(
    changes: list[tuple[int, int]], cut: int | None
) -> None:
    raw = bytearray(GOOD_PARQUET.getvalue())
    for position, value in changes:
        raw[position % len(raw)] = value
    if cut is not None:
        raw = raw[: cut % len(raw)]
    try:
        validate_parquet("mine_production", bytes(raw))
    except InputError as err:
        assert err.file == "fuzz.parquet"


# -- through the store -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch() -> Path:
    with tempfile.TemporaryDirectory(prefix="derisk-fuzz-") as folder:
        yield Path(folder)


def import_into_a_copy(
    built_store_path: Path, built_store_dump: dict, folder: Path, name: str, payload: bytes,
    table: str,
) -> None:  # fmt: skip
    """Import into a fresh copy; a failure must be an InputError and change nothing."""
    for old in folder.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    target = folder / "derisk.duckdb"
    shutil.copyfile(built_store_path, target)
    path = folder / name
    path.write_bytes(payload)
    store = Store(target)
    try:
        store.import_file(path, table)
    except InputError:
        assert_same_content(built_store_dump, dump_store(store))


@THROUGH_THE_STORE
@given(csv_documents())
def test_csv_imports_that_fail_leave_the_store_unchanged(
    built_store_path: Path, built_store_dump: dict, scratch: Path, document: tuple[str, str]
) -> None:
    table, text = document
    import_into_a_copy(
        built_store_path, built_store_dump, scratch, "fuzz.csv", text.encode(), table
    )


@THROUGH_THE_STORE
@given(parquet_files())
def test_parquet_imports_that_fail_leave_the_store_unchanged(
    built_store_path: Path, built_store_dump: dict, scratch: Path, document: tuple[str, bytes]
) -> None:
    table, raw = document
    import_into_a_copy(built_store_path, built_store_dump, scratch, "fuzz.parquet", raw, table)

"""Bad-input catalogue for user imports: each case names where it failed and touches nothing.

Every case runs twice: through ``Store.import_file`` and through
``derisk data import FILE --table T --db PATH`` (skipped while the CLI is not importable).
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from conftest import assert_same_content, dump_store, write_csv
from derisk.data.curate import CURATED_DIR
from derisk.data.schema import spec
from derisk.data.store import Store
from derisk.data.validate import MAX_FILE_BYTES
from derisk.errors import InputError

ANY_ROW = -1
Dump = dict[str, list[tuple]]
HEADER = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]


def _packaged(name: str) -> list[dict[str, str]]:
    with (CURATED_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SOURCE_ID = _packaged("sources")[0]["source_id"]
COUNTRIES = [c["code"] for c in _packaged("countries") if c["kind"] == "country"]
ELEMENTS = [e["symbol"] for e in _packaged("elements")]


def row(**changes: object) -> list[object]:
    """A valid mine_production row, with some cells replaced."""
    cells = {
        "country": COUNTRIES[0],
        "year": 2020,
        "value": 1000,
        "unit": "t REO",
        "basis": "oxide",
        "vintage": "2024",
        "estimate": "false",
        "source_id": SOURCE_ID,
        **changes,
    }
    return [cells[h] for h in HEADER]


def text_of(header: list[str], rows: list[list[object]]) -> str:
    return "".join(",".join(str(c) for c in r) + "\n" for r in [header, *rows])


@pytest.fixture(params=["api", "cli"])
def via(request: pytest.FixtureRequest) -> str:
    if request.param == "cli":
        try:
            from derisk.cli.main import app  # noqa: F401
        except ImportError as err:
            pytest.skip(f"CLI not importable: {err}")
    return request.param


def assert_rejected(
    store: Store,
    before: Dump,
    path: Path,
    table: str,
    via: str,
    *,
    row: int | None,
    column: str | None,
    phrase: str,
    found: str | None = None,
    imports: int = 0,
) -> None:
    """Import must fail naming file (row, column) and leave every table as ``before``."""
    files_before = store_files(store)
    if via == "api":
        with pytest.raises(InputError) as info:
            store.import_file(path, table)
        message = str(info.value)
    else:
        from typer.testing import CliRunner

        from derisk.cli.main import app

        args = ["data", "import", str(path), "--table", table, "--db", str(store.path)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code != 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"the CLI crashed instead of reporting the error: {result.exception!r}"
        )
        message = result.output
    flat = squash(message)  # a console may wrap long lines

    assert squash(str(path)) in flat, message
    if row == ANY_ROW:
        assert re.search(re.escape(squash(str(path))) + r":\d+:", flat), message
    elif row is not None:
        assert squash(f"{path}:{row}:") in flat, message
    if column is not None:
        assert squash(f"{column}:") in flat, message
    assert squash(phrase) in flat, message
    if found is not None:
        assert squash(found) in flat, message
    if store_files(store) != files_before:  # identical bytes need no dump; else compare rows
        assert_same_content(before, dump_store(store))  # includes _imports, the import log
    assert len(store.imports()) == imports


def squash(text: str) -> str:
    return "".join(text.split())


def store_files(store: Store) -> dict[str, str]:
    """sha256 of the database file and of any write-ahead log next to it."""
    files = [store.path, store.path.with_name(store.path.name + ".wal")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


# -- malformed CSV --------------------------------------------------------------------------
def test_unterminated_quote_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    good = [row(year=y) for y in (2001, 2002)]
    text = text_of(HEADER, good) + '"CHN,2003,5,t REO,oxide,2024,false,x\n'
    text += text_of(HEADER, [row(year=y) for y in (2004, 2005)]).split("\n", 1)[1]
    path = tmp_path / "unterminated.csv"
    path.write_text(text, encoding="utf-8")
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=ANY_ROW,
        column=None,
        phrase="malformed CSV",
    )


def test_unterminated_quote_error_names_the_row_where_the_quote_opens(
    fresh_store: Store, tmp_path: Path
) -> None:
    text = text_of(HEADER, [row(year=y) for y in (2001, 2002)])
    text += '"CHN,2003,5,t REO,oxide,2024,false,x\n'  # row 4 opens a quote it never closes
    text += text_of(HEADER, [row(year=y) for y in range(2004, 2010)]).split("\n", 1)[1]
    path = tmp_path / "unterminated.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        fresh_store.import_file(path, "mine_production")
    assert info.value.row == 4, str(info.value)


def test_row_with_wrong_number_of_fields_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "short_row.csv"
    path.write_text(text_of(HEADER, [row(year=2001), row(year=2002)[:5]]), encoding="utf-8")
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=3,
        column=None,
        phrase="wrong number of fields",
    )


def test_row_numbers_count_blank_lines_like_a_spreadsheet(
    fresh_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "blank_line.csv"
    lines = text_of(HEADER, [row(year=2001), row(year=2002, value=-1)]).split("\n")
    path.write_text("\n".join([lines[0], lines[1], "", lines[2], ""]), encoding="utf-8")
    # row 1 header, row 2 good, row 3 blank, row 4 the negative value
    with pytest.raises(InputError) as info:
        fresh_store.import_file(path, "mine_production")
    assert info.value.row == 4, str(info.value)


# -- header -----------------------------------------------------------------------------------
def test_unknown_column_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "unknown_column.csv", [*HEADER, "colour"], [[*row(), "red"]])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=1,
        column=None,
        phrase="unknown column",
        found="colour",
    )


def test_missing_required_column_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    header = [h for h in HEADER if h != "unit"]
    rows = [[c for h, c in zip(HEADER, row(), strict=True) if h != "unit"]]
    path = write_csv(tmp_path / "missing_unit.csv", header, rows)
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=1,
        column=None,
        phrase="missing required column",
        found="unit",
    )


# -- references ------------------------------------------------------------------------------
def test_unknown_country_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    assert "XYZ" not in COUNTRIES
    path = write_csv(tmp_path / "country.csv", HEADER, [row(year=2001), row(country="XYZ")])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=3,
        column="country",
        phrase="unknown country",
        found="XYZ",
    )


def test_unknown_element_in_prices_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    assert "Xx" not in ELEMENTS
    header = ["element", "product", "year", "price_basis", "value", "unit", "basis"]
    header += ["vintage", "estimate", "source_id"]
    good = [ELEMENTS[0], "oxide", 2020, "spot", 10, "USD/kg", "price", "2024", "false", SOURCE_ID]
    bad = ["Xx", *good[1:]]
    path = write_csv(tmp_path / "prices.csv", header, [good, bad])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "prices",
        via,
        row=3,
        column="element",
        phrase="unknown element",
        found="Xx",
    )


def test_missing_source_id_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "no_source.csv", HEADER, [row(source_id="")])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=2,
        column="source_id",
        phrase="required value is missing",
    )


def test_unknown_source_id_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(
        tmp_path / "bad_source.csv", HEADER, [row(source_id=f"{SOURCE_ID};not-a-source")]
    )
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=2,
        column="source_id",
        phrase="unknown source id",
        found="not-a-source",
    )


# -- values -----------------------------------------------------------------------------------
def test_negative_quantity_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "negative.csv", HEADER, [row(value=-5)])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=2,
        column="value",
        phrase="negative quantity",
    )


def test_non_numeric_quantity_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "words.csv", HEADER, [row(value="lots")])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=2,
        column="value",
        phrase="not a number",
        found="lots",
    )


def test_unit_outside_allowed_units_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    assert "kt REO" not in spec("mine_production").allowed_units
    path = write_csv(tmp_path / "kt.csv", HEADER, [row(unit="kt REO")])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=2,
        column="unit",
        phrase="unit mismatch",
        found="kt REO",
    )


def test_basis_contradicting_the_unit_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    assert spec("market_sizes").allowed_units is None  # only the unit/basis rule can catch it
    header = ["metric", "scope", "year", "kind", "value", "unit", "basis", "vintage"]
    header += ["estimate", "source_id"]
    cells = ["REO output", "World", 2020, "historical", 5, "t REO", "element", "2024", "false"]
    path = write_csv(tmp_path / "basis.csv", header, [[*cells, SOURCE_ID]])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "market_sizes",
        via,
        row=2,
        column="basis",
        phrase="unit mismatch",
        found="element",
    )


@pytest.mark.parametrize("year", [3024, 1066])
def test_impossible_year_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str, year: int
) -> None:
    path = write_csv(tmp_path / f"year_{year}.csv", HEADER, [row(year=2001), row(year=year)])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=3,
        column="year",
        phrase="impossible year",
        found=str(year),
    )


# -- keys -------------------------------------------------------------------------------------
def test_duplicate_key_within_a_file_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    rows = [row(year=2001), row(year=2002), row(year=2001, value=7)]
    path = write_csv(tmp_path / "dup.csv", HEADER, rows)
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=4,
        column="country, year",
        phrase="duplicate key",
        found="first seen on row 2",
    )


def test_duplicate_key_against_an_earlier_import_is_rejected(
    fresh_store: Store, tmp_path: Path, via: str
) -> None:
    first = write_csv(tmp_path / "first.csv", HEADER, [row(year=2001), row(year=2002)])
    fresh_store.import_file(first, "mine_production")
    after_first = dump_store(fresh_store)
    assert len(after_first["_imports"]) == 1
    again = write_csv(tmp_path / "again.csv", HEADER, [row(year=2003), row(year=2002, value=9)])
    assert_rejected(
        fresh_store,
        after_first,
        again,
        "mine_production",
        via,
        row=3,
        column="country, year",
        phrase="already in the store",
        imports=1,
    )


# -- files ------------------------------------------------------------------------------------
def test_empty_file_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=None,
        column=None,
        phrase="empty",
    )


def test_header_only_file_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = write_csv(tmp_path / "header_only.csv", HEADER, [])
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=1,
        column=None,
        phrase="no data rows",
    )


def test_file_over_the_size_cap_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "huge.csv"
    line = text_of(HEADER, [row()]).split("\n", 1)[1].encode()
    block = line * (2**20 // len(line) + 1)
    with path.open("wb") as handle:
        handle.write(",".join(HEADER).encode() + b"\n")
        while handle.tell() <= MAX_FILE_BYTES:
            handle.write(block)
    assert path.stat().st_size > 50 * 2**20
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=None,
        column=None,
        phrase="too large",
    )


def test_non_utf8_file_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "latin1.csv"
    text = text_of([*HEADER, "note"], [[*row(year=2001), "ok"], [*row(year=2002), "Côte"]])
    path.write_bytes(text.encode("latin-1"))
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=3,
        column=None,
        phrase="not UTF-8",
    )


def test_binary_file_with_nul_byte_is_rejected(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    path = tmp_path / "binary.csv"
    good = text_of(HEADER, [row(year=2001)]).encode()
    path.write_bytes(good + b"CHN,2002,\x00\x01\x02,t REO\n")
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=3,
        column=None,
        phrase="NUL byte",
    )


def test_one_bad_row_among_many_rejects_the_whole_file(
    fresh_store: Store, built_store_dump: Dump, tmp_path: Path, via: str
) -> None:
    keys = [(c, y) for c in COUNTRIES for y in range(1950, 2031)][:1500]
    rows = [row(country=c, year=y, value=i) for i, (c, y) in enumerate(keys)]
    bad_index = 1100
    rows[bad_index] = row(country=keys[bad_index][0], year=keys[bad_index][1], value=-1)
    path = write_csv(tmp_path / "many.csv", HEADER, rows)
    assert_rejected(
        fresh_store,
        built_store_dump,
        path,
        "mine_production",
        via,
        row=bad_index + 2,
        column="value",
        phrase="negative quantity",
    )


# -- the CLI prints the error as text -------------------------------------------------------
@pytest.mark.parametrize("cell", ["[draft]", "[/x]"])
def test_cli_prints_error_text_verbatim_not_as_markup(
    fresh_store: Store, tmp_path: Path, cell: str
) -> None:
    try:
        from derisk.cli.main import app
    except ImportError as err:
        pytest.skip(f"CLI not importable: {err}")
    from typer.testing import CliRunner

    path = write_csv(tmp_path / "[draft]" / "markup.csv", HEADER, [row(country=cell)])
    args = ["data", "import", str(path), "--table", "mine_production"]
    result = CliRunner().invoke(app, [*args, "--db", str(fresh_store.path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert str(path) in result.output, result.output
    assert f"found '{cell}'" in result.output, result.output

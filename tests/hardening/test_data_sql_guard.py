"""SQL injection: names a user can choose are checked against the schema, values are bound.

A hostile table name, filter column or filter value must be refused (or matched as a
plain value) and leave every table as it was. The import log is part of the file, so a
table name read back from it is checked too. Store.sql runs with DuckDB's external
access off: no query can read or write files beside the store.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import assert_same_content, dump_store, write_csv
from derisk.data.store import _IDENTIFIERS, Store, _ident
from derisk.errors import InputError, StoreError

HOSTILE = [
    "x; DROP TABLE sources --",
    'sources"; DROP TABLE sources; --',
    "sources WHERE 1=1; DELETE FROM sources --",
    "mine_production u, (SELECT 1)",
    "",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_table_names_are_refused(fresh_store: Store, name: str) -> None:
    before = dump_store(fresh_store)
    with pytest.raises(InputError, match="unknown table"):
        fresh_store.table(name)
    with pytest.raises(InputError, match="unknown table"):
        fresh_store.export(name, "csv")
    with pytest.raises(InputError, match="unknown table"):
        fresh_store.import_file(Path("whatever.csv"), name)
    assert_same_content(before, dump_store(fresh_store))


@pytest.mark.parametrize("column", HOSTILE + ["country\" = 'CHN' OR \"1"])
def test_hostile_filter_columns_are_refused(fresh_store: Store, column: str) -> None:
    before = dump_store(fresh_store)
    with pytest.raises(InputError, match="unknown column for table mine_production"):
        fresh_store.table("mine_production", filters={column: "CHN"})
    assert_same_content(before, dump_store(fresh_store))


@pytest.mark.parametrize(
    "value", ["CHN' OR '1'='1", "CHN'; DROP TABLE sources; --", "' UNION SELECT * FROM _meta --"]
)
def test_hostile_filter_values_are_only_values(fresh_store: Store, value: str) -> None:
    before = dump_store(fresh_store)
    assert fresh_store.table("mine_production", filters={"country": value}).empty
    assert_same_content(before, dump_store(fresh_store))


def test_cli_refuses_a_hostile_table_and_where(fresh_store: Store) -> None:
    from typer.testing import CliRunner

    from derisk.cli.main import app

    before = dump_store(fresh_store)
    runner = CliRunner()
    db = ["--db", str(fresh_store.path)]
    for args in (
        ["data", "show", "x; DROP TABLE sources --"],
        ["data", "show", "mine_production", "--where", "x; DROP TABLE sources --=1"],
        ["data", "export", "x; DROP TABLE sources --"],
    ):
        result = runner.invoke(app, [*args, *db])
        assert result.exit_code == 2, result.output
        assert re.search(r"unknown (table|column)", result.output), result.output
    assert_same_content(before, dump_store(fresh_store))


def test_a_tampered_import_log_cannot_steer_remove_import(
    fresh_store: Store, tmp_path: Path
) -> None:
    source = str(fresh_store.table("sources")["source_id"].iloc[0])
    row = ["USA", 1931, 1, "t REO", "oxide", "2024", "false", source]
    header = ["country", "year", "value", "unit", "basis", "vintage", "estimate", "source_id"]
    report = fresh_store.import_file(
        write_csv(tmp_path / "r.csv", header, [row]), "mine_production"
    )
    con = duckdb.connect(str(fresh_store.path))
    con.execute(
        "UPDATE _imports SET table_name = ? WHERE import_id = ?",
        ['sources" WHERE TRUE; --', report.import_id],
    )
    con.close()
    before = dump_store(fresh_store)
    with pytest.raises(StoreError, match="not in the schema"):
        fresh_store.remove_import(report.import_id)
    assert_same_content(before, dump_store(fresh_store))


def test_only_schema_names_can_be_quoted_into_sql() -> None:
    assert _ident("mine_production") == '"mine_production"'
    assert "sources" in _IDENTIFIERS and "_imports" in _IDENTIFIERS
    for name in HOSTILE:
        with pytest.raises(StoreError, match="not a name in the schema"):
            _ident(name)


@pytest.mark.parametrize(
    "query",
    [
        "COPY sources TO '{out}'",
        "SELECT * FROM read_csv('{secret}')",
        "ATTACH '{out}.duckdb' AS other",
        "DELETE FROM sources",
        "DROP TABLE sources",
    ],
)
def test_store_sql_cannot_write_or_reach_other_files(
    fresh_store: Store, tmp_path: Path, query: str
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    out = tmp_path / "leak.csv"
    before = dump_store(fresh_store)
    with pytest.raises(duckdb.Error):
        fresh_store.sql(query.format(out=out, secret=secret))
    assert not out.exists() and not Path(f"{out}.duckdb").exists()
    assert_same_content(before, dump_store(fresh_store))

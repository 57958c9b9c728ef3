"""The CLI fits its terminal and its pipe (issue 13, item 4), run for real on a built store.

Expectations come from the data (the JSON of the same command) and from invariants
(every line within $COLUMNS, one line per row), never from a copy of the output.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derisk.cli.main import app

runner = CliRunner()
WIDTHS = (80, 160)
#: A table's lines beyond its rows: title, a header wrapped onto two lines, the rule.
OVERHEAD = 4


def run(db: Path, *args: str, width: int = 80) -> object:
    result = runner.invoke(app, [*args, "--db", str(db)], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, (args, result.output)
    return result


@functools.cache
def as_json(db: Path, *args: str) -> list[dict]:
    """The command's records: what its table must show (cached, the data do not change)."""
    return json.loads(run(db, *args, "-f", "json").stdout)


def note_list(stderr: str, label: str) -> set[str]:
    """The columns a note names after ``label:`` (the note may be wrapped)."""
    text = " ".join(stderr.split())
    match = re.search(rf"{label}: ([^;.]+)", text)
    return {c.strip() for c in match[1].split(",")} if match else set()


MINING = ("data", "show", "mine_production", "-w", "year=2024")
TABLE_COMMANDS = [
    MINING,
    ("data", "sources"),
    ("data", "info"),
    ("diagnose", "dependency", "--bloc", "EU27"),
    ("diagnose", "chokepoints", "--bloc", "US"),
    ("diagnose", "concentration", "--stage", "mining"),
    ("diagnose", "criticality"),
    ("forecast-delays",),
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=" ".join)
def test_every_row_is_one_line_within_the_terminal(
    built_store_path: Path, args: tuple[str, ...], width: int
) -> None:
    rows = as_json(built_store_path, *args)
    lines = run(built_store_path, *args, "-f", "table", width=width).stdout.splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    title_lines = 2 if args[:2] == ("data", "info") else 1  # its title names a long path
    assert len(lines) <= len(rows) + OVERHEAD + title_lines - 1


@pytest.mark.parametrize("width", WIDTHS)
def test_mining_2024_fits_and_keeps_the_identifying_columns(
    built_store_path: Path, width: int
) -> None:
    rows = as_json(built_store_path, *MINING)
    result = run(built_store_path, *MINING, "-f", "table", width=width)
    lines = result.stdout.splitlines()
    assert len(lines) <= 25 and len(rows) == 18  # the case: 323 lines before
    countries = [r["country"] for r in rows]
    assert sorted(line.split()[0] for line in lines if line.split()[0] in countries) == sorted(
        countries
    )  # one line per row, rows in full
    hidden = note_list(result.stderr, "not shown") | note_list(result.stderr, "empty")
    assert not hidden & {"country", "year", "value", "unit", "source_id"}
    empty = {c for c in rows[0] if all(r[c] is None for r in rows)}
    assert note_list(result.stderr, "empty") == empty
    assert "--columns" in result.stderr and "--format" in result.stderr


def test_a_wider_terminal_shows_more_columns(built_store_path: Path) -> None:
    narrow, wide = (run(built_store_path, *MINING, "-f", "table", width=w) for w in WIDTHS)
    hidden_narrow = note_list(narrow.stderr, "not shown") | note_list(narrow.stderr, "cut short")
    hidden_wide = note_list(wide.stderr, "not shown")
    assert hidden_wide < note_list(narrow.stderr, "not shown")
    assert "note" in hidden_narrow and "note" not in hidden_wide  # cut, but on the page


def test_columns_selects_in_every_format_and_all_hides_nothing(built_store_path: Path) -> None:
    pick = ("-c", "country,value,note")
    records = as_json(built_store_path, *MINING, *pick)
    assert all(list(r) == ["country", "value", "note"] for r in records)
    table = run(built_store_path, *MINING, *pick, "-f", "table")
    assert table.stdout.splitlines()[1].split() == ["country", "value", "note"]
    assert "not shown" not in table.stderr
    reader = csv.reader(io.StringIO(run(built_store_path, *MINING, *pick, "-f", "csv").stdout))
    assert next(reader) == ["country", "value", "note"]
    everything = run(built_store_path, *MINING, "--columns", "all", "-f", "table", width=160)
    assert "not shown" not in everything.stderr
    header = everything.stdout.splitlines()[1].split()
    assert header == list(as_json(built_store_path, *MINING)[0])


def test_an_unknown_column_is_named_with_the_valid_ones(built_store_path: Path) -> None:
    valid = list(as_json(built_store_path, *MINING)[0])
    result = runner.invoke(
        app, [*MINING, "--columns", "country,colour", "--db", str(built_store_path)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert "colour" in message and "--columns" in message
    assert all(name in message for name in valid)


def test_one_source_is_a_key_value_view(built_store_path: Path) -> None:
    (record,) = as_json(built_store_path, "data", "sources", "usgs-mcs-2026-ree")
    out = run(built_store_path, "data", "sources", "usgs-mcs-2026-ree", "-f", "table").stdout
    lines = out.splitlines()
    assert "─" not in out and all(len(line) <= 80 for line in lines)
    filled = [k for k, v in record.items() if v not in (None, "")]
    keys = [line.split()[0] for line in lines[1:] if line[:1].strip()]
    assert keys == filled  # one key per filled field, in order; long values fold below
    assert " ".join(out.split()).count(" ".join(record["accessed_via"].split())) == 1


def test_a_single_row_is_a_detail_view(built_store_path: Path) -> None:
    args = (*MINING, "-w", "country=CHN")
    (record,) = as_json(built_store_path, *args)
    lines = run(built_store_path, *args, "-f", "table").stdout.splitlines()
    assert lines[1].split()[:2] == ["country", record["country"]]


def test_a_pipe_gets_tab_separated_values_in_full(built_store_path: Path) -> None:
    records = as_json(built_store_path, *MINING)
    result = run(built_store_path, *MINING)  # CliRunner's stdout is not a terminal
    lines = result.stdout.splitlines()
    assert "─" not in result.stdout and len(lines) == len(records) + 1
    assert lines[0].split("\t") == list(records[0])
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == len(records[0]) for c in cells)
    for row, record in zip(cells, records, strict=True):
        as_text = {k: v for k, v in zip(record, row, strict=True)}
        assert as_text["note"] == (record["note"] or "")  # never cut
        assert float(as_text["value"]) == record["value"]  # raw, no separators
        assert as_text["year"] == str(record["year"])


def test_csv_and_tsv_carry_raw_numbers(built_store_path: Path) -> None:
    args = ("diagnose", "dependency", "--bloc", "EU27")
    records = as_json(built_store_path, *args)
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        text = run(built_store_path, *args, "-f", fmt).stdout
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        for row, record in zip(rows, records, strict=True):
            if record["year"] is not None:
                assert row["year"] == str(int(record["year"]))  # 2025, not 2025.0
            for column in ("china_share_world", "dependency_low", "dependency_high"):
                if record[column] is not None:
                    assert float(row[column]) == record[column]


def test_the_table_writes_numbers_by_kind(built_store_path: Path) -> None:
    args = ("diagnose", "chokepoints", "--bloc", "US")
    records = as_json(built_store_path, *args)
    out = run(built_store_path, *args, "-f", "table", width=160).stdout
    body = {line.split()[0]: line for line in out.splitlines() if line.split()[:1]}
    for record in records:
        line = body[str(record["rank"])]
        assert f" {record['year']} " in line and f"{record['year']:,.2f}" not in line
        assert f"{round(record['hhi']):,}" in line  # HHI as an integer
        assert f"{record['china_share']:.1f}" in line  # a share to one decimal


def test_money_reads_as_currency_and_scale(built_store_path: Path) -> None:
    records = as_json(built_store_path, "data", "show", "funding", "--limit", "0")
    big = [r for r in records if r["unit"] == "EUR" and (r["value"] or 0) >= 1e6]
    assert big, "the dataset has EUR amounts of a million or more"
    out = run(
        built_store_path, "data", "show", "funding", "--limit", "0",
        "-c", "source_id,value,unit", "-f", "table", width=160,
    ).stdout  # fmt: skip
    for record in big:
        assert f"{record['value']:.0f}" not in out
        lines = [line for line in out.splitlines() if line.startswith(record["source_id"] + " ")]
        assert any(re.search(r"EUR [\d.,]+ (million|billion)", line) for line in lines)


def test_forecast_tables_fit_too(built_store_path: Path) -> None:
    for width in WIDTHS:
        result = run(built_store_path, "forecast", "--draws", "20", "-f", "table", width=width)
        assert all(len(line) <= width for line in result.stdout.splitlines())

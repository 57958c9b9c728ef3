"""Validation shared by the curated build and by user imports.

One code path checks both, so a user row is held to exactly the rules the
curated rows meet. Every failure names the file, the row (1-based, counting the
header as row 1, as a spreadsheet shows it), the column, and what was expected
against what was found.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from derisk.data.schema import GROUPS, MIN_YEAR, Column, TableSpec, spec
from derisk.data.values import basis_for_unit
from derisk.errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
#: Bases a unit settles on its own; a row that claims another basis has a unit mismatch.
_UNIT_DECIDES = {"oxide", "element", "share", "price", "money"}

Row = dict[str, object]


@dataclass
class Lookups:
    """Identifiers a row may refer to: from the rows being loaded plus the store."""

    sources: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    elements: set[str] = field(default_factory=set)

    def absorb(self, table: str, rows: list[Row]) -> None:
        if table == "sources":
            self.sources |= {str(r["source_id"]) for r in rows}
        elif table == "countries":
            self.countries |= {str(r["code"]) for r in rows}
        elif table == "elements":
            self.elements |= {str(r["symbol"]) for r in rows}


def read_csv_file(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a user CSV strictly: size cap, UTF-8 only, one header, rectangular rows."""
    name = str(path)
    if not path.exists():
        raise InputError("file not found", file=name)
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty", file=name, expected="a header row and data rows")
    if size > MAX_FILE_BYTES:
        raise InputError(
            "file too large",
            file=name,
            expected=f"at most {MAX_FILE_BYTES // 2**20} MiB",
            found=f"{size / 2**20:.1f} MiB",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            "file is not UTF-8 text",
            file=name,
            row=line,
            expected="UTF-8",
            found=f"byte 0x{raw[err.start]:02x} at offset {err.start}",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("file contains a NUL byte (binary file?)", file=name, row=line)
    return parse_csv_text(text, name)


class CsvRecords(list):
    """Data rows as dicts, with ``lines``: the file line each row starts on (1-based)."""

    def __init__(self, records: list[dict[str, str]], lines: list[int]) -> None:
        super().__init__(records)
        self.lines = lines


def _csv_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """(start line, cells) for every non-blank row, numbered as an editor shows them."""
    reader = csv.reader(io.StringIO(text), strict=True)
    rows = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as err:
            raise InputError(
                f"malformed CSV: {err}",
                file=name,
                row=start,
                expected="a well-formed CSV row (check quotes)",
            ) from None
        if any(cell.strip() for cell in cells):
            rows.append((start, cells))


def parse_csv_text(text: str, name: str) -> tuple[list[str], CsvRecords]:
    rows = _csv_rows(text, name)
    if not rows:
        raise InputError("file has no header row", file=name, expected="a header row")
    header_line, header_cells = rows[0]
    header = [h.strip() for h in header_cells]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(
            "duplicate column names in header",
            file=name,
            row=header_line,
            column=", ".join(dup),
            expected="each column once",
            found=", ".join(dup),
        )
    records, lines = [], []
    for number, cells in rows[1:]:
        if len(cells) != len(header):
            raise InputError(
                "wrong number of fields",
                file=name,
                row=number,
                expected=f"{len(header)} fields as in the header",
                found=f"{len(cells)} fields",
            )
        records.append(dict(zip(header, cells, strict=True)))
        lines.append(number)
    if not records:
        raise InputError("file has a header but no data rows", file=name, row=header_line)
    return header, CsvRecords(records, lines)


def check_header(table: TableSpec, header: list[str], name: str) -> None:
    known = set(table.column_names) | {"origin"}
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InputError(
            f"unknown column(s) for table {table.name}",
            file=name,
            row=1,
            expected=", ".join(table.column_names),
            found=", ".join(unknown),
        )
    missing = [c.name for c in table.all_columns if c.required and c.name not in header]
    if missing:
        raise InputError(
            f"missing required column(s) for table {table.name}",
            file=name,
            row=1,
            expected=", ".join(missing),
            found=", ".join(header),
        )


def coerce_cell(column: Column, raw: object, where: dict) -> object:
    """Turn a cell into the column's type, or raise naming what was expected."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            return None
    if column.kind == "str":
        return str(raw)
    if column.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InputError(
            "not a boolean", column=column.name, expected="true or false", found=str(raw), **where
        )
    try:
        number = float(str(raw).replace(",", "")) if not isinstance(raw, int | float) else raw
    except ValueError:
        raise InputError(
            "not a number", column=column.name, expected=f"a {column.kind}", found=str(raw), **where
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError("not a finite number", column=column.name, found=str(raw), **where)
    if column.kind == "int":
        if float(number) != int(number):
            raise InputError(
                "not a whole number",
                column=column.name,
                expected="an integer",
                found=str(raw),
                **where,
            )
        return int(number)
    return float(number)


def validate_row(table: TableSpec, raw: dict, lookups: Lookups, where: dict) -> Row:
    """Coerce and check one row; returns the typed row."""
    row: Row = {}
    for column in table.all_columns:
        row[column.name] = coerce_cell(column, raw.get(column.name), where)
    if table.measure:
        _fill_measure_defaults(row)
    for column in table.all_columns:
        _check_column(table, column, row.get(column.name), lookups, where)
    if table.measure:
        _check_measure(table, row, where)
    return row


def _fill_measure_defaults(row: Row) -> None:
    """A user may give just `value`; derive the printed text and qualifier from it."""
    if row.get("qualifier") is None:
        if row.get("value") is not None:
            row["qualifier"] = "="
        elif row.get("value_low") is not None and row.get("value_high") is not None:
            row["qualifier"] = "range"
        else:
            row["qualifier"] = "NA"
    if row.get("value_text") is None:
        value = row.get("value")
        row["value_text"] = "NA" if value is None else f"{value:g}"


def _check_column(
    table: TableSpec, column: Column, value: object, lookups: Lookups, where: dict
) -> None:
    name = column.name
    if value is None:
        if column.required:
            raise InputError(
                "required value is missing",
                column=name,
                expected=column.doc or f"a {column.kind}",
                found="",
                **where,
            )
        return
    if column.choices is not None and value not in column.choices:
        raise InputError(
            "value not allowed",
            column=name,
            expected=" | ".join(column.choices),
            found=str(value),
            **where,
        )
    if column.minimum is not None and value < column.minimum:  # type: ignore[operator]
        raise InputError(
            "value below minimum",
            column=name,
            expected=f">= {column.minimum}",
            found=str(value),
            **where,
        )
    if column.maximum is not None and value > column.maximum:  # type: ignore[operator]
        raise InputError(
            "value above maximum",
            column=name,
            expected=f"<= {column.maximum}",
            found=str(value),
            **where,
        )
    if name in table.year_columns and not MIN_YEAR <= int(value) <= table.max_year:  # type: ignore[arg-type]
        raise InputError(
            "impossible year",
            column=name,
            expected=f"a year from {MIN_YEAR} to {table.max_year}",
            found=str(value),
            **where,
        )
    if column.ref is not None:
        _check_reference(column, str(value), lookups, where)


def _check_reference(column: Column, value: str, lookups: Lookups, where: dict) -> None:
    if column.ref == "sources":
        for part in (p.strip() for p in value.split(";")):
            if part not in lookups.sources:
                raise InputError(
                    "unknown source id",
                    column=column.name,
                    expected="an id in the sources table (import it first)",
                    found=part,
                    **where,
                )
    elif column.ref in ("countries", "country_or_composite"):
        parts = value.split("+") if column.ref == "country_or_composite" else [value]
        for part in parts:
            if part not in lookups.countries:
                raise InputError(
                    "unknown country",
                    column=column.name,
                    expected="an ISO 3166 alpha-3 code in the countries table",
                    found=part,
                    **where,
                )
    elif column.ref in ("elements", "group"):
        allowed = lookups.elements | (set(GROUPS) if column.ref == "group" else set())
        parts = [value] if value in allowed else value.split("+")
        for part in parts:
            if part not in allowed:
                expected = "an element symbol (e.g. Nd, Dy)"
                if column.ref == "group":
                    expected = f"one of {', '.join(GROUPS)} or element symbols"
                raise InputError(
                    "unknown element", column=column.name, expected=expected, found=part, **where
                )


def _check_measure(table: TableSpec, row: Row, where: dict) -> None:
    qualifier, value = row["qualifier"], row["value"]
    low, high = row["value_low"], row["value_high"]
    if qualifier in ("NA", "text", "range") and value is not None:
        raise InputError(
            f"a value is given but the qualifier is '{qualifier}'",
            column="value",
            expected="an empty value",
            found=str(value),
            **where,
        )
    if qualifier not in ("NA", "text", "range") and value is None:
        raise InputError("value is missing", column="value", expected="a number", found="", **where)
    if qualifier == "range" and (low is None or high is None):
        raise InputError(
            "a range needs both ends",
            column="value_low",
            expected="value_low and value_high",
            found=f"{low}, {high}",
            **where,
        )
    if low is not None and high is not None and low > high:  # type: ignore[operator]
        raise InputError(
            "range is reversed",
            column="value_low",
            expected=f"value_low <= value_high ({high})",
            found=str(low),
            **where,
        )
    if table.nonnegative:
        for name in ("value", "value_low", "value_high"):
            if row[name] is not None and row[name] < 0:  # type: ignore[operator]
                raise InputError(
                    "negative quantity",
                    column=name,
                    expected="a value >= 0",
                    found=str(row[name]),
                    **where,
                )
    unit, basis = str(row["unit"]), str(row["basis"])
    if table.allowed_units is not None and unit not in table.allowed_units:
        raise InputError(
            "unit mismatch",
            column="unit",
            expected=" or ".join(table.allowed_units),
            found=unit,
            **where,
        )
    implied = basis_for_unit(unit)
    if implied in _UNIT_DECIDES and basis != implied:
        raise InputError(
            "unit mismatch: the unit implies another basis",
            column="basis",
            expected=f"{implied} (for unit {unit!r})",
            found=basis,
            **where,
        )
    if basis == "share" and unit.lower().startswith(("percent", "%")) and table.nonnegative:
        for name in ("value", "value_low", "value_high"):
            if row[name] is not None and row[name] > 100:  # type: ignore[operator]
                raise InputError(
                    "share above 100 %",
                    column=name,
                    expected="0 to 100",
                    found=str(row[name]),
                    **where,
                )


def key_of(table: TableSpec, row: Row) -> tuple:
    return tuple(row.get(k) for k in table.key)


def validate_records(
    table_name: str,
    records: list[dict],
    lookups: Lookups,
    *,
    file: str,
    existing_keys: set[tuple] | None = None,
    row_offset: int = 2,
) -> list[Row]:
    """Validate every record; the first problem raises, so nothing partial is ever stored.

    Rows are numbered by their file line when ``records`` came from the CSV reader,
    else by position after a one-line header.
    """
    table = spec(table_name)
    seen: dict[tuple, int] = {}
    typed: list[Row] = []
    lines = getattr(records, "lines", None)
    for index, raw in enumerate(records):
        number = lines[index] if lines is not None else index + row_offset
        where = {"file": file, "row": number}
        row = validate_row(table, raw, lookups, where)
        key = key_of(table, row)
        if key in seen:
            raise InputError(
                "duplicate key",
                column=", ".join(table.key),
                expected=f"a unique ({', '.join(table.key)}); first seen on row {seen[key]}",
                found=" | ".join("" if k is None else str(k) for k in key),
                **where,
            )
        if existing_keys is not None and key in existing_keys:
            raise InputError(
                "duplicate key: this row is already in the store",
                column=", ".join(table.key),
                expected="a key not yet imported (remove the earlier import first)",
                found=" | ".join("" if k is None else str(k) for k in key),
                **where,
            )
        seen[key] = number
        typed.append(row)
    return typed


LOAD_ORDER = ("sources", "elements", "countries")


def validate_tables(
    tables: dict[str, list[Row]], origin_label: str = "curated"
) -> dict[str, list[Row]]:
    """Validate a whole dataset in dependency order (sources and codes first)."""
    lookups = Lookups()
    out: dict[str, list[Row]] = {}
    ordered = [n for n in LOAD_ORDER if n in tables] + [n for n in tables if n not in LOAD_ORDER]
    for name in ordered:
        typed = validate_records(name, tables[name], lookups, file=f"{origin_label}/{name}.csv")
        lookups.absorb(name, typed)
        out[name] = typed
    return out

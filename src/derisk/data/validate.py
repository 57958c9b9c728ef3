"""Validation shared by the curated build and by user imports.

One code path checks both, so a user row is held to exactly the rules the
curated rows meet. Every failure names the file, the row, the column, and what
was expected against what was found. CSV rows are numbered by file line (the
header is row 1, as a spreadsheet shows it); Parquet has no header line, so its
rows are numbered from 1 by data row and the error says so.

User files arrive as CSV or Parquet. Both readers turn every cell into the text
a CSV cell would hold, so a single validator serves both formats and a value is
judged the same way whichever format carried it.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from derisk.data.schema import GROUPS, MIN_YEAR, Column, TableSpec, spec
from derisk.data.values import basis_for_unit
from derisk.errors import InputError
from derisk.vocabulary import UNIT_DECIDED_BASES

MAX_FILE_BYTES = 50 * 1024 * 1024
#: Parquet is compressed; cap what it expands to so a small file cannot exhaust memory.
MAX_PARQUET_DECODED_BYTES = 4 * MAX_FILE_BYTES
#: The csv module's default field limit; Parquet cells are held to the same cap.
MAX_CELL_CHARS = 131_072
#: File types `import_file` accepts, by suffix (case-insensitive).
IMPORT_SUFFIXES = (".csv", ".parquet")
#: Columns an export writes that an import may carry back in: both are bookkeeping
#: the store sets itself (origin must say user; import_id is replaced by the new import's).
BOOKKEEPING_COLUMNS = ("origin", "import_id")
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
_SHOW_CHARS = 200
#: OS error numbers, by name (not every platform has all of them), and how we word them.
_OS_CAUSES = {
    getattr(errno, name): cause
    for name, cause in (
        ("ENOSPC", "no space left on device"),
        ("EACCES", "permission denied"),
        ("EPERM", "permission denied"),
        ("EROFS", "read-only file system"),
        ("EDQUOT", "disk quota exceeded"),
        ("EFBIG", "file too large"),
        ("EISDIR", "is a folder"),
        ("ENOENT", "no such file or folder"),
        ("ENOTDIR", "a part of the path is not a folder"),
        ("EIO", "input/output error"),
    )
    if hasattr(errno, name)
}

Row = dict[str, object]


def os_cause(err: BaseException) -> str:
    """A short lower-case cause for an OS-level failure, for one-line error messages.

    Uses errno where the exception carries one; DuckDB and pyarrow often pass only the
    OS message text on, so that is matched too.
    """
    number = getattr(err, "errno", None)
    if isinstance(number, int) and number in _OS_CAUSES:
        return _OS_CAUSES[number]
    text = str(err).lower()
    for known, cause in _OS_CAUSES.items():
        if cause in text or os_message(known) in text:
            return cause
    if isinstance(number, int):
        return os_message(number)
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return shorten(first)


def os_message(number: int) -> str:
    return os.strerror(number).lower()


def shorten(text: object, limit: int = _SHOW_CHARS) -> str:
    """Cut a user's value for an error message: a 1 MB cell must not become a 1 MB line."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


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


def read_input_bytes(path: Path) -> bytes:
    """The bytes of a user's file, or an InputError that says why they cannot be had.

    Only regular files are read: a folder, a FIFO or a device would otherwise give a
    traceback or block forever. At most MAX_FILE_BYTES + 1 bytes are read, so a file
    that grows while we read it still meets the cap.
    """
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("file not found", file=name, expected="an existing file") from None
    except OSError as err:
        raise InputError(f"cannot read the file: {os_cause(err)}", file=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            "is a folder, not a file", file=name, expected=f"a {' or '.join(IMPORT_SUFFIXES)} file"
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file", file=name, expected="a file on disk")
    if info.st_size == 0:
        raise InputError("file is empty", file=name, expected="a header row and data rows")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(
            "file too large",
            file=name,
            expected=f"at most {MAX_FILE_BYTES // 2**20} MiB",
            found=f"{info.st_size / 2**20:.1f} MiB",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise InputError(f"cannot read the file: {os_cause(err)}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            "file too large", file=name, expected=f"at most {MAX_FILE_BYTES // 2**20} MiB"
        )
    if not raw:
        raise InputError("file is empty", file=name, expected="a header row and data rows")
    return raw


def read_csv_file(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a user CSV strictly: size cap, UTF-8 only, one header, rectangular rows."""
    return parse_csv_bytes(read_input_bytes(path), str(path))


def parse_csv_bytes(raw: bytes, name: str) -> tuple[list[str], CsvRecords]:
    """Decode a CSV file's bytes (UTF-8, optional BOM, no NUL) and parse them."""
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
    """Data rows as dicts, with ``lines``: the row number each error should name.

    ``row_note`` (Parquet) is added to row errors, because there the numbers count data
    rows, not file lines, and a reader must not look for a header line.
    """

    def __init__(
        self, records: list[dict[str, str]], lines: list[int], row_note: str | None = None
    ) -> None:
        super().__init__(records)
        self.lines = lines
        self.row_note = row_note


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
            if "field larger than field limit" in str(err):
                raise InputError(
                    "cell too long",
                    file=name,
                    row=start,
                    expected=f"at most {MAX_CELL_CHARS:,} characters per cell",
                ) from None
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
    _check_header_names(header, name, header_line)
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
        for column, cell in zip(header, cells, strict=True):
            _check_cell_length(cell, name, number, column)
        records.append(dict(zip(header, cells, strict=True)))
        lines.append(number)
    if not records:
        raise InputError("file has a header but no data rows", file=name, row=header_line)
    return header, CsvRecords(records, lines)


def _check_header_names(header: list[str], name: str, row: int | None) -> None:
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(
            "duplicate column names in header",
            file=name,
            row=row,
            column=_names(dup),
            expected="each column once",
            found=_names(dup),
        )


def _check_cell_length(cell: str, name: str, row: int, column: str) -> None:
    """Python's csv module stops at 131,072 characters only while nobody raises its limit."""
    if len(cell) > MAX_CELL_CHARS:
        raise InputError(
            "cell too long",
            file=name,
            row=row,
            column=shorten(column, 60),
            expected=f"at most {MAX_CELL_CHARS:,} characters per cell",
            found=f"{len(cell):,} characters",
        )


# -- Parquet -------------------------------------------------------------------------------
#: Arrow type families a Parquet column may have, per schema kind. Strings are accepted for
#: every kind because that is what a CSV holds; the cell check then judges the text.
_PARQUET_KINDS = {
    "str": ("string", "integer", "null"),
    "int": ("string", "integer", "float", "decimal", "null"),
    "float": ("string", "integer", "float", "decimal", "null"),
    "bool": ("string", "bool", "integer", "null"),
}
_KIND_WORDS = {"str": "text", "int": "an integer", "float": "a number", "bool": "true/false"}
_FAMILY_TYPES = {
    "string": "string",
    "integer": "int64",
    "float": "double",
    "decimal": "decimal",
    "bool": "bool",
    "null": "all-null",
}
PARQUET_ROW_NOTE = "Parquet data row {row}; Parquet rows are counted from 1, with no header row"


def _arrow_family(arrow_type: object) -> str | None:
    """Which scalar family an Arrow type belongs to, or None for types no cell can hold."""
    import pyarrow.types as pat

    if pat.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type  # type: ignore[attr-defined]
    checks = (
        ("string", pat.is_string),
        ("string", pat.is_large_string),
        ("bool", pat.is_boolean),
        ("integer", pat.is_integer),
        ("float", pat.is_floating),
        ("decimal", pat.is_decimal),
        ("null", pat.is_null),
    )
    view = getattr(pat, "is_string_view", None)
    if view is not None and view(arrow_type):
        return "string"
    for family, check in checks:
        if check(arrow_type):
            return family
    return None


def read_parquet_file(path: Path, table: TableSpec | None = None) -> tuple[list[str], CsvRecords]:
    """Read a user Parquet file into the same string cells the CSV reader produces."""
    return parse_parquet_bytes(read_input_bytes(path), str(path), table)


def parse_parquet_bytes(
    raw: bytes, name: str, table: TableSpec | None = None
) -> tuple[list[str], CsvRecords]:
    """Parse Parquet bytes; any failure is an InputError naming the file (never a traceback).

    With ``table`` given, a column whose Arrow type cannot hold that column's values
    (a timestamp for ``year``, a double for a text column, a list anywhere) is refused
    by name and type, which says more than a per-cell "not a number" would.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(raw))
        metadata = parquet.metadata
        decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    except Exception as err:  # noqa: BLE001 - pyarrow raises many types on a damaged file
        raise InputError(
            "not a readable Parquet file",
            file=name,
            expected="a Parquet file (written by pandas, pyarrow, DuckDB, ...)",
            found=shorten(str(err).strip().splitlines()[0] if str(err).strip() else err, 120),
        ) from None
    if decoded > MAX_PARQUET_DECODED_BYTES:
        raise InputError(
            "Parquet file expands too much",
            file=name,
            expected=f"at most {MAX_PARQUET_DECODED_BYTES // 2**20} MiB of data",
            found=f"{decoded / 2**20:.1f} MiB",
        )
    try:
        arrow = parquet.read()
    except Exception as err:  # noqa: BLE001
        raise InputError(
            "not a readable Parquet file",
            file=name,
            expected="a Parquet file whose data can be read",
            found=shorten(str(err).strip().splitlines()[0] if str(err).strip() else err, 120),
        ) from None
    index_columns = _pandas_index_columns(arrow.schema.metadata)
    header = [n for n in arrow.column_names if n not in index_columns]
    if not header:
        raise InputError("Parquet file has no columns", file=name, expected="the table's columns")
    _check_header_names(header, name, None)
    if table is not None:
        check_header(table, header, name, row=None)
    if arrow.num_rows == 0:
        raise InputError("file has columns but no data rows", file=name)
    kinds = {c.name: c.kind for c in table.all_columns} if table is not None else {}
    columns: dict[str, list[str]] = {}
    for position, column in enumerate(arrow.column_names):
        if column in index_columns:
            continue
        arrow_type = arrow.schema.field(position).type
        family = _arrow_family(arrow_type)
        kind = kinds.get(column)
        allowed = _PARQUET_KINDS[kind] if kind is not None else tuple(_FAMILY_TYPES)
        if family not in allowed:
            raise InputError(
                "wrong column type",
                file=name,
                column=shorten(column, 60),
                expected=_type_words(kind, allowed),
                found=str(arrow_type),
            )
        values = arrow.column(position).to_pylist()
        columns[column] = [_cell_text(v, name, i + 1, column) for i, v in enumerate(values)]
    records = [{column: columns[column][i] for column in header} for i in range(arrow.num_rows)]
    lines = list(range(1, arrow.num_rows + 1))
    return header, CsvRecords(records, lines, row_note=PARQUET_ROW_NOTE)


def _type_words(kind: str | None, allowed: tuple[str, ...]) -> str:
    names = [_FAMILY_TYPES[f] for f in allowed if f != "null"]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    what = _KIND_WORDS[kind] if kind is not None else "a plain value"
    return f"{what} (Parquet type {listed})"


def _parquet_note(row: int) -> str:
    return f" [{PARQUET_ROW_NOTE.format(row=row)}]"


def _pandas_index_columns(metadata: dict | None) -> set[str]:
    """Index columns pandas stored beside the data (``__index_level_0__``); not user data."""
    if not metadata or b"pandas" not in metadata:
        return set()
    try:
        info = json.loads(metadata[b"pandas"])
        return {c for c in info.get("index_columns", []) if isinstance(c, str)}
    except (ValueError, TypeError, AttributeError):
        return set()


def _cell_text(value: object, name: str, row: int, column: str) -> str:
    """The text a CSV cell would hold for this value; one validator then serves both."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)  # shortest round-trip form, as pandas writes it to CSV
    else:
        text = str(value)
    if "\x00" in text:
        raise InputError(
            "cell contains a NUL character (binary data?)" + _parquet_note(row),
            file=name,
            row=row,
            column=shorten(column, 60),
        )
    if len(text) > MAX_CELL_CHARS:
        raise InputError(
            "cell too long" + _parquet_note(row),
            file=name,
            row=row,
            column=shorten(column, 60),
            expected=f"at most {MAX_CELL_CHARS:,} characters per cell",
            found=f"{len(text):,} characters",
        )
    return text


# -- one entry point for imports -------------------------------------------------------------
@dataclass(frozen=True)
class ImportFile:
    """A user file read for import: its cells as text, and the digest of exactly those bytes."""

    header: list[str]
    records: CsvRecords
    sha256: str
    kind: str


def read_import_file(path: Path, table: TableSpec) -> ImportFile:
    """Read a .csv or .parquet file for ``table`` and check its header; dispatch on suffix.

    The digest is taken from the bytes that were parsed, so the import log records the
    file that was validated even if it changes on disk a moment later.
    """
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise InputError(
            "unsupported file type",
            file=name,
            expected=f"a file ending in {' or '.join(IMPORT_SUFFIXES)}",
            found=path.suffix or "no extension",
        )
    raw = read_input_bytes(path)
    if suffix == ".csv":
        header, records = parse_csv_bytes(raw, name)
        check_header(table, header, name)
    else:
        header, records = parse_parquet_bytes(raw, name, table)
    return ImportFile(header, records, hashlib.sha256(raw).hexdigest(), suffix[1:])


def check_header(table: TableSpec, header: list[str], name: str, row: int | None = 1) -> None:
    """Refuse unknown and missing columns before any row is read.

    ``row`` is the header's line (1 for CSV; None for Parquet, whose header is its schema).
    Long lists are cut, so a file with thousands of stray columns still gets a one-line error.
    """
    known = set(table.column_names) | set(BOOKKEEPING_COLUMNS)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InputError(
            f"unknown column(s) for table {table.name}",
            file=name,
            row=row,
            expected=", ".join(table.column_names),
            found=_names(unknown),
        )
    missing = [c.name for c in table.all_columns if c.required and c.name not in header]
    if missing:
        raise InputError(
            f"missing required column(s) for table {table.name}",
            file=name,
            row=row,
            expected=", ".join(missing),
            found=_names(header),
        )


def _names(names: list[str], limit: int = 12) -> str:
    shown = [shorten(n, 60) if n else "(empty name)" for n in names[:limit]]
    more = f", ... and {len(names) - limit:,} more" if len(names) > limit else ""
    return ", ".join(shown) + more


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
            "not a boolean",
            column=column.name,
            expected="true or false",
            found=shorten(raw),
            **where,
        )
    try:
        number = float(str(raw).replace(",", "")) if not isinstance(raw, int | float) else raw
    except ValueError:
        raise InputError(
            "not a number",
            column=column.name,
            expected=f"a {column.kind}",
            found=shorten(raw),
            **where,
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError("not a finite number", column=column.name, found=shorten(raw), **where)
    if column.kind == "int":
        if float(number) != int(number):
            raise InputError(
                "not a whole number",
                column=column.name,
                expected="an integer",
                found=shorten(raw),
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
            found=shorten(value),
            **where,
        )
    if column.minimum is not None and value < column.minimum:  # type: ignore[operator]
        raise InputError(
            "value below minimum",
            column=name,
            expected=f">= {column.minimum}",
            found=shorten(value),
            **where,
        )
    if column.maximum is not None and value > column.maximum:  # type: ignore[operator]
        raise InputError(
            "value above maximum",
            column=name,
            expected=f"<= {column.maximum}",
            found=shorten(value),
            **where,
        )
    if name in table.year_columns and not MIN_YEAR <= int(value) <= table.max_year:  # type: ignore[arg-type]
        raise InputError(
            "impossible year",
            column=name,
            expected=f"a year from {MIN_YEAR} to {table.max_year}",
            found=shorten(value),
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
                    found=shorten(part),
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
                    found=shorten(part),
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
                    "unknown element",
                    column=column.name,
                    expected=expected,
                    found=shorten(part),
                    **where,
                )


def _check_measure(table: TableSpec, row: Row, where: dict) -> None:
    qualifier, value = row["qualifier"], row["value"]
    low, high = row["value_low"], row["value_high"]
    if qualifier in ("NA", "text", "range") and value is not None:
        raise InputError(
            f"a value is given but the qualifier is '{qualifier}'",
            column="value",
            expected="an empty value",
            found=shorten(value),
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
            found=shorten(unit),
            **where,
        )
    implied = basis_for_unit(unit)
    if implied in UNIT_DECIDED_BASES and basis != implied:
        raise InputError(
            "unit mismatch: the unit implies another basis",
            column="basis",
            expected=f"{implied} (for unit {unit!r})",
            found=shorten(basis),
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

    Rows are numbered by their file line when ``records`` came from the CSV reader
    (by data row, with a note saying so, when they came from the Parquet reader), else
    by position after a one-line header.
    """
    try:
        return _validate_records(table_name, records, lookups, file, existing_keys, row_offset)
    except InputError as err:
        note = getattr(records, "row_note", None)
        if note is None or err.row is None:
            raise
        raise InputError(
            err.message + _parquet_note(err.row),
            file=err.file,
            row=err.row,
            column=err.column,
            expected=err.expected,
            found=err.found,
        ) from None


def _validate_records(
    table_name: str,
    records: list[dict],
    lookups: Lookups,
    file: str,
    existing_keys: set[tuple] | None,
    row_offset: int,
) -> list[Row]:
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
                found=shorten(" | ".join("" if k is None else str(k) for k in key)),
                **where,
            )
        if existing_keys is not None and key in existing_keys:
            raise InputError(
                "duplicate key: this row is already in the store",
                column=", ".join(table.key),
                expected="a key not yet imported (remove the earlier import first)",
                found=shorten(" | ".join("" if k is None else str(k) for k in key)),
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

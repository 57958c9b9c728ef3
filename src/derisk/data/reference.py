"""Reading the reference CSVs with provenance, and writing the curated files safely.

Curation maps hand-compiled files: a bad row there (a short line, an unknown country, a
year that is not a year) must stop curation with the file, the row and the field named,
and must leave the packaged dataset as it was. Every row read here remembers its file
and line; the curator's last-read cell is tracked, so an error raised while mapping a
row can be located even when the mapping code itself did not know where it was.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from derisk.data.schema import spec
from derisk.errors import InputError


@dataclass
class Cursor:
    """The reference cell the curator read last (where a mapping error happened)."""

    file: str | None = None
    line: int | None = None
    field: str | None = None


class RefRow(dict):
    """One reference CSV row; reading a cell records where the curator is."""

    def __init__(self, data: dict, file: str, line: int, cursor: Cursor) -> None:
        super().__init__(data)
        self.file, self.line, self._cursor = file, line, cursor

    def _mark(self, key: object) -> None:
        self._cursor.file, self._cursor.line, self._cursor.field = self.file, self.line, str(key)

    def __getitem__(self, key: str) -> str:
        self._mark(key)
        try:
            return super().__getitem__(key)
        except KeyError:
            raise InputError(
                "missing column",
                file=self.file,
                row=self.line,
                column=key,
                expected=f"a '{key}' column in the header",
                found=", ".join(k for k in self if k) or "no columns",
            ) from None

    def get(self, key: str, default: object = None) -> object:
        self._mark(key)
        return super().get(key, default)


def read_reference(path: Path, cursor: Cursor, label: str | None = None) -> list[RefRow]:
    """All data rows of a reference CSV; a row with the wrong number of fields is refused."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            "file is not UTF-8 text", file=name, expected="UTF-8", found=str(err)[:80]
        ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if not header:
        raise InputError("empty reference file", file=name, expected="a header row")
    rows = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise InputError(
                "row has the wrong number of fields",
                file=name,
                row=line,
                expected=f"{len(header)} fields ({', '.join(header[:4])}, ...)",
                found=f"{len(fields)} fields",
            )
        rows.append(RefRow(dict(zip(header, fields, strict=True)), name, line, cursor))
    return rows


def locate(err: Exception, cursor: Cursor) -> InputError:
    """An error raised while mapping a row, with the reference file, row and field."""
    if isinstance(err, InputError) and err.file and err.row:
        return err
    message = err.message if isinstance(err, InputError) else _describe(err)
    return InputError(
        f"cannot curate this row: {message}",
        file=cursor.file,
        row=cursor.line,
        column=getattr(err, "column", None) or cursor.field,
        expected=getattr(err, "expected", None),
        found=getattr(err, "found", None),
    )


def _describe(err: Exception) -> str:
    if isinstance(err, KeyError):
        return f"unknown label {err}"
    if isinstance(err, ValueError):
        return f"bad value ({err})"
    return f"{type(err).__name__}: {err}"


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def write_tables(tables: dict[str, list[dict]], out_dir: Path) -> dict[str, str]:
    """Write one CSV per table in schema column order; return each file's sha256.

    Every file is first written to a scratch folder beside ``out_dir``; only when all of
    them are written are they moved into place, so a failure leaves the old files whole.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".curate-") as scratch:
        for name, rows in tables.items():
            digests[name] = _write_table(name, rows, Path(scratch) / f"{name}.csv")
        for name in tables:
            os.replace(Path(scratch) / f"{name}.csv", out_dir / f"{name}.csv")
    return digests


def _write_table(name: str, rows: list[dict], path: Path) -> str:
    columns = spec(name).column_names
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            unknown = set(row) - set(columns)
            if unknown:
                raise InputError(f"curation produced unknown columns {sorted(unknown)}", file=name)
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return hashlib.sha256(path.read_bytes()).hexdigest()

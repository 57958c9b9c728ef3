"""Rendering DataFrames for the terminal: a rich table, JSON records or CSV.

Interfaces stay thin: commands compute nothing here, they only choose a format.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from derisk.report.records import records

FORMATS = ("table", "json", "csv")
console = Console()
err_console = Console(stderr=True)


def emit(
    frame: pd.DataFrame,
    fmt: str,
    title: str | None = None,
    notes: list[str] | None = None,
    table_columns: list[str] | None = None,
) -> None:
    """Print ``frame`` in ``fmt``; notes go to stderr so JSON/CSV stay machine-readable.

    ``table_columns`` narrows only the terminal table; JSON and CSV keep every column.
    """
    if fmt == "table" and table_columns:
        frame = frame[[c for c in table_columns if c in frame.columns]]
    if fmt == "json":
        sys.stdout.write(json.dumps(records(frame), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        table = Table(title=title, show_lines=False)
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in records(frame):
            table.add_row(*["" if v is None else _fmt(v) for v in row.values()])
        console.print(table)
    for note in notes or []:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)

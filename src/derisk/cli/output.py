"""Rendering DataFrames for a terminal or a pipe: a fitted table, TSV, JSON records or CSV.

Interfaces stay thin: commands compute nothing here, they only choose a format.
A terminal gets a table that fits its width (derisk.cli.table); a pipe gets
tab-separated values with every column and full values, because whatever reads a
pipe is a program (``cut``, ``awk``, a spreadsheet), unless ``--format`` says
otherwise. Machine formats (tsv, csv, json) carry raw numbers; only the terminal
table writes them for a reader (derisk.report.numbers).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from derisk.cli import table as fit_table
from derisk.report.records import plain, records

FORMATS = ("table", "json", "csv", "tsv")
console = Console()
err_console = Console(stderr=True)
#: Whether the running command's --format was typed (not its default); reset on exit.
_given = {"format": False}


def remember_format(ctx: typer.Context, param: typer.CallbackParam, value: str) -> str:
    """Record whether --format came from the command line (a typer callback).

    The default 'table' means "for a reader": a pipe then gets TSV. An explicit
    ``--format table`` is obeyed even in a pipe. The flag is cleared when the
    command's context closes, so one invocation never leaks into the next.
    """
    source = ctx.get_parameter_source(param.name or "")
    _given["format"] = getattr(source, "name", "") == "COMMANDLINE"
    ctx.call_on_close(lambda: _given.update(format=False))
    return value


def resolved_format(fmt: str) -> str:
    """'table' becomes 'tsv' when stdout is not a terminal and --format was not typed."""
    if fmt != "table" or _given["format"]:
        return fmt
    return "table" if sys.stdout.isatty() else "tsv"


def emit(
    frame: pd.DataFrame,
    fmt: str,
    title: str | None = None,
    notes: list[str] | None = None,
    table_columns: list[str] | None = None,
    columns: str | None = None,
    detail: bool | None = None,
) -> None:
    """Print ``frame`` in ``fmt``; notes go to stderr so machine formats stay clean.

    ``columns`` is the user's ``--columns`` (names or 'all'), applied in every format.
    ``table_columns`` is a command's default pick for the terminal table only.
    ``detail`` prints records vertically; by default a single row does.
    """
    picked = fit_table.parse_columns(columns, [str(c) for c in frame.columns])
    if picked is not None:
        frame = frame[picked]
    fmt = resolved_format(fmt)
    if fmt == "json":
        sys.stdout.write(json.dumps(records(frame), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        sys.stdout.write(raw_numbers(frame).to_csv(index=False))
    elif fmt == "tsv":
        if title:
            err_console.print(f"[bold]{escape(title)}[/]", highlight=False)
        sys.stdout.write(tsv(frame))
    else:
        _table(frame, title, picked is not None, table_columns, detail)
    for note in notes or []:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)


def _table(
    frame: pd.DataFrame,
    title: str | None,
    named: bool,
    table_columns: Sequence[str] | None,
    detail: bool | None,
) -> None:
    """The terminal view: a detail view for one record, else a table fitted to the width."""
    out = Console()  # made now, so it measures the terminal (or $COLUMNS) of this call
    if title:
        out.print(Text(title, style="bold"), overflow="fold")
    texts = fit_table.cell_texts(frame)
    if detail or (detail is None and len(frame) == 1):
        fit_table.print_detail(out, texts, list(texts), keep_empty=named)
        return
    numeric = {str(c) for c in frame.columns if _numeric(frame[c])}
    if named:
        out.print(fit_table.render_wrapped(texts, list(texts), numeric))
        return
    layout = fit_table.fit(texts, out.width, table_columns)
    out.print(fit_table.render(texts, layout, numeric))
    note = fit_table.hidden_note(layout)
    if note:
        err_console.print(f"[dim]{escape(note)}[/]", highlight=False)


def _numeric(series: pd.Series) -> bool:
    """Numbers are right-aligned; booleans are words (true/false), so they are not."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def raw_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns that hold only whole numbers as integers: ``2025``, not ``2025.0``.

    A year column with one gap is float in pandas; a CSV of it should still say 2025.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_float_dtype(series):
            present = series.dropna()
            if len(present) and (present == present.round()).all() and present.abs().max() < 2**53:
                out[column] = series.astype("Int64")
    return out


def _tsv_cell(value: object) -> str:
    """One TSV field: raw, missing as empty, tabs and line breaks folded to spaces."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return " ".join(str(value).replace("\t", " ").splitlines())


def tsv(frame: pd.DataFrame) -> str:
    """Tab-separated values: a header row, then one line per row with full values."""
    lines = ["\t".join(_tsv_cell(c) for c in frame.columns)]
    lines += ["\t".join(_tsv_cell(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"

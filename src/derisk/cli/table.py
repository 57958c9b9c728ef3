"""Fitting a table to its terminal: which columns to show, how wide, and what was hidden.

A terminal row that wraps is unreadable: 18 rows of 15 columns at 80 characters used to
fold into 300 lines. So a table keeps each row on one line and chooses columns by
importance until the width is spent: the row's identity first (the first column,
country, element, stage, year ...), then the headline figures and their unit, then
other short columns; long free text (notes, descriptions) is cut to what is left, and
bookkeeping (origin, import_id, the figure as printed) comes last. Columns empty in
every shown row are left out. Long headers wrap at their underscores onto a second
line rather than widen a column of short numbers. Whatever did not fit is named on
stderr, so the user can ask for it with ``--columns`` or a machine format.

A single record reads better vertically (``key  value``), so it gets a detail view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from derisk.errors import InputError
from derisk.report.numbers import format_column, is_missing, kind_of
from derisk.report.records import plain

#: Columns that say what a row is about; shown before anything else.
IDENTIFYING = (
    "table", "table_name", "country", "bloc", "element", "symbol", "code", "material",
    "group", "stage", "element_or_group", "metric", "item", "measure", "scope",
    "scenario", "facility", "quantity", "rank", "year", "source_id",
)  # fmt: skip
#: The headline figures and what they are measured in.
FIGURES = (
    "value", "unit", "value_low", "value_high", "low", "high", "p10", "p50", "p90",
    "hhi", "china_share", "top1_share", "top3_share", "dependency_low", "dependency_high",
    "score", "supply_risk", "critical", "model", "iea", "ratio",
)  # fmt: skip
#: Free text: worth a glance, cut to the room that is left.
FREE_TEXT = (
    "note", "notes", "description", "title", "summary", "evidence", "purpose",
    "accessed_via", "url", "missing", "missing_inputs", "sources", "coverage",
)  # fmt: skip
#: Bookkeeping a reader rarely needs at the terminal.
BOOKKEEPING = ("origin", "import_id", "value_text", "vintage", "folder", "sha256")
#: A free-text column is not shown narrower than this.
MIN_TEXT = 12
#: Columns wider than this are treated as free text even if their name is not listed.
LONG_TEXT = 32
#: Room one column costs beyond its text (padding and the gap to its neighbour).
GAP = 2


@dataclass
class Layout:
    """The columns a table shows and their widths, those cut short, and those left out."""

    shown: list[str]
    widths: dict[str, int] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def parse_columns(spec: str | None, available: Sequence[str]) -> list[str] | None:
    """``--columns a,b`` as a list (None for the default, every column for ``all``).

    An unknown name is an error that names it and lists the valid ones, so a typo is
    never silently an empty table.
    """
    if spec is None or not spec.strip():
        return None
    if spec.strip().lower() == "all":
        return list(available)
    wanted = [c.strip() for c in spec.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise InputError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
            column="--columns",
            expected="'all' or a comma-separated list of " + ", ".join(available),
            found=spec,
        )
    return list(dict.fromkeys(wanted))


def cell_texts(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Every cell as one line of display text, numbers written for their kind and unit."""
    units = frame["unit"].tolist() if "unit" in frame.columns else [None] * len(frame)
    units = [None if is_missing(u) else str(u) for u in units]
    texts: dict[str, list[str]] = {}
    for column in frame.columns:
        values = [plain(v) for v in frame[column].tolist()]
        cells = format_column(values, str(column), units)
        texts[str(column)] = [" ".join(c.split()) for c in cells]  # no line breaks in a row
    return texts


def _tier(column: str, position: int, texts: list[str]) -> int:
    """Importance of a column, 0 first: identity, figure, short text, long text, bookkeeping."""
    if position == 0:
        return 0
    if column in BOOKKEEPING:
        return 4
    if column in IDENTIFYING or kind_of(column) == "year":
        return 0
    if column in FIGURES or "p50" in column:
        return 1
    if column in FREE_TEXT or _typical(texts) > LONG_TEXT:
        return 3
    return 2


def _typical(texts: list[str]) -> int:
    """The width four cells in five fit in: years with the odd long note make a short column."""
    widths = sorted(cell_len(t) for t in texts if t)
    return widths[max(0, -(-len(widths) * 4 // 5) - 1)] if widths else 0


def header_lines(name: str, width: int) -> list[str]:
    """A header broken after its underscores into lines of at most ``width``."""
    lines: list[str] = []
    for piece in re.findall(r"[^_]*_|[^_]+$", name) or [name]:
        if lines and cell_len(lines[-1] + piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def natural_width(name: str, content: int) -> int:
    """The narrowest width that holds ``content`` and the header in at most two lines."""
    for width in range(max(content, 1), cell_len(name) + 1):
        lines = header_lines(name, width)
        if len(lines) <= 2 and max(map(cell_len, lines)) <= width:
            return width
    return max(content, cell_len(name))


def fit(texts: dict[str, list[str]], width: int, preferred: Sequence[str] | None = None) -> Layout:
    """Choose columns by importance until ``width`` is spent; keep their original order.

    ``preferred`` (a command's own pick) limits the candidates; the rest are hidden.
    """
    columns = list(texts)
    has_rows = any(texts[c] for c in columns)
    empty = [c for c in columns if has_rows and not any(texts[c])]
    tiers = {c: _tier(c, i, texts[c]) for i, c in enumerate(columns)}
    candidates = [c for c in columns if (preferred is None or c in preferred) and c not in empty]
    candidates.sort(key=lambda c: (tiers[c], columns.index(c)))
    budget, widths, truncated = width, {}, []
    for column in candidates:
        natural = natural_width(column, max(map(cell_len, texts[column]), default=0))
        room = budget - GAP
        # free text takes what is left; elsewhere only the odd long note is cut, never
        # a figure (a year cut to "20…" says nothing)
        short = max((cell_len(t) for t in texts[column] if cell_len(t) <= LONG_TEXT), default=0)
        floor = MIN_TEXT if tiers[column] == 3 else natural_width(column, short)
        if natural <= room:
            widths[column] = natural
        elif floor <= room:
            widths[column] = room if tiers[column] == 3 else floor
            truncated.append(column)
        else:
            continue
        budget -= widths[column] + GAP
    shown = [c for c in columns if c in widths]
    hidden = [c for c in columns if c not in widths and c not in empty]
    return Layout(shown, widths, truncated, hidden, empty)


def _compact(columns: Sequence[str], headers: Sequence[str], numeric: set[str]) -> Table:
    """No box, a rule under the header, two spaces between columns: the most rows per
    width that still read as a table; numbers right-aligned so their digits line up."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for column, header in zip(columns, headers, strict=True):
        table.add_column(header, justify="right" if column in numeric else "left")
    return table


def render(texts: dict[str, list[str]], layout: Layout, numeric: set[str]) -> Table:
    """A compact table: one line per row, a rule under the header, cells cut with '…'."""
    headers = ["\n".join(header_lines(c, layout.widths[c])) for c in layout.shown]
    table = _compact(layout.shown, headers, numeric)
    for column, spec in zip(layout.shown, table.columns, strict=True):
        spec.width, spec.no_wrap, spec.overflow = layout.widths[column], True, "ellipsis"
    for row in zip(*(texts[c] for c in layout.shown), strict=True):
        table.add_row(*row)
    return table


def render_wrapped(texts: dict[str, list[str]], columns: Sequence[str], numeric: set[str]) -> Table:
    """Columns the user named: all of them, long cells folded rather than hidden."""
    table = _compact(columns, columns, numeric)
    for spec in table.columns:
        spec.overflow = "fold"
    for row in zip(*(texts[c] for c in columns), strict=True):
        table.add_row(*row)
    return table


def print_detail(
    console: Console, texts: dict[str, list[str]], columns: Sequence[str], keep_empty: bool
) -> None:
    """Each record as ``key  value`` lines, long values folded under themselves.

    Empty fields are left out unless the user named them: a source has a dozen
    fields and often half are blank.
    """
    count = len(next(iter(texts.values()), []))
    for index in range(count):
        if index:
            console.print()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for column in columns:
            value = texts[column][index]
            if value or keep_empty:
                grid.add_row(column, Text(value))
        console.print(grid)


def hidden_note(layout: Layout) -> str | None:
    """What the user is not seeing, and the ways to see it."""
    parts = []
    if layout.hidden:
        parts.append(f"not shown: {', '.join(layout.hidden)}")
    if layout.empty:
        parts.append(f"empty: {', '.join(layout.empty)}")
    if layout.truncated:
        parts.append(f"cut short: {', '.join(layout.truncated)}")
    if not parts:
        return None
    extra = layout.hidden or layout.truncated or layout.empty
    example = ",".join(dict.fromkeys([*layout.shown[:2], *extra[:1]]))
    return "; ".join(parts) + (
        f". See them with --columns {example} (or --columns all), or --format tsv/csv/json"
    )

"""Tables a reader can paste: human headers, numbers written by kind, sources as links.

The briefing writes each table twice, as HTML and as Markdown, from one list of rows
built here, so the two versions cannot disagree. A cell is text (it may span columns,
so a row says "not by 2050" once) or citations, rendered as links to each source.
HTML is escaped exactly once; Markdown is never HTML-escaped (it is pasted as is).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from derisk.report.numbers import format_column, is_missing
from derisk.vocabulary import AGENCIES

#: Publisher spellings (lower case) -> the short name a citation uses ("IEA", "USGS").
_AGENCY = {a.lower(): name for name, aliases in AGENCIES.items() for a in (name, *aliases)}


@dataclass(frozen=True)
class Citation:
    """A source as a reader meets it: "(IEA, 2025)", linked to where it can be read."""

    source_id: str
    label: str
    url: str | None


class Sources:
    """Source id -> Citation, from the store's sources table (label and URL)."""

    def __init__(self, table: pd.DataFrame) -> None:
        """Index the sources table by id once; citing is then a lookup."""
        self._rows = {str(r.source_id): r for r in table.itertuples(index=False)}

    def __contains__(self, source_id: object) -> bool:
        """Whether the store has a source with this id."""
        return source_id in self._rows

    def cite(self, ids: Iterable[str] | str | None) -> tuple[Citation, ...]:
        """Citations for ids (a list or "a;b"), in order, unknown and blank ids left out."""
        if ids is None or (isinstance(ids, float) and pd.isna(ids)):
            return ()
        if isinstance(ids, str):
            ids = ids.replace(",", ";").split(";")
        out: list[Citation] = []
        for sid in dict.fromkeys(s.strip() for s in ids):
            row = self._rows.get(sid)
            if row is not None:
                url = row.url if isinstance(row.url, str) and row.url.startswith("http") else None
                label = f"{short_publisher(row.publisher)}, {_year(row.date)}"
                out.append(Citation(sid, label, url))
        return tuple(out)


def short_publisher(publisher: object) -> str:
    """A publisher as a citation names it: agencies by their usual short name.

    "International Energy Agency (CC BY 4.0)" becomes "IEA"; a trailing note in brackets
    ("Morning Overview (blog)") is dropped.
    """
    base = re.sub(r"\s*\([^)]*\)\s*$", "", str(publisher or "")).strip()
    return _AGENCY.get(base.lower(), base) or "unknown publisher"


def _year(date: object) -> str:
    """The year a citation gives: the first four digits of the date, else "n.d."."""
    found = re.match(r"\d{4}", str(date or ""))
    return found.group(0) if found else "n.d."


@dataclass(frozen=True)
class Cell:
    """One cell: its text or its citations, and how many columns it spans."""

    text: str = ""
    links: tuple[Citation, ...] = ()
    span: int = 1


@dataclass(frozen=True)
class Column:
    """A frame column as the reader sees it: its header and the unit its numbers carry."""

    field: str
    header: str
    unit: str | None = None


@dataclass
class Table:
    """Headers, rows of cells, and notes printed under the table."""

    headers: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def from_frame(
    frame: pd.DataFrame,
    columns: list[Column],
    sources: Sources,
    words: Mapping[str, Callable[[object], str]] | None = None,
) -> Table:
    """A table of ``columns`` from ``frame``; a "sources" column becomes links.

    Numbers are written a column at a time (derisk.report.numbers.format_column), so a
    column reads at one precision. ``words`` turns codes into words per field (a group
    code into "magnet rare earths").
    """
    words = words or {}
    texts: dict[str, list[str]] = {}
    for col in columns:
        values = list(frame[col.field]) if col.field in frame else [None] * len(frame)
        if col.field in words:
            texts[col.field] = ["" if is_missing(v) else words[col.field](v) for v in values]
        elif col.field != "sources":
            texts[col.field] = format_column(values, col.field, [col.unit] * len(values))
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        row = []
        for col in columns:
            if col.field == "sources":
                value = record.get(col.field)
                row.append(Cell(links=sources.cite(None if is_missing(value) else str(value))))
            else:
                row.append(Cell(texts[col.field][i]))
        rows.append(row)
    return Table([c.header for c in columns], rows)


def _safe_url(url: str) -> str:
    """A URL usable inside Markdown's (...) and an HTML attribute: no spaces or brackets."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def links_html(links: tuple[Citation, ...]) -> str:
    """Citations as links ("IEA, 2025"), the source id as the tooltip; no URL: plain text."""
    parts = []
    for c in links:
        label, sid = html.escape(c.label), html.escape(c.source_id)
        if c.url:
            href = html.escape(_safe_url(c.url))
            parts.append(f'<a href="{href}" title="{sid}">{label}</a>')
        else:
            parts.append(f'<span title="{sid}">{label}</span>')
    return "; ".join(parts)


def md_text(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def links_md(links: tuple[Citation, ...]) -> str:
    """Citations as Markdown links ("[IEA, 2025](url)"); no URL: the label alone."""
    parts = []
    for c in links:
        label = md_text(c.label).replace("[", "\\[").replace("]", "\\]")
        parts.append(f"[{label}]({_safe_url(c.url)})" if c.url else label)
    return "; ".join(parts)


def table_html(table: Table) -> str:
    """The table as HTML, every text escaped once."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    body = []
    for row in table.rows:
        cells = []
        for c in row:
            span = f' colspan="{c.span}"' if c.span > 1 else ""
            content = links_html(c.links) if c.links else html.escape(c.text)
            cells.append(f"<td{span}>{content}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in table.notes)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}"


def table_md(table: Table) -> str:
    """The table as Markdown; a spanning cell fills its first column, the rest stay blank."""
    lines = [
        "| " + " | ".join(md_text(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    for row in table.rows:
        cells = []
        for c in row:
            cells.append(links_md(c.links) if c.links else md_text(c.text))
            cells.extend([""] * (c.span - 1))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *(f"*{md_text(n)}*" for n in table.notes)] if table.notes else []
    return "\n".join(lines)

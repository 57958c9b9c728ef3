"""Check that docs/DATA.md documents every table and column of the schema.

A table counts as documented when a Markdown heading names it (for example
``## 6. `mine_production` ``). A column counts as documented when it appears in
backticks (`` `value_text` ``) inside that table's section, i.e. between the
table's heading and the next heading of the same or a higher level.

Run it from anywhere::

    .venv/bin/python scripts/check_docs.py            # checks docs/DATA.md
    .venv/bin/python scripts/check_docs.py --doc FILE  # checks another file

It exits 0 when nothing is missing and 1 (listing what is missing) otherwise.
The functions :func:`undocumented_tables` and :func:`undocumented_columns` can
be imported, e.g. by a test.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_MD = ROOT / "docs" / "DATA.md"

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    """One Markdown heading and the text under it, down to the next heading of its level."""

    level: int
    heading: str
    body: str


def _tables() -> list[tuple[str, list[str]]]:
    """(table, column names) for every table in schema.TABLES, in schema order."""
    try:
        from derisk.data.schema import TABLES
    except ImportError:  # run from a checkout without an installed package
        sys.path.insert(0, str(ROOT / "src"))
        from derisk.data.schema import TABLES
    return [(t.name, t.column_names) for t in TABLES]


def _read(doc: Path | str | None) -> str:
    path = Path(doc) if doc is not None else DATA_MD
    if not path.exists():
        return ""
    return path.read_text(encoding="utf-8")


def sections(text: str) -> list[Section]:
    """Every heading with its body; headings inside fenced code blocks are ignored."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []  # (line index, level, heading text)
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _HEADING.match(line)
        if match:
            heads.append((index, len(match.group("hashes")), match.group("text")))
    out = []
    for pos, (start, level, heading) in enumerate(heads):
        end = len(lines)
        for later_start, later_level, _ in heads[pos + 1 :]:
            if later_level <= level:
                end = later_start
                break
        out.append(Section(level, heading, "\n".join(lines[start + 1 : end])))
    return out


def _names_table(heading: str, table: str) -> bool:
    """True when the heading names the table as a whole word (backticks allowed)."""
    return re.search(rf"(?<![\w]){re.escape(table)}(?![\w])", heading) is not None


def undocumented_tables(doc: Path | str | None = None) -> list[str]:
    """Tables in schema.TABLES that no heading of the document names."""
    found = sections(_read(doc))
    return [name for name, _ in _tables() if not any(_names_table(s.heading, name) for s in found)]


def undocumented_columns(doc: Path | str | None = None) -> list[tuple[str, str]]:
    """(table, column) pairs not written in backticks inside the table's own section."""
    found = sections(_read(doc))
    missing: list[tuple[str, str]] = []
    for name, columns in _tables():
        body = "\n".join(s.body for s in found if _names_table(s.heading, name))
        for column in columns:
            if f"`{column}`" not in body:
                missing.append((name, column))
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", type=Path, default=DATA_MD, help="Markdown file to check")
    args = parser.parse_args(argv)
    if not args.doc.exists():
        print(f"{args.doc}: file not found", file=sys.stderr)
        return 1
    tables = undocumented_tables(args.doc)
    columns = undocumented_columns(args.doc)
    columns = [(t, c) for t, c in columns if t not in tables]
    if not tables and not columns:
        print(f"{args.doc}: every table and column in schema.TABLES is documented")
        return 0
    if tables:
        print(f"{args.doc}: tables without a heading:", file=sys.stderr)
        for name in tables:
            print(f"  {name}", file=sys.stderr)
    if columns:
        print(f"{args.doc}: columns not in backticks in their table's section:", file=sys.stderr)
        for name, column in columns:
            print(f"  {name}.{column}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

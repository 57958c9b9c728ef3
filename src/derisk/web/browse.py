"""Browsing a table: filters, sort and facets, the same for the data pages and the API.

The rules, in the manner of datasette:

- ``column=value`` keeps rows whose value equals ``value``, ignoring case
  (``country=chn`` finds the CHN rows); a number column compares as a number
  (``year=2024`` and ``year=2024.0`` agree); a source-id column keeps rows that cite
  the id among their ';'-separated ids. A blank value is no filter.
- ``_sort=column`` / ``_sort_desc=column`` order the rows, numbers as numbers, text
  ignoring case, blanks last; rows that tie keep the store's order.
- Facets count the rows per country, year and source id, so a reader sees what the
  selection holds and can narrow it with one click.

A column that is not in the table is an :class:`UnknownColumn` naming it and the valid
columns; the web layer answers 400, never 500. Filtering is done here, in pandas, on the
rows ``Store.table`` returned: values never reach SQL at all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from derisk.data.schema import TableSpec
from derisk.errors import InputError

SORT, SORT_DESC = "_sort", "_sort_desc"
FACET_COLUMNS = ("country", "year", "source_id")
SOURCE_COLUMNS = ("source_id", "sources")
FACET_SIZE = 12
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


class UnknownColumn(InputError):
    """A filter or sort column the table does not have."""


@dataclass(frozen=True)
class TableQuery:
    """What a request asks of one table: equality filters and an optional sort."""

    filters: dict[str, str] = field(default_factory=dict)
    sort: str | None = None
    descending: bool = False

    def params(self) -> dict[str, str]:
        """The query as URL parameters (filters, then the sort)."""
        out = dict(self.filters)
        if self.sort:
            out[SORT_DESC if self.descending else SORT] = self.sort
        return out


def columns_of(table: TableSpec) -> list[str]:
    return [*table.column_names, "origin"]


def _unknown(table: TableSpec, column: str, what: str) -> UnknownColumn:
    return UnknownColumn(
        f"unknown column for table {table.name}: {column[:80]!r} (as a {what})",
        column=column[:80],
        expected=", ".join(columns_of(table)),
        found=column[:80],
    )


def parse(
    table: TableSpec, items: Iterable[tuple[str, str]], reserved: Iterable[str]
) -> TableQuery:
    """The filters and sort of a query string; ``reserved`` names are not columns."""
    columns = set(columns_of(table))
    skip = set(reserved)
    filters: dict[str, str] = {}
    sort: tuple[str, bool] | None = None
    for key, value in items:
        if key in (SORT, SORT_DESC):
            if not value:
                continue
            if value not in columns:
                raise _unknown(table, value, "sort")
            if sort is not None and sort != (value, key == SORT_DESC):
                raise InputError("sort given twice", column=key, expected="one of _sort or "
                                 "_sort_desc, once", found=value[:80])  # fmt: skip
            sort = (value, key == SORT_DESC)
            continue
        if key in skip:
            continue
        if key not in columns:
            raise _unknown(table, key, "filter")
        if value == "":
            continue
        if key in filters and filters[key] != value:
            raise InputError("filter given twice", column=key, expected="one value",
                             found=value[:80])  # fmt: skip
        filters[key] = value
    return TableQuery(filters, *(sort or (None, False)))


def _kind(table: TableSpec, column: str) -> str:
    try:
        return table.column(column).kind
    except KeyError:
        return "str"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _matches(frame: pd.DataFrame, table: TableSpec, column: str, value: str) -> pd.Series:
    """True for the rows whose ``column`` equals ``value`` by the rules above."""
    series = frame[column]
    wanted = value.strip().casefold()
    if column in SOURCE_COLUMNS:
        return series.map(
            lambda cell: (
                isinstance(cell, str)
                and wanted in {p.strip().casefold() for p in cell.replace(",", ";").split(";")}
            )
        ).astype(bool)
    kind = _kind(table, column)
    number = _number(value) if kind in ("int", "float") else None
    if number is not None:
        equal = pd.to_numeric(series, errors="coerce").eq(number)
    elif kind == "bool":
        flag = True if wanted in _TRUE else False if wanted in _FALSE else None
        equal = series.eq(flag)
    else:
        equal = series.astype("string").str.strip().str.casefold().eq(wanted)
    return equal.fillna(False).astype(bool)


def _sort_key(table: TableSpec, column: str) -> Callable[[pd.Series], pd.Series]:
    """How a column's values compare: as numbers for a number column, else as folded text."""
    if _kind(table, column) in ("int", "float"):
        return lambda s: pd.to_numeric(s, errors="coerce")
    return lambda s: s.astype("string").str.casefold()


def apply(frame: pd.DataFrame, table: TableSpec, query: TableQuery) -> pd.DataFrame:
    """The rows of ``frame`` that pass every filter, in the asked order."""
    keep = pd.Series(True, index=frame.index)
    for column, value in query.filters.items():
        keep &= _matches(frame, table, column, value)
    rows = frame[keep]
    if query.sort:
        rows = rows.sort_values(
            query.sort,
            ascending=not query.descending,
            kind="mergesort",  # stable: ties keep the store's order
            na_position="last",
            key=_sort_key(table, query.sort),
        )
    return rows


@dataclass(frozen=True)
class Facet:
    """Counts of one column's values among the selected rows, largest first."""

    column: str
    counts: list[tuple[str, int]]
    more: int  # distinct values not listed


def _cell_values(series: pd.Series, column: str) -> Iterable[str]:
    for cell in series.dropna():
        if column in SOURCE_COLUMNS:
            yield from (p.strip() for p in str(cell).replace(",", ";").split(";") if p.strip())
        elif isinstance(cell, float) and cell.is_integer():
            yield str(int(cell))
        else:
            yield str(cell)


def facets(frame: pd.DataFrame, columns: Iterable[str] = FACET_COLUMNS,
           size: int = FACET_SIZE) -> list[Facet]:  # fmt: skip
    """A facet for each of ``columns`` the frame has, with at most ``size`` values."""
    out = []
    for column in columns:
        if column not in frame.columns:
            continue
        counts = Counter(_cell_values(frame[column], column))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(Facet(column, ranked[:size], max(0, len(ranked) - size)))
    return out

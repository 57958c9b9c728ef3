"""The data routes of the API: tables, their rows (filtered, sorted, faceted) and sources.

GET /api/data/{table} takes the data browser's query (derisk.web.browse): any column as
``column=value`` (equal ignoring case; numbers as numbers; a source id among a row's
ids), ``_sort=column`` or ``_sort_desc=column``, and ``limit``/``offset``. A column the
table does not have is 422 (the API's status for bad input), naming it and the valid
columns; the HTML data browser (derisk.web.data_page) answers the same error as 400.
Every list here, like every list the API returns, is also CSV with ``_format=csv``
(derisk.web.formats).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as Path_

from derisk.data.schema import TABLES_BY_NAME
from derisk.report.records import records
from derisk.web import browse
from derisk.web import models as m
from derisk.web.apiutil import (
    API_RESPONSES,
    NOT_FOUND,
    ExcludeUser,
    cached,
    not_found,
)

router = APIRouter(prefix="/api", responses=API_RESPONSES)
#: Query parameters of GET /api/data/{table} that are not column filters.
PAGING = ("limit", "offset", "exclude_user")


@router.get("/data", response_model=m.TableList, summary="Tables, row counts and coverage")
async def list_tables(request: Request) -> Response:
    def compute() -> dict:
        rows = records(request.app.state.store.info())
        for row in rows:
            row["columns"] = TABLES_BY_NAME[row["table"]].column_names
            row["url"] = f"/api/data/{row['table']}"
        return m.TableList(tables=rows).model_dump()

    return await cached(request, ("tables",), compute)


def table_query(request: Request, table: str) -> browse.TableQuery:
    """The filters and sort of the request; an unknown column is an InputError (422, as
    every bad parameter of the API), naming it and the valid columns."""
    return browse.parse(TABLES_BY_NAME[table], request.query_params.multi_items(), PAGING)


@router.get(
    "/data/{table}",
    response_model=m.DataPage,
    responses=NOT_FOUND,
    summary="Rows of a table: filtered by column=value, sorted by _sort, a page at a time",
)
async def table_rows(
    table: str = Path_(description="A table name (GET /api/data lists them)."),
    *,
    request: Request,
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=10**9),
    exclude_user: bool = ExcludeUser,
) -> Response:
    """`derisk data show TABLE --where column=value --format json`, paged, sortable.

    Any other query parameter is a filter column=value, e.g. `?country=chn&year=2024`:
    the value matches ignoring case (`chn` finds CHN), a number column compares as a
    number, and `source_id=ID` keeps the rows that cite ID. The column must be one of the
    table's columns (GET /api/data lists them) or `origin`, else 422 naming the valid
    ones. `_sort=column` or `_sort_desc=column` orders the rows (numbers as numbers).
    `facets` counts the matching rows per country, year and source id. Add
    `_format=csv` for the same rows as CSV.
    """
    if table not in TABLES_BY_NAME:
        raise not_found("table", table[:80], ", ".join(TABLES_BY_NAME), field="table")
    query = table_query(request, table)
    spec = TABLES_BY_NAME[table]

    def compute() -> dict:
        frame = request.app.state.store.table(table, include_user=not exclude_user)
        rows = browse.apply(frame, spec, query)
        return {
            "table": table,
            "total": len(rows),
            "limit": limit,
            "offset": offset,
            "filters": query.filters,
            "sort": query.sort,
            "descending": query.descending,
            "rows": records(rows.iloc[offset : offset + limit]),
            "facets": {
                f.column: [{"value": v, "count": n} for v, n in f.counts]
                for f in browse.facets(rows)
            },
        }

    key = ("data", table, tuple(sorted(query.params().items())), exclude_user, limit, offset)
    return await cached(request, key, compute)


@router.get("/sources", response_model=m.SourceList, summary="Every source a figure can cite")
async def list_sources(request: Request) -> Response:
    def compute() -> dict:
        rows = records(request.app.state.store.sources())
        return {"total": len(rows), "sources": rows}

    return await cached(request, ("sources",), compute)


@router.get(
    "/sources/{source_id}",
    response_model=m.Source,
    responses=NOT_FOUND,
    summary="One source: title, publisher, date, URL",
)
async def get_source(source_id: str, request: Request) -> Response:
    """`derisk data sources ID --format json` (one record)."""

    def compute() -> dict:
        frame = request.app.state.store.sources()
        rows = records(frame[frame["source_id"] == source_id])
        if not rows:
            raise not_found("source id", source_id[:80], "an id from GET /api/sources", "source_id")
        return rows[0]

    return await cached(request, ("source", source_id), compute)

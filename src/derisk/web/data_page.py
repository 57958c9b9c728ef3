"""The data browser: every table, a page at a time, sortable, filterable and faceted.

In the manner of datasette: a column header sorts by it (``?_sort=col``, again for
``?_sort_desc=col``), numbers as numbers; ``column=value`` filters ignore case
(``country=chn``); facets count the selected rows per country, year and source id and
link to the narrower selection; and every view links its rows as CSV and JSON (the
same filters and sort, through GET /api/data/{table}). The rules are derisk.web.browse,
shared with the API, so the page and its downloads always hold the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from derisk.data.schema import TABLES, TableSpec, spec
from derisk.errors import InputError
from derisk.web import browse
from derisk.web import templates as t
from derisk.web.templates import esc

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: The most rows a view's CSV/JSON link asks the API for (its `limit` maximum).
EXPORT_LIMIT = 10_000
PAGING = ("page", "size")


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=t.SECURITY_HEADERS)


def _error(status: int, title: str, message: str, hint: str = "") -> HTMLResponse:
    return _html(t.page(title, t.error_body(status, message, hint), active="Data & sources"),
                 status)  # fmt: skip


def data_index(request: Request) -> HTMLResponse:
    store = request.app.state.store
    info = store.info()
    body = t.note(
        "Every table of the dataset. Curated rows come from the packaged dataset; user "
        "rows are your imports and replace curated rows with the same key."
    ) + t.table(info, links={"table": lambda name: f"/data/{name}"}, table_id="table-tables")
    body += exports("/api/data", {})
    return _html(t.page("Data & sources", body, active="Data & sources"))


def _int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value not in (None, "") else default
    except ValueError:
        return default


def exports(api_path: str, params: Mapping[str, object]) -> str:
    """CSV and JSON links for a view: the API answer with the same query."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    sep = "?" if query else ""
    csv_sep = "&" if query else "?"
    return (
        '<p class="exports">Download this view: '
        f'<a class="export-csv" href="{esc(api_path + sep + query + csv_sep + "_format=csv")}">'
        "CSV</a> · "
        f'<a class="export-json" href="{esc(api_path + sep + query)}">JSON</a></p>'
    )


class _View:
    """One request's view of a table: its query, page and the URLs that change it."""

    def __init__(self, table: TableSpec, query: browse.TableQuery, page: int, size: int) -> None:
        self.table, self.query, self.page, self.size = table, query, page, size

    def url(self, *, filters: Mapping[str, str] | None = None, sort: tuple[str, bool] | None
            = None, page: int = 1, keep_sort: bool = True) -> str:  # fmt: skip
        params: dict[str, object] = dict(self.query.filters if filters is None else filters)
        if sort is not None:
            params[browse.SORT_DESC if sort[1] else browse.SORT] = sort[0]
        elif keep_sort and self.query.sort:
            params[browse.SORT_DESC if self.query.descending else browse.SORT] = self.query.sort
        if page != 1:
            params["page"] = page
        if self.size != PAGE_SIZE:
            params["size"] = self.size
        return t.url(f"/data/{self.table.name}", **params)

    def heading(self, column: str) -> str:
        """A header that sorts by the column; a second click reverses the order."""
        current = self.query.sort == column
        descending = current and not self.query.descending
        arrow = (" ▼" if self.query.descending else " ▲") if current else ""
        order = "descending" if descending else "ascending"
        return (
            f'<a class="sort" href="{self.url(sort=(column, descending))}" '
            f'title="sort {order}">{esc(column)}</a>{arrow}'
        )


def _facets_html(view: _View, facets: list[browse.Facet]) -> str:
    blocks = []
    for facet in facets:
        if not facet.counts:
            continue
        chosen = view.query.filters.get(facet.column, "")
        items = []
        for value, count in facet.counts:
            if chosen and value.casefold() == chosen.casefold():
                rest = {k: v for k, v in view.query.filters.items() if k != facet.column}
                items.append(f'<li class="chosen">{esc(value)} ({count:,}) '
                             f'<a href="{view.url(filters=rest)}">remove</a></li>')  # fmt: skip
                continue
            narrower = {**view.query.filters, facet.column: value}
            items.append(f'<li><a href="{view.url(filters=narrower)}">{esc(value)}</a> '
                         f"({count:,})</li>")  # fmt: skip
        more = f'<li class="note">and {facet.more:,} more</li>' if facet.more else ""
        blocks.append(
            f'<div class="facet" data-facet="{esc(facet.column)}"><h3>{esc(facet.column)}</h3>'
            f"<ul>{''.join(items)}{more}</ul></div>"
        )
    return f'<div class="facets" id="facets">{"".join(blocks)}</div>' if blocks else ""


def _filter_form(view: _View, columns: list[str]) -> str:
    filters = view.query.filters
    inputs = "".join(
        f'<label>{esc(c)} <input name="{esc(c)}" value="{esc(filters.get(c, ""))}"></label>'
        for c in columns
    )
    sort = view.query.params()
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
        for k, v in sort.items()
        if k in (browse.SORT, browse.SORT_DESC)
    )
    return (
        f'<details class="filters"{" open" if filters else ""}><summary>Filter (column = '
        f'value, any case)</summary><form method="get" action="/data/{esc(view.table.name)}" '
        f'class="filter-form">{inputs}{hidden}<input type="hidden" name="size" '
        f'value="{view.size}"><button type="submit">Apply</button> '
        f'<a href="/data/{esc(view.table.name)}">clear</a></form></details>'
    )


def _pager(view: _View, total: int) -> str:
    pages = max(1, -(-total // view.size))

    def link(n: int, label: str) -> str:
        return f'<a href="{view.url(page=n)}">{esc(label)}</a>'

    return (
        '<nav class="pager">'
        + (link(view.page - 1, "← previous") if view.page > 1 else "")
        + f"<span>page {view.page} of {pages} · {total:,} rows</span>"
        + (link(view.page + 1, "next →") if view.page < pages else "")
        + "</nav>"
    )


def data_table(request: Request, table: str) -> HTMLResponse:
    store = request.app.state.store
    try:
        table_spec = spec(table)
    except InputError:
        names = ", ".join(f'<a href="/data/{esc(s.name)}">{esc(s.name)}</a>' for s in TABLES)
        return _error(404, "Unknown table", f"No table {table!r} in the dataset.",
                      "Tables: " + names)  # fmt: skip
    params = request.query_params
    try:
        query = browse.parse(table_spec, params.multi_items(), PAGING)
    except browse.UnknownColumn as err:
        return _error(400, f"Table {table}", err.message,
                      "Columns: " + esc(err.expected or ""))  # fmt: skip
    except InputError as err:
        return _error(400, f"Table {table}", str(err))
    rows = browse.apply(store.table(table), table_spec, query)
    size = _int_param(params.get("size"), PAGE_SIZE, 1, MAX_PAGE_SIZE)
    pages = max(1, -(-len(rows) // size))
    view = _View(table_spec, query, min(_int_param(params.get("page"), 1, 1, 10**6), pages), size)
    shown = rows.iloc[(view.page - 1) * size : view.page * size]
    columns = list(table_spec.column_names) + [c for c in ("origin",) if c in rows.columns]
    active = ""
    if query.filters:
        active = t.note("Filters: " + ", ".join(f"{k} = {v}" for k, v in query.filters.items()))
    pager = _pager(view, len(rows))
    body = (
        t.note(table_spec.description)
        + _filter_form(view, columns)
        + active
        + _facets_html(view, browse.facets(rows))
        + exports(f"/api/data/{table}", {**query.params(), "limit": EXPORT_LIMIT})
        + pager
        + t.table(
            shown,
            columns,
            table_id="table-data",
            empty="no rows match",
            headings={c: view.heading(c) for c in columns},
        )  # fmt: skip
        + pager
        + '<p><a href="/data">All tables</a></p>'
    )
    return _html(t.page(f"Table: {table}", body, active="Data & sources"))

"""Every page of the dashboard, from the app's own routes: what a test walks.

A page is a GET route outside /api and /static that answers HTML. A route with a path
parameter is expanded with each value the store has for it (every element symbol,
bloc, table and source id), so a new page or a new element is walked without anyone
updating a list; a parameter this module cannot fill is an error, not a page skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from derisk.data.blocs import blocs
from derisk.data.schema import TABLES

#: Where the values of each path parameter of a page come from.
VALUES: dict[str, Callable[[Any], list[str]]] = {
    "symbol": lambda store: list(store.table("elements").sort_values("atomic_number")["symbol"]),
    "code": blocs,
    "table": lambda store: [t.name for t in TABLES],
    "source_id": lambda store: list(store.table("sources")["source_id"]),
}


@dataclass(frozen=True)
class Page:
    """One URL of the dashboard and the route it comes from."""

    route: str
    url: str


def page_routes(app: FastAPI) -> list[APIRoute]:
    """The GET routes that answer HTML pages (the dashboard, its redirects and /docs)."""
    return [
        r
        for r in app.routes
        if isinstance(r, APIRoute)
        and "GET" in (r.methods or set())
        and not r.path.startswith(("/api", "/static"))
        and r.response_class is HTMLResponse
    ]


def pages(app: FastAPI, store: Any) -> list[Page]:
    """Every page: each route once per value of its path parameter."""
    out = []
    for route in page_routes(app):
        params = list(route.param_convertors)
        if not params:
            out.append(Page(route.path, route.path))
            continue
        if len(params) > 1 or params[0] not in VALUES:
            raise KeyError(f"no values for the path parameters {params} of {route.path}")
        name = params[0]
        for value in VALUES[name](store):
            part = quote(str(value), safe="")
            out.append(Page(route.path, route.path.replace("{" + name + "}", part)))
    return out

"""What every /api router shares: the error it raises, and its cached JSON answers.

api.py (diagnose, forecast, review), data_api.py (tables, sources) and chart_api.py
(the charts' numbers) each keep their own routes; the error type, the cache of GET
answers and the query parameters they have in common live here, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from derisk.web import models as m

ERROR_BODY = {"model": m.ErrorResponse}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {**ERROR_BODY, "description": "Unknown resource"}
}
#: What any /api route may answer besides its own statuses.
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {**ERROR_BODY, "description": "Bad input: {error, field, expected, found}"},
    503: {
        **ERROR_BODY,
        "description": "The request took longer than the time limit, or the store cannot be opened",
    },
}
ExcludeUser = Query(False, description="Use curated rows only (the CLI's --exclude-user).")


class ApiError(Exception):
    """An error the API answers with its own status and the JSON error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = m.ErrorResponse(error=message, field=field, expected=expected, found=found)
        self.headers = headers


def not_found(what: str, found: str, expected: str | None = None, field: str = "id") -> ApiError:
    return ApiError(404, f"unknown {what}", field=field, expected=expected, found=found)


def json_error(
    status: int, body: m.ErrorResponse, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def render(payload: Any) -> bytes:
    """The bytes JSONResponse would send for ``payload``."""
    return JSONResponse(payload).body


async def cached(request: Request, key: tuple, compute: Callable[[], Any]) -> Response:
    """The JSON answer for ``key`` at the store's current version, computed on a miss.

    A miss runs ``compute`` in the thread pool (it is blocking pandas/DuckDB work); an
    error it raises is not kept.
    """
    cache = request.app.state.cache
    version = cache.version()
    body = cache.get(version, key)
    if body is None:
        body = await run_in_threadpool(cache.fill, version, key, lambda: render(compute()))
    return Response(body, media_type="application/json")


def memo(request: Request, key: tuple, compute: Callable[[], Any]) -> Any:
    """A small JSON-able value kept like an answer (for use inside a compute function)."""
    cache = request.app.state.cache
    version = cache.version()
    body = cache.get(version, key)
    if body is None:
        body = cache.fill(version, key, lambda: json.dumps(compute()).encode())
    return json.loads(body)


def exact(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Send records as the domain made them: the same keys, in the same order, as the CLI.

    The route's response_model documents the shape in /openapi.json; validating through
    it would reorder columns, so records bypass it.
    """
    return JSONResponse(payload, status_code=status, headers=headers)

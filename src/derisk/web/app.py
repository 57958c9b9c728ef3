"""The FastAPI application: REST API under /api, dashboard pages, and their static files.

`create_app` is the only entry point (the CLI's `derisk serve` and the tests use it).
The app holds the store, the forecast job registry, the answer cache and the list of
earlier reviews in `app.state`; routers in api.py and pages.py read them from there.

Limits and guards (see guard.py and docs in api.py):
- ``read_only``: the store is opened read-only (every write raises StoreError) and any
  state-changing request other than a forecast or a review is refused with 403;
- ``request_timeout``: an /api request that has not answered within that many seconds
  gets 503 (None turns the limit off);
- ``max_active_forecasts``: forecast jobs queued or running at once; one more is 429;
- ``max_draws``: draws one forecast may ask for (at most 100,000; more is 422);
- ``allowed_hosts``: Host header values the server answers to (None: any).
Cross-site state-changing requests are always refused (403). Any GET /api answer is
also CSV with ``?_format=csv`` (formats.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from derisk.web.jobs import JobManager

#: Seconds an /api request may take before the server answers 503.
REQUEST_TIMEOUT = 30.0
#: Forecast jobs queued or running at once; a further POST /api/forecast is 429.
MAX_ACTIVE_FORECASTS = 20
#: Draws one forecast may ask for (a 10,000-draw run takes about 10 s and 1 GB).
MAX_DRAWS = 100_000


def create_app(
    db: str | Path | None = None,
    read_only: bool = False,
    *,
    request_timeout: float | None = REQUEST_TIMEOUT,
    max_active_forecasts: int = MAX_ACTIVE_FORECASTS,
    max_draws: int = MAX_DRAWS,
    allowed_hosts: Iterable[str] | None = None,
) -> FastAPI:
    from derisk.data.store import Store
    from derisk.web.cache import ResponseCache, cached_store
    from derisk.web.formats import ListFormats
    from derisk.web.guard import RequestGuard, TimeLimit

    store = Store.open(db, read_only=read_only)
    read_only = bool(store.read_only)  # DERISK_READ_ONLY=1 makes any store read-only
    store = cached_store(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="derisk",
        description="Rare-earth supply-chain risk: sourced data, diagnosis, forecast, review.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.read_only = read_only
    app.state.request_timeout = request_timeout
    app.state.jobs = JobManager(max_active=max_active_forecasts)
    app.state.max_draws = max(1, min(max_draws, MAX_DRAWS))
    app.state.cache = ResponseCache(store.path)
    app.state.reviews = []  # earlier reviews, newest last (bounded in the review routes)
    _include_routers(app)
    app.add_middleware(ListFormats)  # innermost: ?_format=csv sees the route's own JSON
    # added last = outermost: the guard answers before the time limit starts counting
    app.add_middleware(TimeLimit, seconds=request_timeout)
    app.add_middleware(
        RequestGuard,
        read_only=read_only,
        allowed_hosts=None if allowed_hosts is None else list(allowed_hosts),
    )
    return app


def _include_routers(app: FastAPI) -> None:
    """The REST API under /api, then the pages and their static files."""
    from derisk.web import api, pages

    api.register(app)
    pages.register(app)

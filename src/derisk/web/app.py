"""The FastAPI application: REST API under /api, dashboard pages, and their static files.

`create_app` is the only entry point (the CLI's `derisk serve` and the tests use it).
The app holds the store, the forecast job registry and the list of earlier reviews in
`app.state`; routers in api.py and pages.py read them from there.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from derisk.web.jobs import JobManager


def create_app(db: str | Path | None = None, read_only: bool = False) -> FastAPI:
    from derisk.data.store import Store

    store = Store.open(db)

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
    app.state.jobs = JobManager()
    app.state.reviews = []  # earlier reviews, newest last (bounded in the review routes)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    """The REST API under /api, then the pages and their static files."""
    from derisk.web import api, pages

    api.register(app)
    pages.register(app)

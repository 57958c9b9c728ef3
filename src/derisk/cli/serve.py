"""`derisk serve`: the dashboard and the REST API (OpenAPI at /docs) on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from derisk.cli.main import DbOption, _guard, app, err_console


@app.command("serve")
@_guard
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    db: DbOption = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer no endpoint that writes to the store.")
    ] = False,
) -> None:
    """Serve the dashboard and the REST API; API reference at /docs. Ctrl+C stops."""
    import uvicorn

    from derisk.web.app import create_app

    application = create_app(db, read_only=read_only)
    err_console.print(
        f"derisk on http://{host}:{port}/ (API under /api, reference at /docs); Ctrl+C stops"
    )
    uvicorn.run(application, host=host, port=port, log_level="info")

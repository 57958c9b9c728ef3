"""`derisk serve`: the dashboard and the REST API (OpenAPI at /docs) on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from derisk.cli.main import DbOption, _guard, app, err_console


@app.command("serve")
@_guard
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    db: DbOption = None,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Open the store read-only and refuse any request that could change it.",
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(min=0, help="Seconds an /api request may take before a 503 (0: no limit)."),
    ] = 30.0,
) -> None:
    """Serve the dashboard and the REST API; API reference at /docs. Ctrl+C stops.

    On a loopback interface the server answers only to the names 127.0.0.1, localhost
    and ::1 (a web page cannot reach it under a name of its own).
    """
    import uvicorn

    from derisk.web.app import create_app
    from derisk.web.guard import LOOPBACK_HOSTS
    from derisk.web.server import uvicorn_options

    loopback = host in LOOPBACK_HOSTS
    application = create_app(
        db,
        read_only=read_only,
        request_timeout=timeout or None,
        allowed_hosts=LOOPBACK_HOSTS if loopback else None,
    )
    err_console.print(
        f"derisk on http://{host}:{port}/ (API under /api, reference at /docs); Ctrl+C stops"
        + ("; read-only" if application.state.read_only else "")
    )
    uvicorn.run(application, **uvicorn_options(host, port))

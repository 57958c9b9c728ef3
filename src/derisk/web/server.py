"""Running the app: the uvicorn options `derisk serve` uses, and a server in a thread.

:func:`uvicorn_options` is the one place the server's settings live, so a test can check
them without starting anything. :func:`background_server` runs an app on a free loopback
port in a daemon thread (tests and ``benchmarks/load.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def uvicorn_options(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``.

    Loopback only unless told otherwise; no X-Forwarded-* trust (nothing sits in front of
    a local server, and a forwarded header must not change what Host or scheme the guards
    compare against); no Server header; a bound on open connections.
    """
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": False,
        "server_header": False,
        "limit_concurrency": 1000,
        "timeout_keep_alive": 5,
    }


@contextmanager
def background_server(app: Any, host: str = DEFAULT_HOST, **options: Any) -> Iterator[str]:
    """Serve ``app`` on a free port of ``host`` in a thread; yields the base URL."""
    import uvicorn

    settings = {**uvicorn_options(host, 0), "log_level": "warning", **options}
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, name="derisk-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

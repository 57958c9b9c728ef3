"""A real uvicorn server on a free loopback port, serving a copy of the built store.

One server per test session: starting one costs a second, and the API is read-only
against the store (forecasts and reviews are compute-only), so tests can share it.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from derisk.web.app import create_app


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def web_store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the built store for the web server."""
    target = tmp_path_factory.mktemp("web-store") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture(scope="session")
def store(built_store_path: Path):  # noqa: ANN201 - a CachedStore
    """The built store, read through the web app's query cache (chart tests build many
    charts from the same tables)."""
    from derisk.data.store import Store
    from derisk.web.cache import cached_store

    return cached_store(Store(built_store_path))


@pytest.fixture(scope="session")
def web_app(web_store_path: Path):  # noqa: ANN201 - a FastAPI app
    return create_app(web_store_path)


@pytest.fixture(scope="session")
def server_url(web_app) -> Iterator[str]:  # noqa: ANN001
    """The base URL (http://127.0.0.1:PORT) of a uvicorn server running ``web_app``."""
    port = _free_port()
    config = uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)

"""A real HTTP server on 127.0.0.1 in a thread, for the URL reader and the LLM client.

Each test gives a responder: (method, path, body bytes) -> (status, content type, bytes).
The server records every request it receives, so a test can also prove that nothing
was fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Responder = Callable[[str, str, bytes], tuple[int, str, bytes]]


@dataclass
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class LocalServer:
    url: str
    requests: list[Request] = field(default_factory=list)


@contextmanager
def local_server(responder: Responder) -> Iterator[LocalServer]:
    """Serve `responder` until the block ends; yields the base URL and the request log."""
    log: list[Request] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                log.append(Request(self.command, self.path, body, dict(self.headers)))
            status, kind, payload = responder(self.command, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve  # noqa: N815 - the names http.server dispatches on
        do_POST = _serve  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield LocalServer(f"http://{host}:{port}", log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

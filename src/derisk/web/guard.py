"""Request guards in front of every route: host, cross-site writes, read-only mode, time limit.

Two pure ASGI middlewares (they see headers before any route runs and never buffer bodies):

- :class:`RequestGuard` answers, in this order:
  400 when ``allowed_hosts`` is set and the Host header names another host (a DNS-rebinding
  page cannot reach a loopback server under its own name);
  403 ``cross-site request refused`` for a state-changing method (anything but GET, HEAD,
  OPTIONS) whose Origin, or else Referer, header names another origin than the Host the
  request was sent to: a page on another site can make a browser POST here without a
  CORS preflight (form posts, ``no-cors`` fetches), and this refuses it. Requests without
  either header (curl, scripts) are not cross-site and pass; the dashboard's own fetches
  send a matching Origin;
  403 ``read-only server`` in read-only mode for a state-changing method, unless the route
  is compute-only (:data:`COMPUTE_ONLY`: a forecast or a review reads the store and keeps
  its result in memory). A write endpoint added later is refused by default;
  413 for a state-changing request whose body passes ``max_body`` bytes (1 MB; the review
  upload, :data:`UPLOADS`, has its own 5 MB limit in the route).
- :class:`TimeLimit` answers 503 ``request took too long`` when an /api request has not
  started its response after ``seconds``. A sync route keeps running in its worker thread
  to its end (Python cannot stop a thread); its answer is dropped. Forecasts run as
  background jobs and file downloads stream, so neither is limited.

Content types are checked by the routes themselves (JSON or multipart only, else 415):
form-urlencoded and text/plain bodies are what a browser sends cross-site without a
preflight.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: State-changing routes that only compute: allowed in read-only mode.
COMPUTE_ONLY = frozenset({("POST", "/api/forecast"), ("POST", "/api/review")})
#: Routes that take a large body and limit it themselves.
UPLOADS = frozenset({("POST", "/api/review")})
#: Largest body of any other state-changing request (a forecast request is under 10 kB).
MAX_BODY = 1024 * 1024
#: Hosts a loopback server answers to (``derisk serve`` on 127.0.0.1, localhost or ::1).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: Iterable[tuple[str, str]] = ()) -> None:  # fmt: skip
    """A complete JSON response in the API's error shape."""
    payload = json.dumps(
        {"error": body.get("error"), "field": body.get("field"),
         "expected": body.get("expected"), "found": body.get("found")},
        ensure_ascii=False,
    ).encode("utf-8")  # fmt: skip
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def split_host(value: str, scheme: str = "http") -> tuple[str, int | None]:
    """('example.org', 8000) from 'example.org:8000'; IPv6 brackets removed, case folded."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        port = parts.port
    except ValueError:
        return value.strip().lower(), None
    return (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def same_origin(origin: str, host: str | None, scheme: str) -> bool:
    """True when an Origin or Referer value names the host (and port) the request went to."""
    if not host:
        return False
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False  # 'null' (sandboxed frames, file:) and other opaque origins
    if parts.scheme != scheme:
        return False  # https://host is another origin than http://host
    theirs = (parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme])
    return theirs == split_host(host, scheme)


def cross_site(headers: dict[str, str], scheme: str) -> bool:
    """True when the request names another origin than the Host it was sent to."""
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value is not None:
            return not same_origin(value, headers.get("host"), scheme)
    return False


class RequestGuard:
    """Host check, cross-site refusal and read-only refusal (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        read_only: bool = False,
        allowed_hosts: Iterable[str] | None = None,
        compute_only: Iterable[tuple[str, str]] = COMPUTE_ONLY,
        max_body: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.read_only = read_only
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        self.compute_only = frozenset(compute_only)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        scheme = str(scope.get("scheme", "http"))
        if self.allowed is not None:
            host = split_host(headers.get("host", ""), scheme)[0]
            if host.strip("[]") not in self.allowed:
                await send_json(send, 400, {
                    "error": "host not allowed", "field": "host",
                    "expected": ", ".join(sorted(self.allowed)),
                    "found": headers.get("host", "")[:80],
                })  # fmt: skip
                return
        method = str(scope["method"]).upper()
        if method not in SAFE_METHODS:
            if cross_site(headers, scheme):
                await send_json(send, 403, {
                    "error": "cross-site request refused", "field": "origin",
                    "expected": "a request from this server's own pages (same origin)",
                    "found": (headers.get("origin") or headers.get("referer") or "")[:80],
                })  # fmt: skip
                return
            path = str(scope["path"]).rstrip("/") or "/"
            if self.read_only and (method, path) not in self.compute_only:
                await send_json(send, 403, {
                    "error": "read-only server: nothing here may change the store",
                    "field": "method", "expected": "GET", "found": f"{method} {path}"[:80],
                })  # fmt: skip
                return
            if (method, path) not in UPLOADS:
                declared = headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_body:
                    await send_json(send, 413, _too_large(self.max_body, declared))
                    return
                receive = _capped(receive, self.max_body)
        await self.app(scope, receive, send)


def _too_large(limit: int, found: str) -> dict[str, Any]:
    return {"error": "request body too large", "field": "body",
            "expected": f"at most {limit} bytes", "found": f"{found} bytes"}  # fmt: skip


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a chunked body at ``limit`` bytes with a 413."""
    from starlette.exceptions import HTTPException

    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"request body too large (at most {limit} bytes)")
        return message

    return wrapped


def _is_limited(path: str) -> bool:
    """JSON endpoints under /api; file downloads stream and are not limited."""
    return (path == "/api" or path.startswith("/api/")) and not path.endswith("/download")


class TimeLimit:
    """503 when an /api request has not started answering within ``seconds``."""

    def __init__(self, app: ASGIApp, *, seconds: float | None) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.seconds or not _is_limited(str(scope["path"])):
            await self.app(scope, receive, send)
            return
        state = {"started": False, "expired": False}

        async def guarded(message: Message) -> None:
            if state["expired"]:
                return  # the 503 went out; a late answer is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done or state["started"]:
            await task  # finished, or already streaming its answer: let it end
            return
        state["expired"] = True
        task.cancel()  # a worker thread runs on to its end; cancellation lands after it
        task.add_done_callback(_discard)
        await send_json(send, 503, {
            "error": "request took too long", "field": None,
            "expected": f"an answer within {self.seconds:g} s", "found": None,
        }, headers=[("Retry-After", "5")])  # fmt: skip


def _discard(task: asyncio.Future) -> None:
    """Collect the abandoned request's outcome so asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()

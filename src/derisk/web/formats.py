"""CSV or JSON for every GET answer of the API: ``?_format=csv`` (or ``json``, the default).

A reader who finds a table in the API should not have to write code to open it in a
spreadsheet. Rather than each route growing a CSV branch, this middleware asks the
route for its JSON as usual and writes the answer's list of records as CSV: the rows
of a table, the records of a diagnosis, the sources, tables, jobs, reviews, scenarios
or charts, or the plotted numbers of a chart (the first key of :data:`LIST_KEYS` the
answer has). An answer that is one record becomes a one-row CSV. Filters, sort,
``limit`` and ``offset`` apply as they do to the JSON, because the route answers the
same query; ``_format`` is taken off the query before the route sees it.

Every JSON answer names its CSV twin in a ``Link: <...>; rel="alternate"`` header.
Errors stay JSON whatever was asked.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

FORMAT = "_format"
FORMATS = ("json", "csv")
#: Where an answer keeps its list of records, in the order they are looked for.
LIST_KEYS = ("rows", "records", "tables", "sources", "jobs", "reviews", "scenarios", "charts")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def records_of(payload: Any) -> list[dict[str, Any]]:
    """The records an answer holds: its list under the first of LIST_KEYS, else itself."""
    if isinstance(payload, list):
        return [r if isinstance(r, dict) else {"value": r} for r in payload]
    if isinstance(payload, dict):
        for key in LIST_KEYS:
            if isinstance(payload.get(key), list):
                return records_of(payload[key])
        return [payload]
    return [{"value": payload}]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """Rows as CSV with a header of every key in order of first appearance."""
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([_cell(row.get(k)) for k in header])
    return out.getvalue().encode("utf-8")


def _header(message: Message, name: bytes) -> str:
    for key, value in message.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _with_headers(message: Message, drop: set[bytes], add: list[tuple[bytes, bytes]]) -> Message:
    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
    return {**message, "headers": kept + add}


class ListFormats:
    """ASGI middleware: ``_format=csv`` turns a GET /api answer into CSV."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not (path == "/api" or path.startswith("/api/"))):  # fmt: skip
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        asked = [v for k, v in query if k == FORMAT]
        rest = [(k, v) for k, v in query if k != FORMAT]
        fmt = asked[-1] if asked else "json"
        if fmt not in FORMATS:
            await _refuse(send, fmt)
            return
        inner = {**scope, "query_string": urlencode(rest).encode("latin-1")}
        csv_url = quote(path) + "?" + urlencode([*rest, (FORMAT, "csv")])
        if fmt == "json":
            await self.app(inner, receive, _linking(send, csv_url))
            return
        head = scope.get("method") == "HEAD"
        name = path.rstrip("/").rsplit("/", 1)[-1] or "api"
        await self._as_csv({**inner, "method": "GET"}, receive, send, name, head)

    async def _as_csv(self, scope: Scope, receive: Receive, send: Send, name: str,
                      head: bool) -> None:  # fmt: skip
        """The route's answer as GET; a JSON 200 sent on as CSV, anything else as it is."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        is_json = _header(start, b"content-type").startswith("application/json")
        if start.get("status") != 200 or not is_json:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        data = to_csv(records_of(json.loads(body)))
        headers = [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{name}.csv"'.encode("latin-1")),
            (b"content-length", str(len(data)).encode()),
        ]
        await send(_with_headers(start, {b"content-type", b"content-length"}, headers))
        await send({"type": "http.response.body", "body": b"" if head else data})


def _linking(send: Send, csv_url: str) -> Send:
    """``send`` that adds a Link to the CSV twin on a successful JSON answer."""
    link = f'<{csv_url}>; rel="alternate"; type="text/csv"'.encode("latin-1", "replace")

    async def wrapped(message: Message) -> None:
        if (message["type"] == "http.response.start" and message.get("status") == 200
                and _header(message, b"content-type").startswith("application/json")):  # fmt: skip
            message = _with_headers(message, set(), [(b"link", link)])
        await send(message)

    return wrapped


async def _refuse(send: Send, found: str) -> None:
    body = json.dumps({"error": "unknown format", "field": FORMAT,
                       "expected": " or ".join(FORMATS), "found": found[:80]}).encode()  # fmt: skip
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})

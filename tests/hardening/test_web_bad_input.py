"""Bad input against the real server: every case answers with a clear error, never a crash.

Each API error is JSON ``{"error", "field", "expected", "found"}`` with the status the
README promises; pages answer with an HTML error page. No case changes the store: its
user rows, the import log and the metadata are dumped before and after.
"""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from derisk.data.schema import TABLES
from derisk.data.store import Store
from derisk.web.api import MAX_UPLOAD_BYTES
from derisk.web.app import create_app
from derisk.web.server import background_server


# -- the server and raw HTTP ----------------------------------------------------------------
@pytest.fixture(scope="module")
def store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bad-input-store") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    return target


@pytest.fixture(scope="module")
def base(store_path: Path) -> Iterator[str]:
    with background_server(create_app(store_path)) as url:
        yield url


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def send(base: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
    """One request with the path exactly as given (no client-side normalisation of '..')."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def post_json(base: str, path: str, payload: Any) -> Reply:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return send(base, "POST", path, data, {"Content-Type": "application/json"})


def json_error(reply: Reply, status: int, field: str | None = None) -> dict:
    """The reply is the API's JSON error object with this status (and field)."""
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error", "field", "expected", "found"}, body
    assert isinstance(body["error"], str) and len(body["error"]) > 5, body
    if field is not None:
        assert body["field"] is not None and field in body["field"], body
    return body


def store_dump(path: Path) -> dict[str, list[tuple]]:
    """User rows of every table, the import log and the metadata."""
    with Store(path).connect(read_only=True) as con:
        out = {
            t.name: con.execute(f"SELECT * FROM \"{t.name}\" WHERE origin = 'user' ORDER BY ALL")
            .fetchall()
            for t in TABLES
        }
        out["curated_rows"] = [
            (t.name, con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()) for t in TABLES
        ]
        for name in ("_imports", "_meta"):
            out[name] = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
    return out


@pytest.fixture(scope="module")
def unchanged(store_path: Path, base: str) -> dict[str, list]:
    """The store as it was before the first case (the last test compares)."""
    return store_dump(store_path)


# -- the cases --------------------------------------------------------------------------------
FORECAST_CASES = [
    # (name, raw body or payload, status, field, words in the message)
    ("malformed JSON", b'{"draws": ', 422, "body", "not valid JSON"),
    ("not UTF-8", b'{"scenario": "\xff\xfe"}', 422, "body", "not valid JSON"),
    ("a list, not an object", [1, 2], 422, None, "valid dictionary"),
    ("extra field (a scenario file)", {"file": "/etc/passwd.yaml"}, 422, "file", "Extra inputs"),
    ("draws 0", {"draws": 0}, 422, "draws", "greater than or equal to 1"),
    ("draws over 100,000", {"draws": 100_001}, 422, "draws", "less than or equal to 100000"),
    ("draws 2.5", {"draws": 2.5}, 422, "draws", "fractional part"),
    ("draws as a string", {"draws": "5"}, 422, "draws", "valid integer"),
    ("draws as a boolean", {"draws": True}, 422, "draws", "valid integer"),
    ("negative seed", {"seed": -1}, 422, "seed", "greater than or equal to 0"),
    ("unknown scenario", {"scenario": "no-such-preset"}, 422, "scenario", "unknown scenario"),
    ("scenario as a path", {"scenario": "../../etc/passwd"}, 422, "scenario", "unknown scenario"),
    ("--set without '='", {"set": ["recycling.collection_rate"]}, 422, "set", ""),
    ("--set unknown lever", {"set": ["no.such.lever=1"]}, 422, "no", "Extra inputs"),
    ("--set wrong type", {"set": ["recycling.collection_rate=lots"]}, 422,
     "recycling.collection_rate", ""),
    ("--set as a string", {"set": "recycling.collection_rate=0.5"}, 422, "set", "valid list"),
    ("years reversed", {"years": "2050:2025"}, 422, "years", ""),
    ("years not START:END", {"years": "soon"}, 422, "years", "START:END"),
    ("years before 2010", {"years": "1990:2000"}, 422, "years", ""),
    ("unknown bloc", {"bloc": "Atlantis"}, 422, "bloc", "unknown bloc"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [case[1:] for case in FORECAST_CASES],
    ids=[case[0] for case in FORECAST_CASES],
)
def test_forecast_bad_bodies(
    base: str, unchanged: dict, payload: Any, status: int, field: str | None, words: str
) -> None:
    jobs_before = len(json.loads(send(base, "GET", "/api/forecast").body)["jobs"])
    body = json_error(post_json(base, "/api/forecast", payload), status, field)
    assert words in body["error"], body
    assert len(json.loads(send(base, "GET", "/api/forecast").body)["jobs"]) == jobs_before


REVIEW_CASES = [
    ("text not a string", {"text": 123}, 422, "text", "valid string"),
    ("text a list", {"text": ["a"]}, 422, "text", "valid string"),
    ("text missing", {"title": "no text"}, 422, "text", "Field required"),
    ("empty text", {"text": ""}, 422, "text", "at least 1 character"),
    ("blank text", {"text": "   \n "}, 422, None, ""),
    ("extra field", {"text": "China mines rare earths.", "url": "http://x"}, 422, "url",
     "Extra inputs"),
    ("date in words", {"text": "China mines rare earths.", "date": "15 July 2025"}, 422, "date",
     "not a date"),
    ("date not a calendar day", {"text": "China mines rare earths.", "date": "2025-02-30"},
     422, "date", "not a date"),
    ("malformed JSON", b'{"text": "abc"', 422, "body", "not valid JSON"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [case[1:] for case in REVIEW_CASES],
    ids=[case[0] for case in REVIEW_CASES],
)
def test_review_bad_bodies(
    base: str, unchanged: dict, payload: Any, status: int, field: str | None, words: str
) -> None:
    body = json_error(post_json(base, "/api/review", payload), status, field)
    assert words in body["error"], body


QUERY_CASES = [
    ("year not a number", "/api/diagnose/concentration?year=abc", 422, "year", "valid integer"),
    ("year before the data", "/api/diagnose/chokepoints?year=1950", 422, "year",
     "first year"),
    ("year after 2100", "/api/diagnose/dependency?bloc=US&year=3000", 422, "year",
     "less than or equal to 2100"),
    ("unknown stage", "/api/diagnose/concentration?stage=refining", 422, "stage", "Input should"),
    ("unknown group", "/api/diagnose/dependency?bloc=US&group=Xx", 422, "group",
     "unknown group"),
    ("unknown bloc", "/api/diagnose/chokepoints?bloc=NATO", 422, "bloc", "unknown bloc"),
    ("missing bloc", "/api/diagnose/dependency", 422, "bloc", "Field required"),
    ("top below 1", "/api/diagnose/chokepoints?top=-1", 422, "top", "greater than or equal"),
    ("boolean as a word", "/api/diagnose/criticality?exclude_user=perhaps", 422, "exclude_user",
     "valid boolean"),
    ("unknown method", "/api/diagnose/criticality?method=astrology", 422, "method",
     "Input should be"),
    ("no data for the selection", "/api/diagnose/concentration?group=Nd", 404,
     "stage/group/year", "no data"),
    ("unknown table", "/api/data/no_such_table", 404, "table", "unknown table"),
    ("bookkeeping table", "/api/data/_imports", 404, "table", "unknown table"),
    ("unknown column filter", "/api/data/facilities?colour=red", 422, "colour",
     "unknown column"),
    ("SQL as a column", "/api/data/facilities?country%3B%20DROP%20TABLE%20sources=x", 422,
     "country; DROP", "unknown column"),
    ("filter given twice", "/api/data/facilities?country=USA&country=CHN", 422, "country",
     "twice"),
    ("negative limit", "/api/data/facilities?limit=-1", 422, "limit", "greater than or equal"),
    ("huge limit", "/api/data/facilities?limit=1000000000000", 422, "limit", "less than"),
    ("negative offset", "/api/data/facilities?offset=-5", 422, "offset", "greater than"),
    ("huge offset", "/api/data/facilities?offset=100000000000000000000", 422, "offset",
     "less than"),
    ("limit not a number", "/api/data/facilities?limit=ten", 422, "limit", "valid integer"),
    ("unknown source", "/api/sources/not-a-source", 404, "source_id", "unknown source"),
    ("unknown forecast", "/api/forecast/000000000000", 404, "id", "unknown forecast"),
    ("download format", "/api/forecast/000000000000/download?format=xlsx", 422, "format",
     "Input should be"),
    ("unknown review", "/api/review/000000000000", 404, "id", "unknown review"),
    ("unknown endpoint", "/api/nothing-here", 404, "path", "no such endpoint"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "status", "field", "words"),
    [case[1:] for case in QUERY_CASES],
    ids=[case[0] for case in QUERY_CASES],
)
def test_bad_queries(
    base: str, unchanged: dict, path: str, status: int, field: str, words: str
) -> None:
    body = json_error(send(base, "GET", path), status, field)
    assert words in body["error"], body


# -- sizes and content types -------------------------------------------------------------------
def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "hardening-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_oversize_bodies_are_413(base: str, unchanged: dict) -> None:
    data, kind = multipart("big.txt", b"rare earths " * (MAX_UPLOAD_BYTES // 12 + 10))
    body = json_error(send(base, "POST", "/api/review", data, {"Content-Type": kind}), 413,
                      "file")  # fmt: skip
    assert str(MAX_UPLOAD_BYTES) in body["expected"]
    text = {"text": "x" * (MAX_UPLOAD_BYTES + 1)}
    json_error(post_json(base, "/api/review", text), 413, "file")
    huge = {"set": ["recycling.collection_rate=0.5"] * 100_000}  # about 3 MB of JSON
    body = json_error(post_json(base, "/api/forecast", huge), 413, "body")
    assert "too large" in body["error"]


@pytest.mark.parametrize(
    ("path", "content_type", "data"),
    [
        ("/api/forecast", "application/x-www-form-urlencoded", b"draws=5"),
        ("/api/forecast", "text/plain", b'{"draws": 5}'),
        ("/api/forecast", "multipart/form-data; boundary=x", b"--x--\r\n"),
        ("/api/forecast", None, b'{"draws": 5}'),
        ("/api/review", "application/x-www-form-urlencoded", b"text=China+mines"),
        ("/api/review", "text/plain", b'{"text": "China mines rare earths."}'),
        ("/api/review", None, b'{"text": "China mines rare earths."}'),
    ],
)
def test_other_content_types_are_415(
    base: str, unchanged: dict, path: str, content_type: str | None, data: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = json_error(send(base, "POST", path, data, headers), 415, "content-type")
    assert "application/json" in body["expected"]


def test_unsupported_methods_are_405_naming_the_allowed_ones(base: str, unchanged: dict) -> None:
    reply = send(base, "DELETE", "/api/review")
    json_error(reply, 405, "method")
    assert set(reply.headers["allow"].split(", ")) == {"GET", "POST"}
    reply = send(base, "PUT", "/api/data/sources", b"{}", {"Content-Type": "application/json"})
    json_error(reply, 405, "method")
    assert reply.headers["allow"] == "GET"


# -- path traversal -----------------------------------------------------------------------------
SECRETS = ("root:", "[build-system]", "[project]", "derisk.web", "import ", "PRIVATE")

TRAVERSALS = [
    "/api/data/..%2f..%2fetc%2fpasswd",
    "/api/data/..%2F..%2F..%2Fpyproject.toml",
    "/api/data/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/sources/../x",
    "/api/sources/..%2f..%2fetc%2fpasswd",
    "/api/forecast/..%2f..%2fetc%2fpasswd",
    "/api/forecast/..%2f..%2fetc%2fpasswd/download?format=csv",
    "/api/review/..%2f..%2fpyproject.toml",
    "/static/../../pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/..%2f..%2fapi.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/....//....//pyproject.toml",
    "/element/..%2f",
    "/element/..%2f..%2fetc%2fpasswd",
    "/bloc/..%2f..%2fetc%2fpasswd",
    "/data/..%2f",
    "/data/..%2f..%2fetc%2fpasswd",
    "/sources/..%2f..%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_never_reads_a_file(base: str, unchanged: dict, path: str) -> None:
    reply = send(base, "GET", path)
    if reply.status in (307, 308):  # '/element/../' loses its slash first: follow it once
        location = urllib.parse.urlsplit(reply.headers["location"])
        assert location.netloc in ("", urllib.parse.urlsplit(base).netloc)
        reply = send(base, "GET", location.path + (f"?{location.query}" if location.query else ""))
    assert reply.status in (404, 422), (path, reply.status, reply.body[:200])
    for secret in SECRETS:
        assert secret not in reply.text, (path, secret)
    if path.startswith("/api/"):
        json_error(reply, reply.status)
    else:  # a page: the dashboard's HTML error page
        assert reply.headers["content-type"].startswith("text/html")
        assert 'class="error"' in reply.text


def test_the_store_is_unchanged_after_every_case(store_path: Path, unchanged: dict) -> None:
    """Runs last in this module: user rows, import log and metadata as before the cases."""
    after = store_dump(store_path)
    assert after == unchanged
    assert after["_imports"] == [] and all(not after[t.name] for t in TABLES)

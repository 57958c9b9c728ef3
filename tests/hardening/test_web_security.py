"""Security of the web layer, against real servers: binding, read-only mode, request limits,
cross-site requests, HTML escaping of stored text, SQL built only from the schema, and no
outbound references.
"""

from __future__ import annotations

import ast
import csv
import http.client
import json
import os
import re
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from derisk.cli.main import app as cli_app
from derisk.data.schema import spec
from derisk.data.store import Store
from derisk.errors import StoreError
from derisk.web.app import create_app
from derisk.web.guard import COMPUTE_ONLY, LOOPBACK_HOSTS, RequestGuard
from derisk.web.server import background_server

WEB = Path(__file__).resolve().parents[2] / "src" / "derisk" / "web"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
runner = CliRunner()


# -- helpers ---------------------------------------------------------------------------------
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
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.putrequest(method, path, skip_host="host" in {k.lower() for k in headers or {}},
                        skip_accept_encoding=True)  # fmt: skip
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


def post_json(base: str, path: str, payload: Any, **headers: str) -> Reply:
    return send(base, "POST", path, json.dumps(payload).encode(),
                {"Content-Type": "application/json", **headers})  # fmt: skip


def copy_store(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / src.name
    shutil.copyfile(src, target)
    return target


def write_rows(path: Path, table: str, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=spec(table).column_names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def jobs(base: str) -> list[dict]:
    return send(base, "GET", "/api/forecast").json()["jobs"]


def wait_done(base: str, url: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = send(base, "GET", url).json()
        if status["status"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


# -- a server whose store holds script payloads in user rows ---------------------------------
PAYLOAD_SOURCE = "xss" + IMG  # a source id is text too: it ends up in links and titles


@pytest.fixture(scope="module")
def payload_store(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store copy with user rows whose text fields carry HTML/script payloads."""
    folder = tmp_path_factory.mktemp("payload-store")
    path = copy_store(built_store_path, folder / "store")
    store = Store.open(path)
    store.import_file(write_rows(folder / "sources.csv", "sources", [
        {"source_id": PAYLOAD_SOURCE, "title": f"{SCRIPT} title", "publisher": IMG,
         "date": "2025", "url": "javascript:alert(1)", "accessed_via": SCRIPT,
         "reliability": IMG, "folder": "derisk", "note": f"{IMG} note"},
    ]), "sources")  # fmt: skip
    store.import_file(write_rows(folder / "events.csv", "events", [
        {"date": "2026-06-01", "year": 2026, "actor": IMG, "type": "other",
         "elements_affected": "Nd", "summary": f"{SCRIPT} summary", "source_id": PAYLOAD_SOURCE,
         "note": IMG},
    ]), "events")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def base(payload_store: Path) -> Iterator[str]:
    with background_server(create_app(payload_store)) as url:
        yield url


# -- 1. binding --------------------------------------------------------------------------------
def serve_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, dict[str, Any]]:
    """What `derisk serve ARGS` would run: the app and uvicorn's options (nothing starts)."""
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"], seen["kwargs"] = app, kwargs

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = runner.invoke(cli_app, ["serve", *args])
    assert result.exit_code == 0, result.output
    return seen["app"], seen["kwargs"]


def guard_options(app: Any) -> dict[str, Any]:
    return next(m.kwargs for m in app.user_middleware if m.cls is RequestGuard)


def test_serve_listens_on_loopback_by_default(
    monkeypatch: pytest.MonkeyPatch, payload_store: Path
) -> None:
    import uvicorn

    app, kwargs = serve_app(monkeypatch, "--db", str(payload_store))
    config = uvicorn.Config(app, **kwargs)
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    assert config.proxy_headers is False  # X-Forwarded-* cannot change Host or scheme
    assert config.server_header is False
    assert config.limit_concurrency and config.limit_concurrency <= 1000
    # on loopback the app answers only to loopback names (DNS rebinding)
    assert set(guard_options(app)["allowed_hosts"]) == set(LOOPBACK_HOSTS)
    assert app.state.request_timeout == 30
    assert app.state.read_only is False

    app, kwargs = serve_app(monkeypatch, "--db", str(payload_store), "--host", "0.0.0.0",
                            "--timeout", "5")  # fmt: skip
    assert kwargs["host"] == "0.0.0.0"
    assert guard_options(app)["allowed_hosts"] is None  # reachable by any name, by choice
    assert app.state.request_timeout == 5


def test_a_loopback_server_refuses_other_host_names(payload_store: Path) -> None:
    with background_server(create_app(payload_store, allowed_hosts=LOOPBACK_HOSTS)) as url:
        port = urllib.parse.urlsplit(url).port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            assert send(url, "GET", "/api", headers={"Host": host}).status == 200, host
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}"):
            reply = send(url, "GET", "/api", headers={"Host": host})
            assert reply.status == 400, host
            assert reply.json()["error"] == "host not allowed"


# -- 2. read-only ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def read_only(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Any, Path]]:  # fmt: skip
    path = copy_store(built_store_path, tmp_path_factory.mktemp("read-only-store"))
    app = create_app(path, read_only=True)
    with background_server(app) as url:
        yield url, app, path


def test_read_only_opens_the_store_read_only(
    read_only: tuple[str, Any, Path], tmp_path: Path
) -> None:
    url, app, path = read_only
    assert send(url, "GET", "/api").json()["read_only"] is True
    assert app.state.store.read_only is True
    before = path.read_bytes()
    rows = write_rows(tmp_path / "s.csv", "sources", [
        {"source_id": "ro-test", "title": "t", "date": "2025", "folder": "derisk"},
    ])  # fmt: skip
    with pytest.raises(StoreError, match="read-only"):
        app.state.store.import_file(rows, "sources")
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/data/sources"),
        ("DELETE", "/api/data/sources"),
        ("PATCH", "/api/data/facilities"),
        ("POST", "/api/data/sources"),
        ("POST", "/api/imports"),
        ("DELETE", "/api/review/abc"),
        ("POST", "/data/sources"),
        ("POST", "/"),
    ],
)
def test_read_only_refuses_anything_that_could_write(
    read_only: tuple[str, Any, Path], method: str, path: str
) -> None:
    url, _, _ = read_only
    reply = send(url, method, path, b"{}", {"Content-Type": "application/json"})
    assert reply.status == 403
    body = reply.json()
    assert body["error"].startswith("read-only server") and body["found"] == f"{method} {path}"


def test_read_only_still_reads_and_computes(read_only: tuple[str, Any, Path]) -> None:
    url, _, path = read_only
    before = path.read_bytes()
    assert send(url, "GET", "/api/diagnose/concentration").status == 200
    assert send(url, "GET", "/data/sources").status == 200
    accepted = post_json(url, "/api/forecast", {"draws": 2})
    assert accepted.status == 202, accepted.body
    assert wait_done(url, accepted.json()["url"])["status"] == "done"
    review = post_json(url, "/api/review", {"text": "China mined 270,000 tonnes in 2024."})
    assert review.status == 201, review.body
    assert path.read_bytes() == before


def test_every_state_changing_route_is_compute_only(payload_store: Path) -> None:
    """No route writes the store: in read-only mode only these two may be posted to, and a
    write endpoint added later is refused by the guard until it is listed there."""
    from derisk.web import api

    app = create_app(payload_store)
    routes = [r for r in [*app.router.routes, *api.router.routes] if hasattr(r, "methods")]
    changing = {(method, route.path) for route in routes for method in route.methods or ()
                if method not in ("GET", "HEAD", "OPTIONS")}  # fmt: skip
    assert changing == set(COMPUTE_ONLY)
    assert not any("import" in route.path for route in routes)
    spec_paths = send_app_openapi(app)
    assert not [(m, p) for p, item in spec_paths.items() for m in item
                if m in ("put", "patch", "delete")]  # fmt: skip


def send_app_openapi(app: Any) -> dict[str, Any]:
    return app.openapi()["paths"]


def test_read_only_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, payload_store: Path
) -> None:
    monkeypatch.setenv("DERISK_READ_ONLY", "1")
    app = create_app(payload_store)
    assert app.state.read_only is True and app.state.store.read_only is True
    assert guard_options(app)["read_only"] is True


def test_serve_read_only_flag(monkeypatch: pytest.MonkeyPatch, payload_store: Path) -> None:
    app, _ = serve_app(monkeypatch, "--db", str(payload_store), "--read-only")
    assert app.state.read_only is True and app.state.store.read_only is True


# -- 3. request limits --------------------------------------------------------------------------
def test_a_slow_api_request_gets_503_and_the_server_carries_on(
    monkeypatch: pytest.MonkeyPatch, payload_store: Path
) -> None:
    import derisk.diagnose.criticality as module

    real = module.criticality
    finished = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        try:
            return real(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(module, "criticality", slow)
    with background_server(create_app(payload_store, request_timeout=0.3)) as url:
        reply = send(url, "GET", "/api/diagnose/criticality")
        assert not finished.is_set()  # answered before the slow work ended
        assert reply.status == 503
        assert reply.json()["error"] == "request took too long"
        assert "0.3 s" in reply.json()["expected"]
        assert reply.headers.get("retry-after")
        assert send(url, "GET", "/api").status == 200  # other requests are served meanwhile
        assert finished.wait(120)  # generous: CI machines may be loaded
        # the abandoned computation finished and was kept: the same request now answers
        assert send(url, "GET", "/api/diagnose/criticality").status == 200
        # forecasts run as background jobs: a slow model does not hit the limit
        import derisk.forecast.run as run

        real_forecast = run.forecast

        def slow_forecast(*args: Any, **kwargs: Any) -> Any:
            time.sleep(1.0)
            return real_forecast(*args, **kwargs)

        monkeypatch.setattr(run, "forecast", slow_forecast)
        accepted = post_json(url, "/api/forecast", {"draws": 2})
        assert accepted.status == 202
        assert wait_done(url, accepted.json()["url"])["status"] == "done"
        # pages are not limited (they are not JSON endpoints)
        assert send(url, "GET", "/data").status == 200


def test_forecasts_queued_or_running_are_capped(
    monkeypatch: pytest.MonkeyPatch, payload_store: Path
) -> None:
    import derisk.forecast.run as run

    real = run.forecast
    release = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "forecast", held)
    with background_server(create_app(payload_store, max_active_forecasts=3)) as url:
        accepted = [post_json(url, "/api/forecast", {"draws": 2, "seed": s}) for s in range(3)]
        assert [r.status for r in accepted] == [202, 202, 202]
        refused = post_json(url, "/api/forecast", {"draws": 2})
        assert refused.status == 429
        assert refused.json()["expected"] == "at most 3 at once"
        assert refused.headers["retry-after"]
        assert len(jobs(url)) == 3  # the refused one was never queued
        release.set()
        for reply in accepted:
            assert wait_done(url, reply.json()["url"])["status"] == "done"
        assert post_json(url, "/api/forecast", {"draws": 2}).status == 202


def test_draws_are_capped_and_the_cap_is_documented(payload_store: Path) -> None:
    with background_server(create_app(payload_store, max_draws=50)) as url:
        spec_ = send(url, "GET", "/openapi.json").json()
        draws = spec_["components"]["schemas"]["ForecastRequest"]["properties"]["draws"]
        assert draws["maximum"] == 50 and draws["default"] == 50
        reply = post_json(url, "/api/forecast", {"draws": 51})
        assert reply.status == 422 and reply.json()["field"] == "draws"
        accepted = post_json(url, "/api/forecast", {})  # the default fits the cap
        assert accepted.status == 202
        assert wait_done(url, accepted.json()["url"])["params"]["draws"] == 50
    assert create_app(payload_store).state.max_draws == 100_000


# -- 4. cross-site requests ------------------------------------------------------------------
def test_cross_site_posts_are_refused(base: str) -> None:
    port = urllib.parse.urlsplit(base).port
    before = len(jobs(base))
    reviews = len(send(base, "GET", "/api/review").json()["reviews"])
    foreign = [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},  # sandboxed frames, file: pages
        {"Origin": f"http://localhost:{port}"},  # another origin, even on this machine
        {"Origin": f"http://127.0.0.1:{port + 1}"},
        {"Origin": f"https://127.0.0.1:{port}"},
        {"Referer": "http://evil.example/page.html"},  # no Origin: the Referer decides
    ]
    for headers in foreign:
        for path, payload in (("/api/forecast", {"draws": 1}), ("/api/review", {"text": "x"})):
            reply = post_json(base, path, payload, **headers)
            assert reply.status == 403, (headers, reply.body)
            assert reply.json()["error"] == "cross-site request refused"
    assert len(jobs(base)) == before
    assert len(send(base, "GET", "/api/review").json()["reviews"]) == reviews
    # reads carry no CORS grant, so another site's script cannot read the answers
    reply = send(base, "GET", "/api", headers={"Origin": "http://evil.example"})
    assert reply.status == 200 and "access-control-allow-origin" not in reply.headers


def test_same_origin_posts_are_served(base: str) -> None:
    port = urllib.parse.urlsplit(base).port
    for headers in ({"Origin": base}, {"Referer": f"{base}/scenarios"}, {}):
        reply = post_json(base, "/api/forecast", {"draws": 1}, **headers)
        assert reply.status == 202, (headers, reply.body)
    reply = post_json(base, "/api/review", {"text": "China mined 270,000 tonnes in 2024."},
                      Origin=f"http://127.0.0.1:{port}")  # fmt: skip
    assert reply.status == 201


def test_a_cross_site_page_cannot_post_in_a_real_browser(base: str) -> None:
    """A page on another origin submits a form and no-cors fetches (no preflight needed).

    Chromium's own Local Network Access check would stop the fetches before they leave
    (a page may not call a loopback address); it is turned off here, as in a browser
    without it, so that what refuses them is the server."""
    chromium = os.environ.get("DERISK_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium}")
    from playwright.sync_api import Route, sync_playwright

    attacker = "http://localhost:9/attack.html"  # another origin; the route serves it
    html = f"""<!doctype html><html><body>
<form id="f" method="post" action="{base}/api/forecast" enctype="text/plain">
<input name='{{"draws": 1, "x": "' value='"}}'></form>
<script>
fetch("{base}/api/review", {{method: "POST", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body: '{{"text": "x"}}'}});
fetch("{base}/api/forecast", {{method: "POST", mode: "no-cors",
  body: new Blob(['{{"draws": 1}}'])}});
setTimeout(() => document.getElementById("f").submit(), 300);
</script></body></html>"""
    before = len(jobs(base))
    seen: list[tuple[str, int]] = []
    with sync_playwright() as pw:
        args = ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-features=LocalNetworkAccessChecks,"
                "BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights"]
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=args)
        try:
            page = browser.new_page()

            def route(r: Route) -> None:
                if r.request.url == attacker:
                    r.fulfill(status=200, content_type="text/html", body=html)
                else:
                    r.continue_()

            page.route("**/*", route)
            page.on("response", lambda resp: seen.append((resp.url, resp.status)))
            page.goto(attacker)
            deadline = time.monotonic() + 20
            while len([u for u, _ in seen if "/api/" in u]) < 3 and time.monotonic() < deadline:
                page.wait_for_timeout(100)
        finally:
            browser.close()
    api_calls = [(u, s) for u, s in seen if u.startswith(base + "/api/")]
    assert len(api_calls) == 3, seen  # all three reached the server ...
    assert all(s in (403, 415) for _, s in api_calls), api_calls  # ... and were refused
    assert len(jobs(base)) == before


# -- 5. HTML escaping of stored text -------------------------------------------------------------
class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def assert_inert(body: str) -> Elements:
    """No element, attribute or script from a payload: the payloads are text only."""
    parsed = Elements()
    parsed.feed(body)
    for tag, attrs in parsed.tags:
        assert tag != "img", attrs  # the dashboard draws no <img>; one would be injected
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), attrs
    for attrs, text in parsed.scripts:
        if attrs.get("type") == "application/json":
            json.loads(text)  # data only, intact: the payload did not end the block
            assert "</script" not in text.lower()
        else:
            assert attrs.get("src", "").startswith("/static/"), attrs
            assert not text.strip(), text  # no inline script at all
    return parsed


ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")


@pytest.mark.parametrize(
    "path",
    [
        "/data/sources",
        "/data/sources?source_id=" + urllib.parse.quote(PAYLOAD_SOURCE),
        "/sources/" + urllib.parse.quote(PAYLOAD_SOURCE, safe=""),
        "/data/events",
        "/data/events?actor=" + urllib.parse.quote(IMG),
        "/",
        "/element/Nd",
        "/data/events?summary=" + urllib.parse.quote(SCRIPT),
        "/element/" + urllib.parse.quote(IMG, safe=""),
        "/bloc/" + urllib.parse.quote(SCRIPT, safe=""),
        "/data/" + urllib.parse.quote(SCRIPT, safe=""),
    ],
)
def test_stored_payloads_are_shown_as_text(base: str, path: str) -> None:
    reply = send(base, "GET", path)
    assert reply.status in (200, 404), (path, reply.status)
    assert reply.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    body = reply.text
    assert SCRIPT not in body and "<img src=x" not in body
    assert any(e in body for e in ESCAPED), path  # the payload is there, as text
    assert_inert(body)


def test_payload_rows_reach_the_pages(base: str) -> None:
    """The payloads are in the tables the pages show (so the escaping test means something)."""
    body = send(base, "GET", "/data/sources?source_id=" + urllib.parse.quote(PAYLOAD_SOURCE)).text
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # title and accessed_via
    page = send(base, "GET", "/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; summary" in page  # the latest events
    rows = send(base, "GET", "/api/data/events?actor=" + urllib.parse.quote(IMG)).json()
    assert rows["total"] == 1 and rows["rows"][0]["summary"] == f"{SCRIPT} summary"


def test_an_import_while_serving_is_seen_at_once(base: str, payload_store: Path,
                                                  tmp_path: Path) -> None:  # fmt: skip
    """Answers are cached per store version: a write to the store shows on the next request."""
    before = send(base, "GET", "/api/data/sources").json()["total"]
    assert send(base, "GET", "/api/data/sources").json()["total"] == before  # cached
    Store.open(payload_store).import_file(write_rows(tmp_path / "s.csv", "sources", [
        {"source_id": "added-while-serving", "title": "Added", "date": "2025",
         "folder": "derisk"},
    ]), "sources")  # fmt: skip
    assert send(base, "GET", "/api/data/sources").json()["total"] == before + 1
    assert send(base, "GET", "/api/sources/added-while-serving").status == 200
    assert "added-while-serving" in send(base, "GET", "/data/sources?source_id=added-while-"
                                         "serving").text  # fmt: skip


# -- 6. SQL only from the schema ------------------------------------------------------------------
def test_the_web_layer_builds_no_sql_from_request_strings() -> None:
    """Every SQL text in derisk.web is a constant or formats only a schema table's name;
    request values travel as parameters; request table and column names are checked
    against the schema before the store sees them (tests in test_web_bad_input)."""
    calls = []
    for file in sorted(WEB.glob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in ("sql", "execute", "executemany", "query") and node.args:
                calls.append((file.name, node.args[0]))
    assert calls, "the scan found no SQL calls at all"
    for name, query in calls:
        if isinstance(query, ast.Constant) and isinstance(query.value, str):
            continue
        if isinstance(query, ast.Name) and query.id == "query" and name == "cache.py":
            continue  # CachedStore.sql passes its caller's query on unchanged
        assert isinstance(query, ast.JoinedStr), (name, ast.unparse(query))
        formatted = [v.value for v in query.values if isinstance(v, ast.FormattedValue)]
        assert all(ast.unparse(v) == "table.name" for v in formatted), (name, ast.unparse(query))
    pages = (WEB / "pages.py").read_text(encoding="utf-8")
    assert re.search(r"for table in TABLES:", pages)  # table.name is the schema's own
    assert "f\"SELECT" not in (WEB / "api.py").read_text(encoding="utf-8")


def test_sql_in_values_is_only_a_value(base: str) -> None:
    for value in ("x' OR '1'='1", "'; DROP TABLE sources; --", "\" OR 1=1 --"):
        quoted = urllib.parse.quote(value)
        assert send(base, "GET", f"/api/data/sources?source_id={quoted}").json()["total"] == 0
        assert send(base, "GET", f"/api/sources/{urllib.parse.quote(value, safe='')}").status \
            == 404  # fmt: skip
        assert send(base, "GET", f"/data/sources?title={quoted}").status == 200
    assert send(base, "GET", "/api/data/sources").json()["total"] > 10


# -- 7. no outbound references ---------------------------------------------------------------------
PAGES = ["/", "/element/Nd", "/bloc/US", "/scenarios", "/review", "/data", "/data/facilities",
         "/sources/usgs-mcs-2026-ree", "/docs"]  # fmt: skip
OWN_JS = ["/static/app.js", "/static/scenarios.js", "/static/review.js"]
LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
         "video": "src", "audio": "src", "embed": "src", "object": "data",
         "form": "action"}  # fmt: skip


def test_pages_load_nothing_from_other_origins(base: str) -> None:
    for path in PAGES:
        reply = send(base, "GET", path)
        assert reply.status == 200, path
        parsed = Elements()
        parsed.feed(reply.text)
        for tag, attrs in parsed.tags:
            target = attrs.get(LOADS.get(tag, ""), None)
            if target:
                parts = urllib.parse.urlsplit(target)
                assert not parts.scheme and not parts.netloc, (path, tag, target)
        if path != "/docs":  # /docs carries no script at all
            csp = reply.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "connect-src 'self'" in csp


@pytest.mark.parametrize("path", OWN_JS + ["/static/style.css"])
def test_own_scripts_and_styles_name_no_other_origin(base: str, path: str) -> None:
    text = send(base, "GET", path).text
    assert not re.search(r"(?i)\b(?:https?|wss?):", text), path
    assert not re.search(r"""["'(]//[a-z0-9]""", text, flags=re.I), path  # protocol-relative
    assert "@import" not in text


def test_plotly_is_served_locally(base: str) -> None:
    reply = send(base, "GET", "/static/plotly.min.js")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/javascript")
    assert len(reply.body) > 1_000_000  # the whole library, not a loader

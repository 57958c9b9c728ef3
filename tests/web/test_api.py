"""The REST API over a real uvicorn server: the same records as the CLI, errors as JSON."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
from typer.testing import CliRunner

from derisk.cli.main import app as cli_app
from derisk.data.store import Store
from derisk.vocabulary import VERDICTS
from derisk.web.api import MAX_UPLOAD_BYTES

runner = CliRunner()
SAMPLE = Path(__file__).parents[2] / "src" / "derisk" / "review" / "samples" / "sample-article.md"


# -- HTTP helpers (urllib: no client library needed) --------------------------------------
class Reply:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    base: str,
    path: str,
    *,
    method: str = "GET",
    params: dict[str, Any] | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
) -> Reply:
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return Reply(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.headers, err.read())


def get(base: str, path: str, **params: Any) -> Reply:
    return request(base, path, params=params or None)


def post_json(base: str, path: str, payload: Any) -> Reply:
    return request(
        base, path, method="POST", body=json.dumps(payload).encode(),
        content_type="application/json",
    )  # fmt: skip


def post_file(base: str, path: str, name: str, data: bytes, **fields: str) -> Reply:
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            .encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return request(
        base, path, method="POST", body=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip


def cli_json(*args: str) -> Any:
    result = runner.invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_error(reply: Reply, status: int, field: str | None = None) -> dict:
    assert reply.status == status, reply.body[:500]
    body = reply.json()
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) >= {"error", "field", "expected"}
    if field is not None:
        assert body["field"] is not None and field in body["field"], body
    return body


# -- index, docs, errors ------------------------------------------------------------------
def test_api_index_reports_the_dataset_and_mode(server_url: str) -> None:
    info = get(server_url, "/api").json()
    assert info["read_only"] is False
    assert info["dataset_version"]


def test_openapi_lists_every_endpoint(server_url: str) -> None:
    spec = get(server_url, "/openapi.json").json()
    wanted = {
        ("get", "/api/diagnose/concentration"), ("get", "/api/diagnose/criticality"),
        ("get", "/api/diagnose/dependency"), ("get", "/api/diagnose/chokepoints"),
        ("post", "/api/forecast"), ("get", "/api/forecast"), ("get", "/api/forecast/{job_id}"),
        ("get", "/api/forecast/{job_id}/download"), ("get", "/api/scenarios"),
        ("post", "/api/review"), ("get", "/api/review"), ("get", "/api/review/{review_id}"),
        ("get", "/api/data"), ("get", "/api/data/{table}"), ("get", "/api/sources"),
        ("get", "/api/sources/{source_id}"),
    }  # fmt: skip
    found = {(m, p) for p, item in spec["paths"].items() for m in item}
    assert wanted <= found
    assert not any("import" in p for p in spec["paths"])  # no endpoint writes the store
    schemas = spec["components"]["schemas"]
    for name in ("ForecastRequest", "ForecastStatus", "ReviewRequest", "Critique", "DataPage",
                 "ConcentrationResponse", "ErrorResponse", "ScenarioList", "Source"):
        assert name in schemas
    review_body = spec["paths"]["/api/review"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(review_body)


def test_docs_page_is_self_contained(server_url: str) -> None:
    reply = get(server_url, "/docs")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    html = reply.body.decode()
    for path in ("/api/diagnose/concentration", "/api/forecast/{job_id}/download",
                 "/api/data/{table}", "ForecastRequest", "draws"):
        assert path in html
    assert "<script" not in html and "cdn" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert get(server_url, "/redoc").status == 404


def test_unknown_api_path_is_a_json_404(server_url: str) -> None:
    assert_error(get(server_url, "/api/nothing-here"), 404)


# -- diagnose -----------------------------------------------------------------------------
DIAGNOSES = [
    ("concentration", {}, []),
    ("concentration", {"stage": "mining", "year": 2024}, ["--stage", "mining", "--year", "2024"]),
    ("concentration", {"group": "magnet", "residual": "single"},
     ["--group", "magnet", "--residual", "single"]),
    ("concentration", {"exclude_user": "true"}, ["--exclude-user"]),
    ("dependency", {"bloc": "EU27"}, ["--bloc", "EU27"]),
    ("dependency", {"bloc": "US", "group": "magnet"}, ["--bloc", "US", "--group", "magnet"]),
    ("chokepoints", {}, []),
    ("chokepoints", {"bloc": "JP", "top": 3}, ["--bloc", "JP", "--top", "3"]),
    ("criticality", {}, []),
    ("criticality", {"method": "usgs2020"}, ["--method", "usgs2020"]),
    ("criticality", {"method": "geopolrisk"}, ["--method", "geopolrisk"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params", "args"), DIAGNOSES)
def test_diagnose_returns_the_cli_json_records(
    server_url: str, web_store_path: Path, name: str, params: dict, args: list[str]
) -> None:
    reply = get(server_url, f"/api/diagnose/{name}", **params)
    assert reply.status == 200, reply.body[:500]
    body = reply.json()
    expected = cli_json("diagnose", name, *args, "--format", "json", "--db", str(web_store_path))
    assert body["diagnosis"] == name
    assert body["records"] == expected
    assert body["records"], "an empty answer proves nothing"
    # the same keys in the same order, not only equal values
    assert [list(r) for r in body["records"]] == [list(r) for r in expected]


def test_concentration_notes_travel_with_the_records(server_url: str) -> None:
    body = get(server_url, "/api/diagnose/concentration").json()
    assert any("mining" in n for n in body["notes"])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("dependency", {"bloc": "XX"}, "bloc"),
        ("dependency", {}, "bloc"),
        ("concentration", {"year": 1900}, "year"),
        ("concentration", {"year": "soon"}, "year"),
        ("chokepoints", {"top": "many"}, "top"),
        ("criticality", {"method": "astrology"}, None),
    ],
)
def test_diagnose_bad_options_are_422_naming_the_field(
    server_url: str, path: str, params: dict, field: str | None
) -> None:
    assert_error(get(server_url, f"/api/diagnose/{path}", **params), 422, field)


# -- scenarios and forecasts --------------------------------------------------------------
def test_scenarios_list_every_preset_with_its_levers(server_url: str) -> None:
    from derisk.forecast.scenario import presets

    scenarios = {s["name"]: s for s in get(server_url, "/api/scenarios").json()["scenarios"]}
    assert set(scenarios) == set(presets())
    assert scenarios["baseline"]["description"]
    assert "demand.path" in scenarios["baseline"]["levers"]
    assert "recycling.collection_rate" in scenarios["recycling-push"]["levers"]
    assert scenarios["recycling-push"]["extends"] == "baseline"
    assert "china.export_controls" in scenarios["full-ban"]["levers"]


def wait_done(base: str, url: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = get(base, url).json()
        assert 0 <= status["progress"] <= 1
        if status["status"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


@pytest.fixture(scope="module")
def finished_forecast(server_url: str) -> dict:
    payload = {"scenario": "recycling-push", "set": ["recycling.collection_rate=0.5"],
               "bloc": "US", "draws": 50, "seed": 3, "years": "2025:2045"}  # fmt: skip
    reply = post_json(server_url, "/api/forecast", payload)
    assert reply.status == 202, reply.body[:500]
    accepted = reply.json()
    assert accepted["status"] in ("queued", "running", "done")
    assert reply.headers["Location"] == accepted["url"] == f"/api/forecast/{accepted['id']}"
    status = wait_done(server_url, accepted["url"])
    assert status["status"] == "done", status["error"]
    return {"payload": payload, "status": status}


def test_forecast_result_is_the_cli_json(
    finished_forecast: dict, web_store_path: Path
) -> None:
    status = finished_forecast["status"]
    assert status["progress"] == 1
    assert status["error"] is None
    result = status["result"]
    expected = cli_json(
        "forecast", "--scenario", "recycling-push", "--set", "recycling.collection_rate=0.5",
        "--bloc", "US", "--draws", "50", "--seed", "3", "--years", "2025:2045",
        "--format", "json", "--db", str(web_store_path),
    )  # fmt: skip
    assert result == expected
    for element in ("Nd", "Pr", "Dy", "Tb"):
        assert {"p50", "p10", "p90", "prob_by"} <= set(result["year_derisked"][element])
    assert result["series"]
    assert set(result["series"][0]) >= {"element", "year", "metric", "p10", "p50", "p90"}
    assert max(r["year"] for r in result["series"]) == 2045
    assert "crma_check" not in result  # EU27 only, as in the CLI


def test_forecast_jobs_are_listed(server_url: str, finished_forecast: dict) -> None:
    jobs = get(server_url, "/api/forecast").json()["jobs"]
    job = next(j for j in jobs if j["id"] == finished_forecast["status"]["id"])
    assert job["status"] == "done"
    assert job["params"]["scenario"] == "recycling-push"
    assert job["params"]["draws"] == 50


def test_forecast_downloads_csv_and_netcdf(
    server_url: str, finished_forecast: dict, tmp_path: Path
) -> None:
    status = finished_forecast["status"]
    assert set(status["downloads"]) == {"csv", "nc"}
    reply = get(server_url, f"{status['url']}/download", format="csv")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert len(rows) == len(status["result"]["series"])
    assert set(rows[0]) == {"element", "year", "metric", "p10", "p50", "p90"}

    reply = get(server_url, status["downloads"]["nc"].split("?")[0], format="nc")
    assert reply.status == 200
    path = tmp_path / "forecast.nc"
    path.write_bytes(reply.body)
    with xr.open_dataset(path) as ds:
        assert ds.sizes["draw"] == 50
        assert "shortfall" in ds.data_vars
        assert int(ds["year"].max()) == 2045
        assert ds.attrs["scenario"] == "recycling-push"

    assert_error(get(server_url, f"{status['url']}/download", format="xlsx"), 422, "format")


def test_unknown_forecast_is_404(server_url: str) -> None:
    assert_error(get(server_url, "/api/forecast/nope"), 404, "id")
    assert_error(get(server_url, "/api/forecast/nope/download"), 404, "id")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scenario": "no-such-preset"}, "scenario"),
        ({"scenario": "../forecast/presets/baseline"}, "scenario"),
        ({"scenario": "/etc/passwd.yaml"}, "scenario"),
        ({"set": ["recycling.collection_rate"]}, "set"),
        ({"set": ["recycling.collection_rate=lots"]}, "recycling.collection_rate"),
        ({"set": ["no_such_lever=1"]}, "no_such_lever"),
        ({"bloc": "Atlantis"}, "bloc"),
        ({"draws": 0}, "draws"),
        ({"draws": 100_001}, "draws"),
        ({"years": "2025-2050"}, "years"),
        ({"years": "2050:2025"}, "years"),
        ({"file": "my.yaml"}, "file"),
        ({"set": "recycling.collection_rate=0.5"}, "set"),
    ],
)
def test_forecast_bad_input_is_422_naming_the_field(
    server_url: str, payload: dict, field: str
) -> None:
    before = len(get(server_url, "/api/forecast").json()["jobs"])
    body = assert_error(post_json(server_url, "/api/forecast", payload), 422, field)
    assert "/" not in (body.get("file") or "")  # no server paths leak
    assert len(get(server_url, "/api/forecast").json()["jobs"]) == before  # nothing started


# -- review -------------------------------------------------------------------------------
HTML = b"""<!doctype html><html><head><title>Magnets and mines</title>
<meta name="date" content="2025-06-01"></head><body><article><h1>Magnets and mines</h1>
<p>China mines about 60% of the world's rare earths. Australia mined 29,000 tonnes of
rare-earth oxide in 2024.</p><p>Investors should watch the magnet makers.</p>
</article></body></html>"""
TEXT = (b"Title: A short note\n\nThe United States mined 45,000 tonnes of rare-earth oxide "
        b"in 2024. China controls most separation.\n")  # fmt: skip


def test_review_json_text_is_the_cli_critique(server_url: str, web_store_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    reply = post_json(server_url, "/api/review",
                      {"text": text, "date": "2025-09-01", "title": "Sample"})  # fmt: skip
    assert reply.status == 201, reply.body[:500]
    critique = reply.json()
    review_id = reply.headers["X-Review-Id"]
    assert reply.headers["Location"] == f"/api/review/{review_id}"
    result = runner.invoke(
        cli_app, ["review", "-", "--date", "2025-09-01", "--title", "Sample", "--format", "json",
                  "--db", str(web_store_path)], input=text,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert critique == json.loads(result.stdout)
    assert critique["title"] == "Sample" and critique["date"] == "2025-09-01"
    assert {c["verdict"] for c in critique["claims"]} >= {"supported", "contradicted"}
    assert set(critique["ratings"]) and critique["bottom_line"]


@pytest.mark.parametrize(("name", "data", "title"), [
    ("article.html", HTML, "Magnets and mines"),
    ("note.txt", TEXT, "A short note"),
])  # fmt: skip
def test_review_file_upload(server_url: str, name: str, data: bytes, title: str) -> None:
    reply = post_file(server_url, "/api/review", name, data)
    assert reply.status == 201, reply.body[:500]
    critique = reply.json()
    assert critique["title"] == title
    assert critique["source"] == name
    assert critique["claims"]
    assert get(server_url, reply.headers["Location"]).json() == critique


def test_review_upload_takes_date_and_title_fields(server_url: str) -> None:
    reply = post_file(server_url, "/api/review", "note.txt", TEXT, date="2024-01-02",
                      title="Given title")  # fmt: skip
    assert reply.status == 201, reply.body[:500]
    assert reply.json()["date"] == "2024-01-02"
    assert reply.json()["title"] == "Given title"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": 123}, "text"),
        ({"text": ["a", "b"]}, "text"),
        ({"title": "no text"}, "text"),
        ({"text": "China mines rare earths.", "date": "15 July 2025"}, "date"),
        ({"text": "   "}, None),
        ([1, 2], None),
    ],
)
def test_review_bad_json_is_422(server_url: str, payload: Any, field: str | None) -> None:
    assert_error(post_json(server_url, "/api/review", payload), 422, field)


def test_review_rejects_other_files_and_content_types(server_url: str) -> None:
    assert_error(post_file(server_url, "/api/review", "sheet.xlsx", b"PK\x03\x04 binary"), 422)
    reply = request(server_url, "/api/review", method="POST", body=b"text",
                    content_type="text/plain")  # fmt: skip
    assert_error(reply, 415)
    boundary = "b0und"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n"
            f"--{boundary}--\r\n").encode()  # fmt: skip
    reply = request(server_url, "/api/review", method="POST", body=body,
                    content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert_error(reply, 422, "file")


def test_review_oversize_upload_is_413(server_url: str) -> None:
    before = len(get(server_url, "/api/review").json()["reviews"])
    data = b"<p>" + b"rare earths " * (MAX_UPLOAD_BYTES // 12) + b"</p>"
    data += b" " * (MAX_UPLOAD_BYTES + 1 - len(data))
    assert len(data) == MAX_UPLOAD_BYTES + 1  # the body is under the cap: the file is checked
    body = assert_error(post_file(server_url, "/api/review", "big.html", data), 413, "file")
    assert str(MAX_UPLOAD_BYTES) in body["expected"]
    huge = b"<p>" + b"rare earths " * (MAX_UPLOAD_BYTES // 6) + b"</p>"  # refused by length
    assert_error(post_file(server_url, "/api/review", "huge.html", huge), 413, "file")
    assert_error(post_json(server_url, "/api/review", {"text": "x" * (MAX_UPLOAD_BYTES + 1)}),
                 413)  # fmt: skip
    assert len(get(server_url, "/api/review").json()["reviews"]) == before


def test_earlier_reviews_are_listed_and_fetched(server_url: str) -> None:
    first = post_file(server_url, "/api/review", "note.txt", TEXT)
    second = post_json(server_url, "/api/review", {"text": TEXT.decode(), "title": "Second"})
    assert first.status == second.status == 201
    listed = get(server_url, "/api/review").json()["reviews"]
    ids = [r["id"] for r in listed]
    newest = second.headers["X-Review-Id"]
    assert ids[0] == newest and first.headers["X-Review-Id"] in ids
    summary = listed[0]
    assert summary["title"] == "Second"
    assert summary["url"] == f"/api/review/{newest}"
    assert set(summary["verdicts"]) == set(VERDICTS)  # every verdict counted, zeros too
    assert sum(summary["verdicts"].values()) == len(second.json()["claims"])
    assert set(summary["ratings"]) == set(second.json()["ratings"])
    assert summary["created"].endswith("+00:00")
    assert get(server_url, summary["url"]).json() == second.json()
    assert_error(get(server_url, "/api/review/unknown"), 404, "id")


def test_the_reviewer_is_built_once_and_reused(web_app: Any, server_url: str) -> None:
    post_file(server_url, "/api/review", "note.txt", TEXT)
    reviewer = web_app.state.reviewer
    assert reviewer is not None
    post_file(server_url, "/api/review", "note.txt", TEXT)
    assert web_app.state.reviewer is reviewer


# -- data and sources ---------------------------------------------------------------------
def test_data_lists_tables_with_counts(server_url: str, web_store_path: Path) -> None:
    tables = {t["table"]: t for t in get(server_url, "/api/data").json()["tables"]}
    info = Store(web_store_path).info()
    assert set(tables) == set(info["table"])
    mine = tables["mine_production"]
    assert mine["curated_rows"] > 0 and "country" in mine["columns"]
    assert mine["url"] == "/api/data/mine_production"


def test_data_rows_with_a_filter(server_url: str, web_store_path: Path) -> None:
    body = get(server_url, "/api/data/mine_production", country="CHN", year=2024).json()
    frame = Store(web_store_path).table("mine_production", filters={"country": "CHN",
                                                                     "year": "2024"})
    assert body["table"] == "mine_production"
    assert body["total"] == len(frame) > 0
    assert body["filters"] == {"country": "CHN", "year": "2024"}
    assert all(r["country"] == "CHN" and r["year"] == 2024 for r in body["rows"])
    shown = cli_json("data", "show", "mine_production", "-w", "country=CHN", "-w", "year=2024",
                     "--limit", "0", "--format", "json", "--db", str(web_store_path))
    assert body["rows"] == shown


def test_data_limit_and_offset_page_through_the_rows(server_url: str) -> None:
    whole = get(server_url, "/api/data/sources", limit=10_000).json()
    page = get(server_url, "/api/data/sources", limit=5, offset=5).json()
    assert page["total"] == whole["total"] > 10
    assert page["rows"] == whole["rows"][5:10]
    assert (page["limit"], page["offset"]) == (5, 5)
    default = get(server_url, "/api/data/sources").json()
    assert default["limit"] == 1000
    assert get(server_url, "/api/data/sources", offset=10**6).json()["rows"] == []


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/data/no_such_table", {}, 404, "table"),
        ("/api/data/_meta", {}, 404, "table"),
        ("/api/data/_imports", {}, 404, "table"),
        ("/api/data/mine_production", {"colour": "red"}, 422, "colour"),
        ("/api/data/mine_production", {"country; DROP TABLE sources": "x"}, 422, "country"),
        ("/api/data/mine_production", {"limit": 0}, 422, "limit"),
        ("/api/data/mine_production", {"limit": 10_001}, 422, "limit"),
        ("/api/data/mine_production", {"offset": -1}, 422, "offset"),
    ],
)
def test_data_bad_requests(
    server_url: str, path: str, params: dict, status: int, field: str
) -> None:
    assert_error(get(server_url, path, **params), status, field)


def test_sql_in_a_filter_value_is_only_a_value(server_url: str) -> None:
    body = get(server_url, "/api/data/sources", source_id="x' OR '1'='1").json()
    assert body["total"] == 0
    assert get(server_url, "/api/data/sources").json()["total"] > 0


def test_sources_list_and_one_source(server_url: str, web_store_path: Path) -> None:
    listed = get(server_url, "/api/sources").json()
    assert listed["total"] == len(listed["sources"]) == len(Store(web_store_path).sources())
    one = get(server_url, "/api/sources/usgs-mcs-2026-ree").json()
    expected = cli_json("data", "sources", "usgs-mcs-2026-ree", "--format", "json",
                        "--db", str(web_store_path))  # fmt: skip
    assert [one] == expected
    assert one["title"]
    assert_error(get(server_url, "/api/sources/not-a-source"), 404, "source_id")


# -- derisk serve -------------------------------------------------------------------------
def test_serve_command_runs_uvicorn_with_the_app(
    monkeypatch: pytest.MonkeyPatch, web_store_path: Path
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"], seen["kwargs"] = app, kwargs

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = runner.invoke(cli_app, ["serve", "--port", "8765", "--db", str(web_store_path),
                                     "--read-only"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen["kwargs"]["host"] == "127.0.0.1" and seen["kwargs"]["port"] == 8765
    assert seen["app"].state.read_only is True
    assert seen["app"].state.store.path == web_store_path
    result = runner.invoke(cli_app, ["serve", "--help"])
    for option in ("--host", "--port", "--db", "--read-only"):
        assert option in result.output


# -- in-memory bookkeeping (these tests patch module constants; keep them last) -----------
def test_a_running_forecast_cannot_be_downloaded_and_a_failure_is_reported(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import derisk.forecast.run as run

    real = run.forecast
    release = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "forecast", slow)
    accepted = post_json(server_url, "/api/forecast", {"draws": 5}).json()
    status = get(server_url, accepted["url"]).json()
    assert status["status"] in ("queued", "running") and status["result"] is None
    assert status["downloads"] == {}
    assert_error(get(server_url, f"{accepted['url']}/download"), 409, "id")
    release.set()
    assert wait_done(server_url, accepted["url"])["status"] == "done"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(run, "forecast", broken)
    accepted = post_json(server_url, "/api/forecast", {"draws": 5}).json()
    status = wait_done(server_url, accepted["url"])
    assert status["status"] == "failed"
    assert "model exploded" in status["error"] and status["result"] is None
    assert_error(get(server_url, f"{accepted['url']}/download"), 409, "id")


def test_only_the_newest_forecasts_keep_their_draws(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import derisk.web.api as api

    monkeypatch.setattr(api, "KEEP_DATASETS", 1)
    first = post_json(server_url, "/api/forecast", {"draws": 5, "seed": 1}).json()
    assert wait_done(server_url, first["url"])["status"] == "done"
    second = post_json(server_url, "/api/forecast", {"draws": 5, "seed": 2}).json()
    assert wait_done(server_url, second["url"])["status"] == "done"
    old = get(server_url, first["url"]).json()
    assert old["result"]["seed"] == 1 and old["downloads"] == {}  # the JSON result stays
    assert_error(get(server_url, f"{first['url']}/download"), 410, "id")
    assert get(server_url, f"{second['url']}/download").status == 200


def test_only_the_last_reviews_are_kept(
    server_url: str, web_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import derisk.web.api as api

    monkeypatch.setattr(api, "MAX_REVIEWS", 2)
    ids = [post_file(server_url, "/api/review", "note.txt", TEXT).headers["X-Review-Id"]
           for _ in range(3)]  # fmt: skip
    listed = [r["id"] for r in get(server_url, "/api/review").json()["reviews"]]
    assert listed == ids[::-1][:2]
    assert list(web_app.state.review_results) == ids[1:]
    assert_error(get(server_url, f"/api/review/{ids[0]}"), 404, "id")

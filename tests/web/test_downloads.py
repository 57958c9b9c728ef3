"""Downloads against the real server: each chart's CSV holds the numbers its figure
plots, and every API list answers as CSV with the same rows as its JSON.

The pages are the app's own (derisk.web.sitemap walks its routes); the figure numbers
are read here from the figure JSON on the page, independently of the server's reading.
"""

from __future__ import annotations

import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from plotted import assert_csv_is_the_figure, cards, fetch

from derisk.web import chartbook
from derisk.web.sitemap import pages


@pytest.fixture(scope="module")
def chart_pages(web_app, server_url: str) -> dict[str, str]:
    """Every page but the source pages (they draw no chart), fetched once."""
    urls = [p.url for p in pages(web_app, web_app.state.store) if "{source_id}" not in p.route]
    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda u: fetch(server_url + u), urls))
    for url, (status, _, _) in zip(urls, bodies, strict=True):
        assert status == 200, url
    return {u: b.decode() for u, (_, _, b) in zip(urls, bodies, strict=True)}


def test_every_chart_on_every_page_downloads_its_plotted_numbers(chart_pages, server_url) -> None:
    found = [(url, c) for url, body in chart_pages.items() for c in cards(body)]
    assert {c[0] for _, c in found} == set(chartbook.SPECS), "a chart is on no page"

    def check(item: tuple[str, tuple[str, str, str]]) -> None:
        url, (ident, csv_url, payload) = item
        status, headers, data = fetch(server_url + csv_url)
        assert status == 200 and headers["content-type"].startswith("text/csv"), csv_url
        assert_csv_is_the_figure(data.decode(), payload, f"{url} {ident}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(check, found))


def test_each_selection_downloads_what_it_draws(web_app, server_url: str) -> None:
    """A selector reloads the page with the choice; its card and CSV follow it."""
    pages_of = {"heatmap": "/", "production": "/", "chokepoints": "/",
                "element-prices": "/element/Nd", "element-demand": "/element/Nd"}  # fmt: skip
    store = web_app.state.store
    for chart_id, path in pages_of.items():
        spec = chartbook.SPECS[chart_id]
        context = {"symbol": "Nd"} if spec.context else {}
        default = chartbook.build(store, chart_id, context)
        (param,) = spec.params
        for value, _ in default.choices[param.name][:3]:
            status, _, body = fetch(f"{server_url}{path}?{urlencode({param.name: value})}")
            assert status == 200
            (card,) = [c for c in cards(body.decode()) if c[0] == chart_id]
            assert f"{param.name}={urlencode({'': value})[1:]}" in card[1]
            _, _, data = fetch(server_url + card[1])
            assert_csv_is_the_figure(data.decode(), card[2], f"{path} {param.name}={value}")


def test_chart_api_lists_the_charts_and_refuses_what_it_does_not_take(server_url) -> None:
    _, _, body = fetch(server_url + "/api/charts")
    listed = json.loads(body)["charts"]
    assert [c["id"] for c in listed] == list(chartbook.SPECS)
    for chart in listed:
        status, _, answer = fetch(server_url + chart["url"])
        assert status == 200, chart
        data = json.loads(answer)
        assert data["rows"] and data["columns"][0] == "series" and data["sources"]
    for url, status, field in [
        ("/api/charts/nope", 404, "chart_id"),
        ("/api/charts/heatmap?colour=red", 422, "colour"),
        ("/api/charts/heatmap?measure=colour", 422, "measure"),
        ("/api/charts/element-prices?symbol=Pm", 404, None),
    ]:
        got, _, answer = fetch(server_url + url)
        assert got == status, (url, answer)
        assert json.loads(answer)["field"] == field or field is None


def list_endpoints(web_app) -> list[str]:
    """Every GET /api path that answers a list, with its path parameters filled in."""
    fill = {"{table}": "mine_production", "{chart_id}": "production"}
    out = []
    for path, item in web_app.openapi()["paths"].items():
        if "get" not in item or not path.startswith("/api"):
            continue
        if re.search(r"\{(job_id|review_id|source_id)\}", path):
            continue  # one record each (covered by the one-record case below)
        for key, value in fill.items():
            path = path.replace(key, value)
        out.append(path + ("?bloc=US" if path.endswith("/dependency") else ""))
    return out


def test_every_api_list_answers_csv_with_the_same_rows(web_app, server_url: str) -> None:
    from derisk.web.formats import records_of

    for path in list_endpoints(web_app):
        status, headers, body = fetch(server_url + path)
        assert status == 200, path
        sep = "&" if "?" in path else "?"
        assert headers.get("link", "").endswith('rel="alternate"; type="text/csv"'), path
        records = records_of(json.loads(body))
        status, headers, text = fetch(f"{server_url}{path}{sep}_format=csv")
        assert status == 200 and headers["content-type"].startswith("text/csv"), path
        rows = list(csv.DictReader(io.StringIO(text.decode())))
        assert len(rows) == len(records), path
        if records:
            assert list(rows[0]) == list(dict.fromkeys(k for r in records for k in r)), path


def test_csv_keeps_the_filters_and_sort_and_errors_stay_json(server_url: str) -> None:
    query = "country=chn&_sort_desc=year&limit=5"
    _, _, body = fetch(f"{server_url}/api/data/mine_production?{query}")
    page = json.loads(body)
    _, headers, text = fetch(f"{server_url}/api/data/mine_production?{query}&_format=csv")
    assert 'filename="mine_production.csv"' in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    assert [r["year"] for r in rows] == [str(r["year"]) for r in page["rows"]]
    assert {r["country"] for r in rows} == {"CHN"}
    status, headers, body = fetch(f"{server_url}/api/data/mine_production?colour=1&_format=csv")
    assert status == 422 and headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert error["field"] == "colour" and "country" in error["expected"]
    status, _, body = fetch(f"{server_url}/api/sources?_format=xml")
    assert status == 400 and json.loads(body)["field"] == "_format"
    status, _, text = fetch(f"{server_url}/api/sources/usgs-mcs-2026-ree?_format=csv")
    assert status == 200 and len(list(csv.DictReader(io.StringIO(text.decode())))) == 1

"""Dashboard pages against a real uvicorn server (the `server_url` fixture in conftest.py).

Each page answers 200 with its title and chart containers; unknown names give a 404
page; nothing is loaded from another host; every source id links to /sources/ID; and
dynamic text is escaped.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from html import unescape
from pathlib import Path

import pytest

from derisk.web import pages

PAGES = [
    (
        "/",
        "Overview",
        ["chart-stage-share", "chart-heatmap", "chart-production", "chart-chokepoints"],
    ),
    ("/element/Nd", "Neodymium (Nd)", ["chart-element-shares", "chart-element-prices"]),
    # Dy and Tb show heavy-REE figures only; none is dated, so no share chart (issue 10).
    ("/element/Dy", "Dysprosium (Dy)", ["chart-element-demand"]),
    ("/element/Tb", "Terbium (Tb)", []),
    ("/element/Pr", "Praseodymium (Pr)", ["chart-element-shares"]),
    ("/bloc/US", "Bloc: US", ["chart-dependency", "chart-facilities"]),
    ("/bloc/EU27", "Bloc: EU27", ["chart-dependency", "chart-facilities"]),
    ("/bloc/JP", "Bloc: JP", ["chart-dependency"]),
    ("/scenarios", "Scenarios", ["forecast-form", "chart-fan-shortfall", "chart-fan-chinafree"]),
    ("/review", "Review an article", ["review-form", "review-result", "review-list"]),
    ("/data", "Data &amp; sources", ["table-tables"]),
    ("/data/prices", "Table: prices", ["table-data"]),
    ("/sources/usgs-mcs-2026-ree", "Source: usgs-mcs-2026-ree", ["source-facts"]),
]


def get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8")


def get_bytes(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback
        return response.status, response.read()


def title_of(body: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", body, flags=re.S)
    assert match, "page has no <h1>"
    return match.group(1)


@pytest.fixture(scope="module")
def fetched(server_url: str) -> dict[str, tuple[int, dict[str, str], str]]:
    """Every page of PAGES, fetched once."""
    return {path: get(server_url + path) for path, _, _ in PAGES}


@pytest.mark.parametrize(("path", "title", "containers"), PAGES, ids=[p for p, _, _ in PAGES])
def test_page_answers_with_title_and_containers(
    fetched: dict, path: str, title: str, containers: list[str]
) -> None:
    status, headers, body = fetched[path]
    assert status == 200, body[:500]
    assert headers["content-type"].startswith("text/html")
    assert title in title_of(body)
    for ident in containers:
        assert f'id="{ident}"' in body, f"{path} lacks #{ident}"
    # a strict policy: scripts, styles and fetches from this server only
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


@pytest.mark.parametrize(
    "path",
    ["/element/Xx", "/element/Nd2", "/bloc/ZZ", "/bloc/NATO", "/data/nope", "/sources/no-such-id"],
)
def test_unknown_names_give_a_404_page(server_url: str, path: str) -> None:
    status, headers, body = get(server_url + path)
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert "Unknown" in title_of(body)
    assert 'class="error"' in body


def _asset_urls(body: str) -> list[str]:
    """src= of every <script>/<img>/<iframe> and href= of every <link>."""
    found = re.findall(
        r"<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=['\"]([^'\"]+)", body
    )
    found += re.findall(r"<link\b[^>]*\bhref=['\"]([^'\"]+)", body)
    return found


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES])
def test_no_page_loads_anything_from_another_host(fetched: dict, path: str) -> None:
    body = fetched[path][2]
    assets = _asset_urls(body)
    assert assets, "expected the page's own stylesheet and scripts"
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), f"{path} loads {asset}"
    # the only absolute http(s) URLs on a page are links to sources (<a href=...>)
    for match in re.finditer(r"https?://", body):
        before = body[max(0, match.start() - 200) : match.start()]
        in_link = re.search(r"<a\b[^>]*href=['\"]$", before)
        in_text = not re.search(r"<[^>]*$", before)  # plain text or JSON data, not a tag
        assert in_link or in_text, (
            f"{path}: off-host reference near {body[match.start() - 60 :][:120]}"
        )
    assert "@import" not in body and "fonts.googleapis" not in body and "cdn." not in body


def test_static_files_reference_no_other_host() -> None:
    for file in pages.STATIC_DIR.iterdir():
        text = file.read_text(encoding="utf-8")
        text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a fetch
        assert not re.search(r"https?://", text), f"{file.name} names an external URL"


def test_plotly_is_served_from_the_installed_package(server_url: str) -> None:
    assert not (pages.STATIC_DIR / "plotly.min.js").exists(), "plotly.min.js must not be copied"
    status, served = get_bytes(server_url + "/static/plotly.min.js")
    assert status == 200
    original = pages.plotly_js_path().read_bytes()
    assert hashlib.sha256(served).digest() == hashlib.sha256(original).digest()
    for name in ("app.js", "style.css", "scenarios.js", "review.js"):
        assert get_bytes(f"{server_url}/static/{name}")[0] == 200


def test_a_table_page_links_every_source_id(server_url: str) -> None:
    status, _, body = get(server_url + "/data/prices")
    assert status == 200
    cells = re.findall(r'<td class="sources">(.*?)</td>', body, flags=re.S)
    assert cells, "no source_id cells"
    for cell in cells:
        links = re.findall(r'href="(/sources/[^"]+)"', cell)
        assert links, f"a source cell without a link: {cell}"
    first = unescape(re.findall(r'href="(/sources/[^"]+)"', cells[0])[0])
    status, _, source = get(server_url + first)
    assert status == 200
    for label in ("Title", "Publisher", "Date", "URL"):
        assert f"<dt>{label}</dt>" in source


def test_a_source_page_shows_title_publisher_date_and_url(server_url: str) -> None:
    _, _, body = get(server_url + "/sources/usgs-mcs-2026-ree")
    assert "Mineral Commodity Summaries 2026" in body
    assert "U.S. Geological Survey" in body
    assert 'href="https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf"' in body
    assert "/data/mine_production?source_id=usgs-mcs-2026-ree" in body


def test_table_filters_and_paging(server_url: str) -> None:
    _, _, body = get(server_url + "/data/prices?element=Nd&size=5")
    rows = re.findall(r"<tr><td>([^<]*)</td>", body)
    assert rows and set(rows) == {"Nd"}
    assert len(rows) == 5
    assert "page 1 of" in body and "next" in body
    _, _, second = get(server_url + "/data/prices?element=Nd&size=5&page=2")
    assert "page 2 of" in second and "previous" in second
    status, _, bad = get(server_url + "/data/prices?no_such_column=1")
    assert status == 400 and "unknown column" in bad


def test_every_chart_has_a_title_units_sources_and_four_views(fetched: dict) -> None:
    for path in ("/", "/element/Nd", "/bloc/US"):
        body = fetched[path][2]
        blocks = re.findall(
            r'<figure class="chart-box grapher" id="(chart-[^"]+)-card".*?'
            r'<script type="application/json" id="\1-data">(.*?)</script>.*?'
            r'<figcaption class="chart-sources">(.*?)</figcaption></figure>',
            body,
            flags=re.S,
        )
        assert blocks, f"{path} has no charts"
        for ident, payload, caption in blocks:
            layout = json.loads(payload)["layout"]
            title = (
                layout["title"]["text"] if isinstance(layout["title"], dict) else layout["title"]
            )
            assert title, f"{path} #{ident} has no title"
            axis_titles = [
                (v.get("title") or {}).get("text", "")
                for k, v in layout.items()
                if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict)
            ]
            labels = [a.get("text", "") for a in layout.get("annotations", [])]
            units = " ".join(axis_titles + labels) + " " + title
            assert re.search(r"%|t REO|USD|kt|HHI|year|score", units), f"{ident}: no units"
            notes = [a["text"] for a in layout.get("annotations", []) if "Sources:" in a["text"]]
            assert notes, f"{path} #{ident} has no source footnote in the figure"
            assert 'href="/sources/' in caption, f"{path} #{ident} caption links no source"
            for view in ("chart", "table", "sources", "download"):
                assert f'id="{ident}-view-{view}"' in body and f'id="{ident}-tab-{view}"' in body
            assert f'data-download="png" data-chart="{ident}"' in body
            assert f'data-download="svg" data-chart="{ident}"' in body


def test_a_selector_keeps_the_other_selections_of_the_page(server_url: str) -> None:
    _, _, body = get(server_url + "/?bloc=EU27&measure=hhi")
    form = re.search(r'<form class="chart-controls" method="get" action="/#production">(.*?)'
                     r"</form>", body, flags=re.S)  # fmt: skip
    assert form, "the production chart has no selector"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[1]))
    assert hidden == {"bloc": "EU27", "measure": "hhi"}
    assert "Market concentration (HHI" in body and "Chokepoints (EU27)" in body
    status, _, bad = get(server_url + "/?measure=colour")
    assert status == 400 and "china_share, hhi" in bad


def test_the_data_browser_sorts_filters_facets_and_exports(server_url: str) -> None:
    _, _, body = get(server_url + "/data/mine_production?country=chn&_sort_desc=value&size=5")
    values = [float(v.replace(",", "")) for v in re.findall(
        r"<tr><td>CHN</td><td>\d{4}</td><td>([\d,.]+)</td>", body)]  # fmt: skip
    assert len(values) == 5 and values == sorted(values, reverse=True)
    assert "page 1 of" in body and "rows</span>" in body
    # the header that is sorted by offers the other order; the others sort ascending
    assert 'href="/data/mine_production?country=chn&amp;_sort=value&amp;size=5"' in body
    assert 'href="/data/mine_production?country=chn&amp;_sort=year&amp;size=5"' in body
    facets = set(re.findall(r'<div class="facet" data-facet="([^"]+)">', body))
    assert {"country", "year", "source_id"} <= set(facets)
    assert re.search(r'<li class="chosen">CHN \(\d+\) <a href="/data/mine_production\?'
                     r'_sort_desc=value&amp;size=5">remove</a>', body)  # fmt: skip
    csv_link = unescape(re.search(r'class="export-csv" href="([^"]+)"', body)[1])
    assert csv_link == ("/api/data/mine_production?country=chn&_sort_desc=value&limit=10000"
                        "&_format=csv")  # fmt: skip
    status, _, text = get(server_url + csv_link)
    total = int(re.search(r"page 1 of \d+ · ([\d,]+) rows", body)[1].replace(",", ""))
    assert status == 200 and len(text.strip().splitlines()) == total + 1


def test_the_data_browser_names_the_valid_columns(server_url: str) -> None:
    for query in ("colour=red", "_sort=colour"):
        status, _, body = get(server_url + "/data/mine_production?" + query)
        assert status == 400 and "colour" in body
        assert "country, year, value" in body, "the valid columns are listed"


def test_heavy_elements_show_heavy_figures_not_the_magnet_group(server_url: str) -> None:
    _, _, body = get(server_url + "/element/Dy")
    assert 'id="chart-element-shares"' not in body  # magnet-group shares are Nd's, not Dy's
    assert "heavy rare earth" in body
    assert "undated figures only" in body  # the ~100% statements, listed as undated


def test_promethium_is_shown_as_not_mined(server_url: str) -> None:
    _, _, body = get(server_url + "/element/Pm")
    assert "Not mined" in body


def test_elements_without_data_say_so(server_url: str) -> None:
    _, _, body = get(server_url + "/element/Pm")
    assert "no data in the dataset" in body
    assert "Promethium" in body


def test_dynamic_text_is_escaped(server_url: str) -> None:
    status, _, body = get(server_url + "/element/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert status == 404
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    _, _, body = get(server_url + "/data/prices?element=%3Cb%3Ex%3C%2Fb%3E")
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


def test_bloc_aliases_and_links(server_url: str) -> None:
    status, _, body = get(server_url + "/bloc/EU")
    assert status == 200 and "Bloc: EU27" in body
    _, _, body = get(server_url + "/bloc/US")
    assert "MP Materials" in body  # funding and facilities in the US
    assert 'id="table-benchmarks"' in body


def test_overview_chokepoints_follow_the_bloc(server_url: str) -> None:
    _, _, body = get(server_url + "/?bloc=EU27")
    assert "Chokepoints (EU27)" in body
    status, _, _ = get(server_url + "/?bloc=Atlantis")
    assert status == 404


def test_scenarios_page_offers_every_preset(server_url: str) -> None:
    from derisk.forecast.scenario import presets

    _, _, body = get(server_url + "/scenarios")
    for name in presets():
        assert f'<option value="{name}"' in body
    levers = re.search(
        r'<script type="application/json" id="preset-levers">(.*?)</script>', body, flags=re.S
    )
    assert levers
    data = json.loads(levers.group(1))
    assert data["baseline"]["export_controls"], "baseline has its export controls"
    assert "collection_rate" in data["baseline"]


def test_a_page_script_block_cannot_be_closed_by_data() -> None:
    from derisk.web.templates import json_block

    block = json_block("x", {"text": "</script><script>alert(1)</script>"})
    assert block.count("</script>") == 1
    assert json.loads(re.search(r">(.*)</script>", block).group(1))["text"].startswith("</script>")


def test_static_dir_ships_the_dashboard_assets() -> None:
    names = {p.name for p in Path(pages.STATIC_DIR).iterdir()}
    assert {"app.js", "style.css", "scenarios.js", "review.js"} <= names

"""The dashboard in a real browser: Chromium (headless) through Playwright's sync API.

Every page must draw its Plotly charts with no console error, a scenario run from the
form must end in fan charts, a pasted article must get its ratings table, and no request
may leave the machine (page.route aborts and records anything not on the test server).

Screenshots go to the test's tmp_path and, when DERISK_SCREENSHOTS is set (e.g.
`DERISK_SCREENSHOTS=docs/screenshots`), also to that folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = os.environ.get("DERISK_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium binary at {CHROMIUM} (set DERISK_CHROMIUM to a chromium executable)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright  # noqa: E402

ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHART_TIMEOUT_MS = 60_000
FORECAST_TIMEOUT_MS = 180_000

ARTICLE = (
    "China's grip on rare earths\n\n"
    "China controls 90% of rare earth magnet production. In 2024 China mined 270,000 "
    "tonnes of rare earths, about 70% of world output. MP Materials received $400 million "
    "from the US Department of Defense in 2025. <img src=x onerror=\"document.title='pwned'\">"
)


@dataclass
class Watch:
    """What a page did that it should not: console errors, uncaught errors, off-host calls."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.blocked, f"requests to other hosts: {self.blocked}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def guard_route(r: Route, watch: Watch) -> None:
    """Let local requests through; abort and record any to another host."""
    parsed = urlparse(r.request.url)
    if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
        watch.blocked.append(r.request.url)
        r.abort()
    else:
        r.continue_()


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    """A fresh page whose console errors and off-host requests are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()
    context.route("**/*", lambda r: guard_route(r, watch))
    page = context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            watch.errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda err: watch.errors.append(f"uncaught: {err}"))
    try:
        yield page, watch
    finally:
        context.close()


def save_screenshot(page: Page, tmp_path: Path, name: str, height: int | None = None) -> None:
    """The page from the top, ``height`` pixels tall (None: the whole page)."""
    target = tmp_path / name
    width = page.viewport_size["width"] if page.viewport_size else 1280
    full = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": width, "height": min(height or full, full)}
    page.screenshot(path=str(target), full_page=True, clip=clip)
    folder = os.environ.get("DERISK_SCREENSHOTS")
    if folder:
        out = Path(folder)
        out = out if out.is_absolute() else REPO / out
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, out / name)


WIDTHS = (1400, 420)
#: Source pages share one template and there are hundreds; the walk takes the first two
#: and the one with the longest title and URL (the widest text such a page shows).
SOURCE_ROUTE = "/sources/{source_id}"

DRAWN = """() => [...document.querySelectorAll('div.chart[data-figure]')].every(
    (n) => n.classList.contains('js-plotly-plot') && n.dataset.drawn === String(n.clientWidth))"""
DRAWN_BY_ID = """(id) => { const n = document.getElementById(id);
    return n.dataset.drawn === String(n.clientWidth); }"""
#: Each drawn chart: its box, its title, legend (and each legend entry), plot area and
#: x-axis titles and tick labels, as [left, top, right, bottom] in page pixels.
BOXES = """() => [...document.querySelectorAll('div.chart.js-plotly-plot')].map((gd) => {
  const r = (e) => { if (!e) return null; const b = e.getBoundingClientRect();
                     return [b.left, b.top, b.right, b.bottom]; };
  const box = gd.getBoundingClientRect(), s = gd._fullLayout._size;
  const title = document.getElementById(gd.id + '-title');
  return { id: gd.id, box: r(gd), title: r(title), titleText: title ? title.textContent : '',
    legend: r(gd.querySelector('.legend .bg')),
    entries: [...gd.querySelectorAll('.legend .traces')].map(r),
    plot: [box.left + s.l, box.top + s.t, box.left + s.l + s.w, box.top + s.t + s.h],
    axis: [...gd.querySelectorAll('.g-xtitle text, .xtick text')].map(r) };
})"""


def walk_pages(app) -> list[str]:
    """Every page of the app's routes (derisk.web.sitemap), source pages sampled."""
    from derisk.web.sitemap import pages

    store = app.state.store
    found = pages(app, store)
    sources = store.table("sources")
    longest = sources.assign(n=sources["title"].fillna("").str.len()
                             + sources["url"].fillna("").str.len()).sort_values("n")
    keep = {*sources["source_id"].head(2), longest["source_id"].iloc[-1]}
    return [p.url for p in found if p.route != SOURCE_ROUTE
            or unquote(p.url.rsplit("/", 1)[-1]) in keep]  # fmt: skip


def overlap(a: list[float] | None, b: list[float] | None, slack: float = 1.0) -> bool:
    if a is None or b is None:
        return False
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and (
        b[1] < a[3] - slack
    )


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)  # fmt: skip


def layout_problems(page: Page, where: str) -> list[str]:
    """Sideways scroll, and charts whose title, legend or plot collide or are cut."""
    problems = []
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{where}: the page scrolls sideways ({scroll} > {inner} px)")
    for chart in page.evaluate(BOXES):
        name = f"{where} #{chart['id']}"
        title, legend, box = chart["title"], chart["legend"], chart["box"]
        if not title or not chart["titleText"].strip():
            problems.append(f"{name}: no title")
        elif not inside(title, [box[0], title[1], box[2], title[3]]):
            problems.append(f"{name}: the title is cut ({title} in {box})")
        if legend is None:
            continue
        if overlap(title, legend):
            problems.append(f"{name}: title {title} and legend {legend} overlap")
        if overlap(legend, chart["plot"]):
            problems.append(f"{name}: the legend {legend} covers the plot {chart['plot']}")
        if any(overlap(legend, a) for a in chart["axis"] if a):
            problems.append(f"{name}: the legend covers the x axis")
        hidden = [e for e in chart["entries"] if e and not inside(e, legend, 2)]
        if not inside(legend, box) or hidden:
            problems.append(f"{name}: the legend is cut or scrolls ({len(hidden)} hidden)")
    return problems


@pytest.fixture(scope="module")
def shared(browser: Browser, server_url: str) -> Iterator[tuple[Page, Watch]]:
    """One page for the walk: plotly.min.js is fetched and parsed once, not per page."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    watch = Watch()
    context.route("**/*", lambda r: guard_route(r, watch))
    page = context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: watch.errors.append(f"uncaught: {err}"))
    try:
        yield page, watch
    finally:
        context.close()


def test_every_page_fits_both_widths_and_its_charts_do_not_collide(
    shared: tuple[Page, Watch], server_url: str, web_app, tmp_path: Path
) -> None:
    page, watch = shared
    problems: list[str] = []
    urls = walk_pages(web_app)
    assert len(urls) > 40 and "/" in urls and "/data/prices" in urls
    for i, url in enumerate(urls):
        # odd pages are drawn narrow first and widened, even ones the other way round
        order = WIDTHS if i % 2 == 0 else WIDTHS[::-1]
        page.set_viewport_size({"width": order[0], "height": 900})
        response = page.goto(server_url + url, wait_until="domcontentloaded")
        assert response is not None and response.status == 200, url
        for width in order:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_function(DRAWN, timeout=CHART_TIMEOUT_MS)
            problems += layout_problems(page, f"{url} at {width} px")
        if url == "/":
            page.set_viewport_size({"width": 1280, "height": 900})
            page.wait_for_function(DRAWN, timeout=CHART_TIMEOUT_MS)
            save_screenshot(page, tmp_path, "overview.png", height=1750)
    assert not problems, "\n".join(problems)
    watch.assert_clean()


def test_chart_views_and_downloads(shared: tuple[Page, Watch], server_url: str) -> None:
    """Tabs switch views; PNG and SVG are drawn in the browser; the CSV link downloads
    the numbers of the drawn figure; a selector reloads the page with its choice."""
    from plotted import assert_csv_is_the_figure

    page, watch = shared
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server_url + "/", wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=CHART_TIMEOUT_MS)
    card = page.locator("#chart-production-card")
    title = page.locator("#chart-production-title").text_content() or ""
    assert "mine production" in title
    card.locator("[role=tab][data-view=table]").click()
    assert card.locator("#chart-production-view-table").is_visible()
    assert not card.locator("#chart-production-view-chart").is_visible()
    rows = card.locator("#chart-production-table tbody tr").count()
    card.locator("[role=tab][data-view=sources]").click()
    assert card.locator(".chart-source-list a[href^='/sources/']").count() > 0
    card.locator("[role=tab][data-view=download]").click()
    for fmt in ("png", "svg"):
        with page.expect_download() as got:
            card.locator(f"button[data-download={fmt}]").click()
        assert got.value.suggested_filename == f"chart-production.{fmt}"
        head = Path(got.value.path()).read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in head
    with page.expect_download() as got:
        card.locator("a.download-csv").click()
    text = Path(got.value.path()).read_text(encoding="utf-8")
    figure = page.locator("#chart-production-data").text_content() or ""
    assert_csv_is_the_figure(text, figure, "/ production")
    assert len(text.strip().splitlines()) == rows + 1
    card.locator("[role=tab][data-view=chart]").click()
    heat = page.locator("#chart-heatmap-card")
    with page.expect_navigation():
        heat.locator("select[name=measure]").select_option("hhi")
    assert "measure=hhi" in page.url
    page.wait_for_function(DRAWN, timeout=CHART_TIMEOUT_MS)
    assert "HHI" in (page.locator("#chart-heatmap-title").text_content() or "")
    assert "measure=hhi" in (page.locator("#chart-heatmap-card").get_attribute("data-csv") or "")
    watch.assert_clean()


def test_the_sample_review_and_report_fit_1400_px(browser: Browser, web_app, tmp_path) -> None:
    """The HTML a reader opens from `make demo`: the sample article's review and the
    diagnosis report, each at 1400 px (wide tables scroll in their own box)."""
    from derisk.demo import SAMPLE_ARTICLE
    from derisk.report.html import write_report
    from derisk.report.review import render
    from derisk.review.reading.text import read_article
    from derisk.web.api import _reviewer

    review = tmp_path / "sample.review.html"
    critique = _reviewer(web_app).review(read_article(SAMPLE_ARTICLE))
    review.write_text(render(critique, "html"), encoding="utf-8")
    report = write_report(web_app.state.store, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        for path in (review, report):
            page.goto(path.as_uri(), wait_until="load")
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll <= inner, f"{path.name} is {scroll} px wide at {inner} px"
    finally:
        page.close()


def test_scenario_run_draws_fan_charts(
    watched: tuple[Page, Watch], server_url: str, tmp_path: Path
) -> None:
    page, watch = watched
    page.goto(server_url + "/scenarios", wait_until="networkidle")
    page.fill("input[name=draws]", "100")
    page.fill("#scenario-a input[name=collection_rate]", "0.3")
    page.fill("#scenario-a input[name=approval_rate]", "0.5")
    page.check("#compare")
    page.select_option("#scenario-b select[name=scenario]", "full-ban")
    page.click("#run-forecast")
    page.wait_for_selector("#progress-a", timeout=CHART_TIMEOUT_MS)
    page.wait_for_selector("#chart-fan-shortfall .main-svg", timeout=FORECAST_TIMEOUT_MS)
    page.wait_for_selector("#chart-fan-chinafree .main-svg", timeout=FORECAST_TIMEOUT_MS)
    # two runs: each a band (2 traces) and a P50 line in the shortfall chart
    traces = page.evaluate("document.getElementById('chart-fan-shortfall').data.length")
    assert traces == 6
    names = page.evaluate(
        "document.getElementById('chart-fan-shortfall').data.map(t => t.name).join('|')"
    )
    assert "A baseline P50" in names and "B full-ban P50" in names
    share_title = page.locator("#chart-fan-chinafree-title").text_content() or ""
    assert "China-free share of US demand" in share_title
    assert page.locator("#derisked-table tbody tr").count() >= 4
    assert "Nd" in page.locator("#derisked-table").inner_text()
    hrefs = page.locator("#forecast-downloads a").evaluate_all("els => els.map(a => a.href)")
    assert any("format=csv" in h for h in hrefs) and any("format=nc" in h for h in hrefs)
    assert page.locator("#fan-sources-1 a[href^='/sources/']").count() > 0
    page.select_option("#fan-element", "Dy")
    page.wait_for_function(
        "() => document.getElementById('chart-fan-shortfall-title').textContent.startsWith('Dy')"
    )
    page.select_option("#fan-element", "Nd")
    page.wait_for_function(
        "() => document.getElementById('chart-fan-shortfall-title').textContent.startsWith('Nd')"
    )
    page.locator("#forecast-results").scroll_into_view_if_needed()
    save_screenshot(page, tmp_path, "scenario.png", height=2150)
    page.set_viewport_size({"width": 420, "height": 900})
    page.wait_for_function(DRAWN_BY_ID, arg="chart-fan-shortfall", timeout=CHART_TIMEOUT_MS)
    problems = layout_problems(page, "/scenarios with results at 420 px")
    assert not problems, problems
    with page.expect_download() as got:
        page.click("button[data-download=png][data-chart=chart-fan-shortfall]")
    assert got.value.suggested_filename == "chart-fan-shortfall.png"
    watch.assert_clean()


def test_scenario_bad_override_shows_the_api_error(
    watched: tuple[Page, Watch], server_url: str
) -> None:
    page, watch = watched
    page.goto(server_url + "/scenarios", wait_until="networkidle")
    page.fill("input[name=draws]", "10")
    page.fill("#scenario-a textarea[name=extra]", "no_such_lever=1")
    page.click("#run-forecast")
    page.wait_for_selector("#forecast-error:not([hidden])", timeout=CHART_TIMEOUT_MS)
    assert page.locator("#forecast-error").inner_text().strip()
    # the browser logs the 422 response itself; that is the expected outcome here
    watch.errors[:] = [e for e in watch.errors if "422" not in e]
    watch.assert_clean()


def test_review_of_a_pasted_article_shows_ratings(
    watched: tuple[Page, Watch], server_url: str, tmp_path: Path
) -> None:
    page, watch = watched
    page.goto(server_url + "/review", wait_until="networkidle")
    page.fill("input[name=title]", "China's grip <b>on</b> rare earths")
    page.fill("input[name=date]", "2025-08-01")
    page.fill("textarea[name=text]", ARTICLE)
    page.click("#run-review")
    page.wait_for_selector("#review-ratings", timeout=CHART_TIMEOUT_MS)
    ratings = page.locator("#review-ratings tbody tr")
    assert ratings.count() == 4
    text = page.locator("#review-ratings").inner_text()
    for criterion in ("Claim Clarity", "Financial Transparency", "Investor Usefulness"):
        assert criterion in text
    assert page.locator("#review-claims tbody tr").count() >= 1
    assert page.locator("#review-claims a[href^='/sources/']").count() >= 1
    # the article's markup is shown as text, never parsed
    assert page.locator("#review-result img, #review-result b").count() == 0
    assert page.title() != "pwned"
    assert "<b>on</b>" in page.locator("#review-title").inner_text()
    page.wait_for_selector("#review-list-table", timeout=CHART_TIMEOUT_MS)
    assert "China's grip" in page.locator("#review-list-table").inner_text()
    save_screenshot(page, tmp_path, "review.png")
    page.set_viewport_size({"width": 420, "height": 900})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 420, f"the review result scrolls sideways at 420 px ({scroll} px)"
    watch.assert_clean()


def test_review_of_an_uploaded_file(
    watched: tuple[Page, Watch], server_url: str, tmp_path: Path
) -> None:
    page, watch = watched
    article = tmp_path / "article.md"
    article.write_text("# Magnets\n\n" + ARTICLE, encoding="utf-8")
    page.goto(server_url + "/review", wait_until="networkidle")
    page.set_input_files("input[name=file]", str(article))
    page.click("#run-review")
    page.wait_for_selector("#review-ratings", timeout=CHART_TIMEOUT_MS)
    assert page.locator("#review-ratings tbody tr").count() == 4
    watch.assert_clean()

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
from urllib.parse import urlparse

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


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    """A fresh page whose console errors and off-host requests are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()

    def route(r: Route) -> None:
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            watch.blocked.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    context.route("**/*", route)
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


PAGES = [
    "/",
    "/element/Nd",
    "/element/Dy",
    "/element/Pm",
    "/bloc/US",
    "/bloc/EU27",
    "/scenarios",
    "/review",
    "/data",
    "/data/facilities",
    "/sources/usgs-mcs-2026-ree",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_its_charts_without_errors(
    watched: tuple[Page, Watch], server_url: str, path: str, tmp_path: Path
) -> None:
    page, watch = watched
    response = page.goto(server_url + path, wait_until="networkidle")
    assert response is not None and response.status == 200
    expected = page.locator("div.chart[data-figure]").count()
    if expected:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=expected,
            timeout=CHART_TIMEOUT_MS,
        )
        drawn = page.locator("div.chart[data-figure].js-plotly-plot").count()
        assert drawn == expected, f"{path}: {drawn} of {expected} charts drawn"
    if path == "/":
        save_screenshot(page, tmp_path, "overview.png", height=1750)
    watch.assert_clean()


def test_overview_charts_show_titles_and_sources(
    watched: tuple[Page, Watch], server_url: str
) -> None:
    page, watch = watched
    page.goto(server_url + "/", wait_until="networkidle")
    page.wait_for_selector("#chart-heatmap .main-svg", timeout=CHART_TIMEOUT_MS)
    title = page.locator("#chart-heatmap .gtitle").text_content() or ""
    assert "Concentration by stage and element group" in title
    notes = page.locator("#chart-heatmap .annotation-text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert any(n.startswith("Sources:") for n in notes)
    caption = page.locator("figure:has(#chart-production) figcaption a[href^='/sources/']")
    assert caption.count() > 0
    watch.assert_clean()


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
    share_title = page.locator("#chart-fan-chinafree .gtitle").text_content() or ""
    assert "China-free share of US demand" in share_title
    assert page.locator("#derisked-table tbody tr").count() >= 4
    assert "Nd" in page.locator("#derisked-table").inner_text()
    hrefs = page.locator("#forecast-downloads a").evaluate_all("els => els.map(a => a.href)")
    assert any("format=csv" in h for h in hrefs) and any("format=nc" in h for h in hrefs)
    assert page.locator("#fan-sources-1 a[href^='/sources/']").count() > 0
    page.select_option("#fan-element", "Dy")
    page.wait_for_function(
        "document.querySelector('#chart-fan-shortfall .gtitle').textContent.startsWith('Dy')"
    )
    page.select_option("#fan-element", "Nd")
    page.wait_for_function(
        "document.querySelector('#chart-fan-shortfall .gtitle').textContent.startsWith('Nd')"
    )
    page.locator("#forecast-results").scroll_into_view_if_needed()
    save_screenshot(page, tmp_path, "scenario.png", height=2150)
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

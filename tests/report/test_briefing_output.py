"""The briefing as files a reader pastes: escaping, links, milestones, and the PDF.

Markdown is pasted as is, so it must carry no HTML escapes; the HTML must be escaped
exactly once (a title's "'" as &#x27;, never &amp;#x27;); every link must lead to a
source in the store; and a milestone never reached reads "not by 2050", once a row.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from unicodedata import normalize

import pytest
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.report.briefing import chromium_path, write_pdf
from derisk.report.forecast_charts import milestone_line, milestone_table, milestone_text

ESCAPES = re.compile(r"&(?:amp|lt|gt|quot|apos|#x?[0-9a-fA-F]+);")


class _Page(HTMLParser):
    """The text a browser shows (scripts and styles left out) and every link's href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _special_titles(brief) -> list[str]:
    """Cited titles with a character HTML must escape: what makes the escaping tests bite."""
    titles = [str(t) for t in brief.cited["title"] if re.search(r"[&<>'\"]", str(t))]
    assert titles, "no cited title has a character to escape"
    return titles


def test_markdown_has_no_html_escapes(brief, brief_files) -> None:
    md = brief_files[1].read_text(encoding="utf-8")
    assert not ESCAPES.findall(md)
    for title in _special_titles(brief):
        assert title.replace("|", "\\|") in md


def test_html_is_escaped_exactly_once(brief, brief_files) -> None:
    raw = brief_files[0].read_text(encoding="utf-8")
    shown = " ".join(_page(brief_files[0]).text)
    assert not ESCAPES.findall(shown)  # an escape left after decoding was escaped twice
    for title in _special_titles(brief):
        assert title in shown
        assert html.escape(title) in raw
    for finding in brief.findings:
        assert finding.text in shown


def test_every_link_leads_to_a_source_in_the_store(brief, brief_files, session_store) -> None:
    sources = session_store.table("sources")
    urls = set(sources["url"].dropna())
    hrefs = _page(brief_files[0]).hrefs
    md = brief_files[1].read_text(encoding="utf-8")
    md_links = re.findall(r"\]\((https?://[^)\s]+)\)", md)
    assert hrefs and md_links
    assert set(hrefs) <= urls and set(md_links) <= urls
    listed = re.findall(r"^\| ([^|]+?) \| ", md.split("## 3. Sources")[1], flags=re.M)[1:]
    assert set(listed) == set(brief.cited["source_id"]) <= set(sources["source_id"])
    for finding in brief.findings:  # every finding's sources are in the Sources section
        assert set(finding.source_ids) <= set(listed)


def test_milestones_read_not_by_2050_once_per_row(brief, brief_files) -> None:
    md = brief_files[1].read_text(encoding="utf-8")
    page = " ".join(_page(brief_files[0]).text)
    for text in (md, page):
        assert "never" not in text
    for line in md.split("## 2. Prognosis")[1].splitlines():
        assert line.count("not by 2050") <= 2  # the milestones once, the CRMA column once
    end = brief.prognoses[0].end_year
    for p in brief.prognoses:
        table = milestone_table(p.summary, ("Nd",), end, brief.names)
        (row,) = table.rows
        assert sum(c.span for c in row) == len(table.headers)


def test_a_milestone_reads_its_years_or_not_by_the_horizon() -> None:
    never = {"p10": None, "p50": None, "p90": None}
    assert milestone_text(never, 2050) == "not by 2050"
    assert milestone_text({"p10": 2046, "p50": None, "p90": None}, 2050) == "not by 2050 (P10 2046)"
    assert milestone_text({"p10": 2031, "p50": 2035, "p90": None}, 2050) == "2035 (2031–after 2050)"
    assert milestone_text({"p10": 2031, "p50": 2035, "p90": 2040}, 2050) == "2035 (2031–2040)"
    assert milestone_text({"p10": 2035, "p50": 2035, "p90": 2035}, 2050) == "2035"
    reached = {"p10": 2029, "p50": 2031, "p90": 2034}
    line = milestone_line({"10": reached, "25": never, "50": never, "crma_65": never}, 2050)
    assert line == "10%: 2031 (2029–2034); 25–50%: not by 2050"
    assert milestone_line({"10": never, "25": never}, 2050) == "10–25%: not by 2050"


def test_report_refuses_an_unknown_format(built_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "brief"
    done = CliRunner().invoke(
        app, ["report", "--out", str(out), "--format", "docx", "--db", str(built_store_path)]
    )
    assert done.exit_code == 2 and "unknown briefing format" in done.output
    assert not out.exists()


def test_pdf_without_playwright_is_a_clear_error_before_any_forecast(
    built_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import now fails
    out = tmp_path / "brief"
    done = CliRunner().invoke(
        app, ["report", "--out", str(out), "--format", "pdf", "--db", str(built_store_path)]
    )
    assert done.exit_code == 2
    assert "needs Playwright" in done.output and "Traceback" not in done.output
    assert not out.exists()


@pytest.mark.skipif(
    not Path(chromium_path()).exists() or shutil.which(chromium_path()) is None,
    reason="no Chromium (set DERISK_CHROMIUM)",
)
def test_pdf_is_printed_with_the_key_findings_on_page_one(brief_files, tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    from pypdf import PdfReader

    pdf = write_pdf(brief_files[0], tmp_path / "briefing.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = [normalize("NFKC", p.extract_text()) for p in PdfReader(pdf).pages]  # no "ﬁ"
    assert "Key findings" in pages[0] and "Outlook to 2050" in pages[0]
    assert "1. Diagnosis" not in pages[0] and pages[1].lstrip().startswith("1. Diagnosis")

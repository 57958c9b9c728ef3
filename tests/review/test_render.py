"""Rendering a critique (report.review): section order in Markdown, escaping of hostile
article text in HTML and Markdown, and JSON that round-trips."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from derisk.data.store import Store
from derisk.report.review import FORMATS, render, to_html, to_json, to_markdown
from derisk.review.reading.text import article_from_text
from derisk.review.writing.critique import Critique, Reviewer

SECTIONS = (
    "## Highlights",
    "## What Holds Up",
    "## Where It Slips",
    "## Could Not Be Checked",
    "## What's Missing",
    "## Bottom line",
    "## Investor Takeaway",
    "## Ratings",
)
HOSTILE_TITLE = '"><script>alert("title")</script>'
HOSTILE = (
    "China mines about 69% of the world's rare earths <script>alert(1)</script> and "
    "refines about 90% of them.\n\n"
    "MP Materials <img src=x onerror=alert(1)> took a $400 million equity investment "
    "from the Pentagon in July 2025.\n\n"
    "China has a monopoly on rare earths | and <b onmouseover=alert(2)>magnets</b>."
)
PLAIN = (
    "China mines about 69% of the world's rare earths and refines about 90% of them. "
    "In April 2025 China imposed export controls on nine rare earths. "
    "We believe the West will catch up within a decade."
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text between tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def reviewer(session_store: Store) -> Reviewer:
    return Reviewer(session_store)


@pytest.fixture(scope="module")
def hostile(reviewer: Reviewer) -> Critique:
    return reviewer.review(article_from_text(HOSTILE, title=HOSTILE_TITLE, kind="text"))


@pytest.fixture(scope="module")
def plain(reviewer: Reviewer) -> Critique:
    return reviewer.review(article_from_text(PLAIN, title="A plain piece"))


# -- Markdown -------------------------------------------------------------------------------
def test_markdown_has_the_sections_in_order(plain: Critique) -> None:
    md = to_markdown(plain)
    lines = md.splitlines()
    positions = [lines.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert lines[0] == "# A plain piece"


def test_markdown_lists_every_claim_and_rating(plain: Critique) -> None:
    md = to_markdown(plain)
    d = plain.to_dict()
    rows = [line for line in md.splitlines() if line.startswith("| ") and " | " in line]
    for claim in d["claims"]:
        assert any(claim["text"] in r and f"| {claim['verdict']} |" in r for r in rows)
    for rating in d["ratings"].values():
        assert any(f"| {rating['level']} |" in r for r in rows)


def test_markdown_escapes_markup_and_table_pipes(hostile: Critique) -> None:
    md = to_markdown(hostile)
    # every "<" that could open a tag is backslash-escaped (CommonMark shows a bare "<")
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", md)
    assert "\\<script>" in md
    assert "&lt;" not in md and "&gt;" not in md and "&amp;" not in md
    # a pipe in the article cannot add a column to the claims table
    claims = md.split("## Claims checked", 1)[1]
    for row in (r for r in claims.splitlines() if r.startswith("| ") and "monopoly" in r):
        assert len(re.findall(r"(?<!\\)\|", row)) == 4


def _with_arrows(critique: Critique) -> Critique:
    import dataclasses

    return dataclasses.replace(
        critique,
        holds_up=["Recycling supplies <1 % of rare earths — US DoD -> MP Materials & Co."],
        bottom_line="Sound: <1 % -> fine.",
    )


def test_markdown_has_no_html_escapes_for_plain_symbols(plain: Critique) -> None:
    md = to_markdown(_with_arrows(plain))
    assert "Recycling supplies <1 % of rare earths — US DoD -> MP Materials & Co." in md
    assert "Sound: <1 % -> fine." in md
    assert not re.search(r"&(?:lt|gt|amp);", md)


def test_html_escapes_exactly_once(plain: Critique) -> None:
    page = to_html(_with_arrows(plain))
    assert "Recycling supplies &lt;1 % of rare earths — US DoD -&gt; MP Materials &amp; Co." in page
    assert "&amp;lt;" not in page and "&amp;gt;" not in page and "&amp;amp;" not in page
    text = "".join(parse(page).text)
    assert "US DoD -> MP Materials & Co." in text


# -- HTML -----------------------------------------------------------------------------------
def test_html_has_no_script_element_and_no_event_handler(hostile: Critique) -> None:
    html = to_html(hostile)
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\bon\w+\s*=", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*onerror=", html)
    parsed = parse(html)
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names and "img" not in names and "b" not in names
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value and value.startswith(("http://", "https://")), value


def test_html_shows_the_article_payload_as_text(hostile: Critique) -> None:
    parsed = parse(to_html(hostile))
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert HOSTILE_TITLE in text
    title = [t for t in parsed.tags if t[0] in ("title", "h1")]
    assert len(title) == 2


def test_html_sections_and_claim_rows(hostile: Critique) -> None:
    html = to_html(hostile)
    d = hostile.to_dict()
    parsed = parse(html)
    h2 = [t for t, _ in parsed.tags].count("h2")
    assert h2 == len(SECTIONS) + 1  # plus "Claims checked"
    headings = [unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert headings == [s[3:] for s in SECTIONS] + ["Claims checked"]
    rows = [t for t, _ in parsed.tags].count("tr")
    assert rows == 1 + len(d["ratings"]) + 1 + len(d["claims"])


def test_html_declares_a_restrictive_content_security_policy(plain: Critique) -> None:
    parsed = parse(to_html(plain))
    metas = [dict(a) for t, a in parsed.tags if t == "meta"]
    csp = [m for m in metas if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


# -- JSON -----------------------------------------------------------------------------------
def test_json_round_trips(hostile: Critique, plain: Critique) -> None:
    for critique in (hostile, plain):
        text = to_json(critique)
        assert json.loads(text) == json.loads(json.dumps(critique.to_dict(), default=str))
    assert json.loads(to_json(hostile))["title"] == HOSTILE_TITLE


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_on_format(plain: Critique, fmt: str) -> None:
    expected = {"md": to_markdown, "html": to_html, "json": to_json}[fmt](plain)
    assert render(plain, fmt) == expected

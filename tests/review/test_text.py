"""Stage 1 of the review: reading articles (text, Markdown, HTML, PDF) into sentences."""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

import pytest
from fixtures_text import news_page, pdf_bytes, write_pdf
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.errors import InputError
from derisk.review.reading import text as text_module
from derisk.review.reading.text import (
    MAX_BYTES,
    Article,
    article_from_text,
    parse_date,
    read_article,
    read_article_bytes,
    split_sentences,
)

JULY_10 = datetime.date(2025, 7, 10)


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# --------------------------------------------------------------------- sentence splitting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. imports rare earths from China. The E.U. and the U.K. do too.",
            ["The U.S. imports rare earths from China.", "The E.U. and the U.K. do too."],
        ),
        (
            "Heavy elements, e.g. dysprosium, i.e. the costly ones, matter. Light ones less.",
            ["Heavy elements, e.g. dysprosium, i.e. the costly ones, matter.", "Light ones less."],
        ),
        (
            "Mr. Li met Dr. Ng of Lynas Corp. and Acme Inc. on Jan. 5. They agreed.",
            ["Mr. Li met Dr. Ng of Lynas Corp. and Acme Inc. on Jan. 5.", "They agreed."],
        ),
        (
            "Shenghe Resources Co. Ltd. and MP Ltd. signed deal No. 3 vs. No. 4. It closed.",
            ["Shenghe Resources Co. Ltd. and MP Ltd. signed deal No. 3 vs. No. 4.", "It closed."],
        ),
        (
            "Output was approx. 240,000 t, est. 10% more, in Dec. 2024. Prices rose 3.5 per cent.",
            [
                "Output was approx. 240,000 t, est. 10% more, in Dec. 2024.",
                "Prices rose 3.5 per cent.",
            ],
        ),
        (
            "J. Smith and J. R. Tolkien wrote it. Then they left.",
            ["J. Smith and J. R. Tolkien wrote it.", "Then they left."],
        ),
        (
            "She said “we are … Not sure yet” and left. Next sentence.",
            ["She said “we are … Not sure yet” and left.", "Next sentence."],
        ),
        ("Is it over? Yes! 2025 was worse.", ["Is it over?", "Yes!", "2025 was worse."]),
        (
            'He said so. "Prices will rise," she replied.',
            ["He said so.", '"Prices will rise," she replied.'],
        ),
        # an ambiguous abbreviation ends a sentence only before a typical sentence opener
        (
            "It sold the plant to Lynas Corp. The deal closed.",
            ["It sold the plant to Lynas Corp.", "The deal closed."],
        ),
        (
            "Lynas Corp. Chief Executive Amanda Lacaze spoke.",
            ["Lynas Corp. Chief Executive Amanda Lacaze spoke."],
        ),
        (
            "Heading without a full stop\n\nFirst paragraph.\nStill the first paragraph.",
            ["Heading without a full stop", "First paragraph.", "Still the first paragraph."],
        ),
        ("lower case after a stop. does not split", ["lower case after a stop. does not split"]),
    ],
)
def test_split_sentences_respects_abbreviations(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_multi_sentence_quote_stays_with_its_attribution() -> None:
    sentences = split_sentences("“Supply is tight. Prices will rise,” said Jane Doe. Then more.")
    assert sentences == ["“Supply is tight. Prices will rise,” said Jane Doe.", "Then more."]


def test_a_very_long_quote_is_split_but_never_at_an_ellipsis() -> None:
    """Protecting a whole quotation is for statements, not for a quoted page of text."""
    inner = " ".join(f"Statement number {i} is long enough to matter here." for i in range(14))
    text = f"“{inner} We cut … Prices rose.” Done."
    sentences = split_sentences(text)
    assert len(sentences) > 10
    assert "We cut … Prices rose.”" in sentences
    assert sentences[-1] == "Done."


def test_split_sentences_normalises_whitespace() -> None:
    assert split_sentences("  One   two\tthree.\n Four  five.  ") == [
        "One two three.",
        "Four five.",
    ]


WORDS = st.text(alphabet="abcdefXYZ0123456789", min_size=1, max_size=8)
TOKENS = st.sampled_from(
    [
        "U.S.", "e.g.", "i.e.", "Mr.", "Dr.", "Inc.", "Corp.", "Co.", "No.", "vs.", "approx.",
        "Jan.", "J.", "3.5", "...", "…", ".", "!", "?", ",", "“", "”", '"', "'", "(", ")",
        "The", "China", "90%", "said",
    ]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "", " \n \n "])


@st.composite
def article_like_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.one_of(WORDS, TOKENS), SEPARATORS), max_size=80))
    return "".join(token + sep for token, sep in parts)


@given(st.one_of(article_like_text(), st.text(max_size=300)))
@settings(max_examples=300)
def test_split_sentences_loses_no_characters_and_makes_no_empty_sentence(text: str) -> None:
    sentences = split_sentences(text)
    assert "".join("".join(s.split()) for s in sentences) == "".join(text.split())
    assert all(s and s == s.strip() for s in sentences)


# ------------------------------------------------------------------ quotes and attribution


@pytest.mark.parametrize(
    ("sentence", "quote", "attribution"),
    [
        (
            "“We are worried about supply,” said John Smith, chief executive of Lynas.",
            "We are worried about supply",
            "John Smith",
        ),
        ('"Prices will rise," Smith said.', "Prices will rise", "Smith"),
        (
            "China mined 70% of rare earths in 2024, according to the U.S. Geological Survey.",
            None,
            "U.S. Geological Survey",
        ),
        (
            "According to data from Adamas Intelligence, magnet prices doubled.",
            None,
            "Adamas Intelligence",
        ),
        (
            "Lynas CEO Amanda Lacaze told Reuters that output would rise.",
            None,
            "Lynas CEO Amanda Lacaze",
        ),
        ("Analysts say demand for magnets will grow.", None, "Analysts"),
        ("John Smith, chief executive of Lynas, said prices would rise.", None, "John Smith"),
        ("The official, who was not authorised to speak, said exports fell.", None, "The official"),
        (
            "Ding Rijia, a professor in Beijing, says the rise shows that demand holds.",
            None,
            "Ding Rijia",
        ),
        (
            "John Berman, founder of Berman Capital, says China dominates mining, so prices rose.",
            None,
            "John Berman",
        ),
        ("Prices will rise, said the company in a statement.", None, "the company"),
        ("Chinese output, the ministry said on Thursday, rose 5%.", None, "the ministry"),
        ("In 2024 the Chinese government said exports would fall.", None, "Chinese government"),
        ("The IEA estimated that demand would double by 2040.", None, "IEA"),
        ("An estimated 90% of magnets are made in China.", None, None),
        ("It is fair to say that prices rose.", None, None),
        ("Prices rose 5% in June.", None, None),
        ("The so-called “rare earth crisis” is overblown.", "rare earth crisis", None),
    ],
)
def test_quote_and_attribution(sentence: str, quote: str | None, attribution: str | None) -> None:
    (only,) = article_from_text(sentence).sentences
    assert (only.quote, only.attribution) == (quote, attribution)


def test_a_pronoun_is_credited_to_the_last_named_source() -> None:
    article = article_from_text(
        "“Supply is tight,” said Jane Doe. Prices rose. “Demand is strong,” she said."
    )
    assert [s.attribution for s in article.sentences] == ["Jane Doe", None, "Jane Doe"]
    assert article.sentences[2].quote == "Demand is strong"


def test_sentences_are_numbered_within_the_article_and_by_paragraph() -> None:
    article = article_from_text("One. Two.\n\nThree.\n\n\n\nFour. Five.")
    assert [(s.text, s.index, s.paragraph) for s in article.sentences] == [
        ("One.", 0, 0),
        ("Two.", 1, 0),
        ("Three.", 2, 1),
        ("Four.", 3, 2),
        ("Five.", 4, 2),
    ]
    assert article.text == "One. Two.\n\nThree.\n\nFour. Five."
    assert all(s.text in article.text for s in article.sentences)


def test_word_count_counts_numbers_and_hyphenated_words_once() -> None:
    article = article_from_text("Lynas Corp. produced 10,500 t of rare-earth oxide.")
    assert article.word_count == 8


# ------------------------------------------------------------------------------ plain text


def test_text_file_with_title_and_date_header(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "story.txt",
        "Title: Magnets and China\nDate: July 10, 2025\n\nChina makes most magnets. "
        "Others make few.\n\nSecond paragraph.\n",
    )
    article = read_article(path)
    assert isinstance(article, Article)
    assert (article.title, article.date, article.kind) == ("Magnets and China", JULY_10, "text")
    assert article.source == str(path)
    assert "Title:" not in article.text
    assert [s.paragraph for s in article.sentences] == [0, 0, 1]


def test_explicit_title_and_date_win_over_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "story.txt", "Title: Old\nDate: 2020-01-01\n\nSome text here.")
    article = read_article(path, title="New", date=JULY_10)
    assert (article.title, article.date) == ("New", JULY_10)


def test_windows_1252_text_is_decoded(tmp_path: Path) -> None:
    path = _write(tmp_path / "cafe.txt", "Café owners said prices rose 5 €.".encode("cp1252"))
    assert read_article(path).text == "Café owners said prices rose 5 €."


# ------------------------------------------------------------------------------ Markdown

MARKDOWN = """---
title: "Magnets: the real chokepoint"
date: 2025-07-10
tags: [magnets, china]
---

# China and the magnet market

China makes **about 90%** of _sintered_ NdFeB magnets, according to
[Adamas Intelligence](https://example.com/adamas "Adamas").

## Outside China

- Lynas Corp. is the largest producer outside China.
* MP Materials restarted magnet output in `2025`.

> “Supply is tight,” said Jane Doe.

```python
print("CODE_PAYLOAD")
```

![chart](chart.png)
"""


def test_markdown_front_matter_and_syntax_stripping(tmp_path: Path) -> None:
    article = read_article(_write(tmp_path / "story.md", MARKDOWN))
    assert article.kind == "markdown"
    assert (article.title, article.date) == ("Magnets: the real chokepoint", JULY_10)
    texts = [s.text for s in article.sentences]
    assert texts == [
        "China and the magnet market",
        "China makes about 90% of sintered NdFeB magnets, according to Adamas Intelligence.",
        "Outside China",
        "Lynas Corp. is the largest producer outside China.",
        "MP Materials restarted magnet output in 2025.",
        "“Supply is tight,” said Jane Doe.",
    ]
    for syntax in ("**", "](", "```", "CODE_PAYLOAD", "chart.png", "# ", "> ", "- "):
        assert syntax not in article.text
    assert article.sentences[1].attribution == "Adamas Intelligence"
    assert article.sentences[-1].attribution == "Jane Doe"


def test_markdown_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    path = _write(tmp_path / "story.markdown", "Intro line.\n\n# The Heading\n\nBody text.")
    assert read_article(path).title == "The Heading"


# ---------------------------------------------------------------------------------- HTML

ARTICLE_BODY = """
<h1>China tightens its grip on rare earths</h1>
<p>China produced about 70% of the world&#8217;s mined rare earths in 2024,
   according to the U.S. Geological Survey.</p>
<p>&ldquo;Supply is tight,&rdquo; said Jane Doe, an analyst at Adamas Intelligence.
   Prices rose 3.5% in June &amp; July.
<p>Exports of magnets fell<br>in the second quarter.</p>
<ul><li><a href="/t/lithium">Lithium</a></li><li><a href="/t/cobalt">Cobalt news</a></li></ul>
"""
HEAD = """
<title>China tightens grip | Mining Weekly</title>
<meta property="og:title" content="China tightens its grip on rare earths &amp; magnets">
<meta property="article:published_time" content="2025-07-10T08:00:00+00:00">
"""
BOILERPLATE = [
    "Mining Weekly",
    "Markets menu",
    "cookies",
    "Accept all",
    "SCRIPT_PAYLOAD",
    "STYLE_PAYLOAD",
    "Share this article",
    "Tweet",
    "Subscribe",
    "Sidebar teaser",
    "Copyright",
    "Footer contact",
    "noscript",
    "Lithium",
    "Cobalt news",
]


def test_html_keeps_the_article_and_drops_page_furniture(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.html", news_page(head=HEAD, article=ARTICLE_BODY))
    article = read_article(path)
    assert article.kind == "html"
    assert (article.title, article.date) == (
        "China tightens its grip on rare earths & magnets",
        JULY_10,
    )
    for junk in BOILERPLATE:
        assert junk not in article.text, junk
    assert article.text.split("\n\n") == [
        "China tightens its grip on rare earths",
        "China produced about 70% of the world’s mined rare earths in 2024, according to the "
        "U.S. Geological Survey.",
        "“Supply is tight,” said Jane Doe, an analyst at Adamas Intelligence. "
        "Prices rose 3.5% in June & July.",
        "Exports of magnets fell in the second quarter.",
    ]
    by_text = {s.text: s for s in article.sentences}
    quoted = by_text["“Supply is tight,” said Jane Doe, an analyst at Adamas Intelligence."]
    assert (quoted.quote, quoted.attribution) == ("Supply is tight", "Jane Doe")


def test_prose_inside_a_wrapper_that_looks_like_furniture_is_kept() -> None:
    """Class names are only a hint: a story body in <div class="story related-on"> stays."""
    sentence = "Paragraph {} says China refined most of the rare earths and prices rose sharply."
    body = "".join(f"<p>{sentence.format(i)}</p>" for i in range(8))
    page = news_page(
        article=f'<div class="story-body related-enabled">{body}</div>'
        '<div class="related-links"><a href="/x">Teaser one</a><p>Short teaser.</p></div>'
    )
    article = article_from_text(page, kind="html")
    assert [s.text for s in article.sentences] == [sentence.format(i) for i in range(8)]


@pytest.mark.parametrize(
    ("head", "body_prefix", "title"),
    [
        ("<title>Rare earth prices | Mining Weekly</title>", "", "Rare earth prices"),
        ("", "<h1>Headline from the h1</h1>", "Headline from the h1"),
        (
            '<meta property="og:title" content="OG title"><title>Title tag</title>',
            "<h1>H1</h1>",
            "OG title",
        ),
    ],
)
def test_html_title_precedence(head: str, body_prefix: str, title: str) -> None:
    page = news_page(head=head, article=body_prefix + "<p>Prices rose in June.</p>")
    assert article_from_text(page, kind="html").title == title


@pytest.mark.parametrize(
    ("head", "body_prefix"),
    [
        ('<meta name="date" content="July 10, 2025">', ""),
        ('<meta name="dc.date" content="2025-07-10">', ""),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
            '[{"@type": "WebPage"}, {"@type": "NewsArticle", "datePublished": '
            '"2025-07-10T06:30:00Z"}]}</script>',
            "",
        ),
        ("", '<p>By Jane Doe, <time datetime="2025-07-10">10 July</time></p>'),
    ],
)
def test_html_date_from_metadata_json_ld_or_time(head: str, body_prefix: str) -> None:
    page = news_page(head=head, article=body_prefix + "<p>Prices rose in June.</p>")
    article = article_from_text(page, kind="html")
    assert article.date == JULY_10
    assert "datePublished" not in article.text


def test_explicit_title_and_date_win_over_html_metadata(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.htm", news_page(head=HEAD, article=ARTICLE_BODY))
    article = read_article(path, title="Mine", date=datetime.date(2024, 1, 2))
    assert (article.title, article.date) == ("Mine", datetime.date(2024, 1, 2))


MALFORMED = [
    "<div><p>Unclosed <b>bold <nav>menu items</div><p>Real text one.</span></i></p></p>",
    "</body></html><p>Stray end tags first. Real text one.",
    "<p>Real text one.<script>var x = '</p><p>SCRIPT_PAYLOAD';",
    "<html><head><title>T</title><p>Real text one. No body tag, no head end.",
    "<p>Real text one.<!weird declaration> <?pi?> <![if x]> <![CDATA[x]]> <a href='x' ",
    "<article><p>Real text one. Unclosed article and paragraph",
]


@pytest.mark.parametrize("page", MALFORMED)
def test_malformed_html_does_not_crash(page: str) -> None:
    article = article_from_text(page, kind="html")
    assert "Real text one." in article.text
    assert "SCRIPT_PAYLOAD" not in article.text
    assert "menu items" not in article.text


FRAGMENTS = st.sampled_from(
    [
        "<p>", "</p>", "<div>", "</div>", "<nav>", "</nav>", "<script>", "</script>",
        "<article>", "</article>", "<br>", "<br/>", "<!--", "-->", "<!", "<?", "&amp;", "&#",
        "&#x110000;", "<a href='x'>", "</a>", "<", ">", "<b", '"', "<title>", "</title>",
        "<h1>", "<li>", "<table><tr><td>", "<![CDATA[", "]]>", "Prices rose.", " text ",
        "<meta property='og:title' content='x'>", "<time datetime='2025-02-30'>",
    ]
)  # fmt: skip


@given(st.lists(FRAGMENTS, max_size=40))
@settings(max_examples=200)
def test_random_tag_soup_gives_an_article_or_an_input_error(parts: list[str]) -> None:
    try:
        article = article_from_text("".join(parts), kind="html")
    except InputError as exc:
        assert "empty article" in str(exc)
    else:
        assert article.word_count > 0


# ----------------------------------------------------------------------------------- PDF

PDF_PAGES = [
    [
        "Rare earth supply",
        "",
        "China refines most of the world's rare earths, and the separa-",
        "tion of heavy elements is concentrated there.",
        "Prices rose 3.5% in 2024, according to Adamas Intelligence.",
    ],
    ["2", "Lynas said output grew. The U.S. plant opened."],
]


def test_hand_written_pdf_is_valid_for_a_strict_reader() -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes(PDF_PAGES, title="T")), strict=True)
    assert len(reader.pages) == 2


def test_pdf_text_title_and_creation_date(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "report.pdf",
        PDF_PAGES,
        title="Rare earth outlook",
        creation_date="D:20250710120000Z",
    )
    article = read_article(path)
    assert (article.kind, article.title, article.date) == ("pdf", "Rare earth outlook", JULY_10)
    assert "separation of heavy elements" in article.text
    assert "separa-" not in article.text
    assert [s.text for s in article.sentences] == [
        "Rare earth supply",
        "China refines most of the world's rare earths, and the separation of heavy elements "
        "is concentrated there.",
        "Prices rose 3.5% in 2024, according to Adamas Intelligence.",
        "Lynas said output grew.",
        "The U.S. plant opened.",
    ]
    assert article.sentences[2].attribution == "Adamas Intelligence"


def test_pdf_explicit_date_wins_and_missing_metadata_is_fine(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "a.pdf", PDF_PAGES, creation_date="D:20200101")
    article = read_article(path, date=JULY_10)
    # no /Title: the first heading names it; the given date beats the creation date
    assert (article.title, article.date) == ("Rare earth supply", JULY_10)
    assert article.date_note == "article date as given (--date)"


def test_pdf_is_recognised_by_content_whatever_its_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "download.bin", pdf_bytes(PDF_PAGES))
    assert read_article(path).kind == "pdf"


def test_truncated_pdf_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    data = pdf_bytes(PDF_PAGES, title="T")
    path = _write(tmp_path / "broken.pdf", data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        read_article(path)
    assert caught.value.file == str(path)
    assert "PDF" in str(caught.value) and str(path) in str(caught.value)


def test_pdf_suffix_on_non_pdf_bytes_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read PDF"):
        read_article(_write(tmp_path / "fake.pdf", "just some text"))


def test_password_protected_pdf_is_an_input_error(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(PDF_PAGES))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = _write(tmp_path / "locked.pdf", buffer.getvalue())
    with pytest.raises(InputError, match="encrypted PDF") as caught:
        read_article(path)
    assert caught.value.file == str(path)


# ------------------------------------------------------------------- refusing bad input


def test_binary_file_is_an_input_error(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    for name in ("image.txt", "image.png", "image.html"):
        path = _write(tmp_path / name, png)
        with pytest.raises(InputError, match="binary file, not an article") as caught:
            read_article(path)
        assert caught.value.file == str(path)
        assert caught.value.expected == "text, Markdown, HTML or PDF"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", ""),
        ("blank.md", "  \n\n\t\n"),
        ("front-matter-only.md", "---\ntitle: Nothing\n---\n"),
        ("chrome-only.html", news_page(article="")),
        ("punctuation.txt", "... --- ***"),
    ],
)
def test_empty_article_is_an_input_error(tmp_path: Path, name: str, content: str) -> None:
    path = _write(tmp_path / name, content)
    with pytest.raises(InputError, match="empty article") as caught:
        read_article(path)
    assert caught.value.file == str(path)


def test_oversize_input_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_BYTES == 20 * 1024 * 1024
    monkeypatch.setattr(text_module, "MAX_BYTES", 64)
    path = _write(tmp_path / "long.txt", "Prices rose. " * 10)
    with pytest.raises(InputError, match="too large") as caught:
        read_article(path)
    assert caught.value.file == str(path)
    with pytest.raises(InputError, match="too large"):
        read_article_bytes(b"x" * 65, name="upload.txt")
    with pytest.raises(InputError, match="too large"):
        article_from_text("y" * 65)


def test_unsupported_file_type_names_the_accepted_kinds(tmp_path: Path) -> None:
    path = _write(tmp_path / "table.csv", "country,share\nChina,70\n")
    with pytest.raises(InputError, match="unsupported file type") as caught:
        read_article(path)
    assert caught.value.found == ".csv"
    for kind in ("text", "Markdown", "HTML", "PDF"):
        assert kind in str(caught.value)


def test_unknown_suffix_with_html_content_is_read_as_html(tmp_path: Path) -> None:
    path = _write(tmp_path / "saved.page", news_page(head=HEAD, article=ARTICLE_BODY))
    article = read_article(path)
    assert article.kind == "html"
    assert "SCRIPT_PAYLOAD" not in article.text


def test_missing_file_and_directory_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        read_article(tmp_path)


def test_unknown_kind_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown article kind"):
        article_from_text("Some text.", kind="docx")


# ------------------------------------------------------------------------ stdin and bytes


def test_stdin_html_is_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    page = news_page(head=HEAD, article=ARTICLE_BODY).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(page), encoding="utf-8"))
    article = read_article("-")
    assert (article.source, article.kind, article.date) == ("-", "html", JULY_10)
    assert "Markets menu" not in article.text


def test_stdin_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("China mined most. Others less."))
    article = read_article("-", title="Piped")
    assert (article.source, article.kind, article.title) == ("-", "text", "Piped")
    assert [s.text for s in article.sentences] == ["China mined most.", "Others less."]


def test_read_article_bytes_dispatches_on_the_name() -> None:
    assert read_article_bytes(MARKDOWN.encode(), name="up.md").kind == "markdown"
    assert read_article_bytes(b"Plain words here.", name="up.TXT").kind == "text"
    assert read_article_bytes(pdf_bytes(PDF_PAGES), name="up.pdf").source == "up.pdf"


# ---------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-10",
        "2025-07-10T08:00:00Z",
        "2025-07-10T08:00:00.123+02:00",
        "2025-07-10 08:00",
        "July 10, 2025",
        "Jul. 10 2025",
        "Thursday, July 10th, 2025",
        "10 July 2025",
        "10 Jul 2025",
        "Thu, 10 Jul 2025 08:00:00 GMT",
        "2025/07/10",
        "D:20250710120000+02'00'",
        "  2025-07-10  ",
    ],
)
def test_parse_date_accepts_common_formats(value: str) -> None:
    assert parse_date(value) == JULY_10


@pytest.mark.parametrize("value", ["", "yesterday", "2025", "2025-13-01", "Foo 10, 2025"])
def test_parse_date_rejects_the_rest(value: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(value)
    assert caught.value.found == value


# -- mastheads (issue 11) --------------------------------------------------------------------
def test_commented_header_block_gives_title_and_month_date(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "a.txt",
        (
            b"# SOURCE: Developing Rare Earth Processing Hubs\n# AUTHOR: A. Writer\n"
            b"# OUTLET/DATE: CSIS, July 2025\n#   a continuation note: not prose\n\n"
            b"China mines most rare earths.\n"
        ),
    )
    article = read_article(path)
    assert article.title == "Developing Rare Earth Processing Hubs"
    assert article.date == datetime.date(2025, 7, 1)
    assert "month only" in (article.date_note or "")
    assert [s.text for s in article.sentences] == ["China mines most rare earths."]


def test_first_line_title_and_dated_line_of_a_text_file() -> None:
    article = article_from_text(
        "The Long Road to Rare Earth Independence\n\nBy Jane Doe | June 12, 2025\n\n"
        "China refines most of the world's rare earths. Updated: 2025-06-20"
    )
    assert article.title == "The Long Road to Rare Earth Independence"
    assert article.date == datetime.date(2025, 6, 12)
    assert "By Jane Doe" not in article.text  # the dateline is not prose


def test_a_sentence_is_not_taken_for_a_title() -> None:
    article = article_from_text("Rare earths are used in magnets.\n\nChina mines most of them.")
    assert article.title is None


def test_markdown_heading_and_published_line() -> None:
    article = article_from_text(
        "# Rare earths: who holds the keys\n\n*Published 3 March 2025*\n\nChina mines 69%.",
        kind="markdown",
    )
    assert article.title == "Rare earths: who holds the keys"
    assert article.date == datetime.date(2025, 3, 3)


def test_html_published_time_beats_a_dated_line() -> None:
    page = (
        "<html><head><meta property='article:published_time' content='2025-05-02'>"
        "<meta property='og:title' content='Hubs'></head><body><article>"
        "<p>Published 1 January 2020</p><p>China mines most rare earths today.</p>"
        "</article></body></html>"
    )
    article = article_from_text(page, kind="html")
    assert (article.title, article.date) == ("Hubs", datetime.date(2025, 5, 2))
    assert article.date_note == "article date from its own metadata"


def test_pdf_creation_date_only_when_the_article_has_none(tmp_path: Path) -> None:
    dated = [["Rare earth supply", "", "Published 12 June 2025", "", *PDF_PAGES[0][2:]]]
    path = write_pdf(tmp_path / "d.pdf", dated, creation_date="D:20260101")
    article = read_article(path)
    assert article.date == datetime.date(2025, 6, 12)
    undated = write_pdf(tmp_path / "u.pdf", PDF_PAGES, creation_date="D:20260101")
    article = read_article(undated)
    assert article.date == datetime.date(2026, 1, 1)
    assert "creation date" in (article.date_note or "")


def test_a_junk_pdf_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "t.pdf", PDF_PAGES, title="Microsoft Word - draft3.docx")
    assert read_article(path).title == "Rare earth supply"

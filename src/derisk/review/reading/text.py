"""Stage 1 of ``derisk review``: turn an article file into clean text and sentences.

Everything downstream (claim extraction, checks, the critique) works on the
:class:`Article` built here, so this module and the readers it dispatches to own every
format quirk: HTML boilerplate (review.html_text), Markdown syntax (review.markdown_text),
plain-text headers (review.plain_text), PDF line wrapping and hyphenation
(review.pdf_text), odd encodings (here), and the sentence boundaries that decide what a
"claim" is (review.sentences; quotes and sources in review.attribution). It is
deliberately dependency-light (standard library plus ``pypdf`` for PDFs) and fast: the
review has to handle at least 20 articles of 1,000 words per second on one core, so
every regex is compiled once at import and the text of a 1,000-word article is
processed in about a millisecond.

Bad input never produces a traceback: every failure is an
:class:`~derisk.errors.InputError` that names the file and what was expected.
"""

from __future__ import annotations

import datetime
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from derisk.errors import InputError
from derisk.review.reading.attribution import _attributions, _find_quote
from derisk.review.reading.dates import parse_date as parse_date
from derisk.review.reading.html_text import _html_paragraphs
from derisk.review.reading.markdown_text import _markdown_paragraphs
from derisk.review.reading.masthead import read_masthead
from derisk.review.reading.pdf_text import _pdf_extract, _pdf_paragraphs
from derisk.review.reading.plain_text import _text_paragraphs
from derisk.review.reading.sentences import _split_paragraph
from derisk.review.reading.sentences import split_sentences as split_sentences

MAX_BYTES: int = 20 * 1024 * 1024
"""Larger inputs are refused: no real article is this big, and parsing one would stall
the review for everybody else."""

KINDS: tuple[str, ...] = ("text", "markdown", "html", "pdf")
ACCEPTED = "text (.txt), Markdown (.md), HTML (.html) or PDF (.pdf)"
_SUFFIX_KIND = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}


@dataclass(frozen=True)
class Sentence:
    """One sentence of the article, with who (if anyone) it quotes and credits.

    Claims are extracted per sentence, and a claim made by a quoted source is judged
    differently from one the author makes, hence ``quote`` and ``attribution``.
    """

    text: str
    index: int
    paragraph: int
    quote: str | None
    attribution: str | None


@dataclass(frozen=True)
class Article:
    """An article reduced to its main text, split into sentences, with title and date.

    ``text`` holds the paragraphs separated by blank lines; every sentence's text is a
    substring of it, so later stages can point back into the article.
    """

    title: str | None
    date: datetime.date | None
    text: str
    sentences: tuple[Sentence, ...]
    source: str
    kind: str
    word_count: int
    #: Where the date came from (the option, metadata, a dated line, a PDF's creation
    #: date), for the critique's notes; None when there is no date.
    date_note: str | None = None


# ----------------------------------------------------------------- decoding and dispatch

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_NON_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.05
_HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|main|p|div|h[1-6]|meta|title|span|br)\b",
    re.IGNORECASE,
)
_SNIFF_CHARS = 4096
_BINARY = "binary file, not an article"
_BINARY_EXPECTED = "text, Markdown, HTML or PDF"


def _is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-")


def _decode(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (BOM allowed), UTF-16 with a BOM, else Windows-1252.

    cp1252 decodes any byte string, so it is only tried on data that looks like text:
    NUL bytes or many control bytes mean a binary file (an image, a Word document).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(_BINARY, file=name, expected=_BINARY_EXPECTED) from None
    if b"\x00" in data:
        raise InputError(_BINARY, file=name, expected=_BINARY_EXPECTED)
    if data and len(data.translate(None, _NON_CONTROL)) > _MAX_CONTROL_SHARE * len(data):
        raise InputError(_BINARY, file=name, expected=_BINARY_EXPECTED)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_text_kind(text: str) -> str:
    """Kind of stdin input: HTML if it starts with a tag, Markdown if it looks like it."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "html"
    if head.startswith("---\n") or head.startswith("# "):
        return "markdown"
    return "text"


def _check_size(size: int, name: str) -> None:
    if size > MAX_BYTES:
        raise InputError(
            "article too large",
            file=name,
            expected=f"at most {MAX_BYTES} bytes",
            found=f"{size} bytes",
        )


def read_article_bytes(
    data: bytes,
    *,
    name: str,
    title: str | None = None,
    date: datetime.date | None = None,
) -> Article:
    """Read an article from bytes (an upload), choosing the format from ``name``.

    The suffix decides (.txt/.text, .md/.markdown, .html/.htm, .pdf); a PDF is
    recognised by its magic bytes whatever its name. ``name`` "-" means standard input:
    HTML if it starts with '<', else text. Other names are sniffed for HTML, and refused
    otherwise, so that a spreadsheet or Word file is not "reviewed" as gibberish.
    """
    _check_size(len(data), name)
    suffix = Path(name).suffix.lower() if name != "-" else ""
    kind = _SUFFIX_KIND.get(suffix)
    if _is_pdf(data) or kind == "pdf":
        text, meta_title, meta_date = _pdf_extract(data, name)
        return article_from_text(
            text,
            title=title,
            date=date,
            source=name,
            kind="pdf",
            pdf_title=meta_title,
            pdf_date=meta_date,
        )
    text = _decode(data, name)
    if name == "-":
        kind = _sniff_text_kind(text)
    elif kind is None:
        if not _HTML_SNIFF.search(text[:_SNIFF_CHARS]):
            raise InputError(
                "unsupported file type",
                file=name,
                expected=ACCEPTED,
                found=suffix or "no file suffix",
            )
        kind = "html"
    return article_from_text(text, title=title, date=date, source=name, kind=kind)


def _read_stdin() -> bytes:
    stream = sys.stdin
    if stream is None:
        raise InputError("no standard input to read", file="-")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer.read(MAX_BYTES + 1)
    return stream.read(MAX_BYTES + 1).encode("utf-8")


def read_article(
    path: str | Path,
    *,
    title: str | None = None,
    date: datetime.date | None = None,
) -> Article:
    """Read an article file (or "-" for standard input) into an :class:`Article`.

    The size is checked before reading, so a huge file is refused without being loaded.
    """
    name = str(path)
    if name == "-":
        return read_article_bytes(_read_stdin(), name="-", title=title, date=date)
    file = Path(path)
    try:
        if file.is_dir():
            raise InputError("is a directory, not an article", file=name, expected=ACCEPTED)
        _check_size(file.stat().st_size, name)
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    return read_article_bytes(data, name=name, title=title, date=date)


# ------------------------------------------------------------------------ assembly

_WORD = re.compile(r"\w+(?:[-'’.,/]\w+)*")
_HAS_WORD = re.compile(r"\w")


def article_from_text(
    text: str,
    *,
    title: str | None = None,
    date: datetime.date | None = None,
    source: str = "<text>",
    kind: str = "text",
    pdf_title: str | None = None,
    pdf_date: datetime.date | None = None,
) -> Article:
    """Build an :class:`Article` from already-decoded text of the given kind.

    ``kind`` says how to read ``text``: "html" extracts the main text and metadata,
    "markdown" strips syntax and reads front matter, "pdf" rebuilds paragraphs from
    extracted lines, "text" honours a leading "Title:"/"Date:" header. Explicit
    ``title``/``date`` arguments win over anything found in the text; otherwise
    review.masthead picks them (a PDF's ``/Title`` and ``/CreationDate``, passed as
    ``pdf_title``/``pdf_date``, are its last resort) and ``date_note`` says which.
    """
    if kind not in KINDS:
        raise InputError("unknown article kind", expected=" | ".join(KINDS), found=str(kind))
    _check_size(len(text), source)
    meta_title: str | None = None
    meta_date: str | None = None
    if kind == "html":
        paras, meta_title, meta_date = _html_paragraphs(text)
    elif kind == "markdown":
        paras, meta_title, meta_date = _markdown_paragraphs(text)
    elif kind == "pdf":
        paras, meta_title = _pdf_paragraphs(text), pdf_title
    else:
        paras, meta_title, meta_date = _text_paragraphs(text)
    paras = [p for p in paras if _HAS_WORD.search(p)]
    mast = read_masthead(paras, kind, meta_title, meta_date, pdf_date=pdf_date)
    paras = [p for i, p in enumerate(paras) if i not in mast.drop]
    body = "\n\n".join(paras)
    word_count = len(_WORD.findall(body))
    if word_count == 0:
        raise InputError(
            "empty article: no words after extraction",
            file=source,
            expected="an article with text",
        )
    if title is None and mast.title:
        title = " ".join(mast.title.split()) or None
    date_note = "article date as given (--date)" if date is not None else mast.date_note
    if date is None:
        date = mast.date
    elif isinstance(date, datetime.datetime):
        date = date.date()

    texts: list[str] = []
    para_of: list[int] = []
    for number, para in enumerate(paras):
        for sentence in _split_paragraph(para):
            texts.append(sentence)
            para_of.append(number)
    sentences = tuple(
        Sentence(text=s, index=i, paragraph=p, quote=_find_quote(s), attribution=who)
        for i, (s, p, who) in enumerate(zip(texts, para_of, _attributions(texts), strict=True))
    )
    return Article(
        title=title,
        date=date,
        text=body,
        sentences=sentences,
        source=source,
        kind=kind,
        word_count=word_count,
        date_note=date_note,
    )

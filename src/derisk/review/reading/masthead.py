"""An article's own title and publication date, read from its masthead.

Why a module of its own: the title names the review and the date decides which records a
claim is checked against (what was on record when it was written), so both must come
from the article itself, and the critique must say where the date came from. A PDF's
creation date is when the file was made or printed, often months after publication, so
it is used only when the article carries no date of its own.

Order of preference for the date (the first found wins):

1. the caller's date (``--date``), handled by review.text;
2. the format's metadata: HTML ``article:published_time`` and other date metas, JSON-LD
   ``datePublished``, ``<time datetime>``, Markdown front matter, a plain-text header
   (``Date:``, ``Published:``, ``# OUTLET/DATE: CSIS, July 2025``; a month without a day
   is taken as its 1st and the note says so);
3. a dated line near the top ("Published 12 June 2025", "By Jane Doe | June 12, 2025",
   "Updated: 2025-06-14" only when no line says published);
4. a PDF's creation date.

Titles: the format's metadata (HTML og:title/<title>/<h1>, Markdown front matter or first
``# `` heading, a text header's ``Title:``/``Source:``, PDF ``/Title`` unless it is a
file name or a word processor's placeholder), else a first line that looks like a title
(short, no sentence-ending full stop, more text after it), else nothing: the critique
says "Untitled article" only then.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from derisk import vocabulary
from derisk.review.reading.dates import lenient_date

#: A masthead line is at most this many words; anything longer is prose.
MAX_MASTHEAD_WORDS = 16
#: Dated lines are looked for in this many leading paragraphs.
DATED_LINE_SEARCH = 6
#: A first line longer than this is prose, not a title.
MAX_TITLE_WORDS = 20
MAX_TITLE_CHARS = 160

_MONTH = "|".join(sorted(vocabulary.MONTH_NUMBER, key=len, reverse=True))
_DATE_IN_LINE = re.compile(
    rf"\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b"
    rf"|\b(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\.?,?\s+\d{{4}}\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
_LEAD = re.compile(
    r"^\W*(?:(?P<pub>(?:first\s+)?published|posted|date[d]?|released|issued)|"
    r"(?P<upd>updated|last\s+updated|modified|revised)|(?P<by>by)\b)",
    re.IGNORECASE,
)
_SEPARATORS = ("|", "·", "•", " — ", " – ")
_SENTENCE_END = (".", ",", ";", ":")
_JUNK_PDF_TITLE = re.compile(
    r"^(?:microsoft\s+\w+\s*-|untitled|document\d*$|slide\s*\d*$)|\.(?:docx?|pdf|indd|pptx?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Masthead:
    """What the masthead says, and which leading paragraphs (a dateline) are not prose."""

    title: str | None
    date: datetime.date | None
    date_note: str | None
    drop: frozenset[int]


def month_date(value: str) -> datetime.date | None:
    """ "July 2025" -> 2025-07-01: header lines often give only the month."""
    if m := _MONTH_YEAR.search(value):
        month = vocabulary.MONTH_NUMBER.get(m.group(1).lower())
        if month:
            return datetime.date(int(m.group(2)), month, 1)
    return None


def header_date(value: str) -> tuple[datetime.date | None, bool]:
    """A header value's date and whether it was only a month ("CSIS, July 2025")."""
    found = _DATE_IN_LINE.search(value)
    if found and (day := lenient_date(found.group())) is not None:
        return day, False
    if (day := lenient_date(value)) is not None:
        return day, False
    return month_date(value), True


def looks_like_title(para: str, has_more: bool) -> bool:
    """A short first line with no sentence-ending stop, followed by more text."""
    words = para.split()
    return (
        has_more
        and 2 <= len(words) <= MAX_TITLE_WORDS
        and len(para) <= MAX_TITLE_CHARS
        and not para.rstrip().endswith(_SENTENCE_END)
        and (para[:1].isupper() or para[:1].isdigit() or para[:1] in "\"'“‘#")
        and _DATE_IN_LINE.search(para) is None
    )


def usable_pdf_title(title: str | None) -> str | None:
    """A PDF's /Title, unless it is a file name or a placeholder ("Microsoft Word - x")."""
    if not title or len(title) < 4 or _JUNK_PDF_TITLE.search(title.strip()):
        return None
    return title


def dated_line(paras: list[str]) -> tuple[int, datetime.date, str] | None:
    """The first short dated line near the top: published before undated-kind before updated.

    A line qualifies when it is short (a byline or dateline, not a sentence of prose)
    and either opens with "Published", "Posted", "By" ... or is mostly the date itself.
    """
    found: list[tuple[int, int, datetime.date, str]] = []
    for i, para in enumerate(paras[:DATED_LINE_SEARCH]):
        if len(para.split()) > MAX_MASTHEAD_WORDS:
            continue
        m = _DATE_IN_LINE.search(para)
        day = lenient_date(m.group()) if m else None
        if m is None or day is None:
            continue
        lead = _LEAD.match(para)
        mostly_date = len(m.group()) >= 0.5 * len(para.strip(" .*_"))
        if not (lead or mostly_date or any(s in para for s in _SEPARATORS)):
            continue
        rank = 0 if lead and lead.group("pub") else 2 if lead and lead.group("upd") else 1
        found.append((rank, i, day, para.strip()))
    if not found:
        return None
    _, i, day, line = min(found, key=lambda f: (f[0], f[1]))
    return i, day, line


def read_masthead(
    paras: list[str],
    kind: str,
    meta_title: str | None,
    meta_date: str | datetime.date | None,
    *,
    pdf_date: datetime.date | None = None,
) -> Masthead:
    """Title and date from metadata, else from the leading lines, else (date) the PDF's."""
    drop: set[int] = set()
    title = meta_title if kind != "pdf" else usable_pdf_title(meta_title)
    if not title and kind in ("text", "pdf") and paras:
        # The title line stays in the text, as an HTML <h1> or a Markdown heading does:
        # a headline's claim is fair game for the critique.
        first = paras[0].strip()
        if looks_like_title(first, len(paras) > 1):
            title = first.lstrip("# ").strip()
    month_only = False
    if isinstance(meta_date, str):
        date, month_only = header_date(meta_date)
    else:
        date = lenient_date(meta_date)
    note = None
    if date is not None:
        note = "article date from its own metadata"
        if month_only:
            note += " (a month only: its 1st is assumed)"
    elif (line := dated_line(paras)) is not None:
        i, date, text = line
        note = f'article date from the line "{text}" near its top'
        drop.add(i)
    elif pdf_date is not None:
        date = pdf_date
        note = (
            "article date from the PDF's creation date: the article gives none, and a PDF "
            "may have been made or printed after it was published"
        )
    if len(drop) >= len(paras):  # never drop the whole article
        drop = set()
    return Masthead(title or None, date, note, frozenset(drop))


__all__ = [
    "Masthead",
    "dated_line",
    "header_date",
    "looks_like_title",
    "month_date",
    "read_masthead",
    "usable_pdf_title",
]

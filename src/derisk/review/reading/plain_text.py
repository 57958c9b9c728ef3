"""Read a plain-text article: an optional "Title:"/"Date:" header, then paragraphs."""

from __future__ import annotations

import re
import statistics

from derisk.review.reading.sentences import _paragraphs, _words

_TEXT_HEADER = re.compile(r"#*\s*([A-Za-z][A-Za-z/ _-]{0,30}?)\s*:\s*(.*)")
#: Header keys read in a plain-text header ("Title: ..."); any other key is accepted only
#: in a "# KEY: value" comment block (the style of notes pasted above an article).
_HEADER_KEYS = _words("title headline source date published author byline url outlet outlet/date")
_TITLE_KEYS = ("title", "headline", "source")
_HEADER_DATE_KEYS = ("date", "published", "outlet/date", "outlet")
_LONG_LINE = 100
_TEXT_TITLE = re.compile(r"#{1,2}\s+(?=\S)")


def _header(lines: list[str]) -> tuple[dict[str, str], int]:
    """A leading "Title:"/"Date:" header, or a block of "# KEY: value" comment lines.

    Returns the header's keys (lower case) and the index of the first body line. A "#"
    block ends at the first line not starting with "#"; its lines without a key are
    continuation notes and are dropped with it.
    """
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    header: dict[str, str] = {}
    j = i
    commented = i < len(lines) and lines[i].lstrip().startswith("#")
    while j < len(lines):
        line = lines[j].strip()
        m = _TEXT_HEADER.fullmatch(line)
        key = m.group(1).strip().lower() if m else ""
        if commented and line.startswith("#") and (m is None or key):
            if m and (key in _HEADER_KEYS or m.group(1).isupper()):
                header.setdefault(key, m.group(2).strip())
            elif not header:
                break  # "# A heading": a title line, not a header block
        elif not commented and m and key in _HEADER_KEYS:
            header.setdefault(key, m.group(2).strip())
        else:
            break
        j += 1
    if not header or not (set(header) & {*_TITLE_KEYS, *_HEADER_DATE_KEYS}):
        return {}, 0
    return header, j


def _text_paragraphs(text: str) -> tuple[list[str], str | None, str | None]:
    """Plain text: an optional header ("Title:"/"Date:" or "# KEY: value"), then paragraphs.

    Text pasted from a web page often has one paragraph per line and no blank lines;
    when no blank line exists and lines are long, each line is taken as a paragraph.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header, start = _header(lines)
    title = next((header[k] for k in _TITLE_KEYS if header.get(k)), None)
    if title and "://" in title:
        title = None  # "Source: https://..." names a page, not a title
    date = next((header[k] for k in _HEADER_DATE_KEYS if header.get(k)), None)
    body = "\n".join(lines[start:])
    paras = _paragraphs(body)
    if paras and _TEXT_TITLE.match(paras[0]):
        paras[0] = _TEXT_TITLE.sub("", paras[0], count=1)  # "# Title" in a .txt file
    if len(paras) == 1:
        raw_lines = [ln for ln in body.split("\n") if ln.strip()]
        if len(raw_lines) > 1 and statistics.median(len(ln) for ln in raw_lines) > _LONG_LINE:
            paras = [" ".join(ln.split()) for ln in raw_lines]
    return paras, title, date

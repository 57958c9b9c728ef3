"""Read a PDF article: extract its text and metadata, and rebuild its paragraphs."""

from __future__ import annotations

import datetime
import io
import logging
import re
import statistics
import warnings

from derisk.errors import InputError
from derisk.review.reading.sentences import _OPENERS

_PAGE_NUMBER = re.compile(r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE)
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")
_SHORT_LINE = 0.6


def _pdf_paragraphs(text: str) -> list[str]:
    """Rebuild paragraphs from PDF text lines.

    PDF text is a list of visual lines: words hyphenated at line ends are joined
    ("separa-" + "tion"), lines inside a paragraph are joined with spaces, and a
    paragraph ends at a blank line or at a short line (well under the typical line
    length) ending a sentence or standing alone like a heading. Bare page numbers
    at page edges are dropped.
    """
    lines: list[str] = []
    for page in text.replace("\r\n", "\n").replace("\r", "\n").split("\f"):
        page_lines = [ln.strip() for ln in page.split("\n")]
        while page_lines and (not page_lines[0] or _PAGE_NUMBER.fullmatch(page_lines[0])):
            page_lines.pop(0)
        while page_lines and (not page_lines[-1] or _PAGE_NUMBER.fullmatch(page_lines[-1])):
            page_lines.pop()
        lines.extend(page_lines)
    lengths = [len(ln) for ln in lines if ln]
    if not lengths:
        return []
    short = _SHORT_LINE * statistics.median(lengths)
    paras: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        if not line:
            if current:
                paras.append(current)
            current = ""
            continue
        if not current:
            current = line
        elif current.endswith("-") and current[-2:-1].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = current + " " + line
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        starts_anew = nxt[:1].isupper() or nxt[:1].isdigit() or nxt[:1] in _OPENERS
        if len(line) < short and not line.endswith("-") and starts_anew:
            paras.append(current)
            current = ""
    if current:
        paras.append(current)
    return [" ".join(p.split()) for p in paras]


def _pdf_extract(data: bytes, name: str) -> tuple[str, str | None, datetime.date | None]:
    """Text (pages separated by form feeds), /Title and /CreationDate of a PDF.

    pypdf is imported here, not at module level, because it costs ~0.1 s to import
    and most reviews read HTML or text. pypdf's own warnings about sloppy files are
    silenced: a readable PDF is fine, an unreadable one becomes an InputError.
    """
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    old_level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception as exc:  # noqa: BLE001 - e.g. AES without cryptography
                    raise InputError(
                        f"encrypted PDF cannot be opened ({_describe(exc)})",
                        file=name,
                        expected="an unencrypted PDF",
                    ) from exc
                if not opened:
                    raise InputError(
                        "encrypted PDF needs a password", file=name, expected="an unencrypted PDF"
                    )
            pages = [page.extract_text() or "" for page in reader.pages]
            title, created = _pdf_metadata(reader)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        raise InputError(
            f"cannot read PDF: {_describe(exc)}", file=name, expected="a valid PDF"
        ) from exc
    finally:
        pypdf_log.setLevel(old_level)
    return "\f".join(pages), title, created


def _pdf_metadata(reader: object) -> tuple[str | None, datetime.date | None]:
    """Metadata is a bonus: a broken /Info dictionary must not lose the text."""
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        if not meta:
            return None, None
        title = meta.get("/Title")
        created = meta.get("/CreationDate")
    except Exception:  # noqa: BLE001
        return None, None
    title = " ".join(str(title).split()) if title else None
    date = None
    if created and (m := _PDF_DATE.match(str(created))):
        try:
            date = datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            date = None
    return title or None, date


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

"""Test helpers for the review text layer: a hand-written PDF and a sample news page.

The PDF is built byte by byte (catalog, pages, a Helvetica font, one content stream per
page, an /Info dictionary, and an xref table with exact offsets) so the tests exercise a
real PDF without checking binary fixtures into the repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

LINE_HEIGHT = 14
PARAGRAPH_GAP = 10
TOP = 720
LEFT = 72


def _pdf_string(text: str) -> str:
    """A PDF literal string: backslash and parentheses must be escaped."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _content_stream(lines: Sequence[str]) -> bytes:
    """Text-showing operators: one line per Tj, an empty string means a paragraph gap."""
    ops = ["BT", "/F1 11 Tf", f"{LEFT} {TOP} Td"]
    first = True
    gap = 0
    for line in lines:
        if not line:
            gap += PARAGRAPH_GAP
            continue
        if not first:
            ops.append(f"0 {-(LINE_HEIGHT + gap)} Td")
        ops.append(f"{_pdf_string(line)} Tj")
        first = False
        gap = 0
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def pdf_bytes(
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    creation_date: str | None = None,
) -> bytes:
    """A valid PDF 1.4 with one page per item of ``pages`` (each a list of text lines).

    ``creation_date`` is the raw PDF date, e.g. "D:20250710120000Z".
    """
    n = len(pages)
    page_ids = [4 + 2 * i for i in range(n)]
    info_id = 4 + 2 * n
    bodies: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: (
            f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n} >>"
        ).encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        content_id = page_id + 1
        bodies[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
        stream = _content_stream(lines)
        bodies[content_id] = (
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
        )
    info = ["/Producer (derisk tests)"]
    if title is not None:
        info.append(f"/Title {_pdf_string(title)}")
    if creation_date is not None:
        info.append(f"/CreationDate {_pdf_string(creation_date)}")
    bodies[info_id] = f"<< {' '.join(info)} >>".encode("latin-1")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for obj_id in sorted(bodies):
        offsets[obj_id] = len(out)
        out += f"{obj_id} 0 obj\n".encode() + bodies[obj_id] + b"\nendobj\n"
    xref_at = len(out)
    size = len(bodies) + 1
    out += f"xref\n0 {size}\n".encode()
    out += b"0000000000 65535 f \n"  # every entry is exactly 20 bytes
    for obj_id in range(1, size):
        out += f"{offsets[obj_id]:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {size} /Root 1 0 R /Info {info_id} 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def write_pdf(path: Path, pages: Sequence[Sequence[str]], **info: str | None) -> Path:
    """Write :func:`pdf_bytes` to ``path`` and return it."""
    path.write_bytes(pdf_bytes(pages, **info))
    return path


def news_page(
    *,
    head: str = "",
    article: str = "",
    chrome: bool = True,
) -> str:
    """An HTML news page: ``article`` inside <article>, wrapped in typical page furniture
    (navigation, cookie banner, share buttons, related links, footer, scripts) when
    ``chrome`` is true."""
    furniture_top = (
        """
        <header><a href="/">Mining Weekly</a>
          <nav><ul><li><a href="/news">Markets menu</a></li><li><a href="/m">Metals menu</a></li>
          </ul></nav></header>
        <div class="cookie-banner">We use cookies to improve your experience.
          <button>Accept all</button></div>
        <script>var leaked = "SCRIPT_PAYLOAD"; document.write("<p>SCRIPT_PAYLOAD</p>");</script>
        """
        if chrome
        else ""
    )
    furniture_article = (
        """
        <div class="share-tools"><a href="#">Share this article</a> <a href="#">Tweet</a></div>
        <p><a href="/subscribe">Subscribe</a></p>
        """
        if chrome
        else ""
    )
    furniture_bottom = (
        """
        <aside><h2>Related</h2><a href="/r">Sidebar teaser headline</a></aside>
        <footer><p>Copyright 2025 Mining Weekly. All rights reserved. Footer contact line.</p>
        </footer>
        <noscript>Enable JavaScript noscript notice</noscript>
        <style>.x { content: "STYLE_PAYLOAD"; }</style>
        """
        if chrome
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{head}</head>
<body>{furniture_top}
<article>{article}{furniture_article}</article>
{furniture_bottom}
</body></html>"""

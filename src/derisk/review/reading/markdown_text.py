"""Read a Markdown article: front matter, then syntax stripped to plain paragraphs."""

from __future__ import annotations

import re

_MD_FENCE = re.compile(r"\s*(```|~~~)")
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?\s*")
_MD_HR = re.compile(r"([-*_])(?:\s*\1){2,}\s*")
_MD_SETEXT = re.compile(r"=+\s*|-+\s*")
_MD_LIST = re.compile(r"(?:[-*+]|\d{1,9}[.)])\s+(.*)")
_MD_QUOTE = re.compile(r"(?:>\s?)+")
_MD_REFDEF = re.compile(r"\[[^\]]+\]:\s*\S+.*")
_MD_TABLE_SEP = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*")
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_FRONT = re.compile(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", re.DOTALL)
_MD_FRONT_LINE = re.compile(r"([A-Za-z_][\w-]*)\s*:\s*(.*)")
_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images carry no prose
    (re.compile(r"\[\^[^\]]+\]"), ""),  # footnote references
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML tags
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),
]
_DATE_KEYS = ("date", "published", "pubdate", "publish_date", "published_at", "date_published")


def _md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter read line by line: only flat ``key: value`` pairs matter here."""
    m = _MD_FRONT.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).split("\n"):
        if lm := _MD_FRONT_LINE.fullmatch(line.strip()):
            value = lm.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta.setdefault(lm.group(1).lower(), value)
    return meta, text[m.end() :]


def _markdown_paragraphs(text: str) -> tuple[list[str], str | None, str | None]:
    """Markdown to plain paragraphs: headings, list items and table rows are paragraphs
    of their own; code blocks, images, link targets and emphasis markers are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, text = _front_matter(text)
    text = _MD_COMMENT.sub("", text)
    title = meta.get("title") or None
    date = next((meta[k] for k in _DATE_KEYS if meta.get(k)), None)
    first_h1: str | None = None
    paras: list[str] = []
    current: list[str] = []
    in_fence: str | None = None

    def flush() -> None:
        if current:
            paras.append(_md_inline(" ".join(current)))
            current.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if fence := _MD_FENCE.match(line):
            if in_fence is None:
                flush()
                in_fence = fence.group(1)
            elif fence.group(1) == in_fence:
                in_fence = None
            continue
        if in_fence is not None:
            continue
        if not stripped:
            flush()
            continue
        if current and _MD_SETEXT.fullmatch(stripped):
            if stripped[0] == "=" and first_h1 is None:
                first_h1 = _md_inline(" ".join(current))
            flush()
            continue
        if _MD_HR.fullmatch(stripped) or _MD_REFDEF.fullmatch(stripped):
            flush()
            continue
        if m := _MD_QUOTE.match(stripped):
            stripped = stripped[m.end() :].strip()
            if not stripped:
                flush()
                continue
        if m := _MD_HEADING.fullmatch(stripped):
            flush()
            heading = _md_inline(m.group(2))
            if len(m.group(1)) == 1 and first_h1 is None:
                first_h1 = heading
            paras.append(heading)
            continue
        if m := _MD_LIST.fullmatch(stripped):
            flush()
            current.append(m.group(1))
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            flush()
            if not _MD_TABLE_SEP.fullmatch(stripped):
                cells = [c.strip() for c in stripped[1:-1].split("|")]
                paras.append(_md_inline("; ".join(c for c in cells if c)))
            continue
        current.append(stripped)
    flush()
    return paras, title or first_h1, date

"""Extract an HTML page's main article text, title and publication date.

Page furniture (navigation, cookie notices, share buttons, related links) is dropped by
tag, by class/id/role hints and by a link-density heuristic.
"""

from __future__ import annotations

import collections
import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

from derisk.review.reading.dates import lenient_date as _lenient_date
from derisk.review.reading.sentences import _paragraphs, _words

_DROP_TAGS = _words(
    "script style noscript nav header footer aside form iframe svg button template "
    "select textarea canvas object dialog head title"
)
_BLOCK_TAGS = _words(
    "p div li h1 h2 h3 h4 h5 h6 br tr section blockquote article main ul ol dl dt dd "
    "table thead tbody tfoot pre hr figure figcaption address details summary hgroup "
    "caption center body html"
)
_CLOSES_P = _words(
    "p div ul ol dl h1 h2 h3 h4 h5 h6 table section article main blockquote pre hr "
    "figure address details header footer nav aside form"
)
_VOID_TAGS = _words("area base br col embed hr img input link meta param source track wbr keygen")
_STRUCTURAL = _words("html body article main")
_HEAD_TAGS = _words("head title meta link style script noscript base template")
# class/id words that mark page furniture rather than article text
_BOILER_TOKENS = _words(
    "cookie cookies consent gdpr newsletter subscribe subscription share sharing "
    "social related recommended recirculation comments comment advert advertisement "
    "ads ad promo sidebar breadcrumb breadcrumbs popup modal paywall outbrain taboola "
    "sponsored navbar menu toolbar skip"
)
_BOILER_ROLES = _words(
    "navigation banner contentinfo complementary search dialog alertdialog menu menubar"
)
_TOKEN_SPLIT = re.compile(r"[\s_-]+")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "date",
    "pubdate",
    "publish-date",
    "publish_date",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.created",
    "datepublished",
    "sailthru.date",
    "parsely-pub-date",
)
_DATE_META_RANK = {name: rank for rank, name in enumerate(_DATE_META)}
_STACK_SEARCH = 256  # how deep an end tag looks for its start tag (bounds malformed input)

# Boilerplate lines: matched against a whole block, case-insensitively. Kept short and
# literal on purpose; the link-density heuristic below catches the long tail.
_BOILERPLATE = re.compile(
    r"(?:subscribe(?: now| today| here)?|sign up(?: now| today| for .{0,60})?|"
    r"share(?: this)?(?: article| story| page| post)?(?: on \w+)?|share via .{0,40}|tweet|"
    r"follow us.{0,60}|read more.{0,40}|related(?: articles| stories| content| news)?|"
    r"advertisement|advertising|sponsored(?: content)?|skip to(?: main)? content|"
    r"back to top|print|email|e-mail|comments?(?: \(\d+\))?|loading\.{0,3}|log ?in|sign in|"
    r"register|click here.{0,60}|all rights reserved.{0,80}|©.{0,120}|"
    r"copyright \d{4}.{0,120}|cookie (?:settings|preferences|policy)|"
    r"accept(?: all)?(?: cookies)?|reject(?: all)?|manage (?:cookies|preferences)|"
    r"most (?:read|popular)|trending|more from .{0,60}|you may also like|"
    r"(?:get|download) the app|listen to this article.{0,40}|advert)[.!:]?",
    re.IGNORECASE,
)
_COOKIE_NOTICE = re.compile(
    r"\bcookies?\b.*\b(?:accept|consent|privacy|agree|browsing|continu)", re.IGNORECASE
)
_COOKIE_MAX_WORDS = 80
_LINKY_MAX_WORDS = 6
_LINKY_RATIO = 0.5
_VERB_HINT = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|might|should|must|"
    r"said|says|do|does|did|rose|fell|grew|\w{3,}ed)\b",
    re.IGNORECASE,
)
_MIN_REGION_SHARE = 0.2
_ENDS = (".", "!", "?", ":", ";", "”", '"', "…")
_PROSE_BLOCK_WORDS = 12  # a block this long ending like a sentence counts as prose
_PROSE_MIN_WORDS = 80
_PROSE_SHARE = 0.5


class _HTMLExtractor(HTMLParser):
    """Streaming HTML reader that keeps article text, metadata and block boundaries.

    Uses a tag stack that tolerates what browsers tolerate: unclosed ``<p>``/``<li>``,
    end tags that close several elements, stray end tags (ignored). Text inside dropped
    tags (scripts, navigation, footers ...) is never stored. Elements that only *look*
    like furniture by their class, id or role are "suspect": their text is stored and
    removed when they close, unless it reads as article prose -- a wrapper named
    ``article-body related-enabled`` must not take the story with it.
    """

    def __init__(self, heuristics: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.heuristics = heuristics
        # (tag, region index or -1, dropped, first block if suspect else -1)
        self.stack: list[tuple[str, int, bool, int]] = []
        self.drop_depth = 0
        self.suspect_depth = 0
        self.link_depth = 0
        self.blocks: list[tuple[str, int, bool]] = []  # (text, link characters, after <br>)
        self.after_br = False
        self.buf: list[str] = []
        self.link_chars = 0
        self.regions: list[list] = []  # [tag, first block, end block or None]
        self.meta_title: str | None = None
        self.meta_dates: list[tuple[int, str]] = []
        self.time_dates: list[str] = []
        self.title_parts: list[str] | None = None
        self.title_done = False
        self.head_open = False
        self.h1_parts: list[str] | None = None
        self.h1_depth = 0
        self.h1: str | None = None
        self.h1_fallback: str | None = None
        self.jsonld: list[str] = []
        self.jsonld_parts: list[str] | None = None

    # -- helpers
    def _flush(self, soft: bool = False) -> None:
        """End the current block; ``soft`` for <br>, which may only wrap a sentence."""
        if self.buf:
            text = " ".join("".join(self.buf).split())
            if text:
                self.blocks.append((text, self.link_chars, self.after_br))
            self.buf.clear()
        self.link_chars = 0
        self.after_br = soft

    def _is_boilerplate_element(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _STRUCTURAL:
            return False
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        if (attrs.get("role") or "").lower() in _BOILER_ROLES:
            return True
        for key in ("class", "id"):
            value = attrs.get(key)
            if value and any(t in _BOILER_TOKENS for t in _TOKEN_SPLIT.split(value.lower())):
                return True
        return False

    def _pop(self) -> None:
        tag, region, dropped, suspect = self.stack.pop()
        if tag in _BLOCK_TAGS or region >= 0 or suspect >= 0:
            self._flush()
        if dropped:
            self.drop_depth -= 1
        if suspect >= 0:
            self.suspect_depth -= 1
            if not _reads_as_prose(self.blocks[suspect:]):
                self._discard_blocks(suspect)
        if tag == "head":
            self.head_open = False
        if region >= 0:
            self.regions[region][2] = len(self.blocks)
        if tag == "a":
            self.link_depth = max(0, self.link_depth - 1)
        elif tag == "title" and self.title_parts is not None:
            self.title_done = True
        elif tag == "h1" and self.h1_parts is not None:
            text = " ".join("".join(self.h1_parts).split()) or None
            if self.h1_depth:
                self.h1_fallback = self.h1_fallback or text
            else:
                self.h1 = self.h1 or text
            self.h1_parts = None
        elif tag == "script" and self.jsonld_parts is not None:
            self.jsonld.append("".join(self.jsonld_parts))
            self.jsonld_parts = None

    def _discard_blocks(self, start: int) -> None:
        del self.blocks[start:]
        for region in self.regions:
            region[1] = min(region[1], start)
            if region[2] is not None:
                region[2] = min(region[2], start)

    def _meta(self, attrs: dict[str, str | None]) -> None:
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        content = attrs.get("content")
        if not key or not content:
            return
        if key == "og:title" and self.meta_title is None:
            self.meta_title = content
        elif key in _DATE_META_RANK:
            self.meta_dates.append((_DATE_META_RANK[key], content))

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "meta":
            self._meta(attr)
            return
        if tag == "time" and attr.get("datetime"):
            self.time_dates.append(attr["datetime"] or "")
        if tag in _VOID_TAGS:
            if tag in ("br", "hr") and not self.drop_depth:
                self._flush(soft=tag == "br")
            return
        if self.stack:
            top = self.stack[-1][0]
            if (top == "p" and tag in _CLOSES_P) or (top == "li" and tag == "li"):
                self._pop()
        if self.head_open and tag not in _HEAD_TAGS:
            self.handle_endtag("head")  # browsers end <head> at the first body element
        dropped = tag in _DROP_TAGS
        if tag in _BLOCK_TAGS:
            self._flush()
        region = -1
        if tag in ("article", "main") and not self.drop_depth:
            self._flush()
            region = len(self.regions)
            self.regions.append([tag, len(self.blocks), None])
        suspect = -1
        if (
            not dropped
            and not self.drop_depth
            and not self.suspect_depth
            and self.heuristics
            and self._is_boilerplate_element(tag, attr)
        ):
            self._flush()
            suspect = len(self.blocks)
            self.suspect_depth += 1
        self.stack.append((tag, region, dropped, suspect))
        if dropped:
            self.drop_depth += 1
        if tag == "a":
            self.link_depth += 1
        elif tag == "head":
            self.head_open = True
        elif tag == "title" and not self.title_done and self.title_parts is None:
            if not any(entry[0] == "svg" for entry in self.stack):
                self.title_parts = []
        elif tag == "h1" and self.h1_parts is None:
            self.h1_parts = []
            self.h1_depth = self.drop_depth
        elif tag == "script" and "ld+json" in (attr.get("type") or "").lower():
            self.jsonld_parts = []
        elif tag in ("td", "th") and self.buf and not self.drop_depth:
            self.buf.append("; ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            if tag == "br" and not self.drop_depth:
                self._flush(soft=True)  # browsers treat </br> as <br>
            return
        stack = self.stack
        low = max(0, len(stack) - _STACK_SEARCH)
        for i in range(len(stack) - 1, low - 1, -1):
            if stack[i][0] == tag:
                break
        else:
            return  # stray end tag
        while len(stack) > i:
            self._pop()

    def handle_data(self, data: str) -> None:
        if self.jsonld_parts is not None:
            self.jsonld_parts.append(data)
            return
        if self.title_parts is not None and not self.title_done:
            self.title_parts.append(data)
        if self.h1_parts is not None and self.drop_depth == self.h1_depth:
            self.h1_parts.append(data)
        if self.drop_depth:
            return
        self.buf.append(data)
        if self.link_depth:
            self.link_chars += len(data.strip())

    def finish(self) -> None:
        while self.stack:
            self._pop()
        self._flush()
        for region in self.regions:
            if region[2] is None:
                region[2] = len(self.blocks)

    @property
    def html_title(self) -> str | None:
        if not self.title_parts:
            return None
        return " ".join("".join(self.title_parts).split()) or None


def _reads_as_prose(blocks: list[tuple[str, int, bool]]) -> bool:
    """Enough full sentences to be article text rather than page furniture."""
    prose = 0
    total = 0
    for text, _, _ in blocks:
        words = len(text.split())
        total += words
        if words >= _PROSE_BLOCK_WORDS and text.endswith(_ENDS):
            prose += words
    return prose >= _PROSE_MIN_WORDS and prose >= _PROSE_SHARE * total


def _jsonld_values(blobs: list[str], key: str) -> Iterator[str]:
    """Values of ``key`` anywhere in the page's JSON-LD blocks (including @graph lists)."""
    for blob in blobs:
        try:
            data = json.loads(blob)
        except (ValueError, RecursionError):
            continue
        todo = collections.deque([data])
        while todo:
            node = todo.popleft()
            if isinstance(node, dict):
                value = node.get(key)
                if isinstance(value, str) and value.strip():
                    yield value
                todo.extend(v for v in node.values() if isinstance(v, dict | list))
            elif isinstance(node, list):
                todo.extend(node)


def _is_boilerplate_block(text: str, link_chars: int) -> bool:
    """Page furniture that survived tag-based dropping: a known phrase ("Share this
    article"), a cookie notice, or a short, verb-less, number-less line of links."""
    if _BOILERPLATE.fullmatch(text):
        return True
    words = text.split()
    if len(words) <= _COOKIE_MAX_WORDS and _COOKIE_NOTICE.search(text):
        return True
    return (
        len(words) <= _LINKY_MAX_WORDS
        and link_chars >= _LINKY_RATIO * len(text.replace(" ", ""))
        and not any(c.isdigit() for c in text)
        and not text.endswith((".", "!", "?", "”", '"'))
        and _VERB_HINT.search(text) is None
    )


def _word_total(blocks: list[tuple[str, int, bool]]) -> int:
    return sum(len(block[0].split()) for block in blocks)


def _join_line_breaks(blocks: list[tuple[str, int, bool]]) -> list[tuple[str, int]]:
    """Undo <br> inside a sentence: "magnets fell<br>in June" is one sentence, while
    "<p>Line one.<br>Line two.</p>" keeps its break."""
    merged: list[tuple[str, int]] = []
    for text, links, after_br in blocks:
        if after_br and merged and text[:1].islower() and not merged[-1][0].endswith(_ENDS):
            previous, previous_links = merged[-1]
            merged[-1] = (previous + " " + text, previous_links + links)
        else:
            merged.append((text, links))
    return merged


def _run_html_parser(text: str, heuristics: bool) -> _HTMLExtractor:
    parser = _HTMLExtractor(heuristics)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError, IndexError, RecursionError):
        pass  # html.parser gave up on some malformed declaration: keep what was read
    parser.finish()
    return parser


def _main_blocks(parser: _HTMLExtractor) -> list[tuple[str, int, bool]]:
    """Prefer the biggest <article>, then <main>, else the whole body.

    A region is only trusted when it holds a fair share of the page's words: some sites
    wrap teaser cards in <article> and put the story elsewhere.
    """
    total = _word_total(parser.blocks)
    for tag in ("article", "main"):
        candidates = [parser.blocks[a:b] for t, a, b in parser.regions if t == tag]
        if candidates:
            best = max(candidates, key=_word_total)
            if _word_total(best) and _word_total(best) >= _MIN_REGION_SHARE * total:
                return best
    return parser.blocks


def _html_paragraphs(text: str) -> tuple[list[str], str | None, str | None]:
    """Main text of an HTML page, plus its title and raw publication date."""
    parser = _run_html_parser(text, heuristics=True)
    blocks = _main_blocks(parser)
    if not _word_total(blocks):
        # Class/id/role hints can still misfire (a hidden or oddly named wrapper around a
        # short story); rather than declare the page empty, read it without them.
        parser = _run_html_parser(text, heuristics=False)
        blocks = _main_blocks(parser)
    paras = [t for t, links in _join_line_breaks(blocks) if not _is_boilerplate_block(t, links)]
    if not paras:
        body = next(_jsonld_values(parser.jsonld, "articleBody"), None)
        paras = _paragraphs(html.unescape(body).replace("\n", "\n\n")) if body else []
    title = parser.meta_title or _strip_site_name(parser.html_title) or parser.h1
    title = title or parser.h1_fallback
    dates = [value for _, value in sorted(parser.meta_dates, key=lambda d: d[0])]
    dates += list(_jsonld_values(parser.jsonld, "datePublished"))
    dates += parser.time_dates
    date = next((d for d in dates if _lenient_date(d) is not None), None)
    return paras, title, date


def _strip_site_name(title: str | None) -> str | None:
    """ "Headline | Site" -> "Headline": <title> usually carries the site's name."""
    if title and " | " in title:
        head, _, tail = title.rpartition(" | ")
        if len(tail) < len(head):
            return head.strip()
    return title

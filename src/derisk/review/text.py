"""Stage 1 of ``derisk review``: turn an article file into clean text and sentences.

Everything downstream (claim extraction, checks, the critique) works on the
:class:`Article` built here, so this module owns every format quirk: HTML boilerplate,
Markdown syntax, PDF line wrapping and hyphenation, odd encodings, and the sentence
boundaries that decide what a "claim" is. It is deliberately dependency-light
(standard library plus ``pypdf`` for PDFs) and fast: the review has to handle at least
20 articles of 1,000 words per second on one core, so every regex is compiled once
here and the text of a 1,000-word article is processed in about a millisecond.

Bad input never produces a traceback: every failure is an
:class:`~derisk.errors.InputError` that names the file and what was expected.
"""

from __future__ import annotations

import bisect
import collections
import datetime
import html
import io
import itertools
import json
import logging
import re
import statistics
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from derisk import vocabulary
from derisk.errors import InputError
from derisk.review.dates import lenient_date as _lenient_date
from derisk.review.dates import parse_date as parse_date
from derisk.review.masthead import read_masthead

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


# ----------------------------------------------------------------- sentence splitting


def _words(text: str) -> frozenset[str]:
    """A word set written as one string: the lists below read better as prose."""
    return frozenset(text.split())


# A candidate boundary: terminal punctuation, optional closing quotes/brackets, one space
# (paragraphs are whitespace-normalised before splitting). Whether it really ends a
# sentence is decided in Python: that is cheaper and clearer than a look-behind maze.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]* (?=\S)")
_OPENERS = frozenset("\"'“‘([")
# Never a sentence end: titles, "No. 3", "vs.", "approx.", "e.g." and month abbreviations
# are always followed by more of the same sentence.
_NEVER_END = _words(
    "mr. mrs. ms. dr. prof. sen. rep. gov. gen. lt. col. capt. sgt. rev. hon. pres. "
    "no. nos. vs. v. approx. est. ca. cf. e.g. i.e. eg. ie. fig. figs. al. op. vol. "
    "pp. p. mt. ft. dept. univ. incl. excl. min. max. avg. "
    + " ".join(f"{abbreviation.lower()}." for abbreviation in vocabulary.MONTH_ABBREVIATIONS)
)
# Usually mid-sentence, but can end one ("sold to the U.S. The deal ..."): split only when
# the next word is a typical sentence opener.
_MAYBE_END = _words(
    "u.s. u.k. e.u. u.n. inc. corp. ltd. co. plc. llc. bros. st. jr. sr. etc. a.m. "
    "p.m. u.s.a. p.r.c."
)
_SENTENCE_STARTERS = _words(
    "The A An It Its This That These Those There They He She We I In On At But And "
    "However Meanwhile Yet So Still Also Separately Now Then Some Many Most"
)
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_LEADING_PUNCT = "\"'“‘([{"
_QUOTE_SPAN = re.compile(r"“[^“”]*”|\"[^\"]*\"")
_MAX_PROTECTED_QUOTE = 600
_PARA_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


def _quote_spans(para: str) -> tuple[list[int], list[int]]:
    """Closed quotations in a paragraph, so that a quote is not cut into pieces.

    A quoted statement and its attribution ("..., said X.") must stay one sentence, or
    the claim inside the quote loses its source. Unclosed quotes protect nothing.
    """
    if '"' not in para and "“" not in para:
        return [], []
    spans = [m.span() for m in _QUOTE_SPAN.finditer(para)]
    return [a for a, _ in spans], [b for _, b in spans]


def _is_boundary(para: str, match: re.Match[str], spans: tuple[list[int], list[int]]) -> bool:
    """Does this candidate (punctuation + space) really end a sentence?"""
    end = match.end()
    nxt = para[end]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        return False
    cut = end - 1
    starts, stops = spans
    k = bisect.bisect_left(starts, cut) - 1  # the quotation opened last before the cut
    inside = k >= 0 and cut < stops[k]  # (quotations never overlap)
    # Inside a quotation: keep short quotes whole; long ones may be split, but never at
    # an ellipsis, which marks an omission, not an ending.
    short = inside and stops[k] - starts[k] <= _MAX_PROTECTED_QUOTE
    if short or (inside and match.group().startswith(("…", "..."))):
        return False
    term = match.group().rstrip()
    if term != ".":
        return True  # "?", "!", an ellipsis, or a period followed by a closing quote
    token_start = para.rfind(" ", 0, match.start()) + 1
    token = para[token_start : match.start()].lstrip(_LEADING_PUNCT)
    key = token.lower() + "."
    if key in _NEVER_END:
        return False
    if len(token) == 1 and token.isupper():
        return False  # an initial: "J. Smith"
    if key in _MAYBE_END or _DOTTED.fullmatch(token):
        stop = para.find(" ", end)
        next_word = para[end : stop if stop >= 0 else len(para)]
        return next_word.strip(_LEADING_PUNCT + ",;:") in _SENTENCE_STARTERS
    return True


def _split_paragraph(para: str) -> list[str]:
    """Split one whitespace-normalised paragraph into sentences."""
    spans = _quote_spans(para)
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(para):
        if _is_boundary(para, match, spans):
            out.append(para[start : match.end() - 1])
            start = match.end()
    out.append(para[start:])
    return [s for s in out if s]


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its whitespace collapsed to single spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = (" ".join(p.split()) for p in _PARA_BREAK.split(text))
    return [p for p in paras if p]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, never across a paragraph (blank line).

    Breaks after ``.``, ``!``, ``?`` or an ellipsis followed by a space and a capital,
    digit or opening quote, except after common abbreviations (U.S., e.g., Mr., Inc.,
    Jan. ...), initials ("J. Smith") and inside short quotations. Decimals (3.5) never
    break because no space follows the point. No character other than whitespace is
    ever dropped, and no sentence is empty.
    """
    out: list[str] = []
    for para in _paragraphs(text):
        out.extend(_split_paragraph(para))
    return out


# ------------------------------------------------------------- quotes and attribution

_QUOTE_PAIR = re.compile(r"“([^“”]+)”|\"([^\"]+)\"")
_QUOTE_OPEN_TAIL = re.compile(r"[“\"]([^“”\"]+)$")
_QUOTE_CLOSE_HEAD = re.compile(r"^([^“”\"]+)[”\"]")
_QUOTE_TRIM = " ,;:—–-"

_SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|noted|wrote|writes|warned|warns|explained|"
    "stated|argued|argues|insisted|cautioned|acknowledged|commented|confirmed|"
    "estimated|estimates|reported|predicted|predicts|announced|announces|concluded"
)
# "X said ..." / "X told Reuters ..." -- the verb, in lower case, as a whole word.
_X_SAID = re.compile(rf"\b(?:{_SPEECH_VERBS})\b")
# Reporting verbs that are also adjectives or nouns ("an estimated 90 %") only count when
# a "that" clause follows.
_NEEDS_THAT = _words(
    "estimated estimates reported predicted predicts announced announces concluded"
)
# Verbs that can come before their subject, after a closing quote, dash or comma:
# "“Prices will rise,” said Jane Doe."
_INVERTING = _words(
    "said says added adds noted wrote writes warned warns explained argued argues insisted "
    "cautioned stated continued"
)
_QUOTE_OR_DASH_END = ("”", '"', "—", "–")
_ACCORDING_TO = re.compile(r"\baccording to\s+(?P<who>.+)", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(
    r"[,;:“”\"()—–\[\]]|\b(?:that|but|while|because|which|although|"
    r"though|whereas|as|when|where|if|after|before)\b"
)
_WHO_END = re.compile(
    r"[,;:!?“”\"()—–\[\]]|\s(?:in|on|during|last|this|when|who|which|that|after|before|"
    r"told|adding|noting|while|whose|published|released|to)\s"
)
_WHO_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:latest\s+|new\s+|recent\s+|official\s+)?(?:data|figures|numbers|"
    r"estimates|statistics|analysis|research|calculations|a\s+report|the\s+report|a\s+study|"
    r"a\s+survey|reports|a\s+statement|forecasts)\s+(?:from|by|of|published\s+by)\s+)",
    re.IGNORECASE,
)
_TRAILING_AUX = re.compile(
    r"(?:\s+(?:has|have|had|also|previously|recently|later|earlier|repeatedly|once|again|"
    r"would|will|could|may|might|reportedly|then|already|now|separately))+\s*$",
    re.IGNORECASE,
)
_LEADING_NOISE = _words(
    "in on at by for last earlier meanwhile however separately now yet still also but "
    "and so as during since then later recently previously this year week month today "
    "yesterday monday tuesday wednesday thursday friday saturday sunday"
)
_NOT_A_SOURCE = _words(
    "is are was were be been being to would will can could should must not do does "
    "did it's there here what how why"
)
_DETERMINERS = _words("the a an its his her their this one")
_PRONOUNS = _words("he she they it we i")
_MAX_WHO_WORDS = 8
_MAX_VERBS = 12  # bounds the work on a pathological run-on "sentence"
_MAX_LEFT = 400  # a source is named within this many characters before its verb
_PRONOUN_LOOKBACK = 5


def _find_quote(sentence: str) -> str | None:
    """The quoted words of a sentence; several quotations are joined with an ellipsis."""
    if '"' not in sentence and "“" not in sentence and "”" not in sentence:
        return None
    parts = [m.group(1) or m.group(2) for m in _QUOTE_PAIR.finditer(sentence)]
    if not parts:
        # A quotation running over a sentence or paragraph boundary: opener or closer only.
        m = _QUOTE_OPEN_TAIL.search(sentence) or _QUOTE_CLOSE_HEAD.search(sentence)
        parts = [m.group(1)] if m else []
    cleaned = [p.strip(_QUOTE_TRIM) for p in parts]
    cleaned = [p for p in cleaned if any(c.isalnum() for c in p)]
    return " … ".join(cleaned) if cleaned else None


def _strip_final_period(who: str) -> str:
    if not who.endswith("."):
        return who
    last = who.rsplit(" ", 1)[-1]
    if last.lower() in _MAYBE_END or _DOTTED.fullmatch(last[:-1]):
        return who
    return who[:-1].rstrip()


def _clean_who(who: str) -> str | None:
    """Trim a candidate source to a plausible name and reject what is not one."""
    who = _strip_final_period(who.strip(" ,;:"))
    words = who.split()
    while words and (words[0].lower() in _LEADING_NOISE or words[0].isdigit()):
        words.pop(0)
    if not words:
        return None
    if len(words) > 1 and words[0].lower() == "the" and words[1][:1].isupper():
        words.pop(0)  # "the U.S. Geological Survey" -> "U.S. Geological Survey"
    if len(words) > _MAX_WHO_WORDS or any(w.lower() in _NOT_A_SOURCE for w in words):
        return None
    if all(w.lower() in _DETERMINERS for w in words):
        return None
    return " ".join(words)


def _who_after(text: str) -> str | None:
    """The source named after "said"/"according to": up to a comma or a clause word."""
    m = _WHO_END.search(" " + text + " ")
    who = (" " + text)[: m.start()] if m else text
    who = _WHO_PREFIX.sub("", who.strip())
    return _clean_who(who)


def _segments(left: str) -> list[str]:
    return [s for s in (seg.strip() for seg in _CLAUSE_SPLIT.split(left)) if s]


def _who_before(left: str) -> str | None:
    """The source named right before "said": the last clause before the verb."""
    segments = _segments(_TRAILING_AUX.sub("", left))
    return _clean_who(segments[-1]) if segments else None


def _who_appositive(left: str) -> str | None:
    """ "Ding Rijia, a professor at CUMT, says ..." -> "Ding Rijia".

    With a comma right before the verb, the clause before it is a description of the
    source, and the source is the name before that. A single clause ("Prices will rise,
    said X") is not an appositive: the source comes after the verb.
    """
    segments = _segments(left)
    for segment in reversed(segments[:-1]):
        if _looks_like_source(segment) and (who := _clean_who(segment)) is not None:
            return who
    return None


def _looks_like_source(text: str) -> bool:
    """After "..., said": a name or a noun phrase ("said Jane Doe", "said the ministry"),
    not the start of a clause ("said exports fell", "said it would")."""
    first = text.split(" ", 1)[0].lstrip(_LEADING_PUNCT)
    low = first.lower()
    return (first[:1].isupper() or low in _DETERMINERS or low in _PRONOUNS) and low != "it"


def _find_attribution(sentence: str) -> str | None:
    """Who the sentence credits: "according to X", "..., said X", "X said", "X told ..."."""
    if (m := _ACCORDING_TO.search(sentence)) and (who := _who_after(m.group("who"))):
        return who
    for m in itertools.islice(_X_SAID.finditer(sentence), _MAX_VERBS):
        verb = m.group()
        left = sentence[max(0, m.start() - _MAX_LEFT) : m.start()].rstrip()
        after = sentence[m.end() :].lstrip()
        if not left or (verb in _NEEDS_THAT and not after.startswith("that ")):
            continue
        inverted = verb in _INVERTING and _looks_like_source(after)
        if left.endswith(_QUOTE_OR_DASH_END):  # "“Prices will rise,” said Jane Doe"
            who = _who_after(after) if inverted else None
        elif left.endswith(","):  # "X, a professor, said" or "Prices rose, said X"
            who = _who_appositive(left) or (_who_after(after) if inverted else None)
        else:  # "Jane Doe said", "Lynas told Reuters"
            who = _who_before(left)
        if who is not None:
            return who
    return None


def _attributions(sentences: list[str]) -> Iterator[str | None]:
    """Attribution per sentence; "he said" is credited to the last named source nearby."""
    recent: list[tuple[int, str]] = []
    for i, sentence in enumerate(sentences):
        who = _find_attribution(sentence)
        if who is not None and who.lower() in _PRONOUNS:
            named = [w for j, w in recent if i - j <= _PRONOUN_LOOKBACK]
            who = named[-1] if named else who
        elif who is not None:
            recent.append((i, who))
        yield who


# ------------------------------------------------------------------------- plain text

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


# --------------------------------------------------------------------------- Markdown

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


# ------------------------------------------------------------------------------ HTML

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


# ------------------------------------------------------------------------------- PDF

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

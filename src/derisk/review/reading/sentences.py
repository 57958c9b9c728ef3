"""Split article text into sentences, never across a paragraph.

The sentence boundaries decide what a "claim" is, so abbreviations, initials and short
quotations are kept whole. Used by review.text and the format readers.
"""

from __future__ import annotations

import bisect
import re

from derisk import vocabulary


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

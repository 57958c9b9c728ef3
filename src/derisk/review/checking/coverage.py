"""Coverage: the topics a serious piece on rare-earth de-risking should address.

The checklist is :data:`TOPICS`, twelve topics. A topic counts as *addressed* when the
article contains at least ``min_hits`` distinct keyword phrases of that topic. Matching
is word-boundary aware and case-insensitive (``KEYWORDS``), except for the few symbols
that are also ordinary words or letters, which must be written as shown (``SYMBOLS``:
``Dy``, ``Tb``, ``EV``/``EVs``, ``EU``/``US``/``U.S.``/``UK`` before a capacity noun,
and "less/lower/reduced Dy or Nd content/use"). Distinct means distinct after
lower-casing and collapsing hyphens and spaces, so "ramp-up" and "ramp up" are one hit.
:func:`addressed` refines the count to tell a discussion from a passing mention (a
phrase that recurs in two sentences counts for a two-phrase topic; one sentence naming
the heavy rare earths, or "demand" used only as the base of a share, does not count).

The checklist and its keywords are in :mod:`derisk.review.checking.topics`, the one-scan matcher
in :mod:`derisk.review.checking.topic_matcher`, and the store-derived reason for each omitted
topic in :mod:`derisk.review.checking.coverage_facts`. Every name is importable from here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derisk.review.checking.coverage_facts import CoverageFacts
from derisk.review.checking.coverage_rows import AGGREGATE_NOTE, MAX_EXAMPLES, NO_FIGURE, Why
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.topic_matcher import MATCHER, KeywordMatcher
from derisk.review.checking.topics import KEYWORDS, SYMBOLS, TOPIC_KEYS, TOPICS, Topic, find_hits

__all__ = [
    "AGGREGATE_NOTE",
    "GENERIC_HITS",
    "KEYWORDS",
    "MATCHER",
    "MAX_EXAMPLES",
    "NO_FIGURE",
    "ONE_SENTENCE_IS_PASSING",
    "OUTLOOK",
    "SYMBOLS",
    "TOPICS",
    "TOPIC_KEYS",
    "CoverageFacts",
    "KeywordMatcher",
    "Topic",
    "TopicResult",
    "Why",
    "addressed",
    "coverage",
    "find_hits",
]


@dataclass(frozen=True)
class TopicResult:
    topic: str
    label: str
    covered: bool
    hits: tuple[str, ...]
    why: str | None
    evidence: tuple[Evidence, ...]
    #: False when the article has no reason to cover the topic (review.scope): it is
    #: then never listed under What's Missing.
    in_scope: bool = True


# ------------------------------------------------------------ passing mentions
#: Topics that one sentence naming them does not address: naming the heavy rare earths
#: once ("controls on seven medium and heavy rare earths") is not weighing how the heavy
#: and light elements differ. They need two distinct phrases or two sentences.
ONE_SENTENCE_IS_PASSING = frozenset({"heavy_vs_light"})
#: Topic -> its generic words. A topic whose hits are all generic words is addressed only
#: when one of their sentences speaks of a trend (:data:`OUTLOOK`): "10% of annual EU
#: consumption" or "20% of its demand met through recycling" uses demand as the base of
#: a share; "demand will double" or "demand from EV makers" discusses it.
GENERIC_HITS: dict[str, frozenset[str]] = {"demand": frozenset({"demand", "consumption"})}
OUTLOOK = re.compile(
    r"\b(?:grow\w*|rise|rises|rising|rose|surg\w+|soar\w*|doubl\w+|tripl\w+|forecast\w*|"
    r"outlook|expect\w*|project(?:ed|ions?)|boom\w*|increas\w+|climb\w*|jump\w*|fall|falls|"
    r"fell|falling|declin\w+|slump\w*|strong\w*|weak\w*|outstrip\w*|outpac\w+)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _sentences_with(topic: Topic, text: str) -> list[str]:
    """The sentences (split at . ! ? and blank lines) with a keyword of ``topic``."""
    return [s for s in _SENTENCE_END.split(text) if topic.pattern.search(s)]


def addressed(topic: Topic, hits: tuple[str, ...], text: str) -> bool:
    """Whether the article addresses ``topic``, given its distinct keyword ``hits``.

    The keyword rule (``min_hits`` distinct phrases), with three refinements, each about
    telling a discussion from a passing mention:

    - a topic that needs two phrases is also addressed when one phrase recurs in two
      sentences: an article that comes back to "processing" discusses processing;
    - a topic in :data:`ONE_SENTENCE_IS_PASSING` named by one phrase in one sentence is
      not addressed;
    - a topic whose only hits are its :data:`GENERIC_HITS` is addressed only when one of
      their sentences speaks of a trend (:data:`OUTLOOK`).
    """
    if not hits:
        return False
    sentences: list[str] | None = None
    if len(hits) >= topic.min_hits:
        covered = True
    else:
        sentences = _sentences_with(topic, text)
        covered = topic.min_hits > 1 and len(sentences) >= 2
    if covered and topic.key in ONE_SENTENCE_IS_PASSING and len(hits) == 1:
        sentences = sentences if sentences is not None else _sentences_with(topic, text)
        covered = len(sentences) >= 2
    generic = GENERIC_HITS.get(topic.key)
    if covered and generic is not None and set(hits) <= generic:
        sentences = sentences if sentences is not None else _sentences_with(topic, text)
        covered = any(OUTLOOK.search(s) for s in sentences)
    return covered


def coverage(text: str, store: object, facts: CoverageFacts | None = None) -> list[TopicResult]:
    """One result per topic in :data:`TOPICS` order; omitted topics carry ``why`` and evidence.

    A topic is covered when the article addresses it (:func:`addressed`)."""
    if facts is None:
        facts = CoverageFacts.for_store(store)
    found = MATCHER.find(text or "")
    results = []
    for topic in TOPICS:
        hits = found[topic.key]
        covered = addressed(topic, hits, text or "")
        if covered:
            why, evidence = None, ()
        else:
            why, evidence = facts.why(topic.key)
        results.append(TopicResult(topic.key, topic.label, covered, hits, why, evidence))
    return results

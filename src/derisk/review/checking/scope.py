"""What's Missing judged by meaning and by the article's scope, not by keyword alone.

Why: a keyword checklist faults an article for what it does not say in the checklist's
words. Critics judge two other things, and so does this module:

- *meaning*: a topic the article's claims discuss is covered even without the
  checklist's words. A claim about a price or a price floor covers prices; a quota or an
  export-control event covers China's policy levers; an award of money covers financing;
  a facility's status or capacity outside China covers allied capacity; a demand figure
  covers demand; a claim dated "by 2030" (a date still ahead of the article) covers
  timelines; a figure for a midstream stage (a share, capacity or output of separation,
  metal or magnet making: "China's share of sintered magnet production was 94%", "the
  plant will separate 2,400 t a year") covers the midstream. A quota or export-control
  claim covers *China's* policy levers only when it is about China (names China, Chinese
  or Beijing): the EU's restrictions on scrap exports are not China's lever.
- *scope*: a topic is listed as missing only when the article has a reason to cover it
  (:data:`REASONS`, one pattern per topic: prices matter to a piece about companies,
  projects or investing, not to a history of export bans). A piece whose subject is the
  heavy rare earths is not faulted for the demand outlook or stockpiles, which turn on
  the light magnet elements and the supply as a whole (:data:`HEAVY_FOCUS_EXEMPT`).

Topics out of scope stay in the JSON's ``coverage`` (as not covered) but are never listed.
"""

from __future__ import annotations

import dataclasses
import re

from derisk.review.checking.coverage import TopicResult
from derisk.vocabulary import FACILITY_STAGES

#: Claim metric -> the topic a claim with that metric discusses.
METRIC_TOPICS = {
    "price": "prices",
    "price_floor": "prices",
    "quota": "china_policy",
    "policy_event": "china_policy",
    "funding": "financing",
    "demand": "demand",
}
#: Metric topics that hold only for a claim about China (see :data:`CHINA_WORDS`).
CHINA_TOPICS = frozenset({"china_policy"})
CHINA_WORDS = re.compile(r"\b(?:China|Chinese|Beijing|MOFCOM)\b")
#: A figure of one of these metrics at one of these stages discusses the midstream.
MIDSTREAM_METRICS = frozenset({"share", "capacity", "production"})
MIDSTREAM_STAGES = frozenset(set(FACILITY_STAGES) - {"mining", "recycling"}) | {"refining"}
#: Metrics that discuss capacity when the claim names a producer outside China.
CAPACITY_METRICS = frozenset({"facility_status", "capacity", "production"})
ALLIED_KINDS = frozenset({"company", "facility", "country", "bloc"})


def _rx(*words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


_SUPPLY_CHAIN = (
    r"china",
    r"chinese",
    r"beijing",
    r"supply[- ]chains?",
    r"dependen",
    r"relian",
    r"de-?risk",
    r"diversif",
)
_BUSINESS = (
    r"invest",
    r"stocks?\b",
    r"shares\b",
    r"shareholders?",
    r"portfolio",
    r"valuation",
    r"compan(?:y|ies)",
    r"projects?\b",
    r"economics",
    r"margins?",
    r"revenues?",
    r"profit",
    r"offtake",
)
#: Topic -> what in an article gives it a reason to cover the topic.
REASONS: dict[str, re.Pattern] = {
    "midstream": _rx(*_SUPPLY_CHAIN, r"process", r"refin", r"separat", r"magnet"),
    "heavy_vs_light": _rx(
        r"magnets?", r"defen[cs]e", r"military", r"export controls?", r"china", r"chinese"
    ),
    "china_policy": _rx(r"china", r"chinese", r"beijing"),
    "allied_capacity": _rx(*_SUPPLY_CHAIN, r"security"),
    "timelines": _rx(
        r"projects?\b",
        r"plants?\b",
        r"mines?\b",
        r"facilit",
        r"capacity",
        r"build",
        r"construct",
        r"compan(?:y|ies)",
        r"refiner",
    ),  # fmt: skip
    "financing": _rx(*_BUSINESS, r"plants?\b", r"mines?\b", r"government", r"capital"),
    "prices": _rx(*_BUSINESS, r"price"),
    "demand": _rx(*_BUSINESS, r"growth", r"electric", r"wind", r"magnets?", r"market"),
    "permitting_esg": _rx(r"mines?\b", r"mining projects?", r"deposits?", r"new plants?", r"build"),
    "recycling": _rx(*_SUPPLY_CHAIN, r"strateg", r"magnets?"),
    "substitution": _rx(r"dependen", r"relian", r"magnets?", r"dysprosium", r"terbium", r"motors?"),
    "stockpiles": _rx(
        r"security",
        r"defen[cs]e",
        r"military",
        r"government",
        r"strateg",
        r"disruption",
        r"export controls?",
        r"shortages?",
    ),  # fmt: skip
}
HEAVY_WORDS = re.compile(
    r"\b(?:heavy rare[- ]earths?|heavies|HREEs?|dysprosium|terbium|Dy|Tb|yttrium)\b"
)
LIGHT_WORDS = re.compile(
    r"\b(?:light rare[- ]earths?|LREEs?|neodymium|praseodymium|NdPr|lanthanum|cerium)\b"
)
#: A piece is *about* the heavy rare earths when it names them this often, and at least
#: twice as often as the light ones.
HEAVY_FOCUS_MIN = 3
HEAVY_FOCUS_EXEMPT = frozenset({"demand", "stockpiles"})


def _allied_claim(claim: object) -> bool:
    entities = getattr(claim, "entities", ())
    return getattr(claim, "metric", None) in CAPACITY_METRICS and any(
        e.kind in ALLIED_KINDS and e.key != "CHN" for e in entities
    )


def _about_china(claim: object) -> bool:
    entities = getattr(claim, "entities", ())
    return any(e.key == "CHN" for e in entities) or bool(
        CHINA_WORDS.search(getattr(claim, "text", ""))
    )


def claim_topics(claims: list, article_year: int | None) -> dict[str, str]:
    """Topic -> the first claim sentence that discusses it (coverage by meaning)."""
    out: dict[str, str] = {}
    for claim in claims:
        text = getattr(claim, "text", "")
        metric = getattr(claim, "metric", None) or ""
        topic = METRIC_TOPICS.get(metric)
        if topic and (topic not in CHINA_TOPICS or _about_china(claim)):
            out.setdefault(topic, text)
        if (
            metric in MIDSTREAM_METRICS
            and getattr(claim, "stage", None) in MIDSTREAM_STAGES
            and getattr(claim, "quantity", None) is not None
        ):
            out.setdefault("midstream", text)
        if _allied_claim(claim):
            out.setdefault("allied_capacity", text)
        year = getattr(claim, "year", None)
        ahead = article_year is None or (year is not None and year > article_year)
        if getattr(claim, "period_kind", None) == "by" and year is not None and ahead:
            out.setdefault("timelines", text)
    return out


def heavy_focus(text: str) -> bool:
    """Whether the article's subject is the heavy rare earths."""
    heavy = len(HEAVY_WORDS.findall(text))
    return heavy >= HEAVY_FOCUS_MIN and heavy >= 2 * len(LIGHT_WORDS.findall(text))


def out_of_scope(topic: str, text: str, focus_heavy: bool) -> bool:
    """True when the article has no reason to cover ``topic``."""
    if focus_heavy and topic in HEAVY_FOCUS_EXEMPT:
        return True
    reason = REASONS.get(topic)
    return reason is not None and reason.search(text) is None


def judge(
    topics: list[TopicResult], claims: list, text: str, article_year: int | None = None
) -> list[TopicResult]:
    """The checklist with coverage by meaning added and each topic's scope decided.

    A topic the claims discuss becomes covered (its hit is the claim's sentence); an
    uncovered topic the article has no reason to cover gets ``in_scope=False``.
    """
    by_meaning = claim_topics(claims, article_year)
    focus = heavy_focus(text)
    out = []
    for t in topics:
        if not t.covered and t.topic in by_meaning:
            t = dataclasses.replace(
                t, covered=True, hits=(*t.hits, by_meaning[t.topic]), why=None, evidence=()
            )
        if not t.covered and out_of_scope(t.topic, text, focus):
            t = dataclasses.replace(t, in_scope=False)
        out.append(t)
    return out


__all__ = ["REASONS", "claim_topics", "heavy_focus", "judge", "out_of_scope"]

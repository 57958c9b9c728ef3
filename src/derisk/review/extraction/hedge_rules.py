"""The hedge marker tables: the `OPINION`, `SPECULATIVE` and `HEDGED` regexes and the
hint substrings that let a sentence skip them."""

from __future__ import annotations

import re

from derisk.review.extraction.quantity_patterns import _I

#: Hedge markers, tried in this order: opinion, then speculative, then hedged.
OPINION = re.compile(
    r"\b(?:we|I)\s+(?:believe|think|argue|contend|would\s+argue|suspect|feel)\b|"
    r"\bin\s+(?:our|my)\s+(?:view|opinion)\b|\barguably\b|\bought\s+to\b|\bneeds?\s+to\b|"
    r"\bshould\b|\bmust\b|\blikely\s+to\s+be\s+the\s+best\b|\b(?:the\s+)?(?:best|worst|"
    r"smartest|only\s+sensible)\s+(?:way|option|bet|path|approach|policy|hope|strategy|"
    r"answer|solution|chance|move)\b|\b(?:a\s+)?(?:grave\s+|big\s+|serious\s+)?mistake\b|"
    r"\bfoolish\b|\bmisguided\b|\bnaive\b|\bunwise\b|\bit\s+is\s+(?:high\s+)?time\b|"
    r"\bshame\b|\bwake-up\s+call\b",
    _I,
)
#: "should"/"must" that state an expectation or a rule, not an opinion
_NOT_OPINION = re.compile(
    r"\bshould\s+(?:begin|start|reach|come|be\s+(?:completed|operational|online|ready|"
    r"finished|commissioned|producing|in\s+production)|open|produce|enter|complete|"
    r"deliver|ramp)\b"
    r"|\bmust\b(?=.*\b(?:licen[cs]e|permit|approval|rules?|regulations?|law|require|apply|"
    r"obtain|comply|report|declare|register)\w*)",
    _I,
)
SPECULATIVE = re.compile(
    r"\b(?:could|might|potentially|possibly|perhaps|expect(?:s|ed|ing)?|aim(?:s|ed|ing)?\s+"
    r"to|plan(?:s|ned|ning)?\s+to|planned|intend(?:s|ed)?\s+to|hopes?\s+to|targets?|"
    r"targeting|(?:is|are|was|were)\s+set\s+to|set\s+to|forecasts?|forecast(?:ed|ing)|"
    r"projected|projections?|will|would|likely|unlikely|anticipated|scheduled\s+to|"
    r"slated\s+to|due\s+to\s+(?:start|begin|open|be|come|reach)|on\s+track\s+to|"
    r"poised\s+to|outlook|should)\b|(?-i:\bmay\b)|(?-i:^May\s+(?![\d,]))",
    _I,
)
HEDGED = re.compile(
    r"\b(?:about|around|roughly|approximately|approx|nearly|almost|estimated|estimates?|"
    r"some|circa|reportedly|close\s+to|or\s+so|more\s+or\s+less|believed\s+to)\b|~|≈",
    _I,
)


_OPINION_HINTS = (
    "believe",
    "think",
    "argue",
    "contend",
    "suspect",
    "feel",
    "view",
    "opinion",
    "arguabl",
    "ought",
    "need",
    "should",
    "must",
    "best",
    "worst",
    "smartest",
    "sensible",
    "mistake",
    "foolish",
    "misguided",
    "naive",
    "unwise",
    "time",
    "shame",
    "wake-up",
)
_SPECULATIVE_HINTS = (
    "could",
    "might",
    "potential",
    "possibl",
    "perhaps",
    "expect",
    "aim",
    "plan",
    "intend",
    "hope",
    "target",
    "set",
    "forecast",
    "project",
    "will",
    "would",
    "likely",
    "anticipat",
    "schedul",
    "slated",
    "due",
    "track",
    "poised",
    "outlook",
    "should",
    "may",
)
_HEDGED_HINTS = (
    "about",
    "around",
    "roughly",
    "approx",
    "nearly",
    "almost",
    "estimat",
    "some",
    "circa",
    "reported",
    "close",
    "so",
    "less",
    "believed",
    "~",
    "≈",
)

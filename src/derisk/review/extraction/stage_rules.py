"""The stage word table: `STAGE_RULES`, their hint substrings and the combined scan
regex that finds stage words in a sentence."""

from __future__ import annotations

import re

from derisk.review.extraction.quantity_patterns import _I

#: stage -> words. The word nearest the claim's main quantity decides. Entity names
#: ("magnet rare earths", "Less Common Metals") are masked first.
STAGE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "mining",
        re.compile(
            r"\bmin(?:e|es|ed|ing)\b|\bmine\s+production\b|\bextraction\b"
            r"|\bextract(?:s|ed)?\b|\b(?:dig|digs|digging|dug)\s+(?:up|out)\b"
            r"|\bore\b|\bconcentrates?\b",
            _I,
        ),
    ),
    (
        "separation",
        re.compile(
            r"\brefin(?:e|es|ed|ing|ery|eries|er|ers)\b|\bprocessing\b|"
            r"\bprocessed\b|\bprocessors?\b|\bsepara(?:tion|te|ted|ting)\b|"
            r"\bsmelting\b|\boxides?\b",
            _I,
        ),
    ),
    (
        "metal",
        re.compile(
            r"\bmetal(?:s)?\s+and\s+alloys?\b|\bmetal\b|\bmetalli[sz]ation\b|"
            r"\balloys?\b|\bmetal-?making\b",
            _I,
        ),
    ),
    ("magnet", re.compile(r"\bmagnets?\b|\bNdFeB\b|\bmagnet-?making\b", _I)),
    ("recycling", re.compile(r"\brecycl(?:e|ed|ing)\b|\brecovery\b", _I)),
)

_STAGE_HINTS = (
    "min",
    "extract",
    "dig",
    "dug",
    "ore",
    "concentrat",
    "refin",
    "process",
    "separa",
    "smelt",
    "oxide",
    "metal",
    "alloy",
    "magnet",
    "ndfeb",
    "recycl",
    "recover",
)
_STAGE_SCAN = re.compile(
    "|".join(f"(?P<{stage}>{pattern.pattern})" for stage, pattern in STAGE_RULES), _I
)

"""China's dominance stated in words: "China dominates both mining and refining".

Most articles state China's position without a figure, and experts count a correct one
as holding up ("correctly acknowledges China's dominance"). Such a sentence is a claim
about each stage it names: it holds when China's latest share on record at the
article's date is at least half of world output at every one of those stages. A share
below half leaves the word "dominates" a judgement, so the claim is unverifiable, never
contradicted: the largest producer with 45 % may fairly be called dominant.

The stages differ (China mines about two thirds of rare earths but separates about nine
tenths), so when a sentence puts two stages together the explanation says by how much
they differ: a caveat a reader needs, not a slip in a true sentence.
"""

from __future__ import annotations

import datetime as dt
import re

from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import FactBase
from derisk.review.checking.match import Result, on_record

CHINA = re.compile(r"\b(?:China|Chinese|Beijing|the PRC)\b")
DOMINATES = re.compile(
    r"\b(?:dominat(?:es|ed|ing|e)|dominance|dominant|controls|controlled|control of|"
    r"leads|grip on|stranglehold|chokehold|the lion's share)\b",
    re.IGNORECASE,
)
#: Stage words -> the stage_shares stage and the group label read for it.
STAGES = (
    ("mining", re.compile(r"\b(?:mining|mined|mines|mine output|extraction|ore)\b", re.I)),
    ("separation", re.compile(r"\b(?:refin\w*|process\w*|separat\w*|midstream)\b", re.I)),
    ("magnet", re.compile(r"\bmagnets?\b(?![- ]rare)", re.I)),
)


def group_label(stage: str) -> str:
    """The stage_shares group label read for a stage (any magnet row counts)."""
    if stage == "mining":
        return "all REE (REO)"
    return "all REE" if stage == "separation" else ""


#: China holds a stage when its share on record is at least this.
HALF = 50.0
#: Two stages "differ" for the caveat when their shares are this many points apart.
GAP_PP = 10.0
#: Hedged or negated wording is not a statement of dominance.
NOT_STATED = re.compile(
    r"\b(?:no longer|not|never|ends?|ended|break(?:s|ing)?|challeng\w*|loosen\w*|"
    r"weaken\w*|erod\w*|without)\b",
    re.IGNORECASE,
)


def is_dominance_claim(claim: object) -> bool:
    """A sentence stating, with no percentage, that China dominates named stages."""
    text = getattr(claim, "text", "")
    q = getattr(claim, "quantity", None)
    if getattr(q, "unit", None) == "percent":
        return False
    if not (CHINA.search(text) and DOMINATES.search(text)) or NOT_STATED.search(text):
        return False
    return bool(stages_named(text))


def stages_named(text: str) -> list[str]:
    """The chain stages a sentence names, in chain order."""
    return [stage for stage, pattern in STAGES if pattern.search(text)]


def _latest_on_record(
    facts: FactBase, stage: str, article_date: dt.date | None
) -> tuple[float, int, Evidence] | None:
    """China's newest dated share at a stage that was on record at the article's date."""
    label = group_label(stage)
    rows = facts.tables["stage_shares"]
    rows = rows[
        (rows["stage"] == stage)
        & (rows["country"] == "CHN")
        & (rows["unit"] == "percent")
        & (rows["measure"].astype(str) == "share")
        & rows["value"].notna()
        & rows["year"].notna()
        & rows["element_or_group"].astype(str).str.contains(label, regex=False)
        & ~rows["element_or_group"].astype(str).str.contains("outlook|capacity|HREE")
    ]
    best = None
    for r in rows.itertuples():
        ev = facts.ev(
            "stage_shares",
            f"stage={stage}, country=CHN, element_or_group={r.element_or_group}, "
            f"year={int(r.year)}",
            f"{r.value_text} %",
            r.source_id,
        )
        candidate = facts.candidate(r, int(r.year), ev, str(r.element_or_group))
        if not on_record(candidate, article_date):
            continue
        if best is None or int(r.year) > best[1]:
            best = (float(r.value), int(r.year), ev)
    return best


def check_dominance(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """Supported when China holds at least half of every stage named, on the record then."""
    if not is_dominance_claim(claim):
        return None
    stages = stages_named(claim.text)  # type: ignore[attr-defined]
    found = {s: facts.memo(("dominance", s, article_date),
                           lambda s=s: _latest_on_record(facts, s, article_date))
             for s in stages}  # fmt: skip
    missing = [s for s, v in found.items() if v is None]
    evidence = tuple(v[2] for v in found.values() if v is not None)
    if missing:
        return "unverifiable", evidence, (
            f"no dated share of China's {', '.join(missing)} on record at the article's date"
        )
    parts = [f"{s} {v[0]:g} % ({v[1]})" for s, v in found.items()]  # type: ignore[index]
    below = [s for s, v in found.items() if v[0] < HALF]  # type: ignore[index]
    if below:
        return "unverifiable", evidence, (
            f"China's share on record: {', '.join(parts)}; below half at {', '.join(below)}, "
            "so 'dominates' there is a judgement the data cannot settle"
        )
    shares = [v[0] for v in found.values()]  # type: ignore[index]
    caveat = ""
    if len(shares) > 1 and max(shares) - min(shares) > GAP_PP:
        caveat = (
            "; the stages differ by "
            f"{max(shares) - min(shares):.0f} points, so the tighter chokepoint is "
            f"{max(found, key=lambda s: found[s][0])}"  # type: ignore[index]
        )
    return "supported", evidence, f"China's share on record: {', '.join(parts)}{caveat}"


__all__ = ["check_dominance", "is_dominance_claim", "stages_named"]

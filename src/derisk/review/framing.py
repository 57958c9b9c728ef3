"""Slips of framing: statements that are not wrong figures but mislead against the data.

Critics flag more than wrong numbers. Two framing rules are checkable against the
store, and each slip they raise carries the rows that show the problem:

- lumped stages: a sentence puts China's dominance of mining and of refining in one
  breath ("dominates mining and refining") with no figure per stage, while the data
  shows the shares differ widely (the midstream is the tighter chokepoint);
- absolute dominance: "all", "entire", "complete control" or "monopoly" about China's
  rare-earth supply with no figure, while the data's latest shares are below 100 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derisk.review.evidence import Evidence
from derisk.review.verify import FactBase

MINING = re.compile(r"\bmin(?:ing|ed|es|e)\b", re.IGNORECASE)
REFINING = re.compile(r"\b(?:refin\w*|process\w*|separat\w*)\b", re.IGNORECASE)
DOMINANCE = re.compile(r"\b(?:dominat\w*|control\w*|lead\w*|grip|hold\w*)\b", re.IGNORECASE)
ABSOLUTE = re.compile(
    r"\b(?:all of the world'?s|the entire|complete control|total control|monopoly|"
    r"monopolises|monopolizes|every (?:single )?(?:tonne|ton|magnet))\b",
    re.IGNORECASE,
)
#: Shares of mining and separation that differ by more than this are not "the same".
LUMP_GAP_PP = 10.0


@dataclass(frozen=True)
class Slip:
    text: str
    why: str
    evidence: tuple[Evidence, ...]


def _latest_share(facts: FactBase, stage: str, label: str) -> tuple[float, Evidence] | None:
    """China's latest share at a stage; undated statements count as of their source's year."""
    rows = facts.tables["stage_shares"]
    rows = rows[
        (rows["stage"] == stage)
        & (rows["country"] == "CHN")
        & (rows["unit"] == "percent")
        & rows["value"].notna()
        & rows["element_or_group"].astype(str).str.contains(label, regex=False)
        & ~rows["element_or_group"].astype(str).str.contains("outlook|capacity")
    ]
    dated = [(facts.year_of(r.year, r.source_id), r) for r in rows.itertuples()]
    dated = [(y, r) for y, r in dated if y is not None]
    if not dated:
        return None
    year, r = max(dated, key=lambda item: item[0])
    ev = facts.ev(
        "stage_shares",
        f"stage={stage}, country=CHN, element_or_group={r.element_or_group}, year={year}",
        f"{r.value_text} % ({year})",
        r.source_id,
    )
    return float(r.value), ev


def _stage_shares(facts: FactBase) -> tuple[tuple[float, Evidence], tuple[float, Evidence]] | None:
    mining = _latest_share(facts, "mining", "all REE (REO)")
    separation = _latest_share(facts, "separation", "all REE")
    if mining is None or separation is None:
        return None
    return mining, separation


def _china(claim: object) -> bool:
    return any(e.kind == "country" and e.key == "CHN" for e in getattr(claim, "entities", ()))


def framing_slips(claims: list, facts: FactBase) -> list[Slip]:
    """Framing slips over the article's claims (one per sentence at most)."""
    shares = facts.memo(("framing_shares",), lambda: _stage_shares(facts))
    out: list[Slip] = []
    seen: set[int] = set()
    for claim in claims:
        if getattr(claim, "part", 0) or claim.sentence_index in seen or not _china(claim):
            continue
        text = claim.text
        has_figure = claim.quantity is not None and claim.quantity.unit == "percent"
        if has_figure or shares is None:
            continue
        (mine, mine_ev), (sep, sep_ev) = shares
        if (
            MINING.search(text)
            and REFINING.search(text)
            and DOMINANCE.search(text)
            and abs(sep - mine) > LUMP_GAP_PP
        ):
            out.append(
                Slip(
                    text,
                    f"puts mining and refining together; the data separates them: China "
                    f"mined {mine:g} % but separated {sep:g} % of rare earths, so the "
                    "midstream is the tighter chokepoint",
                    (mine_ev, sep_ev),
                )
            )
            seen.add(claim.sentence_index)
        elif ABSOLUTE.search(text) and max(mine, sep) < 100:
            out.append(
                Slip(
                    text,
                    f"absolute wording with no figure; the latest shares are {mine:g} % of "
                    f"mining and {sep:g} % of separation, not all of it",
                    (mine_ev, sep_ev),
                )
            )
            seen.add(claim.sentence_index)
    return out


__all__ = ["Slip", "framing_slips"]

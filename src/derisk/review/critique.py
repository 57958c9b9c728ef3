"""The critique: claims, verdicts, coverage and ratings composed in the critic's structure.

Prose is assembled from templates over the evidence, so every sentence in a critique
can be traced to a verdict, a topic or a rating signal. An optional LLM may rephrase
the bottom line and takeaway (review.llm) but never changes a verdict or its evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from derisk.review.coverage import CoverageFacts, TopicResult, coverage
from derisk.review.framing import Slip, framing_slips
from derisk.review.ratings import Rating, rate
from derisk.review.verify import FactBase, Verdict, verify
from derisk.vocabulary import CHECKED_VERDICTS, WRONG_VERDICTS

CRITERIA = (
    "claim_clarity",
    "financial_transparency",
    "detail_risk_disclosure",
    "investor_usefulness",
)
#: How many topics the bottom line names when listing omissions.
MAX_NAMED_OMISSIONS = 3
#: What's Missing lists at most this many omitted topics, most important first: critics
#: name the few omissions that change the picture, not a checklist (the full checklist
#: is in `coverage`). Calibrated on shared/review_examples, where critics list 0-4.
MAX_MISSING = 4
MISSING_PRIORITY = (
    "midstream",
    "heavy_vs_light",
    "china_policy",
    "allied_capacity",
    "timelines",
    "financing",
    "prices",
    "demand",
    "permitting_esg",
    "recycling",
    "substitution",
    "stockpiles",
)
SHORT_WORDS = 30


@dataclass
class Critique:
    title: str
    date: dt.date | None
    highlights: list[str]
    holds_up: list[str]
    slips: list[str]
    missing: list[TopicResult]
    coverage: list[TopicResult]
    bottom_line: str
    investor_takeaway: str
    ratings: dict[str, Rating]
    claims: list[Verdict]
    source: str = ""
    word_count: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON contract: title, date, highlights ... ratings, claims."""
        return {
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "highlights": self.highlights,
            "holds_up": self.holds_up,
            "slips": self.slips,
            "missing": [
                {"topic": t.label, "why": t.why, "evidence": [e.to_dict() for e in t.evidence]}
                for t in self.missing
            ],
            "coverage": {t.topic: t.covered for t in self.coverage},
            "bottom_line": self.bottom_line,
            "investor_takeaway": self.investor_takeaway,
            "ratings": {
                k: {
                    "level": r.level,
                    "reason": r.reason,
                    "signals": r.signals,
                    "evidence": list(r.evidence),
                }
                for k, r in self.ratings.items()
            },
            "claims": [v.to_dict() for v in self.claims],
            "source": self.source,
            "word_count": self.word_count,
            "notes": self.notes,
        }


@dataclass
class Reviewer:
    """Everything read from the store once, so a batch reviews many articles cheaply."""

    store: object
    facts: FactBase = field(init=False)
    coverage_facts: CoverageFacts = field(init=False)
    lexicon: object = field(init=False)

    def __post_init__(self) -> None:
        from derisk.review.lexicon import build_lexicon

        self.facts = FactBase(self.store)
        self.coverage_facts = CoverageFacts(self.store)
        self.lexicon = build_lexicon(self.store)

    def review(self, article: object) -> Critique:
        from derisk.review.claims import extract_claims

        claims = extract_claims(article, self.lexicon)
        verdicts = verify(claims, self.facts, article.date)  # type: ignore[attr-defined]
        topics = coverage(article.text, self.store, self.coverage_facts)  # type: ignore[attr-defined]
        # Ratings count sentences: a sentence's further figures (part > 0) are not extra claims.
        sentences = [c for c in claims if getattr(c, "part", 0) == 0]
        ratings = rate(article.text, sentences, verdicts, topics)  # type: ignore[attr-defined]
        framing = framing_slips(claims, self.facts)
        return compose(article, claims, verdicts, topics, ratings, framing)


def _short(text: str, words: int = SHORT_WORDS) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " ..."


def _cite(verdict: Verdict) -> str:
    if not verdict.evidence:
        return ""
    ids = sorted({e.source_id for e in verdict.evidence})
    return f" [{'; '.join(ids)}]"


def highlights(claims: list, verdicts: list[Verdict]) -> list[str]:
    """The article's three most specific claims, as written (shortened), with verdicts."""
    by_claim = {id(v.claim): v for v in verdicts}

    def weight(c: object) -> tuple:
        v = by_claim.get(id(c))
        checked = v is not None and v.verdict in CHECKED_VERDICTS
        return (
            checked,
            getattr(c, "quantity", None) is not None,
            len(getattr(c, "entities", ())),
        )

    # One entry per sentence: a sentence's further figures (part > 0) are the same text.
    best: dict[int, object] = {}
    for c in claims:
        if c.checkworthy and (
            c.sentence_index not in best or weight(c) > weight(best[c.sentence_index])
        ):
            best[c.sentence_index] = c
    ranked = sorted(best.values(), key=weight, reverse=True)[:3]
    ranked.sort(key=lambda c: c.sentence_index)
    out = []
    for c in ranked:
        v = by_claim.get(id(c))
        tag = f" ({v.verdict})" if v else ""
        out.append(_short(c.text) + tag)
    return out


def compose(
    article: object,
    claims: list,
    verdicts: list[Verdict],
    topics: list[TopicResult],
    ratings: dict[str, Rating],
    framing: list[Slip] | None = None,
) -> Critique:
    holds = [v for v in verdicts if v.verdict == "supported"]
    slips = [v for v in verdicts if v.verdict in WRONG_VERDICTS]
    basis = [v for v in verdicts if v.verdict == "unverifiable" and "basis" in v.explanation]
    omitted = [t for t in topics if not t.covered]
    rank = {k: i for i, k in enumerate(MISSING_PRIORITY)}
    missing = sorted(omitted, key=lambda t: rank.get(t.topic, len(rank)))[:MAX_MISSING]
    checkable = [v for v in verdicts if v.verdict in CHECKED_VERDICTS]
    holds_up = [f"{_short(v.claim.text)} — {v.explanation}{_cite(v)}" for v in holds]
    slip_lines = [
        f"{_short(v.claim.text)} — {v.verdict}: {v.explanation}{_cite(v)}" for v in slips
    ] + [f"{_short(v.claim.text)} — basis: {v.explanation}{_cite(v)}" for v in basis]
    for slip in framing or []:
        ids = "; ".join(sorted({e.source_id for e in slip.evidence}))
        slip_lines.append(f"{_short(slip.text)} — framing: {slip.why} [{ids}]")
    opinions = [v for v in verdicts if v.verdict == "opinion"]
    covered = len(topics) - len(omitted)
    named = ", ".join(t.label.split(" (")[0].lower() for t in missing[:MAX_NAMED_OMISSIONS])
    bottom = (
        f"{len(holds)} of {len(checkable)} claims checked against the dataset hold up"
        + (f" and {len(slips)} slip" if slips else "")
        + (f"; {len(framing)} framing problems" if framing else "")
        + f"; {len(opinions)} statements are opinion or forecast. "
        + f"It addresses {covered} of {len(topics)} topics a de-risking piece should cover"
        + (f" and leaves out {named}." if missing else ".")
    )
    if not checkable:
        bottom = (
            "None of its claims could be checked against the dataset: read it as "
            f"commentary. It addresses {covered} of {len(topics)} topics"
            + (f" and leaves out {named}." if missing else ".")
        )
    takeaway = investor_takeaway(ratings, missing, slips)
    title = getattr(article, "title", None) or "Untitled article"
    return Critique(
        title=title,
        date=getattr(article, "date", None),
        highlights=highlights(claims, verdicts),
        holds_up=holds_up,
        slips=slip_lines,
        missing=missing,
        coverage=topics,
        bottom_line=bottom,
        investor_takeaway=takeaway,
        ratings=ratings,
        claims=verdicts,
        source=getattr(article, "source", ""),
        word_count=getattr(article, "word_count", 0),
        notes=[]
        if getattr(article, "date", None)
        else ["no article date given: claims were checked against the latest records only"],
    )


def investor_takeaway(
    ratings: dict[str, Rating], missing: list[TopicResult], slips: list[Verdict]
) -> str:
    """What an investor can use from it, from the ratings and the gaps (template)."""
    useful = ratings["investor_usefulness"].level
    money = ratings["financial_transparency"].level
    risk = ratings["detail_risk_disclosure"].level
    lead = {
        "High": "Usable as a starting point for due diligence: it names companies, "
        "quantities, timelines and catalysts.",
        "Medium": "Partly usable: some companies, figures or timelines are given, "
        "but not enough to size a position.",
        "Low": "Not usable for an investment decision on its own: it gives few named "
        "companies, quantities, dates or catalysts.",
    }[useful]
    parts = [lead]
    if money != "High":
        parts.append(
            "Money figures lack scale, period or payer; check them against filings before "
            "relying on them."
        )
    if risk == "Low":
        parts.append("It names few execution, price, policy or financing risks.")
    keys = {t.topic for t in missing}
    for topic, text in (
        ("timelines", "Build in project slippage: the dataset's record of delays applies."),
        ("prices", "Prices are not discussed; margins depend on them."),
        ("china_policy", "China's quotas and export controls are not weighed."),
    ):
        if topic in keys:
            parts.append(text)
    if slips:
        parts.append(f"{len(slips)} of its factual claims do not match the record.")
    return " ".join(parts)

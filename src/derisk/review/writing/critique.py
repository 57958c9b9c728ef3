"""The critique: claims, verdicts, coverage and ratings composed in the critic's structure.

Prose is assembled from templates over the evidence, so every sentence in a critique
can be traced to a verdict, a topic or a rating signal. An optional LLM may rephrase
the bottom line and takeaway (review.llm) but never changes a verdict or its evidence.

Sections are decided per *sentence*, so no sentence is listed twice: a sentence with a
figure that slips (contradicted, outdated, optimistic) or a framing slip goes under
Where It Slips (with any of its figures that held noted there); else one whose figures
hold (supported, consistent) under What Holds Up, each figure named by what it measures
with the record it matches and that record's source; else a checkable figure the dataset
cannot settle but the article credits to an official or statistical body ("according to
the General Administration of Customs") under What Holds Up as *well sourced*, with a
note that the dataset cannot check it (critics credit sourced figures: `SOURCED_BY`);
else a checkable sentence the dataset cannot settle under Could Not Be Checked. Verdict
names come from derisk.vocabulary and a name the vocabulary lacks is simply never seen.
What's Missing lists only omitted topics the article has reason to cover (review.scope).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from derisk.review.checking.coverage import CoverageFacts, TopicResult, coverage
from derisk.review.checking.framing import KINDS, Slip, framing_slips
from derisk.review.checking.predict import check_predictions
from derisk.review.checking.scope import judge
from derisk.review.checking.verify import FactBase, Verdict, verify
from derisk.review.writing import prose
from derisk.review.writing.ratings import Rating, rate
from derisk.vocabulary import CHECKED_VERDICTS, HOLDING_VERDICTS, SLIP_VERDICTS

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
#: is in `coverage`). Critics in shared/review_examples list 0-2.
MAX_MISSING = 3
#: Verdicts listed under What Holds Up and Where It Slips (derisk.vocabulary).
HOLDS_VERDICTS = HOLDING_VERDICTS
#: Could Not Be Checked lists at most this many sentences (the claims table has them all).
MAX_UNCHECKED = 6
#: The verify stage's wording for "nothing on record", said for a reader.
NO_ROWS = "no matching rows in the dataset"
NO_ROWS_READER = "the dataset holds no figure to check it against"
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
#: An attribution that names an official or statistical body (a customs administration,
#: a ministry, a geological survey, an agency, a statistics bureau, a central bank, a
#: report or survey), one of the official acronyms below, or a price-reporting agency. A
#: figure the dataset cannot settle is listed as well sourced only with such an
#: attribution: a person's or a company's say-so is a claim, not a source.
SOURCED_BY = re.compile(
    r"\b(?i:administration|ministry|ministries|department|agency|bureau|office|customs|"
    r"survey|commission|council|institute|authority|statistic\w*|central bank|"
    r"reserve bank|world bank|treasury|parliament|congress\w*|government|report|"
    r"yearbook|census|argus|fastmarkets|benchmark mineral|shanghai metals market|"
    r"asian metal|adamas)\b|"
    r"\b(?:USGS|IEA|EIA|MOFCOM|NBS|GAC|OECD|IMF|WTO|UNCTAD|IRENA|DOE|DoD|USTR|JOGMEC|"
    r"METI|BGS|ABS|SMM)\b"
)
#: How a well-sourced figure the dataset cannot check is said under What Holds Up.
SOURCED = "well sourced (the article credits {who}), but {why}"


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
    #: Checkable sentences the dataset cannot settle (unverifiable), with why.
    could_not_check: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON contract: title, date, highlights ... ratings, claims."""
        return {
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "highlights": self.highlights,
            "holds_up": self.holds_up,
            "slips": self.slips,
            "could_not_check": self.could_not_check,
            "missing": [
                {"topic": t.label, "why": t.why, "evidence": [e.to_dict() for e in t.evidence]}
                for t in self.missing
            ],
            "coverage": {t.topic: t.covered for t in self.coverage},
            "out_of_scope": [t.topic for t in self.coverage if not t.covered and not t.in_scope],
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
        from derisk.review.extraction.lexicon import build_lexicon

        self.facts = FactBase(self.store)
        self.coverage_facts = CoverageFacts(self.store)
        self.lexicon = build_lexicon(self.store)

    def review(self, article: object) -> Critique:
        from derisk.review.extraction.claims import extract_claims

        claims = extract_claims(article, self.lexicon)
        verdicts = verify(claims, self.facts, article.date)  # type: ignore[attr-defined]
        shared = self.facts.memo(("predict_shared",), dict)
        verdicts = check_predictions(claims, verdicts, self.store, article.date, shared)  # type: ignore[attr-defined]
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


@dataclass
class Sections:
    """The critic's lists, one entry per sentence, and what the prose needs from them."""

    holds_up: list[str] = field(default_factory=list)
    slips: list[str] = field(default_factory=list)
    could_not_check: list[str] = field(default_factory=list)
    found: prose.Findings = field(default_factory=prose.Findings)


def _slip_line(text: str, wrong: list[Verdict], slip: Slip | None) -> str:
    parts = [f"{v.verdict}: {v.explanation}{_cite(v)}" for v in wrong]
    if slip is not None:
        ids = "; ".join(sorted({e.source_id for e in slip.evidence}))
        parts.append(f"framing: {slip.why}" + (f" [{ids}]" if ids else ""))
    return f"{_short(text)} — " + "; ".join(parts)


def _held_figure(v: Verdict) -> str:
    """A figure that holds in a sentence listed as a slip, named by its figure.

    The sentence is listed once (under Where It Slips); the figure still gets its credit.
    """
    return f"{prose.subject(v.claim)}: confirmed by the record ({v.explanation}){_cite(v)}"


def _held_line(text: str, held: list[Verdict]) -> str:
    """A sentence that holds, each figure named by what it measures, the record it
    matches and that record's source ("China's separation share (90%): confirmed by the
    record (article: 90%; data: ...) [usgs-...]")."""
    parts = [
        f"{prose.subject(v.claim)}: confirmed by the record ({v.explanation}){_cite(v)}"
        for v in held
    ]
    return f"{_short(text)} — " + "; ".join(parts)


def well_sourced(v: Verdict) -> str | None:
    """Who an unverifiable figure is credited to, when that is an official or statistical
    body (`SOURCED_BY`); None for a figure with no such source, or for no figure."""
    claim = v.claim
    who = (getattr(claim, "attribution", None) or "").strip()
    if v.verdict != "unverifiable" or getattr(claim, "quantity", None) is None or not who:
        return None
    return who if SOURCED_BY.search(who) else None


def _sourced_line(text: str, v: Verdict, who: str) -> str:
    why = NO_ROWS_READER if v.explanation == NO_ROWS else v.explanation
    if not who.lower().startswith("the ") and not who.isupper():
        who = f"the {who}" if who[:1].isupper() and " " in who else who
    # The figure is named plainly: a metric the record could not confirm may be misread.
    figure = f"the {v.claim.quantity.text} figure"  # type: ignore[attr-defined]
    return f"{_short(text)} — {figure}: " + SOURCED.format(who=who, why=why)


def sections(verdicts: list[Verdict], framing: list[Slip]) -> Sections:
    """Each sentence in one section: slips first, then what holds, then what can't be checked."""
    by_sentence: dict[int, list[Verdict]] = {}
    for v in verdicts:
        by_sentence.setdefault(getattr(v.claim, "sentence_index", id(v)), []).append(v)
    slip_of = {s.text: s for s in framing}
    out = Sections()
    for vs in by_sentence.values():
        text = vs[0].claim.text  # type: ignore[attr-defined]
        wrong = [v for v in vs if v.verdict in SLIP_VERDICTS]
        held = [v for v in vs if v.verdict in HOLDS_VERDICTS]
        slip = slip_of.pop(text, None)
        out.found.checked += any(v.verdict in CHECKED_VERDICTS for v in vs)
        if wrong or slip is not None:
            out.slips.append(_slip_line(text, wrong, slip))
            out.holds_up += [_held_figure(v) for v in held]
            out.found.slipped += [v.claim for v in wrong]
            out.found.held += [v.claim for v in held]
            out.found.framing += [KINDS.get(slip.kind, "frames it misleadingly")] if slip else []
        elif held:
            out.holds_up.append(_held_line(text, held))
            out.found.held += [v.claim for v in held]
        elif any(v.verdict == "unverifiable" for v in vs):
            out.found.unchecked += 1
            sourced = [(v, who) for v in vs if (who := well_sourced(v))]
            if sourced:
                out.holds_up.append(_sourced_line(text, *sourced[0]))
                out.found.sourced += 1
                continue
            if len(out.could_not_check) < MAX_UNCHECKED:
                v = next(v for v in vs if v.verdict == "unverifiable")
                why = NO_ROWS_READER if v.explanation == NO_ROWS else v.explanation
                out.could_not_check.append(f"{_short(text)} — {why}{_cite(v)}")
    for slip in slip_of.values():  # a framing slip on a sentence with no verdict
        ids = "; ".join(sorted({e.source_id for e in slip.evidence}))
        out.slips.append(f"{_short(slip.text)} — framing: {slip.why} [{ids}]")
        out.found.framing.append(KINDS.get(slip.kind, "frames it misleadingly"))
    return out


def _notes(article: object) -> list[str]:
    if getattr(article, "date", None) is None:
        return ["no article date given: claims were checked against the latest records only"]
    note = getattr(article, "date_note", None)
    return [note] if note else []


def compose(
    article: object,
    claims: list,
    verdicts: list[Verdict],
    topics: list[TopicResult],
    ratings: dict[str, Rating],
    framing: list[Slip] | None = None,
) -> Critique:
    """The critique from the stages' results (coverage judged here by meaning and scope)."""
    date = getattr(article, "date", None)
    text = getattr(article, "text", "") or ""
    topics = judge(topics, claims, text, date.year if date else None)
    omitted = [t for t in topics if not t.covered and t.in_scope]
    rank = {k: i for i, k in enumerate(MISSING_PRIORITY)}
    missing = sorted(omitted, key=lambda t: rank.get(t.topic, len(rank)))[:MAX_MISSING]
    parts = sections(verdicts, framing or [])
    parts.found.missing = [t.topic for t in missing]
    title = getattr(article, "title", None) or "Untitled article"
    return Critique(
        title=title,
        date=date,
        highlights=highlights(claims, verdicts),
        holds_up=parts.holds_up,
        slips=parts.slips,
        missing=missing,
        coverage=topics,
        bottom_line=prose.bottom_line(parts.found),
        investor_takeaway=investor_takeaway(ratings, missing),
        ratings=ratings,
        claims=verdicts,
        source=getattr(article, "source", ""),
        word_count=getattr(article, "word_count", 0),
        notes=_notes(article),
        could_not_check=parts.could_not_check,
    )


def investor_takeaway(
    ratings: dict[str, Rating], missing: list[TopicResult], slips: object = None
) -> str:
    """What an investor can use from it, in step with the four ratings (review.prose)."""
    return prose.investor_takeaway(ratings, [t.topic for t in missing])

"""Evaluate the reviewer against expert critiques (shared/review_examples).

For each example that has the article's text, derisk reviews it and is compared with
what the expert critic wrote, on three documented measures:

- holds_up / slips recall: an expert item counts as found when one of derisk's items
  in the same section shares a figure with it (numbers compared after removing
  separators and %), or, for items without figures, shares a checklist topic;
- missing recall and precision: the expert's omissions are mapped to checklist topics
  with the same keyword patterns the coverage stage uses, and compared with the topics
  derisk reports missing;
- ratings: exact and within-one agreement where the expert's ratings are available.

The examples are paraphrases, so these are indicative figures, not a benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from derisk import vocabulary
from derisk.review.coverage import TOPICS, find_hits
from derisk.review.critique import Critique, Reviewer
from derisk.review.text import article_from_text

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
#: Full month names, lower case -> number (the example headers spell months out).
MONTHS = {name.lower(): number for number, name in enumerate(vocabulary.MONTHS, start=1)}
LEVELS = {"Low": 0, "Medium": 1, "High": 2}


def numbers(text: str) -> set[str]:
    out = set()
    for n in NUMBER.findall(text):
        value = n.replace(",", "")
        if re.fullmatch(r"(19|20)\d\d", value):
            continue  # years say when, not what
        out.add(value.rstrip("0").rstrip(".") if "." in value else value)
    return out


def topics_of(text: str) -> set[str]:
    """Checklist topics a text addresses, by the coverage stage's own rule (min_hits)."""
    return {t.key for t in TOPICS if len(find_hits(t, text)) >= t.min_hits}


def _header_date(lines: list[str]) -> dt.date | None:
    for line in lines:
        if line.startswith("# OUTLET/DATE:"):
            m = re.search(r"(?:(\d{1,2}) )?([A-Z][a-z]+) (\d{4})", line)
            if m and m.group(2).lower() in MONTHS:
                return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1) or 1))
    return None


def load_example(source: Path) -> tuple[object, dict]:
    """The article (header lines dropped, date from the header) and the expert review."""
    raw = source.read_text(encoding="utf-8").splitlines()
    header = [line for line in raw if line.startswith("#")]
    body = "\n".join(line for line in raw if not line.startswith("#")).strip()
    review_path = source.with_name(source.name.replace(".source.txt", ".review.json"))
    expert = json.loads(review_path.read_text(encoding="utf-8"))
    title = (expert.get("reviewed_source") or {}).get("title") or expert.get("title")
    article = article_from_text(
        body, title=title, date=_header_date(header), source=str(source)
    )
    return article, expert


def _found(expert_items: list[str], ours: list[str]) -> tuple[int, int]:
    our_numbers = [numbers(o) for o in ours]
    our_topics = set().union(*(topics_of(o) for o in ours)) if ours else set()
    hits = 0
    for item in expert_items:
        nums = numbers(item)
        by_figure = bool(nums) and any(nums & n for n in our_numbers)
        by_topic = not nums and bool(topics_of(item) & our_topics)
        hits += by_figure or by_topic
    return hits, len(expert_items)


@dataclass
class ExampleScore:
    example: str
    holds_up: tuple[int, int]
    slips: tuple[int, int]
    missing_expert_topics: set[str]
    missing_ours: set[str]
    ratings: dict[str, tuple[str, str]]


def score(name: str, critique: Critique, expert: dict) -> ExampleScore:
    expert_missing = set().union(*(topics_of(m) for m in expert.get("missing", []) or [""]))
    ratings = {}
    for key, level in (expert.get("ratings") or {}).items():
        if level and key in critique.ratings:
            ratings[key] = (level, critique.ratings[key].level)
    return ExampleScore(
        example=name,
        holds_up=_found(expert.get("holds_up", []), critique.holds_up),
        slips=_found(expert.get("slips", []), critique.slips),
        missing_expert_topics=expert_missing,
        missing_ours={t.topic for t in critique.missing},
        ratings=ratings,
    )


def evaluate(store: object, folder: Path) -> tuple[list[ExampleScore], dict]:
    """Scores per example with the article's text, and the totals."""
    folder = Path(folder)
    sources = sorted(folder.glob("*.source.txt"))
    if not sources:
        from derisk.errors import InputError

        raise InputError(
            "no examples with article text", file=str(folder), expected="*.source.txt files"
        )
    reviewer = Reviewer(store)
    scores = []
    for source in sources:
        article, expert = load_example(source)
        scores.append(score(source.name.split(".")[0], reviewer.review(article), expert))
    totals = _totals(scores)
    totals["examples_without_text"] = len(list(folder.glob("*.review.json"))) - len(sources)
    return scores, totals


def _totals(scores: list[ExampleScore]) -> dict:
    def ratio(pairs: list[tuple[int, int]]) -> float | None:
        den = sum(d for _, d in pairs)
        return None if den == 0 else round(sum(n for n, _ in pairs) / den, 3)

    expert = sum(len(s.missing_expert_topics) for s in scores)
    agreed = sum(len(s.missing_expert_topics & s.missing_ours) for s in scores)
    ours = sum(len(s.missing_ours) for s in scores)
    rated = [r for s in scores for r in s.ratings.values()]
    return {
        "examples": len(scores),
        "holds_up_recall": ratio([s.holds_up for s in scores]),
        "slips_recall": ratio([s.slips for s in scores]),
        "missing_recall": None if expert == 0 else round(agreed / expert, 3),
        "missing_topics_expert": expert,
        "missing_topics_ours": ours,
        "ratings_compared": len(rated),
        "ratings_exact": None
        if not rated
        else round(sum(a == b for a, b in rated) / len(rated), 3),
        "ratings_within_one": None
        if not rated
        else round(sum(abs(LEVELS[a] - LEVELS[b]) <= 1 for a, b in rated) / len(rated), 3),
    }

"""The critique (Reviewer.review): the JSON contract of the issue, with evidence that
resolves to the store, a capped and ranked What's Missing, and notes when undated."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from derisk.data.store import Store
from derisk.review.checking.coverage import TOPICS
from derisk.review.reading.text import Article, article_from_text
from derisk.review.writing.critique import (
    CRITERIA,
    MAX_MISSING,
    MISSING_PRIORITY,
    Critique,
    Reviewer,
)

ARTICLE = """China mines about 69% of the world's rare earths and refines about 90% of them.
China dominates both mining and refining, and Beijing has a monopoly on the magnets.

In April 2025 China imposed export controls on nine rare earths. In July 2025 the
Pentagon agreed to a $400 million equity investment in MP Materials.

Australia mined about 8% of the world's magnet rare earths in 2024. Myanmar mined
about 43,000 tonnes of rare-earth oxide. We believe the West will catch up within a
decade.
"""
ISSUE_FIELDS = {
    "title", "date", "highlights", "holds_up", "slips", "missing", "bottom_line",
    "investor_takeaway", "ratings", "claims",
}  # fmt: skip
EXTRA_FIELDS = {"coverage", "source", "word_count", "notes", "could_not_check", "out_of_scope"}
CLAIM_FIELDS = {"text", "entity", "metric", "value", "unit", "verdict", "explanation", "evidence"}
CHECKED = ("supported", "contradicted", "outdated")
LEVELS = {"High", "Medium", "Low"}
UNDATED_NOTE = "no article date given"


@pytest.fixture(scope="module")
def reviewer(session_store: Store) -> Reviewer:
    return Reviewer(session_store)


@pytest.fixture(scope="module")
def article() -> Article:
    return article_from_text(ARTICLE, title="Rare earths: who holds the keys", source="mine.txt")


@pytest.fixture(scope="module")
def critique(reviewer: Reviewer, article: Article) -> Critique:
    return reviewer.review(article)


@pytest.fixture(scope="module")
def doc(critique: Critique) -> dict:
    return json.loads(json.dumps(critique.to_dict()))  # what a JSON reader gets


def source_ids(store: Store) -> set[str]:
    return set(store.table("sources")["source_id"].astype(str))


def test_json_has_exactly_the_issue_fields_plus_our_extras(doc: dict) -> None:
    assert set(doc) == ISSUE_FIELDS | EXTRA_FIELDS
    for key in ("highlights", "holds_up", "slips", "could_not_check", "missing", "claims", "notes"):
        assert isinstance(doc[key], list), key
    assert all(isinstance(s, str) for s in doc["highlights"] + doc["holds_up"] + doc["slips"])
    assert isinstance(doc["bottom_line"], str) and doc["bottom_line"]
    assert isinstance(doc["investor_takeaway"], str) and doc["investor_takeaway"]
    assert doc["title"] == "Rare earths: who holds the keys"
    assert doc["source"] == "mine.txt"


def test_word_count_is_the_articles(doc: dict, article: Article) -> None:
    assert doc["word_count"] == article.word_count > 0


def test_each_claim_is_a_sentence_of_the_article_with_its_fields(
    doc: dict, article: Article
) -> None:
    sentences = {s.text for s in article.sentences}
    assert doc["claims"]
    for claim in doc["claims"]:
        assert set(claim) == CLAIM_FIELDS
        assert claim["text"] in sentences
        assert claim["text"] in article.text
        assert isinstance(claim["evidence"], list)
        assert claim["verdict"] in (*CHECKED, "unverifiable", "opinion")


def test_checked_verdicts_cite_sources_in_the_store(doc: dict, session_store: Store) -> None:
    known = source_ids(session_store)
    checked = [c for c in doc["claims"] if c["verdict"] in CHECKED]
    assert {c["verdict"] for c in checked} >= {"supported", "contradicted"}
    for claim in checked:
        assert len(claim["evidence"]) >= 1, claim
        for ev in claim["evidence"]:
            assert {p.strip() for p in ev["source_id"].split(";")} <= known, ev
            assert ev["table"] and ev["key"] and ev["value"]


def _sentence(item: str) -> str:
    return item.split(" — ", 1)[0]


def test_sections_follow_the_verdicts_one_section_per_sentence(doc: dict) -> None:
    by_text: dict[str, set[str]] = {}
    for c in doc["claims"]:
        by_text.setdefault(c["text"], set()).add(c["verdict"])
    holds = [_sentence(i) for i in doc["holds_up"]]
    slips = [_sentence(i) for i in doc["slips"]]
    unchecked = [_sentence(i) for i in doc["could_not_check"]]
    listed = holds + slips + unchecked
    assert len(listed) == len(set(listed))  # no sentence in two sections
    for text, verdicts in by_text.items():
        if verdicts & {"contradicted", "outdated"}:
            assert text in slips, text
        elif "supported" in verdicts:
            assert text in holds or text in slips, text  # a framing slip outranks
    assert any("framing:" in s for s in doc["slips"])  # "dominates both mining and refining"
    # the magnet-REE share against all-REE rows is not a slip: it could not be checked
    assert any("basis" in u or "magnet" in u for u in doc["could_not_check"])
    assert not any(" — basis:" in s for s in doc["slips"])


def test_unverifiable_claims_are_never_listed_as_slips(doc: dict) -> None:
    only_unverifiable = {
        c["text"]
        for c in doc["claims"]
        if c["verdict"] == "unverifiable"
        and all(
            d["verdict"] in ("unverifiable", "opinion")
            for d in doc["claims"]
            if d["text"] == c["text"]
        )
    }
    slips = {_sentence(i) for i in doc["slips"]}
    for text in only_unverifiable:
        assert text not in slips or "framing:" in next(
            s for s in doc["slips"] if s.startswith(text)
        )


def test_bottom_line_is_a_judgement_not_a_count(doc: dict) -> None:
    line = doc["bottom_line"]
    assert not re.search(r"\d+ of \d+", line)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
    assert 1 <= len(sentences) <= 2
    # it names what went wrong: a figure that slips or the framing problem
    assert "do not match the record" in line or "lumps mining with refining" in line


def test_at_most_three_highlights_each_a_distinct_sentence(doc: dict, article: Article) -> None:
    assert 1 <= len(doc["highlights"]) <= 3
    texts = [h.rsplit(" (", 1)[0] for h in doc["highlights"]]
    assert len(set(texts)) == len(texts)
    assert all(t in article.text for t in texts)


def test_missing_is_capped_and_ordered_by_priority(doc: dict) -> None:
    key_of = {t.label: t.key for t in TOPICS}
    omitted = [k for k, covered in doc["coverage"].items() if not covered]
    assert len(omitted) > MAX_MISSING  # the premise: the cap has work to do
    assert len(doc["missing"]) == MAX_MISSING
    keys = [key_of[m["topic"]] for m in doc["missing"]]
    rank = {k: i for i, k in enumerate(MISSING_PRIORITY)}
    assert keys == sorted(omitted, key=lambda k: rank.get(k, len(rank)))[:MAX_MISSING]
    for item in doc["missing"]:
        assert {"topic", "why"} <= set(item)
        assert item["why"]


def test_coverage_keeps_the_full_checklist(doc: dict) -> None:
    assert set(doc["coverage"]) == {t.key for t in TOPICS}


def test_ratings_have_the_four_criteria_with_levels(doc: dict) -> None:
    assert set(doc["ratings"]) == set(CRITERIA)
    for key in CRITERIA:
        rating = doc["ratings"][key]
        assert rating["level"] in LEVELS, key
        assert rating["reason"]


def test_an_article_without_a_date_carries_the_note(doc: dict) -> None:
    assert doc["date"] is None
    assert any(UNDATED_NOTE in n for n in doc["notes"])


def test_a_dated_article_has_its_date_and_no_note(reviewer: Reviewer) -> None:
    dated = article_from_text(ARTICLE, date=dt.date(2025, 8, 1))
    d = reviewer.review(dated).to_dict()
    assert d["date"] == "2025-08-01"
    assert not any(UNDATED_NOTE in n for n in d["notes"])


def test_untitled_article_gets_a_placeholder_title(reviewer: Reviewer) -> None:
    d = reviewer.review(article_from_text("Rare earths are used in magnets.")).to_dict()
    assert d["title"] == "Untitled article"


def test_commentary_without_checkable_claims_says_so(reviewer: Reviewer) -> None:
    text = "We believe the West will catch up. In my view, magnets are the real story."
    d = reviewer.review(article_from_text(text)).to_dict()
    assert not [c for c in d["claims"] if c["verdict"] in CHECKED]
    assert d["holds_up"] == [] and d["slips"] == []
    assert "could be checked" in d["bottom_line"]
    assert d["could_not_check"] == [] or all(" — " in u for u in d["could_not_check"])
    assert {c["verdict"] for c in d["claims"]} <= {"opinion", "unverifiable"}


def test_missing_is_never_longer_than_the_cap_on_an_empty_checklist(reviewer: Reviewer) -> None:
    d = reviewer.review(article_from_text("Prices went up.")).to_dict()
    assert len(d["missing"]) <= MAX_MISSING
    for level in (r["level"] for r in d["ratings"].values()):
        assert level in LEVELS


def test_a_reviewer_gives_the_same_critique_twice(reviewer: Reviewer, article: Article) -> None:
    assert reviewer.review(article).to_dict() == reviewer.review(article).to_dict()


MIXED = """China mines about 69% of the world's rare earths and refines about 60% of them.

An F-35 contains more than 900 pounds of rare earths.
"""


def test_a_sentence_with_a_wrong_and_a_right_figure_is_listed_once(reviewer: Reviewer) -> None:
    d = reviewer.review(article_from_text(MIXED)).to_dict()
    first = "China mines about 69% of the world's rare earths and refines about 60% of them."
    listed = [_sentence(i) for i in d["holds_up"] + d["slips"] + d["could_not_check"]]
    assert listed.count(first) == 1
    assert first in [_sentence(s) for s in d["slips"]]  # the 60 % slips
    f35 = "An F-35 contains more than 900 pounds of rare earths."
    assert f35 in [_sentence(u) for u in d["could_not_check"]]
    assert f35 not in [_sentence(s) for s in d["slips"]]


def test_title_and_date_come_from_the_article(reviewer: Reviewer) -> None:
    text = (
        "Why Rare Earth Hubs Matter\n\nPublished 12 June 2025\n\n"
        "China mines about 69% of the world's rare earths."
    )
    d = reviewer.review(article_from_text(text)).to_dict()
    assert d["title"] == "Why Rare Earth Hubs Matter"
    assert d["date"] == "2025-06-12"
    assert any("Published 12 June 2025" in n for n in d["notes"])


SOURCED = """Japan imported 4,100 tonnes of rare earth compounds in March, according to the
Ministry of Finance.

Jane Doe, a trader in Osaka, said Japan imported 4,300 tonnes of rare earth compounds in
April.
"""


def test_a_figure_credited_to_an_official_body_is_listed_as_well_sourced(
    reviewer: Reviewer,
) -> None:
    d = reviewer.review(article_from_text(SOURCED, date=dt.date(2025, 6, 1))).to_dict()
    official = next(h for h in d["holds_up"] if "4,100 tonnes" in h)
    assert "well sourced" in official and "Ministry of Finance" in official
    assert "check it against" in official  # says plainly that the dataset could not check it
    # a person's say-so is a claim, not a source: it stays under Could Not Be Checked
    assert not any("4,300" in h for h in d["holds_up"])
    assert any("4,300" in u for u in d["could_not_check"])
    listed = [_sentence(i) for i in d["holds_up"] + d["slips"] + d["could_not_check"]]
    assert len(listed) == len(set(listed))
    # nothing was checked, but the bottom line does not say it rests on the author's word
    assert "could be checked" in d["bottom_line"]
    assert "author's word" not in d["bottom_line"] and "credits" in d["bottom_line"]


def test_well_sourced_needs_an_official_source_and_a_figure() -> None:
    from types import SimpleNamespace as NS

    from derisk.review.writing.critique import well_sourced

    def verdict(who: str | None, quantity: object = "5 t", name: str = "unverifiable") -> NS:
        claim = NS(attribution=who, quantity=quantity, text="...")
        return NS(verdict=name, claim=claim, explanation="no matching rows in the dataset")

    assert well_sourced(verdict("Statistics Canada")) == "Statistics Canada"
    assert well_sourced(verdict("USGS")) == "USGS"
    assert well_sourced(verdict("Jane Doe")) is None
    assert well_sourced(verdict("Acme Metals")) is None
    assert well_sourced(verdict("MP Materials")) is None  # a company's own word
    assert well_sourced(verdict("Statistics Canada", quantity=None)) is None
    assert well_sourced(verdict("Statistics Canada", name="supported")) is None


def test_what_holds_up_names_the_figure_and_its_record(doc: dict) -> None:
    confirmed = [h for h in doc["holds_up"] if "confirmed by the record" in h]
    assert confirmed
    for line in confirmed:
        # the figure, what it measures (the subject with its quantity), and the source ids
        assert re.search(r"\(\S[^)]*\): confirmed by the record", line), line
        assert re.search(r"\[[^\]]+\]", line), line


def test_a_plant_status_is_named_by_the_plant_not_its_country() -> None:
    from types import SimpleNamespace as NS

    from derisk.review.writing.prose import subject

    claim = NS(
        text="In Norway, the Herøya plant opened in 2025 with 50 tonnes a year.",
        metric="facility_status",
        stage=None,
        quantity=NS(text="50 tonnes a year"),
        entities=(NS(kind="country", name="Norway"), NS(kind="facility", name="Herøya plant")),
    )
    assert subject(claim) == "the status of Herøya plant (50 tonnes a year)"

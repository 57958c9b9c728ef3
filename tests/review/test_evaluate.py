"""The evaluation's measures on small synthetic inputs, and one run on derisk's own
labelled articles against the issue-11 targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from derisk.data.store import Store
from derisk.review.checking.evidence import Evidence
from derisk.review.writing.evaluate import (
    Label,
    LabelledArticle,
    article_totals,
    evaluate,
    evaluate_articles,
    expert_false_contradictions,
    measures,
    score_article,
)

ROW = {"table": "mine_production", "key": {"country": "AUS"}, "value": "16000", "source_id": "s1"}
RIGHT = Label("Australia mined 16,000 tonnes in 2023", "supported", "right tonnage", fact=ROW)
WRONG = Label(
    "Australia mined 26,000 tonnes in 2023",
    "contradicted",
    "wrong tonnage",
    planted=True,
    fact=ROW,
    true_value="16000",
)
TRAP = Label("Japan holds 65% of Mt Weld's dysprosium", "unverifiable", "offtake", trap=True)


def verdict(text: str, name: str, figure: str | None = None, source: str = "s1") -> object:
    quantity = SimpleNamespace(text=figure) if figure else None
    claim = SimpleNamespace(text=text, quantity=quantity)
    evidence = (Evidence("mine_production", "country=AUS", "16000", source),)
    return SimpleNamespace(claim=claim, verdict=name, evidence=evidence)


def critique(verdicts: list, missing: tuple[str, ...] = ()) -> object:
    return SimpleNamespace(claims=verdicts, missing=[SimpleNamespace(topic=t) for t in missing])


def article(*labels: Label, covered: tuple = (), missing: tuple = ()) -> LabelledArticle:
    return LabelledArticle(
        Path("x.txt"), "X", dt.date(2025, 1, 1), "newswire", labels,
        frozenset(covered), frozenset(missing),
    )  # fmt: skip


def test_a_contradicted_verdict_on_a_supported_label_is_a_false_contradiction() -> None:
    labels = article(RIGHT, WRONG)
    good = score_article("x", critique([verdict(RIGHT.text + ".", "supported")]), labels)
    bad = score_article("x", critique([verdict(RIGHT.text + ".", "contradicted")]), labels)
    assert good.false_contradictions == [] and good.holds_up == (1, 1)
    assert bad.false_contradictions == [RIGHT.text] and bad.holds_up == (0, 1)


def test_a_trap_must_never_be_contradicted() -> None:
    labels = article(TRAP)
    assert score_article("x", critique([verdict(TRAP.text, "unverifiable")]), labels) \
        .false_contradictions == []  # fmt: skip
    hit = score_article("x", critique([verdict(TRAP.text, "contradicted")]), labels)
    assert hit.false_contradictions == [TRAP.text]


def test_planted_errors_count_only_with_the_labelled_verdict_and_source() -> None:
    labels = article(WRONG)
    caught = score_article("x", critique([verdict(WRONG.text, "contradicted")]), labels)
    elsewhere = verdict(WRONG.text, "contradicted", source="other")
    elsewhere.evidence = (Evidence("reserves", "k", "1", "other"),)
    wrong_reason = score_article("x", critique([elsewhere]), labels)
    missed = score_article("x", critique([verdict(WRONG.text, "outdated")]), labels)
    assert caught.planted == (1, 1) and caught.slips == (1, 1)
    assert wrong_reason.planted == (0, 1) and wrong_reason.slips == (1, 1)
    assert missed.planted == (0, 1) and missed.slips == (1, 1)
    assert caught.false_contradictions == []


def test_one_sentence_with_two_labelled_figures_splits_its_verdicts() -> None:
    left = Label("World reserves total 85 million tonnes", "outdated", "superseded", fact=ROW)
    right = Label("of which China holds 44 million tonnes", "supported", "right", fact=ROW)
    sentence = "World reserves total 85 million tonnes, of which China holds 44 million tonnes."
    ours = [
        verdict(sentence, "supported", "44 million tonnes"),
        verdict(sentence, "contradicted", "85 million tonnes"),
    ]
    score = score_article("x", critique(ours), article(left, right))
    assert score.false_contradictions == [left.text]  # not charged to the China figure
    assert score.holds_up == (1, 1) and score.verdicts[right.text] == ["supported"]


def test_omissions_recall_and_false_omissions() -> None:
    labels = article(RIGHT, covered=("midstream",), missing=("prices", "recycling"))
    score = score_article("x", critique([], missing=("midstream", "prices")), labels)
    assert score.false_omissions == {"midstream"}
    totals = article_totals([score])
    assert totals["missing_recall"] == 0.5 and totals["false_omissions"] == 1
    assert totals["holds_up_recall"] == 0.0 and score.unmatched == 1


def test_unlabelled_contradictions_are_reported_apart() -> None:
    score = score_article("x", critique([verdict("Something else.", "contradicted")]), article())
    assert score.unlabelled_contradicted == 1 and score.false_contradictions == []
    assert article_totals([score])["planted_error_recall"] is None


def test_expert_false_contradiction_needs_a_shared_figure() -> None:
    expert = {"holds_up": ["The 69% mining share matches USGS."]}
    assert (
        expert_false_contradictions(critique([verdict("China mines 69%.", "contradicted")]), expert)
        == 1
    )
    assert (
        expert_false_contradictions(critique([verdict("China mines 69%.", "supported")]), expert)
        == 0
    )
    assert (
        expert_false_contradictions(critique([verdict("It refines 90%.", "contradicted")]), expert)
        == 0
    )


def test_project_articles_meet_the_issue_11_targets(session_store: Store) -> None:
    """Zero false contradictions, >= 80% of planted errors caught for the right reason,
    >= 60% of the omissions named and none listed that the article covers."""
    _, totals = evaluate_articles(session_store)
    assert totals["false_contradictions"] == 0
    assert totals["planted_error_recall"] >= 0.8
    assert totals["false_omissions"] == 0
    measured = measures(totals)
    assert measured["missing_recall"] >= 0.6


def test_held_out_articles_get_no_false_contradiction(session_store: Store) -> None:
    """Articles written apart from the rules (samples/heldout): a wrong verdict there is
    the defect users would meet on articles nobody here has seen."""
    from derisk.review.writing.evaluate import HELDOUT

    scores, totals = evaluate_articles(session_store, HELDOUT)
    assert len(scores) >= 5 and totals["labelled_claims"] >= 100
    assert totals["false_contradictions"] == 0, [s.false_contradictions for s in scores]
    assert totals["false_omissions"] == 0


def test_expert_examples_get_no_false_contradiction(session_store: Store) -> None:
    examples = Path(__file__).parents[3] / "shared" / "review_examples"
    if not examples.exists():
        pytest.skip("shared/review_examples not present")
    _, totals = evaluate(session_store, examples)
    assert totals["false_contradictions"] == 0


@pytest.mark.parametrize(
    ("content", "column", "words"),
    [
        ("{bad json", None, "unreadable label file"),
        ('{"title": "x", "date": "2025-13-01", "claims": []}', "date", "bad label file"),
        ('{"title": "x", "date": "2025-01-01", "claims": [{"text": "t"}]}', "claims",
         "bad label file"),
        ('{"date": "2025-01-01", "claims": []}', "title", "bad label file"),
    ],
)  # fmt: skip
def test_a_broken_label_file_is_a_clear_error(
    tmp_path: Path, content: str, column: str | None, words: str
) -> None:
    from derisk.errors import InputError
    from derisk.review.writing.evaluate import load_labels

    (tmp_path / "a.txt").write_text("Title\n\nA sentence.\n", encoding="utf-8")
    label = tmp_path / "a.labels.json"
    label.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_labels(label)
    assert err.value.file == str(label) and err.value.column == column
    assert words in str(err.value)


def test_a_label_file_without_its_article_is_a_clear_error(tmp_path: Path) -> None:
    from derisk.errors import InputError
    from derisk.review.writing.evaluate import load_labels

    label = tmp_path / "lonely.labels.json"
    label.write_text('{"title": "x", "date": "2025-01-01", "claims": []}', encoding="utf-8")
    with pytest.raises(InputError, match="without its article"):
        load_labels(label)

"""derisk's labelled test articles: well-formed labels, and every labelled figure is a
stored one (source id resolves, value in the named row), so no number is invented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from derisk.data.store import Store
from derisk.review.checking.coverage import TOPICS
from derisk.review.reading.text import read_article
from derisk.review.writing.evaluate import ARTICLES, LABEL_SUFFIX, labelled_articles, load_labels
from derisk.vocabulary import VERDICTS, WRONG_VERDICTS

LABEL_FILES = sorted(ARTICLES.glob("*" + LABEL_SUFFIX))
TOPIC_KEYS = {t.key for t in TOPICS}
CLAIM_FIELDS = {"text", "expected", "reason", "planted", "trap", "fact", "true_value"}


def _number(text: str) -> float | None:
    try:
        return float(str(text).replace(",", "").strip())
    except ValueError:
        return None


def _in_row(value: str, row: pd.Series) -> bool:
    """The labelled value is a cell of the row (numbers compared as numbers) or part of one."""
    want = _number(value)
    for cell in (str(c) for c in row):
        if want is not None and _number(cell) == want:
            return True
        if len(value) >= 2 and value.replace(",", "") in cell.replace(",", ""):
            return True
    return False


def test_there_are_enough_articles_in_varied_styles_and_years() -> None:
    articles = labelled_articles()
    assert len(articles) >= 8
    assert {a.date.year for a in articles} >= {2023, 2024, 2025, 2026}
    assert len({a.style for a in articles}) >= 4
    for a in articles:
        assert 300 <= read_article(a.path).word_count <= 900, a.path.name


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.name)
def test_labels_are_well_formed(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    labels = load_labels(path)
    text = read_article(labels.path).text
    assert labels.title and labels.date
    assert labels.covered <= TOPIC_KEYS and labels.missing <= TOPIC_KEYS
    assert not labels.covered & labels.missing
    for raw, claim in zip(doc["claims"], labels.claims, strict=True):
        assert set(raw) <= CLAIM_FIELDS, raw
        assert claim.expected in VERDICTS, claim.text
        assert claim.reason
        assert " ".join(claim.text.split()) in " ".join(text.split()), claim.text
        if claim.planted:
            assert claim.expected in WRONG_VERDICTS and claim.true_value and claim.fact
        if claim.trap:
            assert claim.expected != "contradicted"
        if claim.expected in WRONG_VERDICTS or claim.expected == "supported":
            assert claim.fact, f"{claim.text}: a checked claim names its deciding row"


def test_the_mix_has_right_wrong_outdated_optimistic_and_traps() -> None:
    claims = [c for a in labelled_articles() for c in a.claims]
    kinds = {c.expected for c in claims}
    assert {"supported", "contradicted", "outdated", "optimistic", "opinion"} <= kinds
    assert sum(c.planted for c in claims) >= 12
    assert sum(c.trap for c in claims) >= 10


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.name)
def test_every_labelled_figure_is_a_stored_row(path: Path, session_store: Store) -> None:
    sources = set(session_store.table("sources")["source_id"].astype(str))
    for claim in load_labels(path).claims:
        fact = claim.fact
        if not fact:
            continue
        assert set(fact) == {"table", "key", "value", "source_id"}, claim.text
        for sid in re.split(r"\s*;\s*", fact["source_id"]):
            assert sid in sources, f"{claim.text}: unknown source {sid}"
        rows = session_store.table(fact["table"])
        for column, want in fact["key"].items():
            cells = rows[column].astype(str)
            rows = rows[cells.str.contains(str(want), regex=False, case=False)]
        assert len(rows), f"{claim.text}: no {fact['table']} row with {fact['key']}"
        rows = rows[rows["source_id"].astype(str).str.contains(fact["source_id"], regex=False)]
        assert len(rows), f"{claim.text}: the row does not cite {fact['source_id']}"
        assert any(_in_row(str(fact["value"]), r) for _, r in rows.iterrows()), claim.text

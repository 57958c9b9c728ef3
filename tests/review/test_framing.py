"""Framing slips: absolute wording, confused stages and groups, each backed by stored rows.

A true sentence that lumps stages ("China dominates both mining and refining") is no
slip: tests/review/test_dominance.py checks that it holds."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from derisk.data.store import Store
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.framing import Slip, framing_slips
from derisk.review.checking.verify import FactBase
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import article_from_text

SHARE_KEY = re.compile(
    r"stage=(?P<stage>[^,]+), country=(?P<country>[^,]+), "
    r"element_or_group=(?P<group>.*?)(?:, year=(?P<year>\d+))?$"
)
SHARES_HEADER = [
    "stage", "measure", "element_or_group", "group", "country", "year", "projection",
    "value", "value_text", "qualifier", "value_low", "value_high", "unit", "basis",
    "vintage", "estimate", "source_id", "note",
]  # fmt: skip


def slips(text: str, lexicon: Lexicon, facts: FactBase) -> list[Slip]:
    return framing_slips(extract_claims(article_from_text(text), lexicon), facts)


def stored_row(store: Store, ev: Evidence) -> pd.Series:
    """The stage_shares row behind an evidence item, found by its key and source id."""
    assert ev.table == "stage_shares"
    m = SHARE_KEY.match(ev.key)
    assert m, ev.key
    rows = store.table("stage_shares")
    found = rows[
        (rows["stage"] == m["stage"])
        & (rows["country"] == m["country"])
        & (rows["element_or_group"] == m["group"])
        & (rows["year"] == int(m["year"]) if m["year"] else rows["year"].isna())
        & (rows["source_id"] == ev.source_id)
    ]
    assert len(found) == 1, ev
    return found.iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "China has a monopoly on rare earths.",
        "Beijing has complete control of the rare-earth supply chain.",
    ],
)
def test_absolute_wording_is_a_slip(
    session_store: Store, lexicon: Lexicon, facts: FactBase, text: str
) -> None:
    found = slips(text, lexicon, facts)
    assert len(found) == 1
    slip = found[0]
    assert slip.text == text and "absolute wording" in slip.why
    for ev in slip.evidence:
        row = stored_row(session_store, ev)
        assert float(row["value"]) < 100
        assert f"{float(row['value']):g} %" in slip.why


@pytest.mark.parametrize(
    "text",
    [
        "China controls about 90% of rare-earth refining and much of the mining.",
        "China has a monopoly on about 90% of rare-earth refining.",
        "China mines about 69% of the world's rare earths and refines about 90% of them.",
    ],
)
def test_a_sentence_with_a_percentage_is_no_framing_slip(
    lexicon: Lexicon, facts: FactBase, text: str
) -> None:
    assert slips(text, lexicon, facts) == []


def test_sentences_not_about_china_and_neutral_sentences_raise_nothing(
    lexicon: Lexicon, facts: FactBase
) -> None:
    text = (
        "Lynas dominates mining and refining outside Asia. "
        "Rare earths are used in magnets for wind turbines."
    )
    assert slips(text, lexicon, facts) == []


def test_one_slip_per_sentence_and_one_per_offending_sentence(
    lexicon: Lexicon, facts: FactBase
) -> None:
    text = (
        "China dominates mining and refining and has a monopoly on rare earths. "
        "Magnets matter for electric cars. "
        "China has a monopoly on rare earths."
    )
    found = slips(text, lexicon, facts)
    assert len(found) == 2
    assert all("absolute wording" in s.why for s in found)
    assert len({s.text for s in found}) == 2


@pytest.mark.parametrize(
    "text",
    [
        "China controls 99% of heavy rare earth processing.",  # the heavy figure, said of heavies
        "China kept near-total control of the market until 2012.",  # history, and hedged
        # names the midstream too
        "The Wyoming mine and a new separation plant could end dependence on China.",
        "Light rare earths such as neodymium and praseodymium dominate magnet demand in China.",
    ],
)
def test_new_framing_kinds_leave_sound_framing_alone(
    text: str, lexicon: Lexicon, facts: FactBase
) -> None:
    assert slips(text, lexicon, facts) == []


def test_a_modest_word_for_a_near_total_share_is_a_slip(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    """'a considerable share of processing' downplays a near-total share; the same word
    for a stage China holds less of is fair, and raises nothing."""
    from derisk.review.checking.framing import NEAR_TOTAL

    found = slips("China holds a considerable share of rare earth processing.", lexicon, facts)
    assert [s.kind for s in found] == ["understated"]
    row = stored_row(session_store, found[0].evidence[0])
    assert row["stage"] == "separation" and float(row["value"]) >= NEAR_TOTAL
    assert f"{float(row['value']):g} %" in found[0].why
    mined = slips("China holds a considerable share of rare earth mining.", lexicon, facts)
    mining = [s for s in mined if s.kind == "understated"]
    shares = session_store.table("stage_shares")
    latest = shares[(shares["stage"] == "mining") & (shares["country"] == "CHN")
                    & shares["element_or_group"].str.contains("all REE (REO)", regex=False)
                    & shares["year"].notna()].sort_values("year").iloc[-1]  # fmt: skip
    assert bool(mining) == (float(latest["value"]) >= NEAR_TOTAL)

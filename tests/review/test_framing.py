"""Framing slips: lumped stages and absolute wording, each backed by stored rows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import write_csv
from derisk.data.store import Store
from derisk.review.claims import extract_claims
from derisk.review.evidence import Evidence
from derisk.review.framing import LUMP_GAP_PP, Slip, framing_slips
from derisk.review.lexicon import Lexicon, build_lexicon
from derisk.review.text import article_from_text
from derisk.review.verify import FactBase

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


def test_lumping_mining_and_refining_is_a_slip_citing_both_stages(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    text = "China dominates both mining and refining of rare earths."
    found = slips(text, lexicon, facts)
    assert len(found) == 1
    slip = found[0]
    assert slip.text == text
    assert len(slip.evidence) == 2
    rows = [stored_row(session_store, ev) for ev in slip.evidence]
    assert [r["stage"] for r in rows] == ["mining", "separation"]
    for row, ev in zip(rows, slip.evidence, strict=True):
        assert row["country"] == "CHN"
        assert f"{float(row['value']):g} %" in slip.why
        assert ev.value.startswith(str(row["value_text"]))
        assert ev.url == session_store.sources([ev.source_id])["url"].iloc[0]
    mining, separation = (float(r["value"]) for r in rows)
    assert abs(separation - mining) > LUMP_GAP_PP
    # the mining row is the latest dated all-REE mining share on record
    shares = session_store.table("stage_shares")
    dated = shares[
        (shares["stage"] == "mining")
        & (shares["country"] == "CHN")
        & shares["element_or_group"].str.contains("all REE (REO)", regex=False)
        & shares["year"].notna()
    ]
    assert int(rows[0]["year"]) == int(dated["year"].max())


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
    assert "puts mining and refining together" in found[0].why
    assert "absolute wording" in found[1].why


def test_no_lumping_slip_when_the_data_shows_similar_shares(
    fresh_store: Store, tmp_path: Path
) -> None:
    """The slip comes from the data: close the gap in the store and it goes away."""
    text = "China dominates both mining and refining of rare earths."
    assert len(slips(text, build_lexicon(fresh_store), FactBase(fresh_store))) == 1
    shares = fresh_store.table("stage_shares")
    mining = shares[
        (shares["stage"] == "mining")
        & (shares["country"] == "CHN")
        & shares["element_or_group"].str.contains("all REE (REO)", regex=False)
        & shares["year"].notna()
    ]
    latest = mining.sort_values("year").iloc[-1]
    close = round(float(latest["value"]) + LUMP_GAP_PP / 2, 1)
    year = int(latest["year"]) + 1
    csv = write_csv(tmp_path / "sep.csv", SHARES_HEADER, [[
        "separation", "share", "all REE (test)", "REE", "CHN", year, "false", close,
        str(close), "=", "", "", "percent", "share", "2026", "false", latest["source_id"], "",
    ]])  # fmt: skip
    fresh_store.import_file(csv, "stage_shares")
    assert slips(text, build_lexicon(fresh_store), FactBase(fresh_store)) == []


# -- the kinds added for issue 11 ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "China mines about 87% of the world's rare earths, a lead built over decades.",
            "stage_swapped",
        ),
        ("China refines about 69% of the world's rare earths.", "stage_swapped"),
        ("China controls 99% of rare earth processing, analysts say.", "heavy_for_all"),
        (
            "Heavy rare earths such as neodymium and praseodymium are vital for magnets, "
            "and China leads their supply.",
            "misclassed",
        ),
        ("The new Wyoming mine will end America's dependence on China.", "sufficient"),
        ("A $1 billion stockpile is enough to break Beijing's grip on rare earths.", "sufficient"),
    ],
)
def test_new_framing_kinds(text: str, kind: str, lexicon: Lexicon, facts: FactBase) -> None:
    found = slips(text, lexicon, facts)
    assert [s.kind for s in found] == [kind], [s.why for s in found]
    assert found[0].evidence and all(ev.source_id for ev in found[0].evidence)


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

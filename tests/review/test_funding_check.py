"""Money claims: a different amount contradicts only the one award it must be about.

The deciding row: funding, JOGMEC + Sojitz (via JARE) -> Lynas, 2023-03-09
(greencarcongress / sojitz sources), read from the store in each test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from derisk.data.store import Store
from derisk.review.checking.verify import FactBase, Verdict, verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import article_from_text

AFTER = dt.date(2023, 6, 15)
SAYS = "In March, Japan Australia Rare Earths agreed to invest A${:.0f} million in Lynas."


@pytest.fixture(scope="module")
def award(session_store: Store) -> float:
    rows = session_store.table("funding")
    rows = rows[rows["date"].astype(str).str.startswith("2023-03")
                & rows["recipient"].eq("Lynas") & rows["funder"].str.contains("JARE")]  # fmt: skip
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def one(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None) -> Verdict:
    found = verify(extract_claims(article_from_text(text, date=date), lexicon), facts, date)
    money = [v for v in found if getattr(v.claim.quantity, "unit", None) == "AUD"]
    assert len(money) == 1, [(v.claim.text, v.verdict) for v in found]
    return money[0]


def test_the_stored_amount_is_supported(lexicon: Lexicon, facts: FactBase, award: float) -> None:
    text = SAYS.format(award / 1e6)
    assert one(text, lexicon, facts, AFTER).verdict == "supported"


def test_another_amount_for_the_same_parties_and_month_is_contradicted(
    lexicon: Lexicon, facts: FactBase, award: float
) -> None:
    text = SAYS.format(award / 1e6 + 100)
    v = one(text, lexicon, facts, AFTER)
    assert v.verdict == "contradicted", v.explanation
    assert "JARE" in v.evidence[0].key


@pytest.mark.parametrize(
    "text",
    [
        # no month: several awards between the parties could be meant
        "Japan Australia Rare Earths agreed to invest A$300 million in Lynas.",
        # another month: no award on record then
        "In June 2023, Japan Australia Rare Earths agreed to invest A$300 million in Lynas.",
        # the funder is not named: "a Japanese group" could be anyone
        "In March, a Japanese group agreed to invest A$300 million in Lynas.",
    ],
)
def test_without_parties_and_month_a_different_amount_is_not_contradicted(
    text: str, lexicon: Lexicon, facts: FactBase
) -> None:
    assert one(text, lexicon, facts, AFTER).verdict != "contradicted"


def test_an_award_not_yet_on_record_cannot_contradict(lexicon: Lexicon, facts: FactBase) -> None:
    text = "In March 2023, Japan Australia Rare Earths agreed to invest A$300 million in Lynas."
    assert one(text, lexicon, facts, dt.date(2023, 3, 1)).verdict != "contradicted"


def test_a_fact_is_checked_although_another_clause_hedges(
    lexicon: Lexicon, facts: FactBase, session_store: Store
) -> None:
    """The figure's own clause decides: "will buy ..." in the second clause does not make
    "lent MP $150 million" speculation (funding row US DoD -> MP Materials, 2025-07)."""
    rows = session_store.table("funding")
    assert (rows["recipient"].eq("MP Materials") & rows["value"].eq(150_000_000)).any()
    text = ("The Pentagon also lent MP $150 million for heavy rare earth separation at "
            "Mountain Pass, and it will buy all of the output of a new magnet plant.")  # fmt: skip
    found = verify(extract_claims(article_from_text(text, date=AFTER), lexicon), facts, AFTER)
    assert [v.verdict for v in found] == ["supported"]
    hedged = "The Pentagon will lend MP $150 million for heavy rare earth separation."
    found = verify(extract_claims(article_from_text(hedged, date=AFTER), lexicon), facts, AFTER)
    assert [v.verdict for v in found] == ["opinion"]

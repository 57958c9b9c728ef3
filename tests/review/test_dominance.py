"""China's dominance stated in words, tariffs and counts of things that are not elements.

Each of these was a wrong verdict or a wrong slip on a real article: "China dominates
both mining and refining" was listed as a slip although it is true; "100% tariffs" was
read as a share of heavy rare earths; "30 national critical minerals strategies" was
called a count of elements.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from test_framing import SHARES_HEADER, stored_row

from conftest import write_csv
from derisk.data.store import Store
from derisk.review.checking.checks.dominance import HALF, is_dominance_claim
from derisk.review.checking.facts import FactBase
from derisk.review.checking.framing import framing_slips
from derisk.review.checking.verify import verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon, build_lexicon
from derisk.review.reading.text import article_from_text

LUMPED = "China dominates both mining and refining of rare earths."


def verdicts(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None = None):
    claims = extract_claims(article_from_text(text), lexicon)
    return verify(claims, facts, date), framing_slips(claims, facts)


def test_a_true_lumped_sentence_holds_and_cites_each_stage(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    found, slips = verdicts(LUMPED, lexicon, facts)
    assert slips == []
    assert [v.verdict for v in found] == ["supported"]
    rows = [stored_row(session_store, ev) for ev in found[0].evidence]
    assert [r["stage"] for r in rows] == ["mining", "separation"]
    for row in rows:
        assert row["country"] == "CHN" and float(row["value"]) >= HALF
        assert f"{float(row['value']):g} %" in found[0].explanation
    # the mining row is the newest dated all-REE mining share
    shares = session_store.table("stage_shares")
    dated = shares[
        (shares["stage"] == "mining")
        & (shares["country"] == "CHN")
        & shares["element_or_group"].str.contains("all REE (REO)", regex=False)
        & shares["year"].notna()
        & (shares["unit"] == "percent")
    ]
    assert int(rows[0]["year"]) == int(dated["year"].max())
    gap = abs(float(rows[1]["value"]) - float(rows[0]["value"]))
    assert (f"differ by {gap:.0f} points" in found[0].explanation) == (gap > 10)


def test_an_old_article_is_judged_on_the_shares_then_on_record(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    """A 2025 figure does not decide an article of 2019."""
    date = dt.date(2019, 6, 1)
    found, _ = verdicts(LUMPED, lexicon, facts, date)
    assert found and found[0].verdict in ("supported", "unverifiable")
    for ev in found[0].evidence:
        row = stored_row(session_store, ev)
        assert int(row["year"]) <= date.year


def test_a_share_below_half_leaves_dominance_unverifiable_never_contradicted(
    fresh_store: Store, tmp_path: Path
) -> None:
    """The verdict comes from the data: put a newer 40 % mining share on record."""
    shares = fresh_store.table("stage_shares")
    mining = shares[
        (shares["stage"] == "mining")
        & (shares["country"] == "CHN")
        & shares["element_or_group"].str.contains("all REE (REO)", regex=False)
        & shares["year"].notna()
    ].sort_values("year")
    latest = mining.iloc[-1]
    year = int(latest["year"]) + 1
    csv = write_csv(tmp_path / "mine.csv", SHARES_HEADER, [[
        "mining", "share", "all REE (REO) test", "REE", "CHN", year, "false", 40.0, "40",
        "=", "", "", "percent", "share", str(year), "false", latest["source_id"], "",
    ]])  # fmt: skip
    fresh_store.import_file(csv, "stage_shares")
    found, slips = verdicts(LUMPED, build_lexicon(fresh_store), FactBase(fresh_store))
    assert [v.verdict for v in found] == ["unverifiable"]
    assert "below half at mining" in found[0].explanation
    assert slips == []


def test_negated_and_figured_sentences_are_not_dominance_claims(lexicon: Lexicon) -> None:
    for text, expected in [
        ("China no longer dominates mining.", False),
        ("China controls about 90% of rare-earth refining.", False),
        ("Lynas dominates mining and refining outside Asia.", False),
        ("Beijing's grip on magnets is the real lever.", True),
    ]:
        claims = extract_claims(article_from_text(text), lexicon)
        assert any(is_dominance_claim(c) for c in claims) == expected, text


def test_a_stated_clause_holds_even_beside_a_speculation(
    lexicon: Lexicon, facts: FactBase
) -> None:
    text = (
        "John Berman says China dominates both mining and refining, so a trade war with "
        "China could hit the rare earth market hard."
    )
    found, slips = verdicts(text, lexicon, facts)
    assert [v.verdict for v in found] == ["supported"]
    assert slips == []


def test_a_tariff_rate_is_no_share_and_is_checked_against_tariff_events(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    events = session_store.table("events")
    tariffs = events[events["type"].astype(str).str.contains("tariff")]
    row = next(r for r in tariffs.itertuples() if "100%" in str(r.summary))
    year, month = (int(x) for x in str(row.date).split("-")[:2])
    month_name = dt.date(year, month, 1).strftime("%B")
    article_day = dt.date(year, month, 28)
    right = f"In {month_name} President Trump threatened 100% tariffs on Chinese imports."
    found, slips = verdicts(right, lexicon, facts, article_day)
    assert slips == []  # 100 % is a tariff, not the heavy rare-earth share
    assert [v.verdict for v in found] == ["supported"]
    assert found[0].evidence[0].source_id == row.source_id
    other = f"In {month_name} President Trump threatened 55% tariffs on Chinese imports."
    found, _ = verdicts(other, lexicon, facts, article_day)
    assert [v.verdict for v in found] == ["unverifiable"]


def test_a_count_of_strategies_is_not_a_count_of_elements(
    lexicon: Lexicon, facts: FactBase
) -> None:
    text = "There are more than 30 national critical minerals strategies worldwide."
    claims = extract_claims(article_from_text(text), lexicon)
    assert all(c.metric != "element_count" for c in claims)
    assert all(getattr(c.quantity, "unit", None) != "count" for c in claims)
    found = verify(claims, facts, None)
    assert all("count of elements" not in v.explanation for v in found)
    assert all(v.verdict != "contradicted" for v in found)


def test_widened_licensing_holds_only_for_its_own_clause(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    events = session_store.table("events")
    year = int(
        events[events["type"].astype(str).str.contains("export_control")
               & events["actor"].astype(str).str.contains("China")]["year"].max()
    )  # fmt: skip
    text = (
        f"China expanded licensing requirements in {year}; September shipments fell "
        "roughly 30% from August."
    )
    found, _ = verdicts(text, lexicon, facts, dt.date(year, 12, 31))
    assert [v.verdict for v in found] == ["supported"]
    assert "not checked: 30%" in found[0].explanation
    before = min(int(y) for y in events["year"].dropna()) - 1
    found, _ = verdicts(
        f"China expanded licensing requirements in {before}.", lexicon, facts, None
    )
    assert all(v.verdict != "supported" for v in found)

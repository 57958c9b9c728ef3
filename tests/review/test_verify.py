"""Verification (review stage 3): claims parsed from our own sentences, checked against
the real store. Expected figures are read from the store, never typed in: a test builds
its sentence from a stored row and checks that the verdict cites that row."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import write_csv
from derisk.data.record import parse_record_date, source_dates
from derisk.data.store import Store
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.verify import (
    AMOUNT_TOLERANCE,
    MONEY_TOLERANCE,
    SHARE_TOLERANCE_PP,
    FactBase,
    Verdict,
    verify,
    verify_claim,
)
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon, build_lexicon
from derisk.review.reading.text import article_from_text

SHARES_HEADER = [
    "stage", "measure", "element_or_group", "group", "country", "year", "projection",
    "value", "value_text", "qualifier", "value_low", "value_high", "unit", "basis",
    "vintage", "estimate", "source_id", "note",
]  # fmt: skip
SOURCES_HEADER = [
    "source_id", "title", "publisher", "date", "url", "accessed_via", "reliability",
    "folder", "note",
]  # fmt: skip
SHARE_KEY = re.compile(
    r"stage=(?P<stage>[^,]+), country=(?P<country>[^,]+), "
    r"element_or_group=(?P<group>.*), year=(?P<year>\d*)$"
)
NUMBER_WORDS = {5: "five", 7: "seven", 9: "nine", 12: "twelve"}


def check(
    text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None = None
) -> list[Verdict]:
    article = article_from_text(text, date=date)
    return verify(extract_claims(article, lexicon), facts, date)


def only(verdicts: list[Verdict]) -> Verdict:
    assert len(verdicts) == 1, [(v.claim.text, v.verdict) for v in verdicts]
    return verdicts[0]


def urls(store: Store) -> dict[str, str | None]:
    src = store.table("sources")
    return {str(r.source_id): (None if pd.isna(r.url) else str(r.url)) for r in src.itertuples()}


def chn_shares(store: Store, stage: str, country: str = "CHN") -> pd.DataFrame:
    """Dated output shares of all rare earths at a stage, as the store holds them."""
    rows = store.table("stage_shares")
    return rows[
        (rows["stage"] == stage)
        & (rows["country"] == country)
        & (rows["measure"] == "share")
        & (rows["unit"] == "percent")
        & rows["value"].notna()
        & rows["element_or_group"].str.startswith("all REE")
        & ~rows["projection"].astype(bool)
    ]


def share_row(store: Store, ev: Evidence) -> pd.Series:
    """The stage_shares row an evidence item points at (by its key and source id)."""
    assert ev.table == "stage_shares"
    m = SHARE_KEY.match(ev.key)
    assert m, ev.key
    rows = store.table("stage_shares")
    same_year = rows["year"].isna() if m["year"] == "" else rows["year"].eq(int(m["year"]))
    found = rows[
        (rows["stage"] == m["stage"])
        & (rows["country"] == m["country"])
        & (rows["element_or_group"] == m["group"])
        & (rows["source_id"] == ev.source_id)
        & same_year
    ]
    assert len(found) >= 1, ev
    row = found.iloc[0]
    assert ev.value == f"{row['value_text']} %"
    return row


def assert_cites_store(store: Store, evidence: tuple[Evidence, ...]) -> None:
    known = urls(store)
    assert evidence
    for ev in evidence:
        assert ev.source_id in known, ev
        assert ev.url == known[ev.source_id]


# -- shares ---------------------------------------------------------------------------------
def test_china_mining_share_matching_the_latest_row_is_supported(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    rows = chn_shares(session_store, "mining").dropna(subset=["year"])
    year = int(rows["year"].max())
    value = float(rows[rows["year"] == year]["value"].iloc[0])
    v = only(
        check(f"China mined about {value:g}% of the world's rare earths in {year}.", lexicon, facts)
    )
    assert v.verdict == "supported", v.explanation
    assert_cites_store(session_store, v.evidence)
    for ev in v.evidence:
        row = share_row(session_store, ev)
        assert row["stage"] == "mining" and int(row["year"]) == year
        assert abs(float(row["value"]) - value) <= SHARE_TOLERANCE_PP
    assert f"{value:g}%" in v.explanation


def test_a_wrong_mining_share_is_contradicted_by_the_stored_rows(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    rows = chn_shares(session_store, "mining").dropna(subset=["year"])
    year = int(rows["year"].max())
    stored = rows[rows["year"] == year]["value"].astype(float)
    wrong = round(stored.max() + 20) if stored.max() <= 75 else round(stored.min() - 25)
    v = only(
        check(f"China mined about {wrong}% of the world's rare earths in {year}.", lexicon, facts)
    )
    assert v.verdict == "contradicted", v.explanation
    assert_cites_store(session_store, v.evidence)
    for ev in v.evidence:
        row = share_row(session_store, ev)
        assert row["stage"] == "mining"
        assert abs(float(row["value"]) - wrong) > SHARE_TOLERANCE_PP


def test_refining_is_checked_against_separation_rows_and_mining_against_mining_rows(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    separation = chn_shares(session_store, "separation")
    mining = chn_shares(session_store, "mining").dropna(subset=["year"])
    latest_mining = mining[mining["year"] == mining["year"].max()]["value"].astype(float)
    # the premise, from the data: 90 % fits separation, not the latest mining share
    assert (separation["value"].astype(float) - 90).abs().min() <= SHARE_TOLERANCE_PP
    assert (latest_mining - 90).abs().min() > SHARE_TOLERANCE_PP

    refining = only(check("China refines about 90% of the world's rare earths.", lexicon, facts))
    assert refining.claim.stage == "separation"
    assert refining.verdict == "supported", refining.explanation
    assert {share_row(session_store, ev)["stage"] for ev in refining.evidence} == {"separation"}
    assert_cites_store(session_store, refining.evidence)

    mined = only(check("China mines about 90% of the world's rare earths.", lexicon, facts))
    assert mined.claim.stage == "mining"
    assert mined.verdict == "contradicted", mined.explanation
    assert {share_row(session_store, ev)["stage"] for ev in mined.evidence} == {"mining"}


def test_two_figures_in_one_sentence_get_one_verdict_each(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    mining = chn_shares(session_store, "mining").dropna(subset=["year"])
    mined = round(float(mining[mining["year"] == mining["year"].max()]["value"].iloc[0]))
    text = f"China mines about {mined}% of the world's rare earths and refines about 90% of them."
    verdicts = check(text, lexicon, facts)
    assert len(verdicts) == 2
    assert [v.claim.text for v in verdicts] == [text, text]
    assert [v.claim.quantity.value for v in verdicts] == [mined, 90]
    assert [v.claim.stage for v in verdicts] == ["mining", "separation"]
    assert [v.verdict for v in verdicts] == ["supported", "supported"]
    for v, stage in zip(verdicts, ("mining", "separation"), strict=True):
        assert {share_row(session_store, ev)["stage"] for ev in v.evidence} == {stage}


# -- basis ----------------------------------------------------------------------------------
def test_magnet_rare_earth_share_with_rows_only_on_another_basis_is_unverifiable(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    rows = session_store.table("stage_shares")
    aus = rows[(rows["stage"] == "mining") & (rows["country"] == "AUS")]
    # the premise: Australia's mining shares exist, all on the all-REE basis
    assert len(aus) and not aus["element_or_group"].str.contains("magnet").any()
    v = only(
        check("Australia mined about 8% of the world's magnet rare earths in 2024.", lexicon, facts)
    )
    assert v.verdict == "unverifiable"
    assert "another basis" in v.explanation and "magnet_ree" in v.explanation
    assert_cites_store(session_store, v.evidence)
    for ev in v.evidence:
        row = share_row(session_store, ev)
        assert row["country"] == "AUS" and "magnet" not in row["element_or_group"]


def test_a_row_on_the_claims_basis_makes_it_checkable(fresh_store: Store, tmp_path: Path) -> None:
    claim = "Australia mined about 9% of the world's magnet rare earths in 2024."
    before = only(check(claim, build_lexicon(fresh_store), FactBase(fresh_store)))
    assert before.verdict == "unverifiable" and "basis" in before.explanation
    csv = write_csv(tmp_path / "aus.csv", SHARES_HEADER, [[
        "mining", "share", "REE (test scope: magnet REEs)", "magnet", "AUS", 2024, "false",
        9, "9", "=", "", "", "percent", "share", "2026", "true", "usgs-mcs-2026-ree", "test",
    ]])  # fmt: skip
    fresh_store.import_file(csv, "stage_shares")
    after = only(check(claim, build_lexicon(fresh_store), FactBase(fresh_store)))
    assert after.verdict == "supported", after.explanation
    assert [share_row(fresh_store, ev)["element_or_group"] for ev in after.evidence] == [
        "REE (test scope: magnet REEs)"
    ]


def test_heavy_rare_earth_mining_share_is_not_compared_with_all_ree_rows(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    """The only heavy-REE mining share on record is undated: it cannot refute a claim.

    (tkww-2025-hree prints 60% without a year; the all-REE rows must not stand in.)
    """
    rows = session_store.table("stage_shares")
    mining = rows[(rows["stage"] == "mining") & (rows["country"] == "CHN")]
    heavy = mining[mining["element_or_group"].str.contains(r"HREE|heavy", case=False)]
    assert not heavy.empty and heavy["year"].isna().all()
    v = only(check("China mines about 70% of the world's heavy rare earths.", lexicon, facts))
    assert v.verdict == "unverifiable"
    assert "undated" in v.explanation
    for ev in v.evidence:
        assert share_row(session_store, ev)["element_or_group"] in set(heavy["element_or_group"])


def test_an_undated_share_may_support_a_claim_it_matches(lexicon: Lexicon, facts: FactBase) -> None:
    v = only(check("China mines about 60% of the world's heavy rare earths.", lexicon, facts))
    assert v.verdict == "supported", v.explanation


# -- the article's date -------------------------------------------------------------------
def test_true_when_written_but_not_now_is_outdated_on_real_rows(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    rows = chn_shares(session_store, "mining")
    dated = rows.dropna(subset=["year"])
    old = dated.sort_values(["value", "year"]).iloc[-1]  # the highest share on record
    # the premise: no recent or undated row comes near it
    recent = rows[rows["year"].isna() | (rows["year"] >= dated["year"].max())]
    assert ((recent["value"].astype(float) - float(old["value"])).abs() > SHARE_TOLERANCE_PP).all()
    text = f"China mines about {float(old['value']):g}% of the world's rare earths."

    # written once the old row was on record (its source's date of record), before the
    # rows that revised it were printed
    recorded = parse_record_date(source_dates(session_store)[old["source_id"]].text)
    then = only(check(text, lexicon, facts, dt.date(recorded.end.year + 1, 6, 1)))
    assert then.verdict == "outdated", then.explanation
    assert then.evidence[0].source_id == old["source_id"]
    assert int(share_row(session_store, then.evidence[-1])["year"]) == int(dated["year"].max())

    undated = only(check(text, lexicon, facts))
    assert undated.verdict == "contradicted"


@pytest.fixture
def revised_store(fresh_store: Store, tmp_path: Path) -> tuple[Store, float, float]:
    """A store where a later survey (published 2027) puts China's 2026 mining share far
    below the latest stored one; returns the store, the old share and the new share."""
    rows = chn_shares(fresh_store, "mining").dropna(subset=["year"])
    old = float(rows[rows["year"] == rows["year"].max()]["value"].iloc[0])
    new = round(old - 15)
    assert int(rows["year"].max()) < 2026
    src = write_csv(tmp_path / "src.csv", SOURCES_HEADER, [
        ["test-survey-2027", "A later survey", "Tests", "2027", "https://example.org/survey",
         "", "", "user", ""],
    ])  # fmt: skip
    fresh_store.import_file(src, "sources")
    share = write_csv(tmp_path / "share.csv", SHARES_HEADER, [[
        "mining", "share", "all REE (REO)", "REE", "CHN", 2026, "false", new, str(new), "=",
        "", "", "percent", "share", "2027", "false", "test-survey-2027", "test row",
    ]])  # fmt: skip
    fresh_store.import_file(share, "stage_shares")
    return fresh_store, old, new


def test_article_date_decides_between_outdated_and_contradicted(
    revised_store: tuple[Store, float, float],
) -> None:
    store, old, new = revised_store
    lexicon, facts = build_lexicon(store), FactBase(store)
    text = f"China mines about {round(old)}% of the world's rare earths."

    written_before = only(check(text, lexicon, facts, dt.date(2026, 3, 1)))
    assert written_before.verdict == "outdated", written_before.explanation
    first, latest = written_before.evidence
    assert abs(float(share_row(store, first)["value"]) - old) < 1
    assert latest.source_id == "test-survey-2027"
    assert latest.url == "https://example.org/survey"
    assert f"{new}%" in written_before.explanation

    assert only(check(text, lexicon, facts)).verdict == "contradicted"
    # written after the survey came out: the article should have known better
    assert only(check(text, lexicon, facts, dt.date(2028, 1, 1))).verdict == "contradicted"


def test_matching_only_a_record_published_later_is_supported_ahead_of_the_record(
    revised_store: tuple[Store, float, float],
) -> None:
    """A writer with newer figures than the record is not wrong: supported, with the
    figure on record at the time shown as context (not 'outdated', which means a claim
    that was true when written and has since been revised)."""
    store, _, new = revised_store
    v = only(
        check(
            f"China mines about {new}% of the world's rare earths.",
            build_lexicon(store),
            FactBase(store),
            dt.date(2026, 3, 1),
        )
    )
    assert v.verdict == "supported", v.explanation
    assert "printed after the article's date" in v.explanation and "on record then" in v.explanation
    assert v.evidence[0].source_id == "test-survey-2027"


# -- "the same year" ----------------------------------------------------------------------
@pytest.mark.parametrize("phrase", ["the same year", "that year"])
def test_the_same_year_inherits_the_previous_claims_year(
    session_store: Store, lexicon: Lexicon, facts: FactBase, phrase: str
) -> None:
    prod = session_store.table("mine_production")
    mmr = prod[(prod["country"] == "MMR") & prod["value"].notna()].set_index("year")["value"]
    latest = float(mmr.loc[mmr.index.max()])
    # a year whose figure the latest one does not match, so the year decides the verdict
    year = max(y for y, v in mmr.items() if abs(v - latest) > AMOUNT_TOLERANCE * v)
    chn = float(prod[(prod["country"] == "CHN") & (prod["year"] == year)]["value"].iloc[0])
    text = (
        f"China mined {chn:,.0f} tonnes of rare-earth oxide in {year}. "
        f"Myanmar mined about {mmr.loc[year]:,.0f} tonnes {phrase}."
    )
    first, second = check(text, lexicon, facts)
    assert first.claim.year == year and second.claim.year == year
    assert first.verdict == second.verdict == "supported"
    assert second.evidence[0].key == f"country=MMR, year={year}"
    assert_cites_store(session_store, second.evidence)

    alone = only(check(f"Myanmar mined about {mmr.loc[year]:,.0f} tonnes.", lexicon, facts))
    assert alone.claim.year is None
    assert alone.verdict != "supported"


# -- funding --------------------------------------------------------------------------------
def mp_awards(store: Store) -> pd.DataFrame:
    rows = store.table("funding")
    named = rows["recipient"].fillna("").str.contains(r"\bMP\b") | rows["funder"].fillna(
        ""
    ).str.contains(r"\bMP\b")
    return rows[named & rows["value"].notna() & (rows["unit"] == "USD")]


def test_an_award_in_the_funding_table_is_supported(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    awards = mp_awards(session_store)
    hits = awards[(awards["value"] - 400e6).abs() <= MONEY_TOLERANCE * 400e6]
    assert len(hits)  # the premise, from the data
    v = only(
        check(
            "In July 2025 the Pentagon agreed to a $400 million equity investment in MP Materials.",
            lexicon,
            facts,
        )
    )
    assert v.claim.metric == "funding"
    assert v.verdict == "supported", v.explanation
    assert {ev.table for ev in v.evidence} == {"funding"}
    assert {ev.source_id for ev in v.evidence} <= set(hits["source_id"])
    assert_cites_store(session_store, v.evidence)


def test_an_amount_not_in_the_data_is_unverifiable_with_the_closest_award_cited(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    claimed = 250e6
    awards = mp_awards(session_store)
    assert not ((awards["value"] - claimed).abs() <= MONEY_TOLERANCE * claimed).any()
    closest = awards.loc[(awards["value"] - claimed).abs().idxmin()]
    v = only(check("The Pentagon lent MP Materials $250 million in 2025.", lexicon, facts))
    assert v.verdict == "unverifiable", (v.explanation, v.evidence)
    assert "closest" in v.explanation
    assert f"{closest['recipient']}: {closest['value_text']} USD" in v.explanation
    first = v.evidence[0]
    assert (first.table, first.source_id) == ("funding", closest["source_id"])
    assert first.value.startswith(f"{closest['value_text']} USD")
    assert_cites_store(session_store, v.evidence)


# -- export controls ------------------------------------------------------------------------
def china_controls(store: Store, year: int) -> pd.DataFrame:
    events = store.table("events")
    return events[
        events["type"].str.contains("export_control")
        & events["actor"].str.contains("China")
        & (events["year"] == year)
        & ~events["elements_affected"].str.contains("all|magnets|techn")
    ]


def test_export_controls_on_the_right_number_of_elements_are_supported(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    april = china_controls(session_store, 2025)
    april = april[april["date"].astype(str).str.startswith("2025-04")]
    assert len(april) == 1
    n = len(april["elements_affected"].iloc[0].split(";"))
    v = only(
        check(
            f"In April 2025 China imposed export controls on {NUMBER_WORDS[n]} rare earths.",
            lexicon,
            facts,
        )
    )
    assert v.verdict == "supported", v.explanation
    assert {ev.table for ev in v.evidence} == {"events"}
    assert april["source_id"].iloc[0] in {ev.source_id for ev in v.evidence}
    assert_cites_store(session_store, v.evidence)


def test_export_controls_on_a_wrong_number_of_elements_are_contradicted(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    counts = [len(e.split(";")) for e in china_controls(session_store, 2025)["elements_affected"]]
    assert 9 not in counts and sum(counts) != 9
    v = only(
        check("In April 2025 China imposed export controls on nine rare earths.", lexicon, facts)
    )
    assert v.verdict == "contradicted", v.explanation
    assert {ev.table for ev in v.evidence} == {"events"}


def test_the_month_named_picks_the_announcement(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    """October's count is not accepted for April: the month decides which announcement."""
    controls = china_controls(session_store, 2025)
    by_month = {
        str(d)[5:7]: len(e.split(";"))
        for d, e in zip(controls["date"], controls["elements_affected"], strict=True)
    }
    april, october = by_month["04"], by_month["10"]
    assert april != october
    wrong = only(
        check(
            f"In April 2025 China imposed export controls on {NUMBER_WORDS[october]} rare earths.",
            lexicon,
            facts,
        )
    )
    assert wrong.verdict == "contradicted", wrong.explanation
    right = only(
        check(
            f"In October 2025 China added {NUMBER_WORDS[october]} rare earths to its export "
            "controls.",
            lexicon,
            facts,
        )
    )
    assert right.verdict == "supported", right.explanation


# -- opinion --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "We believe China's grip on rare-earth refining is overstated.",
        "In my view MP Materials is the best-placed rare-earth company in the West.",
        "China will likely still refine about 90% of the world's rare earths in 2030.",
        "Beijing could lose its grip on refining by 2030.",
    ],
)
def test_opinion_and_speculation_are_never_verified(
    lexicon: Lexicon, facts: FactBase, text: str
) -> None:
    v = only(check(text, lexicon, facts))
    assert v.verdict == "opinion"
    assert v.evidence == ()
    assert v.to_dict()["verdict"] == "opinion"


def test_a_speculative_figure_that_the_data_would_support_is_still_opinion(
    lexicon: Lexicon, facts: FactBase
) -> None:
    fact = only(check("China refines about 90% of the world's rare earths.", lexicon, facts))
    assert fact.verdict == "supported"
    guess = only(
        check("China will probably refine about 90% of the world's rare earths.", lexicon, facts)
    )
    assert guess.claim.hedge in ("opinion", "speculative")
    assert verify_claim(guess.claim, facts, None).verdict == "opinion"


def test_verdict_to_dict_carries_the_claim_and_its_evidence(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    v = only(check("China refines about 90% of the world's rare earths.", lexicon, facts))
    d = v.to_dict()
    assert set(d) == {
        "text",
        "entity",
        "metric",
        "value",
        "unit",
        "verdict",
        "explanation",
        "evidence",
    }
    assert (d["metric"], d["value"], d["unit"]) == ("share", 90.0, "percent")
    assert d["entity"] == "China"
    assert [e["source_id"] for e in d["evidence"]] == [e.source_id for e in v.evidence]
    assert set(d["evidence"][0]) == {"table", "key", "value", "source_id", "url", "note"}


def test_an_award_named_by_a_short_company_alias_is_found(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    rows = session_store.table("funding")
    lynas = rows[
        rows["recipient"].fillna("").str.contains("Lynas")
        & rows["funder"].fillna("").str.contains("DoD")
        & rows["value"].notna()
        & (rows["unit"] == "USD")
    ]
    award = lynas.loc[lynas["value"].idxmax()]
    millions = float(award["value"]) / 1e6
    v = only(
        check(
            f"The Pentagon awarded Lynas ${millions:g} million for a Texas plant.", lexicon, facts
        )
    )
    assert v.verdict == "supported", v.explanation
    assert v.evidence[0].source_id == award["source_id"]
    assert award["recipient"] in v.explanation

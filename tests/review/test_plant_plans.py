"""A plant's stated plans: planned capacities (checks.plants) and start dates (predict).

Planted errors of the sample articles: "Caremag ... will separate 2,400 tonnes a year"
(a planned capacity on record, checked despite "will"), "Nolans will be producing NdPr
oxide in 2025" (the separation row of the two Nolans rows) and "The 10X campus will be
producing magnets by 2026" (the 10X row). Every expected value is derived here from the
store's rows and the delay table, never typed in.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from derisk.data.record import source_dates
from derisk.data.store import Store
from derisk.forecast.inputs import delay_table
from derisk.forecast.scenario import load_scenario
from derisk.review.checking import outlook as ol
from derisk.review.checking.match import AMOUNT_TOLERANCE
from derisk.review.checking.predict import check_predictions
from derisk.review.checking.verify import FactBase, verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import build_lexicon
from derisk.review.reading.text import article_from_text
from derisk.vocabulary import CHECKED_VERDICTS

PLANT = "Carester's Caremag plant at Lacq"
CAREMAG, NOLANS, TEN_X = "Caremag (Lacq)", "Nolans", "10X magnet campus (Northlake, TX)"
INDEPENDENCE = "Independence (Fort Worth)"


@pytest.fixture(scope="module")
def judge(session_store: Store):  # noqa: ANN201
    """(verdict before, verdict after) of every claim of a one-sentence article."""
    lexicon, facts = build_lexicon(session_store), FactBase(session_store)

    def run(text: str, date: dt.date) -> list[tuple[object, object]]:
        claims = extract_claims(article_from_text(text, date=date), lexicon)
        before = verify(claims, facts, date)
        after = check_predictions(claims, before, session_store, date)
        pick = lambda vs, c: next((v for v in vs if v.claim is c), None)  # noqa: E731
        return [(pick(before, c), pick(after, c)) for c in claims]

    return run


@pytest.fixture(scope="module")
def rows(session_store: Store):  # noqa: ANN201
    return session_store.table("facilities").set_index("name")


def _checked(pairs: list) -> list:
    """The verdicts after predictions of the claims that got one."""
    return [after for _, after in pairs if after is not None]


def _agrees(said: float, row) -> bool:  # noqa: ANN001
    value = float(row["value"])
    return abs(said - value) <= AMOUNT_TOLERANCE * value


# -- planned capacity ----------------------------------------------------------------------
def test_a_planned_capacity_off_the_record_is_contradicted(judge, rows) -> None:
    row = rows.loc[CAREMAG]
    assert row["basis"] == "oxide" and "REO" in row["unit"] and not _agrees(2400, row)
    text = f"{PLANT} will separate 2,400 tonnes a year of rare earth oxides."
    [(before, after)] = judge(text, dt.date(2026, 3, 10))
    assert before.verdict == after.verdict == "contradicted", after.explanation
    assert [e.key for e in after.evidence] == [f"name={CAREMAG}"]
    assert row["source_id"] in {e.source_id for e in after.evidence}
    assert row["value_text"] in after.explanation


def test_the_planned_capacity_on_record_is_supported(judge, rows) -> None:
    row = rows.loc[CAREMAG]
    said = f"{float(row['value']):,.0f}"
    text = f"{PLANT} will separate {said} tonnes a year of rare earth oxides."
    [(before, _)] = judge(text, dt.date(2026, 3, 10))
    assert before.verdict == "supported", before.explanation


def test_the_article_sentence_checks_the_tonnage_not_the_funding(judge, rows) -> None:
    """The sample's sentence goes on about JOGMEC's "up to EUR110 million": that clause
    is not the plant's plan and must not stop the tonnage being checked."""
    text = ("Carester's Caremag plant at Lacq will separate 2,400 tonnes a year of rare earth "
            "oxides, with the Japanese state agency JOGMEC and Iwatani committing up to "
            "€110 million in equity and loans.")  # fmt: skip
    verdicts = {v.verdict for v in _checked(judge(text, dt.date(2026, 3, 10)))}
    assert "contradicted" in verdicts and not _agrees(2400, rows.loc[CAREMAG])


def test_a_plant_the_sentence_does_not_name_is_not_compared(judge) -> None:
    future = "Carester will separate 2,400 tonnes a year of rare earth oxides at a new plant."
    present = "Carester separates 2,400 tonnes a year of rare earth oxides."
    [(_, after)] = judge(future, dt.date(2026, 3, 10))
    assert after.verdict not in CHECKED_VERDICTS and not after.evidence
    [(_, after)] = judge(present, dt.date(2026, 3, 10))
    assert after.verdict == "unverifiable" and not after.evidence


def test_another_plant_of_the_same_company_is_not_compared(judge, rows) -> None:
    """MP Materials owns Independence and 10X: Independence's figure meets its own row."""
    row = rows.loc[INDEPENDENCE]
    assert rows.loc[TEN_X, "company"] == row["company"]
    said = f"{float(row['value']):,.0f}"
    text = f"MP Materials' Independence plant will make {said} tonnes of magnets a year."
    [(before, _)] = judge(text, dt.date(2026, 3, 10))
    assert before.verdict == "supported", before.explanation
    assert [e.key for e in before.evidence] == [f"name={INDEPENDENCE}"]


def test_a_company_total_is_not_one_plants_capacity(judge, rows) -> None:
    unit = rows.loc[TEN_X, "unit"]
    assert "total" in unit
    text = "The 10X campus will make 9,000 tonnes of magnets a year."
    [(before, _)] = judge(text, dt.date(2026, 3, 10))
    assert before.verdict == "unverifiable", before.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Caremag will separate 800 tonnes a year of NdPr oxide.",  # part of the output
        "Caremag could eventually separate 5,000 tonnes a year of rare earth oxides.",
        "Caremag will expand to 5,000 tonnes a year of rare earth oxides.",
        "Nolans will process 13,343 tonnes a year of rare earth oxides.",  # mine or plant?
    ],
)
def test_plans_that_are_not_the_stated_capacity_are_never_contradicted(judge, text) -> None:
    verdicts = [v.verdict for v in _checked(judge(text, dt.date(2026, 3, 10)))]
    assert verdicts and "contradicted" not in verdicts


def test_a_site_with_two_rows_is_matched_by_stage(judge, rows) -> None:
    """ "Nolans will mine ..." is the mine row's figure, never the separation row's."""
    mine = rows[(rows.index.str.contains(NOLANS)) & (rows["stage"] == "mining")]
    [name] = mine.index
    said = f"{float(mine.iloc[0]['value']):,.0f}"
    [(before, _)] = judge(f"Nolans will mine {said} tonnes a year of rare earth oxides.",
                          dt.date(2026, 3, 10))  # fmt: skip
    assert before.verdict == "supported" and [e.key for e in before.evidence] == [f"name={name}"]


# -- planned start -------------------------------------------------------------------------
def _start_verdict(session_store: Store, row, year: int) -> tuple[str, float, float]:  # noqa: ANN001
    """The documented rule: announced start plus slippage, P25/P75 around the claim."""
    slips = delay_table(session_store)["delay_years"].to_numpy(float)
    first, latest = float(row["announced_start_first_year"]), row["announced_start_latest_year"]
    start = load_scenario(ol.SCENARIO).start_year
    starts = np.maximum(max(first, start) + slips, float(latest) if latest == latest else first)
    low, high = np.percentile(starts, [25, 75])
    verdict = "optimistic" if year < low else "pessimistic" if year > high else "consistent"
    return verdict, low, high


def _later_sources(session_store: Store, row, date: dt.date) -> list[str]:  # noqa: ANN001
    dates = source_dates(session_store)
    ids = [s.strip() for s in str(row["source_id"]).split(";")]
    return [s for s in ids if dates.get(s) is not None and dates[s].start > date]


@pytest.mark.parametrize(
    ("text", "stage", "name", "year", "date"),
    [
        ("Nolans will be producing NdPr oxide in 2025.", "separation", NOLANS, 2025,
         dt.date(2023, 6, 15)),
        ("The 10X campus will be producing magnets by 2026.", "magnet", TEN_X, 2026,
         dt.date(2025, 7, 20)),
    ],
)  # fmt: skip
def test_a_plant_producing_by_a_year_is_judged_on_its_start(
    judge, session_store: Store, rows, text: str, stage: str, name: str, year: int, date
) -> None:
    row = rows.loc[name]
    assert row["stage"] == stage
    want, low, high = _start_verdict(session_store, row, year)
    [(before, after)] = judge(text, date)
    assert before.verdict == "opinion"
    assert after.verdict == want, after.explanation
    assert f"P25-P75 {low:.0f}-{high:.0f}" in after.explanation
    assert f"name={name}" in {e.key for e in after.evidence}
    later = _later_sources(session_store, row, date)
    assert later  # both rows' schedules were printed after the articles
    assert "printed after the article" in after.explanation
    assert all(s in after.explanation for s in later)


def test_the_nolans_mine_row_is_not_the_oxide_plant(rows) -> None:
    """The site key "Nolans" stands for two rows; producing oxide picks separation."""
    nolans = rows[rows.index.str.contains(NOLANS)]
    assert set(nolans["stage"]) == {"mining", "separation"}
    assert rows.loc[NOLANS, "stage"] == "separation"


def test_a_site_without_a_stage_gets_no_start_verdict(judge) -> None:
    """ "Nolans will start in 2025" could mean the mine or the plant: never guessed."""
    [(before, after)] = judge("Nolans will start in 2025.", dt.date(2023, 6, 15))
    assert after == before


def test_a_site_with_several_lines_is_narrowed_by_the_product_named(session_store: Store) -> None:
    """Lynas Malaysia has an NdPr line and heavy-REE circuits at one stage: "of NdPr"
    picks the NdPr line (facilities, 'Lynas Malaysia (Gebeng) separation')."""
    rows = session_store.table("facilities")
    line = rows[rows["name"] == "Lynas Malaysia (Gebeng) separation"].iloc[0]
    lexicon, facts = build_lexicon(session_store), FactBase(session_store)

    def verdict(tonnes: float) -> str:
        text = (
            f"Lynas's Gebeng separation plant has capacity of {tonnes:,.0f} tonnes a year of NdPr."
        )
        (v,) = verify(extract_claims(article_from_text(text), lexicon), facts)
        return v.verdict

    assert verdict(float(line["value"])) == "supported"
    assert verdict(float(line["value"]) * 2) == "contradicted"
    # without a product the site's lines stay ambiguous: never compared
    text = "Lynas's Gebeng separation plant has capacity of 99,000 tonnes a year."
    (v,) = verify(extract_claims(article_from_text(text), lexicon), facts)
    assert v.verdict != "contradicted"

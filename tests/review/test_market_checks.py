"""Market sizes and deposit composition (derisk.review.checking.checks.markets).

Each sentence is built from a stored row read in the test, and the comment on each case
names the row (table, key, source) that decides it. A figure of another scope, year,
unit or basis is unverifiable, never contradicted.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from derisk.data.store import Store
from derisk.review.checking.verify import FactBase, Verdict, verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import article_from_text

LATE = dt.date(2025, 9, 1)


def market(store: Store, metric: str, scope: str, year: int) -> pd.Series:
    rows = store.table("market_sizes")
    rows = rows[rows["metric"].eq(metric) & rows["scope"].eq(scope) & rows["year"].eq(year)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def composition(store: Store, deposit: str, element: str) -> pd.Series:
    rows = store.table("deposit_composition")
    rows = rows[rows["deposit"].str.startswith(deposit) & rows["element"].eq(element)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def one(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None = LATE) -> Verdict:
    found = verify(extract_claims(article_from_text(text, date=date), lexicon), facts, date)
    assert len(found) == 1, [(v.claim.text, v.verdict) for v in found]
    return found[0]


# -- market sizes ----------------------------------------------------------------------
def test_magnet_tonnes_are_checked_against_magnet_output_not_mine_production(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: rare-earth permanent magnet production, China, 2023 (SMM2024_NDFEB)
    row = market(session_store, "rare-earth permanent magnet production", "China", 2023)
    said = f"China produced {row['value']:,.0f} tonnes of rare-earth permanent magnets in 2023."
    v = one(said, lexicon, facts)
    assert v.verdict == "supported", v.explanation
    assert v.evidence[0].table == "market_sizes"
    # the same row refutes a figure far from it (historical, on record since June 2024)
    wrong = (
        f"China produced {row['value'] * 0.6:,.0f} tonnes of rare-earth permanent magnets in 2023."
    )
    v = one(wrong, lexicon, facts)
    assert v.verdict == "contradicted", v.explanation
    assert "SMM2024_NDFEB" in v.evidence[0].source_id


def test_an_estimate_row_never_alone_contradicts(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: China 2024 magnet production is SMM's June 2024 expectation (estimate):
    # 300,000 t disagrees with it but an expectation cannot refute an outturn; before this
    # checker the figure was "supported" by 270,000 t REO of mine production.
    row = market(session_store, "rare-earth permanent magnet production", "China", 2024)
    assert row["kind"] == "estimate"
    v = one("China produced 300,000 tonnes of NdFeB magnets in 2024.", lexicon, facts)
    assert v.verdict == "unverifiable", v.explanation
    assert "mine production" not in v.explanation


@pytest.mark.parametrize(
    "text",
    [
        # another year: no China magnet output row for 2022 (rows 2021 and 2023 differ)
        "China produced {v:,.0f} tonnes of rare-earth permanent magnets in 2022.",
        # part of a year: market_sizes holds yearly totals (the August 2025 row is monthly)
        "China produced {v:,.0f} tonnes of NdFeB magnets in August 2023.",
        # trade, not output
        "China exported {v:,.0f} tonnes of NdFeB magnets in 2023.",
        # another scope: the row is China's; no US magnet output is stored
        "The US produced {v:,.0f} tonnes of NdFeB magnets in 2023.",
    ],
)
def test_magnet_tonnes_of_another_period_scope_or_flow_are_unverifiable(
    text: str, session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    row = market(session_store, "rare-earth permanent magnet production", "China", 2023)
    v = one(text.format(v=row["value"] * 0.5), lexicon, facts)
    assert v.verdict == "unverifiable", v.explanation


def test_us_consumption_against_usgs_apparent_consumption(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: US REE apparent consumption, US, 2017 (USGS_MCS2021, t REO)
    row = market(session_store, "US REE apparent consumption", "US", 2017)
    ok = one(f"The US consumed {row['value']:,.0f} tonnes of rare earth oxides in 2017.",
             lexicon, facts)  # fmt: skip
    assert ok.verdict == "supported", ok.explanation
    bad = one(f"The US consumed {row['value'] * 2:,.0f} tonnes of rare earth oxides in 2017.",
              lexicon, facts)  # fmt: skip
    assert bad.verdict == "contradicted", bad.explanation
    assert "USGS_MCS2021" in bad.evidence[0].source_id
    # before MCS2021 was out (January 2021) nothing for 2017 was on record: no refutation
    early = one(f"The US consumed {row['value'] * 2:,.0f} tonnes of rare earth oxides in 2017.",
                lexicon, facts, dt.date(2019, 6, 1))  # fmt: skip
    assert early.verdict != "contradicted", early.explanation


def test_world_consumption_and_magnet_ree_demand(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: REE market (consumption), world, 2011 (BCC2012, t REO)
    row = market(session_store, "REE market (consumption)", "world", 2011)
    text = f"World consumption of rare earths was {row['value']:,.0f} tonnes of REO in 2011."
    assert one(text, lexicon, facts).verdict == "supported"
    # market_sizes: magnet REE demand (Nd+Pr+Dy+Tb), world, 2023 (IEA_GCMO2024, kt element)
    row = market(session_store, "magnet REE demand (Nd+Pr+Dy+Tb)", "world", 2023)
    text = f"Demand for magnet rare earths reached {row['value'] * 1000:,.0f} tonnes in 2023."
    assert one(text, lexicon, facts).verdict == "supported"


def test_market_values_need_the_same_measure(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: value of magnet REO consumption, world, 2022 (ADAMAS2022, billion USD)
    row = market(session_store, "value of magnet REO consumption", "world", 2022)
    text = f"The magnet rare-earth oxide market was worth ${row['value']} billion in 2022."
    assert one(text, lexicon, facts).verdict == "supported"
    # a magnet (product) market is not the value of the oxides in it: no row answers it
    text = f"The rare-earth magnet market was worth ${row['value'] * 3:.0f} billion in 2022."
    v = one(text, lexicon, facts)
    assert v.verdict == "unverifiable", v.explanation


def test_a_low_reliability_market_value_never_contradicts(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: REE market value (market research), world, 2024 (MKT_ALIXYZ /
    # MKT_QEEEBO, both low reliability): $18 billion disagrees but cannot be refuted
    rows = session_store.table("market_sizes")
    assert rows["metric"].eq("REE market value (market research)").any()
    v = one("The rare earth market was valued at $18 billion in 2024.", lexicon, facts)
    assert v.verdict == "unverifiable", v.explanation


def test_ev_sales_with_a_lower_bound(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: electric car sales, China, 2024, ">11" million (IEA_GEVO2025)
    row = market(session_store, "electric car sales", "China", 2024)
    said = f"China's electric car sales reached {row['value']:.0f} million in 2024."
    assert one(said, lexicon, facts).verdict == "supported"
    # above a lower bound: the record cannot decide it
    said = f"China's electric car sales reached {row['value'] + 5:.0f} million in 2024."
    assert one(said, lexicon, facts).verdict == "unverifiable"


def test_a_projection_is_compared_only_with_projections(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # market_sizes: value of magnet REO consumption, world, 2035, projection (ADAMAS2022);
    # another forecaster's figure is not an error, and no historical row counts
    row = market(session_store, "value of magnet REO consumption", "world", 2035)
    assert row["kind"] == "projection"
    says = "The magnet rare-earth oxide market is projected to be worth ${} billion in 2035."
    said = says.format(row["value"])
    v = one(said, lexicon, facts, dt.date(2024, 1, 1))
    assert v.verdict in ("supported", "opinion"), v.explanation
    said = says.format(f"{row['value'] * 3:.0f}")
    assert one(said, lexicon, facts, dt.date(2024, 1, 1)).verdict != "contradicted"


# -- deposits --------------------------------------------------------------------------
def test_an_element_share_of_a_named_deposit(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # deposit_composition: Bayan Obo, Dy (usgs-myb-2022-ree-tables, per cent of TREO)
    row = composition(session_store, "Bayan Obo", "Dy")
    text = f"Dysprosium makes up {row['value']}% of the rare earth oxide at Bayan Obo."
    assert one(text, lexicon, facts).verdict == "supported"
    bad = one("Dysprosium makes up 20% of the rare earth oxide at Bayan Obo.", lexicon, facts)
    assert bad.verdict == "contradicted", bad.explanation
    assert bad.evidence[0].table == "deposit_composition"
    # "of the ore" is not the table's per-cent-of-TREO basis: a different figure stands
    loose = one("Dysprosium makes up 20% of the ore at Bayan Obo.", lexicon, facts)
    assert loose.verdict == "unverifiable", loose.explanation
    # the USGS release is dated 2025: an article of 2024 could not have read it
    early = one("Dysprosium makes up 20% of the rare earth oxide at Bayan Obo.", lexicon, facts,
                dt.date(2024, 6, 1))  # fmt: skip
    assert early.verdict == "unverifiable", early.explanation


def test_usgs_na_is_unknown_not_zero(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # deposit_composition: Mountain Pass, Dy is "NA" in USGS: no figure refutes or confirms
    row = composition(session_store, "Mountain Pass", "Dy")
    assert row["value_text"] == "NA"
    v = one("Dysprosium is 5% of the rare earth oxide at Mountain Pass.", lexicon, facts)
    assert v.verdict == "unverifiable"
    assert "NA" in v.explanation


def test_heavy_share_from_the_profile_and_ore_types(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # deposit_profiles: Mountain Pass, HREE share of total REO (aboutrareearths-usa)
    prof = session_store.table("deposit_profiles")
    row = prof[prof["deposit"].str.startswith("Mountain Pass")
               & prof["metric"].eq("HREE share of total REO")].iloc[0]  # fmt: skip
    said = (f"At Mountain Pass, heavy rare earths are only {row['value']:.0f}% of the total "
            "rare earth oxide.")  # fmt: skip
    v = one(said, lexicon, facts)
    assert v.verdict == "supported" and v.evidence[0].table == "deposit_profiles"
    # ionic clays are three deposits in deposit_composition (Xunwu, Xinfeng, Longnan)
    # with different distributions: a figure for the type is not one deposit's
    v = one("Ionic clays are rich in heavy rare earths, with 10% HREE.", lexicon, facts)
    assert v.verdict == "unverifiable", v.explanation
    # loparite is one deposit (Revda): may confirm, never refute a figure for the mineral
    revda = composition(session_store, "Revda", "Nd")
    assert one(f"Loparite ore is about {revda['value'] * 3:.0f}% neodymium.", lexicon,
               facts).verdict == "unverifiable"  # fmt: skip


def test_ndpr_is_the_sum_of_two_plain_usgs_values(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # deposit_composition: Bayan Obo Nd + Pr (both plain numbers in USGS Table 2)
    total = (composition(session_store, "Bayan Obo", "Nd")["value"]
             + composition(session_store, "Bayan Obo", "Pr")["value"])  # fmt: skip
    assert one(f"NdPr makes up {total:.1f}% of Bayan Obo's rare earths.", lexicon,
               facts).verdict == "supported"  # fmt: skip
    assert one(f"NdPr makes up {total * 2:.0f}% of Bayan Obo's rare earths.", lexicon,
               facts).verdict == "contradicted"  # fmt: skip
    # deposit_composition: Nolans Bore Nd+Pr (arafura-nolans-web, stated as one row)
    nolans = composition(session_store, "Nolans", "Nd+Pr")
    said = (f"Neodymium and praseodymium make up {nolans['value']:.0f}% of the rare earth "
            "oxide at Nolans.")  # fmt: skip
    assert one(said, lexicon, facts).verdict == "supported"

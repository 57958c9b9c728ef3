"""Match before you judge (issue 11): real sentences that the reviewer once got wrong,
and labelled sentences that are right, wrong, outdated or about something the store does
not hold. Every expected number is read from the store row that decides the case; each
case names that row (table and source) in a comment."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from derisk.data.store import Store
from derisk.review.checking.verify import FactBase, Verdict, verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import article_from_text


def verdicts(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None) -> list[Verdict]:
    return verify(extract_claims(article_from_text(text, date=date), lexicon), facts, date)


def one(text: str, lexicon: Lexicon, facts: FactBase, date: dt.date | None = None) -> Verdict:
    found = verdicts(text, lexicon, facts, date)
    assert len(found) == 1, [(v.claim.text, v.verdict) for v in found]
    return found[0]


def row(store: Store, table: str, **where: object) -> pd.Series:
    """The one stored row whose columns equal ``where`` (a test names its deciding row)."""
    rows = store.table(table)
    for column, value in where.items():
        rows = rows[rows[column].astype(str) == str(value)]
    assert len(rows) >= 1, (table, where)
    return rows.iloc[0]


def num(value: object) -> str:
    return f"{float(value):,.0f}" if float(value) >= 100 else f"{float(value):g}"


D2025 = dt.date(2025, 6, 1)
D2026 = dt.date(2026, 1, 10)


# -- the sentences from the issue ----------------------------------------------------------
def test_an_ownership_stake_is_checked_against_ownership(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # ownership: Shenghe -> MP Materials, as of 2021-12 (wiki_mp_materials)
    stake = row(session_store, "ownership", as_of="2021-12")
    v = one(f"Shenghe holds {num(stake['value'])}% of Mountain Pass.", lexicon, facts, D2025)
    assert v.verdict == "supported", v.explanation  # was: contradicted by 61% of mining
    assert {e.table for e in v.evidence} == {"ownership"}
    assert v.evidence[0].source_id == stake["source_id"]


def test_a_stake_between_parties_with_no_row_is_unverifiable(
    lexicon: Lexicon, facts: FactBase
) -> None:
    # ownership holds no Lynas -> Iluka row: nearest rows are context only
    v = one("Lynas holds 20% of Iluka.", lexicon, facts, D2025)
    assert v.verdict == "unverifiable"
    assert "no stake" in v.explanation


def test_seven_of_the_17_is_a_count_of_controlled_elements(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events: 2025-04-04 MOFCOM Announcement No.18 (hklaw_2025_04)
    april = row(session_store, "events", date="2025-04-04")
    n = len(str(april["elements_affected"]).split(";"))
    words = {7: "seven", 5: "five"}
    text = f"China imposed export controls on {words[n]} of the 17 rare earths in April 2025."
    v = one(text, lexicon, facts, D2025)
    assert v.verdict == "supported", v.explanation
    assert v.evidence[0].source_id == april["source_id"]
    now = one("China now controls seven of the 17 rare earths.", lexicon, facts, D2025)
    assert now.verdict != "contradicted"


def test_these_two_elements_is_not_a_count_claim(lexicon: Lexicon, facts: FactBase) -> None:
    # no row: "these two" refers back to dysprosium and terbium
    text = (
        "China restricted dysprosium and terbium; Europe produces only traces of these "
        "two elements."
    )
    assert all(v.verdict != "contradicted" for v in verdicts(text, lexicon, facts, D2025))
    v = one("Europe produces only traces of these two elements.", lexicon, facts, D2025)
    assert v.verdict == "unverifiable"


def test_a_europe_dysprosium_price_is_compared_with_europe_prices(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # prices: Dy oxide (Europe) Argus 6 May 2025, 700-1000 (gmteight-2025-argus-europe)
    argus = row(session_store, "prices", element="Dy", product="dysprosium oxide, 99.5% (Europe)",
                value_text="700-1000")  # fmt: skip
    mid = (float(argus["value_low"]) + float(argus["value_high"])) / 2
    v = one(f"In Europe, dysprosium oxide cost ~${mid:,.0f}/kg in 2025.", lexicon, facts, D2026)
    assert v.verdict == "supported", v.explanation  # was: contradicted by the $110 floor
    assert {e.table for e in v.evidence} == {"prices"}
    assert argus["source_id"] in {e.source_id for e in v.evidence}


def test_an_ndpr_price_for_2024_is_checked_against_2024_prices(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # prices: NdPr oxide fob China, 18 Apr 2024 (fastmarkets-2024-04-18); USGS 2024 average
    fob = row(session_store, "prices", source_id="fastmarkets-2024-04-18", element="Nd+Pr")
    usgs = row(session_store, "prices", element="Nd+Pr", year=2024, source_id="usgs-mcs-2026-ree")
    claimed = round(float(usgs["value"]) * 1.09)  # "about": within 10 % of the average
    v = one(f"NdPr sold for about ${claimed}/kg in 2024.", lexicon, facts, D2025)
    assert v.verdict == "supported", v.explanation
    assert all(e.table == "prices" for e in v.evidence)
    assert fob["source_id"] in {e.source_id for e in v.evidence}


def test_an_eu_cap_is_checked_against_benchmarks_not_market_shares(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # benchmarks: EU max single-third-country share (ec_qa_resourceeu_2025_12_03)
    cap = row(
        session_store, "benchmarks", jurisdiction="EU", metric="max single-third-country share"
    )
    v = one(
        f"The EU's cap of {num(cap['value'])}% from one country is far off.", lexicon, facts, D2026
    )
    assert v.verdict == "supported", v.explanation
    assert [e.table for e in v.evidence] == ["benchmarks"]
    # benchmarks: EU 40% processing (whitecase_2025_03): was contradicted by China's 91%
    proc = row(
        session_store,
        "benchmarks",
        jurisdiction="EU",
        metric="share of annual consumption, processing",
    )
    v = one(
        f"The CRMA wants {num(proc['value'])}% processed in Europe by 2030.", lexicon, facts, D2026
    )
    assert v.verdict == "supported", v.explanation
    assert v.evidence[0].source_id == proc["source_id"]


def test_a_plants_capacity_is_matched_to_that_plant(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # facilities: Narva magnet plant (reex_neo_2025_12_18) and La Rochelle rare earth
    # plant (solvay_autoworld_2025_04_09)
    narva = row(session_store, "facilities", name="Narva magnet plant")
    rochelle = row(session_store, "facilities", name="La Rochelle rare earth plant")
    text = (
        f"Solvay's La Rochelle plant aims at {num(rochelle['value'])} t, while Neo's Narva "
        f"plant makes {num(narva['value'])} t a year."
    )
    found = verdicts(text, lexicon, facts, D2026)
    assert [v.verdict for v in found] == ["supported", "supported"], [v.explanation for v in found]
    by_value = {v.claim.quantity.value: v.evidence[0].key for v in found}
    assert by_value[float(narva["value"])] == "name=Narva magnet plant"
    assert by_value[float(rochelle["value"])] == "name=La Rochelle rare earth plant"


def test_controls_in_force_are_judged_on_the_status_at_the_articles_date(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # events: 2025-11-07 Announcement No.70 suspends the October 2025 controls (chemradar_ann70)
    suspension = row(session_store, "events", date="2025-11-07")
    text = "China's October 2025 export controls remain fully in force."
    after = one(text, lexicon, facts, D2026)
    assert after.verdict == "contradicted", after.explanation  # was: supported
    assert suspension["source_id"] in {e.source_id for e in after.evidence}
    before = one(text, lexicon, facts, dt.date(2025, 10, 25))
    assert before.verdict == "outdated", before.explanation
    assert "later data" in before.explanation
    # the same suspension leaves the April 2025 controls in force (events 2025-04-04)
    april = one("The April 2025 controls remain in force.", lexicon, facts, D2026)
    assert april.verdict == "supported", april.explanation


# -- labelled sentences ---------------------------------------------------------------------
def _cases(store: Store) -> list[tuple[str, dt.date | None, str]]:
    """(sentence, article date, expected verdict), each built from its deciding row."""
    shares = store.table("stage_shares")
    usgs = shares[(shares["source_id"] == "usgs-mcs-2026-ree") & (shares["stage"] == "mining")
                  & (shares["country"] == "CHN")]  # fmt: skip
    latest = usgs.sort_values("year").iloc[-1]
    y, s = int(latest["year"]), float(latest["value"])
    weak = row(store, "stage_shares", source_id="indexmundi-2010")
    quota = row(store, "china_quotas", year=2024, quota_type="mining")
    kalg = row(store, "facilities", name="Kalgoorlie Rare Earths Processing Facility")
    sec = row(store, "ownership", source_id="sec_13ga_shenghe_mp_2021")
    recycling = row(
        store, "benchmarks", jurisdiction="EU", metric="share of annual consumption, recycling"
    )
    floor = row(store, "benchmarks", metric="minimum price")
    cif = row(store, "prices", source_id="benchmark-2025-bifurcation", element="Dy")
    # usgs-mcs-2026-ree is dated by year only: on record from the end of that year
    later = dt.date(y + 2, 1, 15)
    return (
        [
            # right ------------------------------------------------------------------------
            # stage_shares CHN mining, latest USGS year (usgs-mcs-2026-ree)
            (f"China mined about {s:g}% of the world's rare earths in {y}.", later, "supported"),
            # china_quotas 2024 mining (starfeu_2024_quota)
            (f"China's 2024 mining quota was {num(quota['value'])} tonnes.", D2025, "supported"),
            # facilities Kalgoorlie (seaisi_kalgoorlie_2024_11_11)
            (
                f"Lynas's Kalgoorlie plant has a capacity of {num(kalg['value'])} t a year.",
                D2025,
                "supported",
            ),
            # ownership as of 2020-12-31 (sec_13ga_shenghe_mp_2021)
            (
                f"Shenghe held an {num(sec['value'])}% stake in MP Materials in 2020.",
                D2025,
                "supported",
            ),
            # benchmarks EU recycling (whitecase_2025_03)
            (
                f"The EU's CRMA sets a {num(recycling['value'])}% recycling benchmark.",
                D2025,
                "supported",
            ),
            # benchmarks NdPr price floor (wallstreetsuntzu_2025_07)
            (
                f"The DoD set a price floor of ${num(floor['value'])}/kg for NdPr.",
                dt.date(2025, 8, 1),
                "supported",
            ),
            # prices Dy CIF Europe July 2025 (benchmark-2025-bifurcation)
            (
                f"Dysprosium oxide CIF Europe was ${num(cif['value'])}/kg in 2025.",
                D2026,
                "supported",
            ),
            # stage_shares 2010 (indexmundi-2010, low reliability): may support
            (
                f"China mined {num(weak['value'])}% of the world's rare earths in 2010.",
                D2025,
                "supported",
            ),
        ]
        + _wrong(store, s, y, later)
        + _mismatched(s, y)
    )


def _wrong(store: Store, s: float, y: int, later: dt.date) -> list[tuple[str, dt.date | None, str]]:
    """Wrong sentences, each a stored figure changed (s, y: China's latest mining share)."""
    quota = row(store, "china_quotas", year=2024, quota_type="mining")
    narva = row(store, "facilities", name="Narva magnet plant")
    recycling = row(
        store, "benchmarks", jurisdiction="EU", metric="share of annual consumption, recycling"
    )
    fob = row(store, "prices", source_id="fastmarkets-2024-04-18", element="Nd+Pr")
    return [
        # wrong ------------------------------------------------------------------------
        # stage_shares CHN mining latest USGS year
        (
            f"China mined about {s + 15:g}% of the world's rare earths in {y}.",
            later,
            "contradicted",
        ),
        # china_quotas 2024 mining
        (
            f"China's 2024 mining quota was {num(float(quota['value']) * 1.2)} tonnes.",
            D2025,
            "contradicted",
        ),
        # facilities Narva: another plant's figure for it
        (
            f"Neo's Narva magnet plant has a capacity of {num(float(narva['value']) * 4.5)} t "
            "a year.",
            D2026,
            "contradicted",
        ),
        # benchmarks EU recycling
        (
            f"The EU's CRMA sets a {num(float(recycling['value']) + 5)}% recycling benchmark.",
            D2025,
            "contradicted",
        ),
        # events 2025-04-04 (hklaw_2025_04): seven elements, not nine
        ("In April 2025 China imposed export controls on nine rare earths.", D2025, "contradicted"),
        # prices NdPr fob China 2024 (fastmarkets-2024-04-18)
        (
            f"NdPr oxide fob China sold for ${num(float(fob['value_high']) * 2)}/kg in 2024.",
            D2025,
            "contradicted",
        ),
    ]


def _mismatched(s: float, y: int) -> list[tuple[str, dt.date | None, str]]:
    """Outdated and mismatched sentences (s, y: China's latest USGS mining share, year)."""
    return [
        # outdated -----------------------------------------------------------------------
        # events 2025-11-07 suspension, after the article (chemradar_ann70)
        (
            "China's October 2025 export controls remain fully in force.",
            dt.date(2025, 10, 20),
            "outdated",
        ),
        # mismatched: unverifiable ---------------------------------------------------------
        # stage_shares 2010 (indexmundi-2010): only a low-reliability row disagrees
        ("China mined about 80% of the world's rare earths in 2010.", D2025, "unverifiable"),
        # stage_shares CHN 2025 rows are printed in 2026: not on record in mid-2025
        (
            f"China mined {s - 10:g}% of the world's rare earths in {y}.",
            dt.date(y, 6, 1),
            "unverifiable",
        ),
        # benchmarks price floors are NdPr floors, not Dy
        ("The floor price for dysprosium is $110/kg.", dt.date(2025, 8, 1), "unverifiable"),
        # prices: no Dy metal price quoted in Europe
        ("Dysprosium metal cost $900/kg in Europe in 2025.", D2026, "unverifiable"),
        # prices: no Lu price quoted in Europe
        ("Lutetium oxide in Europe cost $900/kg in 2025.", D2026, "unverifiable"),
        # prices: Europe rows are for 2025 only, not 2019
        ("In 2019, dysprosium oxide cost about $5,000/kg in Europe.", D2026, "unverifiable"),
        # prices: a present-tense price needs a row for the article's year
        ("NdPr oxide costs $110/kg.", dt.date(2025, 8, 1), "unverifiable"),
        # no table for import shares
        ("The EU imports 98% of its magnets from China.", D2025, "unverifiable"),
        # no table for growth rates
        ("Rare-earth magnet demand grows 8% a year.", D2025, "unverifiable"),
        # stage_shares holds countries, not blocs
        ("Europe refines 40% of the world's rare earths.", D2025, "unverifiable"),
        # stage_shares holds countries, not companies
        ("MP Materials accounts for 15% of world mining.", D2025, "unverifiable"),
        # several countries named: not a world share of either
        ("Myanmar supplies 40% of China's heavy rare earth feed.", D2025, "unverifiable"),
        # market_sizes holds tonnages, not values
        ("The market for rare-earth magnets is worth $20 billion.", D2025, "unverifiable"),
        # ownership: no Lynas -> Iluka row
        ("Lynas holds 20% of Iluka.", D2025, "unverifiable"),
    ]


def test_labelled_sentences(session_store: Store, lexicon: Lexicon, facts: FactBase) -> None:
    cases = _cases(session_store)
    assert len(cases) >= 25
    wrong = []
    for text, date, expected in cases:
        v = one(text, lexicon, facts, date)
        if v.verdict != expected:
            wrong.append((text, expected, v.verdict, v.explanation))
    assert not wrong, wrong


def test_an_unmatched_claim_is_never_contradicted_and_cites_context(
    lexicon: Lexicon, facts: FactBase
) -> None:
    # the nearest rows come as evidence, with why they do not answer the claim
    v = one("In 2019, dysprosium oxide cost about $5,000/kg in Europe.", lexicon, facts, D2026)
    assert v.verdict == "unverifiable"
    assert v.evidence and "nearest on record" in v.explanation


def test_a_low_reliability_row_alone_does_not_refute(lexicon: Lexicon, facts: FactBase) -> None:
    # stage_shares 2010 (indexmundi-2010) is the only 2010 row and is low-reliability
    v = one("China mined about 80% of the world's rare earths in 2010.", lexicon, facts, D2025)
    assert v.verdict == "unverifiable"
    assert "low-reliability" in v.explanation


def test_a_figure_printed_after_the_article_never_contradicts_it(
    session_store: Store, lexicon: Lexicon, facts: FactBase
) -> None:
    # stage_shares CHN mining for the latest USGS year, printed the year after
    shares = session_store.table("stage_shares")
    latest = shares[(shares["source_id"] == "usgs-mcs-2026-ree") & (shares["country"] == "CHN")]
    latest = latest.sort_values("year").iloc[-1]
    y = int(latest["year"])
    text = f"China mined {float(latest['value']) - 10:g}% of the world's rare earths in {y}."
    v = one(text, lexicon, facts, dt.date(y, 6, 1))
    assert v.verdict == "unverifiable"
    assert "later data" in v.explanation


def test_a_price_is_never_compared_with_the_price_floor(lexicon: Lexicon, facts: FactBase) -> None:
    # benchmarks NdPr floor is a guarantee, not a market price
    for text, date in [("NdPr oxide costs $110/kg.", dt.date(2025, 8, 1)),
                       ("NdPr sold for about $60/kg in 2024.", D2025)]:  # fmt: skip
        v = one(text, lexicon, facts, date)
        assert all(e.table != "benchmarks" for e in v.evidence), v.explanation

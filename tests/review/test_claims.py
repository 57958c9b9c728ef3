"""Claim detection and parsing (review stage 2): quantities, years, metrics, hedges."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derisk.errors import InputError
from derisk.review.extraction import claims as claims_module
from derisk.review.extraction.claims import (
    HEDGED,
    HEDGES,
    METRIC_RULES,
    METRICS,
    OPINION,
    SPECULATIVE,
    STAGES,
    Claim,
    Quantity,
    claim_from_sentence,
    extract_claims,
    parse_quantities,
)
from derisk.review.extraction.lexicon import Lexicon
from derisk.review.reading.text import Article, Sentence, article_from_text


def claim(lexicon: Lexicon, text: str) -> Claim:
    found = claim_from_sentence(text, 0, lexicon)
    assert found is not None, text
    return found


def only(text: str) -> Quantity:
    found = parse_quantities(text)
    assert len(found) == 1, found
    return found[0]


# -- quantities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "written"),
    [
        # percentages
        ("Beijing holds 90% of the market.", 90.0, "percent", "90%"),
        ("Output fell 12.5 per cent last year.", 12.5, "percent", "12.5 per cent"),
        ("a share of 69.2 percent", 69.2, "percent", "69.2 percent"),
        ("down 5 percentage points", 5.0, "pp", "5 percentage points"),
        ("nine out of ten magnets", 90.0, "percent", "nine out of ten"),
        ("Seven in ten motors", 70.0, "percent", "Seven in ten"),
        ("4 out of 5 plants", 80.0, "percent", "4 out of 5"),
        ("two-thirds of the ore", pytest.approx(66.6667, abs=1e-3), "percent", "two-thirds"),
        ("three quarters of supply", 75.0, "percent", "three quarters"),
        ("a third of imports", pytest.approx(33.3333, abs=1e-3), "percent", "a third"),
        ("half of all magnets", 50.0, "percent", "half"),
        ("a quarter of world output", 25.0, "percent", "a quarter"),
        # money and magnitudes
        ("a $439 million award", 439e6, "USD", "$439 million"),
        ("a $400m stake", 400e6, "USD", "$400m"),
        ("US$1.2bn in loans", 1.2e9, "USD", "US$1.2bn"),
        ("US$ 258 million", 258e6, "USD", "US$ 258 million"),
        ("A$1.2 billion from Canberra", 1.2e9, "AUD", "A$1.2 billion"),
        ("C$20m for Saskatoon", 20e6, "CAD", "C$20m"),
        ("€3 billion under RESourceEU", 3e9, "EUR", "€3 billion"),
        ("£15m for Tyseley", 15e6, "GBP", "£15m"),
        ("¥2.5bn of subsidies", 2.5e9, "CNY", "¥2.5bn"),
        ("RMB 300 million", 300e6, "CNY", "RMB 300 million"),
        ("3.5 billion yuan", 3.5e9, "CNY", "3.5 billion yuan"),
        ("800 million euros", 800e6, "EUR", "800 million euros"),
        ("50 million Australian dollars", 50e6, "AUD", "50 million Australian dollars"),
        ("$2 trillion of GDP", 2e12, "USD", "$2 trillion"),
        ("$35k per worker", 35e3, "USD", "$35k"),
        # prices
        ("NdPr at $110/kg", 110.0, "USD/kg", "$110/kg"),
        ("a floor of $110 per kilogram", 110.0, "USD/kg", "$110 per kilogram"),
        ("about $60 a kilo", 60.0, "USD/kg", "$60 a kilo"),
        ("terbium at €900 per kg", 900.0, "EUR/kg", "€900 per kg"),
        ("$12,000 per tonne of concentrate", 12000.0, "USD/t", "$12,000 per tonne"),
        ("80 dollars per kilogram", 80.0, "USD/kg", "80 dollars per kilogram"),
        # masses
        ("7,000 tonnes of magnets", 7000.0, "t", "7,000 tonnes"),
        ("270,000 metric tons of ore", 270000.0, "t", "270,000 metric tons"),
        ("5 kt of oxide", 5000.0, "t", "5 kt"),
        ("44 Mt of reserves", 44e6, "t", "44 Mt"),
        ("100,000 MT of ore", 100000.0, "t", "100,000 MT"),  # metric tonnes, not Mt
        ("44 million tonnes of reserves", 44e6, "t", "44 million tonnes"),
        ("12 thousand tonnes", 12000.0, "t", "12 thousand tonnes"),
        ("300 kilotonnes of tailings", 300000.0, "t", "300 kilotonnes"),
        ("a 5,000-tonne plant", 5000.0, "t", "5,000-tonne"),
        ("900 pounds of rare earths", 900.0, "lb", "900 pounds"),
        ("about 2 kg per vehicle", 2.0, "kg", "2 kg"),
        # rates
        # counts, multiples, durations
        ("seven rare earths", 7.0, "count", "seven rare earths"),
        ("17 rare earth elements", 17.0, "count", "17 rare earth elements"),
        ("five more elements", 5.0, "count", "five more elements"),
        ("seven medium and heavy rare earths", 7.0, "count", "seven medium and heavy rare earths"),
        ("a dozen projects", 12.0, "count", "a dozen projects"),
        ("twenty-five companies", 25.0, "count", "twenty-five companies"),
        ("about 300 people", 300.0, "count", "300 people"),
        ("a 3x increase", 3.0, "x", "3x"),
        ("four times as much", 4.0, "x", "four times"),
        ("demand could grow threefold", 3.0, "x", "threefold"),
        ("a 10-fold rise", 10.0, "x", "10-fold"),
        ("output doubled", 2.0, "x", "doubled"),
        ("a 10-year plan", 10.0, "year", "10-year"),
        ("a five-year deal", 5.0, "year", "five-year"),
        ("over two decades", 20.0, "year", "two decades"),
        ("within 18 months", 18.0, "month", "18 months"),
        # bare numbers
        ("a score of 2.7", 2.7, "number", "2.7"),
        ("roughly 12,000-odd", 12000.0, "number", "12,000-odd"),
    ],
)
def test_value_unit_and_text(text: str, value: float, unit: str, written: str) -> None:
    q = only(text)
    assert (q.value, q.unit, q.text) == (value, unit, written)
    assert q.text in text


@pytest.mark.parametrize(
    ("text", "value", "written"),
    [
        ("1,500 t/yr of heavy oxides", 1500.0, "1,500 t/yr"),
        ("10,000 tpa of NdFeB", 10000.0, "10,000 tpa"),
        ("6,000 tonnes per year of magnets", 6000.0, "6,000 tonnes per year"),
        ("2,000 tonnes a year", 2000.0, "2,000 tonnes a year"),
        ("12 ktpa of concentrate", 12000.0, "12 ktpa"),
        ("40,000 t per annum", 40000.0, "40,000 t per annum"),
    ],
)
def test_rates_are_tonnes_per_year(text: str, value: float, written: str) -> None:
    q = only(text)
    assert (q.value, q.unit, q.per, q.text) == (value, "t", "year", written)


def test_a_plain_tonnage_is_not_a_rate() -> None:
    q = only("7,000 tonnes of magnets")
    assert (q.unit, q.per) == ("t", None)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("80-90% of refining", 80.0, 90.0, "percent"),
        ("80–90 per cent", 80.0, 90.0, "percent"),
        ("60%-70% of demand", 60.0, 70.0, "percent"),
        ("80 to 90 percent of magnets", 80.0, 90.0, "percent"),
        ("between 80 and 90 per cent", 80.0, 90.0, "percent"),
        ("between 5,000 and 7,000 tonnes", 5000.0, 7000.0, "t"),
        ("5,000-7,000 t/yr", 5000.0, 7000.0, "t"),
        ("$1-2 billion of capex", 1e9, 2e9, "USD"),
        ("A$1.7bn-A$1.8bn", 1.7e9, 1.8e9, "AUD"),
        ("$40 to $150/kg", 40.0, 150.0, "USD/kg"),
        ("10 to 15 years", 10.0, 15.0, "year"),
        ("1-2 kt of oxide", 1000.0, 2000.0, "t"),
    ],
)
def test_ranges_keep_both_ends_and_value_is_the_low_end(
    text: str, low: float, high: float, unit: str
) -> None:
    q = only(text)
    assert (q.low, q.high, q.unit) == (low, high, unit)
    assert q.value == q.low  # never an invented midpoint


@pytest.mark.parametrize(
    "text",
    [
        "prices rose from 60 to 80 dollars per kilogram",  # a change, not a range
        "its share fell from 90% to 60%",
        "output rose 20% to 7,000 tonnes",  # different units: not a range
    ],
)
def test_changes_are_not_ranges(text: str) -> None:
    quantities = parse_quantities(text)
    assert len(quantities) == 2
    assert all(q.low is None and q.high is None for q in quantities)


def test_from_to_carries_the_unit_back() -> None:
    first, second = parse_quantities("prices rose from 60 to 80 dollars per kilogram")
    assert (first.value, first.unit, first.text) == (60.0, "USD/kg", "60")
    assert (second.value, second.unit) == (80.0, "USD/kg")


@pytest.mark.parametrize(
    ("text", "approx", "bound"),
    [
        ("about 90%", True, None),
        ("around 90%", True, None),
        ("roughly 90%", True, None),
        ("nearly 90%", True, None),
        ("almost 90%", True, None),
        ("approximately 90%", True, None),
        ("some 90%", True, None),
        ("~90%", True, None),
        ("an estimated 90%", True, None),
        ("close to 90%", True, None),
        ("90% or so", True, None),
        ("more than 90%", True, "at_least"),
        ("over 90%", True, "at_least"),
        ("at least 90%", True, "at_least"),
        ("in excess of 90%", True, "at_least"),
        (">90%", True, "at_least"),
        ("90%+", True, "at_least"),
        ("90% or more", True, "at_least"),
        ("less than 10%", True, "at_most"),
        ("under 10%", True, "at_most"),
        ("up to 10%", True, "at_most"),
        ("<10%", True, "at_most"),
        ("10% or less", True, "at_most"),
        ("exactly 90%", False, None),
        ("90%", False, None),
    ],
)
def test_approximation_and_bounds(text: str, approx: bool, bound: str | None) -> None:
    q = only(text)
    assert (q.approx, q.bound) == (approx, bound)


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("270,000 tonnes of rare earth oxide", "REO"),
        ("270,000 t REO", "REO"),
        ("60,000 tonnes of rare-earth oxides", "REO"),
        ("1,300 t of NdPr oxide", "magnet_ree"),
        ("5,000 tonnes of magnet rare earths", "magnet_ree"),
        ("200 t of contained dysprosium", "element"),
        ("7,000 tonnes of magnets", "material"),
        ("10,000 tpa of NdFeB alloy", "material"),
        ("45,000 t of concentrate", "material"),
        ("7,000 tonnes", None),
        ("$110/kg for NdPr oxide", "magnet_ree"),
        ("90% of oxide output", None),  # shares carry no basis
    ],
)
def test_basis(text: str, basis: str | None) -> None:
    assert parse_quantities(text)[0].basis == basis


# -- years are not quantities ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "kind"),
    [
        ("China mined 270,000 tonnes in 2024.", 2024, "in"),
        ("MP plans 10,000 tonnes of magnets by 2028.", 2028, "by"),
        ("Awards topped $439 million since 2020.", 2020, "since"),
        ("The quota holds until 2030 at 270,000 tonnes.", 2030, "until"),
        ("Beijing restricted seven rare earths in April 2025.", 2025, "in"),
        ("China widened the rules on October 9, 2025, to 12 elements.", 2025, "in"),
        ("Controls took effect on 4 April 2025 for seven rare earths.", 2025, "in"),
        ("Output reached 45,000 t in Q1 2025.", 2025, "in"),
        ("Lynas expects 1,500 t/yr by the end of 2026.", 2026, "by"),
        ("Prices hit $75/kg in mid-2025.", 2025, "in"),
        ("Between 2020 and 2024 imports fell 20%.", 2020, "since"),
        ("From 2020 to 2024 China supplied 70% of US imports.", 2020, "since"),
        ("As of 2025, the plant makes 1,000 tonnes.", 2025, "in"),
        ("China's 2024 mining quota was 270,000 tonnes, up 5.9% from 2023.", 2024, None),
        ("Output of 2,025 tonnes was reported.", None, None),
        ("Chinese output was 270,000 tonnes, 15% more than in 2023.", 2023, None),
    ],
)
def test_year_and_period(lexicon: Lexicon, text: str, year: int | None, kind: str | None) -> None:
    c = claim(lexicon, text)
    assert (c.year, c.period_kind) == (year, kind)
    for q in c.quantities:
        assert not (q.unit in ("number", "count") and 1990 <= q.value <= 2060), q


@pytest.mark.parametrize(
    "text",
    [
        "in 2024",
        "by 2027",
        "since 2019",
        "the 2020-2024 period",
        "in fiscal 2024-25",
        "April 4, 2025",
        "on 9 October 2025",
        "2025-04-04",
        "in Q1 2025",
        "during the 1990s",
        "mid-2025",
        "2024 companies",  # a year used as an adjective, not a count of companies
        "COVID-19 and F-35 jets",
        "Section 232 and Title III",
        "Announcement No. 61",
        "MP's 10X campus and 48C credits",
        "the 2nd and 3rd lines",
        "at 10:30",
    ],
)
def test_dates_and_identifiers_are_not_quantities(text: str) -> None:
    assert parse_quantities(text) == []


def test_a_year_with_a_unit_is_a_quantity() -> None:
    q = only("It shipped 2025 tonnes.")
    assert (q.value, q.unit) == (2025.0, "t")


@pytest.mark.parametrize(
    "text",
    [
        "one of the largest",
        "seven",
        "it is one",
        "the first half of 2025",
        "a third plant",
        "quarter-on-quarter growth",
        "double-digit growth",
    ],
)
def test_vague_words_are_not_quantities(text: str) -> None:
    assert parse_quantities(text) == []


# -- claims: metric, stage, hedge, entities, checkworthiness ----------------------------------

METRIC_CASES = [
    ("China controls about 90% of rare-earth refining.", "share"),
    ("Chinese firms account for 94 per cent of sintered magnet output.", "share"),
    ("China dominates heavy rare earth separation.", "share"),
    ("Roughly two-thirds of global mining takes place in China.", "share"),
    ("The US imports 70% of its rare earth compounds from China.", "import_share"),
    ("The Pentagon took a $400 million equity stake in MP Materials.", "funding"),
    ("Vulcan Elements won a $620 million loan from the Office of Strategic Capital.", "funding"),
    ("Lynas received A$1.2 billion from Export Finance Australia.", "funding"),
    ("The DoD has awarded more than $439 million since 2020.", "funding"),
    ("The Department of Energy committed $150 million to Round Top.", "funding"),
    ("MP agreed a $110/kg price floor for NdPr with the Pentagon.", "price_floor"),
    ("NdPr oxide prices fell to $55 per kg in 2024.", "price"),
    ("Terbium traded at €900/kg in Rotterdam.", "price"),
    ("Beijing restricted exports of seven rare earths in April 2025.", "policy_event"),
    ("China imposed export controls on dysprosium and terbium.", "policy_event"),
    ("Exporters now need a licence for samarium.", "policy_event"),
    ("China banned exports of separation technology in 2023.", "policy_event"),
    ("China's 2024 mining quota was 270,000 tonnes.", "quota"),
    ("China mined 270,000 tonnes of rare earths in 2024.", "production"),
    ("Mountain Pass produced 45,000 tonnes of REO in 2024.", "production"),
    ("Lynas output rose to 10,000 tonnes of NdPr.", "production"),
    ("The 10X campus will have 7,000 tpa of magnet capacity.", "capacity"),
    ("Iluka's Eneabba refinery has a capacity of 750 tonnes a year.", "capacity"),
    ("China holds 44 million tonnes of reserves.", "reserves"),
    ("Brazil has 21 Mt of rare earth reserves.", "reserves"),
    ("Demand for magnet rare earths will triple by 2040.", "demand"),
    ("EV makers consume 30,000 tonnes of magnets a year.", "demand"),
    ("The Seadrift plant in Texas was cancelled in 2025.", "facility_status"),
    ("Mountain Pass restarted in 2018.", "facility_status"),
    ("Noveon Magnetics opened its San Marcos plant in 2023.", "facility_status"),
    ("Construction of the Eneabba refinery was delayed by a year.", "facility_status"),
    ("The 17 rare earth elements include scandium and yttrium.", "element_count"),
    ("There are 15 lanthanide metals in the group.", "element_count"),
    ("Shares of MP Materials rose 10% on the news.", "other"),
    ("Iluka's refinery could cost A$1.7bn.", "other"),
]


@pytest.mark.parametrize(("text", "metric"), METRIC_CASES)
def test_metric(lexicon: Lexicon, text: str, metric: str) -> None:
    c = claim(lexicon, text)
    assert c.metric == metric
    assert c.metric in METRICS


def test_metric_is_none_without_keyword_or_quantity(lexicon: Lexicon) -> None:
    assert claim(lexicon, "Rare earths are used in fighter jets.").metric is None


def test_metric_rules_are_documented() -> None:
    assert {r.metric for r in METRIC_RULES} <= set(METRICS)
    assert all(r.words for r in METRIC_RULES)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("China controls 90% of rare-earth refining.", "separation"),
        ("China processes 90% of the world's rare earths.", None),
        ("China accounts for 90% of rare earth processing.", "separation"),
        ("Separation capacity outside China is 30,000 tonnes.", "separation"),
        ("China mined 270,000 tonnes in 2024.", "mining"),
        ("Mine production reached 390,000 tonnes.", "mining"),
        ("China makes 94% of sintered magnets.", "magnet"),
        ("The plant will make 1,000 tonnes of NdFeB.", "magnet"),
        ("Metal and alloy making is 90% Chinese.", "metal"),
        ("Recycling supplies less than 1% of demand.", "recycling"),
        ("China holds 69% of mining and 90% of refining.", "mining"),
        ("Magnet rare earths make up 5% of the volume.", None),  # a group, not the stage
        ("Less Common Metals doubled output.", "metal"),  # the facility's stage, not "Metals"
        ("Neo Performance Materials doubled output.", None),  # "Materials": no stage word
        ("Lynas Malaysia produced 10,000 tonnes.", "separation"),  # the facility's stage
        ("The 10X campus will employ 300 people.", "magnet"),
    ],
)
def test_stage(lexicon: Lexicon, text: str, stage: str | None) -> None:
    c = claim(lexicon, text)
    assert c.stage == stage
    assert c.stage is None or c.stage in STAGES


def test_stage_nearest_to_the_main_quantity(lexicon: Lexicon) -> None:
    c = claim(lexicon, "Beyond mining, China holds 90% of refining.")
    assert (c.quantity.text, c.stage) == ("90%", "separation")  # type: ignore[union-attr]


OPINION_CASES = [
    "We believe Washington should invest far more in heavy rare earth separation.",
    "In our view, the $400 million stake in MP Materials was a bargain.",
    "I think China will keep 90% of refining for a decade.",
    "Arguably, Lynas is the only credible supplier of dysprosium outside China.",
    "The West must build 50,000 tonnes of magnet capacity by 2030.",
    "The EU needs to cut its 98% dependence on Chinese magnets.",
    "Australia should fund more heavy rare earth plants.",
    "Relying on China for 90% of magnets is a grave mistake.",
    "MP is likely to be the best-placed producer in 2026.",
    "It is time for Japan to double its stockpile.",
    "Price floors are the best way to protect Western miners.",
]


@pytest.mark.parametrize("text", OPINION_CASES)
def test_opinions_are_never_checkworthy(lexicon: Lexicon, text: str) -> None:
    c = claim(lexicon, text)
    assert c.hedge == "opinion"
    assert c.checkworthy is False


@pytest.mark.parametrize(
    ("text", "hedge"),
    [
        ("China mined 270,000 tonnes in 2024.", "certain"),
        ("The Seadrift plant was cancelled in 2025.", "certain"),
        ("China controls about 90% of refining.", "hedged"),
        ("Roughly 69% of mining is in China.", "hedged"),
        ("China's output is estimated at 270,000 tonnes.", "hedged"),
        ("Some 60% of reserves lie outside China.", "hedged"),
        ("Around 85% of separation happens in China.", "hedged"),
        ("~90% of magnets come from China.", "hedged"),
        ("MP's 10X facility is expected to produce 7,000 tonnes by 2028.", "speculative"),
        ("Lynas plans to produce 1,500 t/yr of heavy rare earths.", "speculative"),
        ("Demand could triple by 2040.", "speculative"),
        ("Prices might fall below $50/kg.", "speculative"),
        ("Output may reach 2,000 tonnes in 2026.", "speculative"),
        ("Iluka aims to separate 750 tonnes of dysprosium.", "speculative"),
        ("Demand is projected to reach 60,000 tonnes.", "speculative"),
        ("Iluka's refinery is set to open in 2027.", "speculative"),
        ("Global demand is forecast to grow 8% a year.", "speculative"),
        ("The Eneabba plant should begin production in 2026.", "speculative"),
        ("Exporters must obtain a licence for each shipment of terbium.", "certain"),
        ("In May 2025, China cut exports of magnets by 74%.", "certain"),
    ]
    + [(text, "opinion") for text in OPINION_CASES],
)
def test_hedge(lexicon: Lexicon, text: str, hedge: str) -> None:
    c = claim(lexicon, text)
    assert c.hedge == hedge
    assert c.hedge in HEDGES


@pytest.mark.parametrize(
    ("text", "checkworthy"),
    [
        ("China controls about 90% of rare-earth refining.", True),
        ("The Pentagon took a $400 million equity stake in MP Materials.", True),
        ("Beijing restricted exports of seven rare earths in April 2025.", True),
        ("China banned rare earth exports to Japan in 2010.", True),  # a date
        ("The Seadrift plant was cancelled.", True),  # a facility status claim
        ("MP's 10X facility is expected to produce 7,000 tonnes by 2028.", True),
        ("Rare earths are used in fighter jets.", False),
        ("China dominates the rare earth supply chain.", False),
        ("Lynas is an Australian company.", False),
        ("A scoring model ranks the US at 2.7.", False),  # a bare number, no metric
    ],
)
def test_checkworthy(lexicon: Lexicon, text: str, checkworthy: bool) -> None:
    assert claim(lexicon, text).checkworthy is checkworthy


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("China controls about 90% of rare-earth refining.", ["CHN", "all_ree"]),
        (
            "The Pentagon took a $400 million equity stake in MP Materials.",
            ["US DoD", "MP Materials"],
        ),
        (
            "MP's 10X facility will make magnets.",
            ["MP Materials", "10X magnet campus (Northlake, TX)"],
        ),
        ("Beijing and China and the Chinese state.", ["CHN"]),  # one entity per key
        ("Lynas got US$258m from the DoD.", ["Lynas Rare Earths", "US DoD"]),
    ],
)
def test_entities(lexicon: Lexicon, text: str, keys: list[str]) -> None:
    assert [e.key for e in claim(lexicon, text).entities] == keys


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("China produced 270,000 tonnes, or 69 per cent of world output.", "69 per cent"),
        ("The DoD bought a 15% stake for $400 million.", "$400 million"),
        ("Prices rose 30% to $800 per kg.", "$800 per kg"),
        ("The 10X campus will have 7,000 tpa of capacity, up 40%.", "7,000 tpa"),
        ("China restricted seven rare earths, 20% of its exports.", "seven rare earths"),
    ],
)
def test_main_quantity_fits_the_metric(lexicon: Lexicon, text: str, main: str) -> None:
    c = claim(lexicon, text)
    assert c.quantity is not None and c.quantity.text == main
    assert c.quantity in c.quantities


def test_claim_from_a_10x_facility_does_not_count_10x_as_a_multiple(lexicon: Lexicon) -> None:
    c = claim(lexicon, "MP's 10X facility is expected to produce 7,000 tonnes of magnets by 2028.")
    assert [q.text for q in c.quantities] == ["7,000 tonnes"]
    assert (c.metric, c.stage, c.year, c.period_kind) == ("production", "magnet", 2028, "by")
    assert c.quantity is not None and c.quantity.basis == "material"


# -- extract_claims over an article ------------------------------------------------------------

ARTICLE = """\
Title: Magnets, money and Mountain Pass

China controls about 90% of rare-earth refining, according to the IEA. The Pentagon took a \
$400 million equity stake in MP Materials in July 2025.

Subscribe to our newsletter for more.

"We will produce 10,000 tonnes of magnets by 2028," said James Litinsky. The weather was \
pleasant. We believe Washington should do far more.
"""


def test_extract_claims_from_an_article(lexicon: Lexicon) -> None:
    article = article_from_text(ARTICLE)
    claims = extract_claims(article, lexicon)
    texts = [c.text for c in claims]
    by_index = {s.index: s for s in article.sentences}
    for c in claims:
        assert by_index[c.sentence_index].text == c.text  # the sentence exactly as written
        assert c.attribution == by_index[c.sentence_index].attribution
    assert not any("Subscribe" in t for t in texts)  # boilerplate
    assert not any("weather" in t for t in texts)  # no entity, no quantity
    quoted = next(c for c in claims if "10,000 tonnes" in c.text)
    assert quoted.attribution == "James Litinsky"
    assert quoted.hedge == "speculative" and quoted.checkworthy
    opinion = next(c for c in claims if "believe" in c.text)
    assert opinion.hedge == "opinion" and not opinion.checkworthy
    share = next(c for c in claims if "90%" in c.text)
    assert (share.metric, share.stage, share.hedge) == ("share", "separation", "hedged")


# -- properties ---------------------------------------------------------------------------------

_PIECES = [
    "0",
    "1",
    "9",
    "12",
    "2024",
    "1,500",
    "7.5",
    " ",
    ",",
    ".",
    "-",
    "–",
    "%",
    "$",
    "US$",
    "A$",
    "€",
    "£",
    "¥",
    "~",
    ">",
    "<",
    "+",
    "/",
    "kg",
    "t",
    "kt",
    "Mt",
    "x",
    "X",
    " tonnes",
    " to ",
    " and ",
    "between ",
    "from ",
    "about ",
    "more than ",
    "in ",
    "by ",
    "since ",
    "per cent",
    " million",
    "bn",
    "m",
    "seven",
    "one",
    "two-thirds",
    "half of",
    "nine out of ten",
    "April ",
    "China",
    "MP",
    "10X",
    "rare earths",
    "-odd",
    "fold",
    " times",
    "Nd",
    "t/yr",
    " per kg",
    " yuan",
    " dollars",
    "No. ",
    "Q1 ",
    "'s",
    "\n",
    "(",
    ")",
]
_TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_PIECES), max_size=30).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_parse_quantities_never_raises_and_quotes_the_input(text: str) -> None:
    for q in parse_quantities(text):
        assert q.text and q.text in text
        assert q.unit
        if q.low is not None:
            assert q.high is not None and q.low <= q.high and q.value == q.low
        assert q.bound in (None, "at_least", "at_most")


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_extract_claims_never_raises(lexicon: Lexicon, text: str) -> None:
    try:
        article = article_from_text(text)
    except InputError:
        assume(False)
        return
    for c in extract_claims(article, lexicon):
        assert c.metric is None or c.metric in METRICS
        assert c.hedge in HEDGES
        assert not (c.hedge == "opinion" and c.checkworthy)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=5))
def test_extract_claims_on_raw_sentences(lexicon: Lexicon, texts: list[str]) -> None:
    sentences = tuple(
        Sentence(text=t, index=i, paragraph=0, quote=None, attribution=None)
        for i, t in enumerate(texts)
    )
    article = Article(
        title=None,
        date=None,
        text="\n".join(texts),
        sentences=sentences,
        source="<test>",
        kind="text",
        word_count=len(" ".join(texts).split()),
    )
    for c in extract_claims(article, lexicon):
        assert c.text == texts[c.sentence_index]
        assert c.entities or c.quantities


_OPINION_MARKERS = ["We believe ", "In our view, ", "Arguably, ", "I think "]
_FACTS = [s for s, _ in METRIC_CASES]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_OPINION_MARKERS), st.sampled_from(_FACTS))
def test_an_opinion_marker_makes_any_claim_unworthy(
    lexicon: Lexicon, marker: str, fact: str
) -> None:
    c = claim(lexicon, marker + fact)
    assert c.hedge == "opinion" and not c.checkworthy


_KEYWORD_PIECES = [
    "price floor",
    "Quota",
    "export controls",
    "Restricted",
    "funding",
    "Equity",
    "stake",
    "Shares of MP rose",
    "priced",
    "per kg",
    "/kg",
    "reserves",
    "Share",
    "% of",
    "per cent of",
    "half of",
    "out of ten",
    "controls",
    "dominates",
    "accounts for",
    "supplies",
    "imports",
    "opened",
    "under construction",
    "cancelled",
    "capacity",
    "tonnes per year",
    "tpa",
    "produced",
    "Output",
    "demand",
    "consumption",
    "17 rare earths",
    "seven elements",
    "should",
    "must",
    "We believe",
    "could",
    "May",
    "may",
    "about",
    "~",
    "mining",
    "refining",
    "magnets",
    "NdFeB",
    "alloy",
    "recycling",
    "China",
    "MP",
    "Mountain Pass",
    "90%",
    "$400 million",
    "7,000 tonnes",
    "in 2024",
    " ",
    ", ",
    ". ",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_KEYWORD_PIECES), min_size=1, max_size=12))
def test_rule_hints_never_hide_a_match(words: list[str]) -> None:
    """Each rule's cheap substring hints must be present whenever its regex matches."""
    text = " ".join(words)
    low = text.lower()
    for rule in METRIC_RULES:
        if rule.hints and rule.pattern.search(text):
            assert any(h in low for h in rule.hints), (rule.metric, text)
    for pattern, hints in (
        (OPINION, claims_module._OPINION_HINTS),
        (SPECULATIVE, claims_module._SPECULATIVE_HINTS),
        (HEDGED, claims_module._HEDGED_HINTS),
        (claims_module._STAGE_SCAN, claims_module._STAGE_HINTS),
    ):
        if pattern.search(text):
            assert any(h in low for h in hints), (pattern.pattern[:30], text)


# -- speed -------------------------------------------------------------------------------------

_TEMPLATES = [
    "{country} accounted for {pct}% of global rare-earth {stage} in {year}.",
    "{company} received a ${money} million {instrument} from the {agency} in {month} {year}.",
    "Prices for {element} oxide rose to ${price} per kg, {hedge} {pct2}% above last year.",
    "{company}'s {facility} plant is expected to produce {tonnes:,} tonnes of magnets by {fut}.",
    "{country2} restricted exports of {n} rare earths, including {element}, in {year}.",
    "Analysts say demand for magnet rare earths could grow {mult}-fold by {fut}.",
    "The {facility} facility was commissioned in {year} after a {delay}-year delay.",
    "Officials met again to discuss the outlook, though no decision was announced.",
    "We believe the West should build far more separation capacity.",
    "{country} mined about {tonnes:,} tonnes of rare earth oxide, roughly {pct} per cent "
    "of the world total.",
]


def generated_article(words: int = 1000, seed: int = 7) -> str:
    rng = random.Random(seed)
    fill = {
        "country": ["China", "Australia", "Myanmar", "the United States", "Malaysia"],
        "country2": ["Beijing", "China", "Washington"],
        "company": ["MP Materials", "Lynas", "Iluka", "Energy Fuels", "Noveon Magnetics"],
        "facility": ["Mountain Pass", "Eneabba", "10X", "Kalgoorlie", "Seadrift"],
        "agency": ["Pentagon", "Department of Energy", "DFC", "EXIM"],
        "element": ["dysprosium", "terbium", "NdPr", "neodymium"],
        "stage": ["mining", "refining", "separation", "magnet production"],
        "instrument": ["grant", "loan", "equity investment"],
        "hedge": ["about", "nearly", "some"],
        "month": ["January", "April", "July", "October"],
    }
    paragraphs, sentences, count = [], [], 0
    while count < words:
        values = {k: rng.choice(v) for k, v in fill.items()}
        values.update(
            pct=rng.randint(10, 99),
            pct2=rng.randint(5, 60),
            year=rng.randint(2010, 2025),
            fut=rng.randint(2026, 2035),
            money=rng.choice([58, 150, 400, 620, 1200]),
            price=rng.randint(40, 900),
            tonnes=rng.choice([750, 1500, 7000, 45000, 270000]),
            n=rng.randint(2, 12),
            mult=rng.randint(2, 7),
            delay=rng.randint(1, 4),
        )
        sentence = rng.choice(_TEMPLATES).format(**values)
        sentences.append(sentence)
        count += len(sentence.split())
        if len(sentences) == 4:
            paragraphs.append(" ".join(sentences))
            sentences = []
    paragraphs.append(" ".join(sentences))
    return "\n\n".join(p for p in paragraphs if p)

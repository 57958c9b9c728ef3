"""Coverage checklist: keyword detection, and the dataset facts behind omitted topics."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.data.store import Store
from derisk.review.checking.coverage import (
    MATCHER,
    NO_FIGURE,
    TOPIC_KEYS,
    TOPICS,
    CoverageFacts,
    coverage,
    find_hits,
)

# One short passage per topic, written for these tests.
POSITIVE = {
    "allied_capacity": "Lynas separates oxides in Malaysia, and Australian rare earth projects "
    "are growing outside China.",
    "midstream": "Most of the world's separation and refining of rare earths happens in one "
    "country.",
    "heavy_vs_light": "Dysprosium and terbium are heavy rare earths used in hot motors.",
    "recycling": "Magnet recycling could add secondary supply from end-of-life motors.",
    "substitution": "One carmaker uses an externally excited motor, a rare-earth-free design.",
    "stockpiles": "Washington is stockpiling oxides in a strategic reserve.",
    "financing": "A government loan and an equity investment paid for the plant.",
    "permitting_esg": "The permit hearing focused on radioactive thorium in the waste.",
    "timelines": "Commissioning slipped and the plant is behind schedule.",
    "china_policy": "Beijing imposed export controls and cut production quotas.",
    "demand": "Demand from electric vehicles and wind turbines keeps rising.",
    "prices": "Oxide prices fell and volatility hurt margins.",
}
UNRELATED = (
    "The football season opened with a narrow win. Bakers prefer sourdough, and the weather "
    "was mild in Paris all week. Let us hope the trains run on time. Phoenix Tailings said "
    "nothing. The geological reserves in the ground are large. A delegation met in the hall."
)
# Text that mentions a topic's words in a way that must not count.
NEAR_MISSES = {
    "permitting_esg": "Phoenix Tailings opened a metal plant.",
    "stockpiles": "Reserves in the ground are large; the reserve bank met.",
    "allied_capacity": "Let us plan for production next year.",
    "heavy_vs_light": "They found dy and tb written in lower case in a log.",
    "financing": "The loan closed.",  # one distinct phrase; financing needs two
    "demand": "Demand is a word.",  # demand needs two distinct phrases
}

FIGURE = re.compile(r"\d[\d,.]*\d|\d")


def _article(words: int = 1000) -> str:
    body = " ".join(POSITIVE.values()) + " " + UNRELATED
    tokens = body.split()
    return " ".join((tokens * (words // len(tokens) + 1))[:words])


@pytest.fixture(scope="module")
def facts(session_store: Store) -> CoverageFacts:
    return CoverageFacts(session_store)


@pytest.fixture(scope="module")
def sources(session_store: Store) -> dict[str, str | None]:
    frame = session_store.table("sources")
    return {
        str(r.source_id): (None if not isinstance(r.url, str) or not r.url else r.url)
        for r in frame.itertuples()
    }


# --------------------------------------------------------------------------- detection
def test_checklist_has_the_twelve_documented_topics() -> None:
    assert TOPIC_KEYS == (
        "allied_capacity",
        "midstream",
        "heavy_vs_light",
        "recycling",
        "substitution",
        "stockpiles",
        "financing",
        "permitting_esg",
        "timelines",
        "china_policy",
        "demand",
        "prices",
    )
    for topic in TOPICS:
        assert topic.label and topic.pattern.flags & re.IGNORECASE and topic.min_hits >= 1


@pytest.mark.parametrize("key", TOPIC_KEYS)
def test_each_topic_is_detected_by_its_keywords(key: str, facts: CoverageFacts) -> None:
    results = {r.topic: r for r in coverage(POSITIVE[key], None, facts)}
    result = results[key]
    assert result.covered, result.hits
    assert result.why is None and result.evidence == ()
    topic = next(t for t in TOPICS if t.key == key)
    assert len(result.hits) >= topic.min_hits


@pytest.mark.parametrize("key", TOPIC_KEYS)
def test_unrelated_text_addresses_no_topic(key: str, facts: CoverageFacts) -> None:
    result = next(r for r in coverage(UNRELATED, None, facts) if r.topic == key)
    assert not result.covered
    assert result.hits == ()


@pytest.mark.parametrize("key", sorted(NEAR_MISSES))
def test_near_misses_do_not_count(key: str, facts: CoverageFacts) -> None:
    result = next(r for r in coverage(NEAR_MISSES[key], None, facts) if r.topic == key)
    assert not result.covered, result.hits


def test_hits_are_distinct_lower_case_phrases(facts: CoverageFacts) -> None:
    text = "Recycling, RECYCLING and recycling; end-of-life and end of life magnets."
    result = next(r for r in coverage(text, None, facts) if r.topic == "recycling")
    assert result.hits == ("recycling", "end of life")


def test_symbols_are_case_sensitive(facts: CoverageFacts) -> None:
    hits = {r.topic: r.hits for r in coverage("Dy and Tb are scarce; EVs use them.", None, facts)}
    assert hits["heavy_vs_light"] == ("dy", "tb")
    assert "evs" in hits["demand"]


_PHRASES = sorted(
    {
        "Lynas",
        "U.S. refinery",
        "US plants",
        "EU and US mines",
        "outside China",
        "separation",
        "refined",
        "Dy",
        "dy",
        "HREE",
        "heavy rare earths",
        "recycled",
        "end-of-life",
        "iron nitride",
        "less Dy content",
        "without magnets",
        "stockpile",
        "Project Vault",
        "final investment decision",
        "investment",
        "EXIM",
        "Phoenix Tailings",
        "tailings",
        "permits",
        "took five years",
        "ramp-up",
        "export controls",
        "China's new export controls",
        "Announcement No. 18",
        "EV",
        "EVs",
        "wind turbines",
        "price floor",
        "prices",
        "per kg",
        "İstanbul",
        "ﬁnance",
    }
)
_FILLER = ["the", "and", "plant", "China", "of", "a", "rare", "earth", ",", ".", "-", "'s"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PHRASES + _FILLER), max_size=40), st.booleans())
def test_fast_matcher_finds_exactly_what_the_documented_patterns_find(
    parts: list[str], upper: bool
) -> None:
    text = " ".join(parts)
    text = text.upper() if upper else text
    fast = MATCHER.find(text)
    for topic in TOPICS:
        assert fast[topic.key] == find_hits(topic, text), topic.key


def test_fast_matcher_on_each_passage() -> None:
    for text in [*POSITIVE.values(), *NEAR_MISSES.values(), UNRELATED, _article()]:
        fast = MATCHER.find(text)
        for topic in TOPICS:
            assert fast[topic.key] == find_hits(topic, text), (topic.key, text)
    assert MATCHER.ungated == []  # every keyword can be reached through the one-pass gate


# --------------------------------------------------------------------------- facts
def test_omitted_topics_cite_figures_from_their_evidence(
    session_store: Store, sources: dict[str, str | None]
) -> None:
    results = coverage(UNRELATED, session_store)
    assert [r.topic for r in results] == list(TOPIC_KEYS)
    for result in results:
        assert result.why and NO_FIGURE not in result.why, result.topic
        assert result.evidence, result.topic
        values = " | ".join(e.value for e in result.evidence)
        figures = FIGURE.findall(result.why)
        assert figures, (result.topic, result.why)
        for figure in figures:
            assert figure in values, (result.topic, figure, result.why)
        for evidence in result.evidence:
            ids = [p.strip() for p in evidence.source_id.split(";")]
            assert ids and all(i in sources for i in ids), (result.topic, evidence.source_id)
            if any(sources[i] for i in ids):
                assert evidence.url in {sources[i] for i in ids}, (result.topic, evidence)
            else:
                assert evidence.url is None


def test_the_facts_named_in_the_brief(facts: CoverageFacts, session_store: Store) -> None:
    midstream, ev = facts.why("midstream")
    assert {e.table for e in ev} == {"stage_shares"}
    assert any("stage=mining" in e.key for e in ev) and any("stage=separation" in e.key for e in ev)
    financing, ev = facts.why("financing")
    assert "not an official cumulative total" in financing
    assert "USD" in ev[0].value and "DoD" in ev[0].value
    demand, ev = facts.why("demand")
    assert [e.value.split(",")[1].strip() for e in ev] == ["2024", "2050"]
    assert "STEPS" in ev[1].value
    china, ev = facts.why("china_policy")
    assert "elements affected" in china and ev[0].table == "events"
    prices, ev = facts.why("prices")
    assert ev[0].table == "prices" and "oxide" in ev[0].value.lower()
    timelines, _ = facts.why("timelines")
    assert "median slippage" in timelines and "plants that started" in timelines
    with pytest.raises(KeyError):
        facts.why("astrology")


def test_facts_are_read_from_the_store_not_typed_in(fresh_store: Store) -> None:
    with fresh_store.connect(read_only=False) as con:
        con.execute(
            "UPDATE demand_projections SET value = 999.125, value_text = '999.125' "
            "WHERE year = 2050 AND scenario LIKE '%STEPS%' "
            "AND element_or_group = 'magnet REEs (Nd+Pr+Dy+Tb) - total demand'"
        )
    why, evidence = CoverageFacts(fresh_store).why("demand")
    assert "999.125" in why and any("999.125" in e.value for e in evidence)


_EMPTIED = {
    "allied_capacity": ["DELETE FROM facilities WHERE country <> 'CHN'"],
    "midstream": ["DELETE FROM stage_shares WHERE country = 'CHN'"],
    "heavy_vs_light": ["DELETE FROM stage_shares WHERE country = 'CHN'"],
    "recycling": [
        "DELETE FROM recycling_substitution WHERE category = 'recycling_rate'",
        "DELETE FROM lifetimes_recycling",
    ],
    "substitution": ["DELETE FROM recycling_substitution WHERE category = 'substitution'"],
    "stockpiles": [
        "DELETE FROM events WHERE type = 'stockpile' OR lower(summary) LIKE '%stockpil%' "
        "OR lower(coalesce(note, '')) LIKE '%stockpil%'",
        "DELETE FROM benchmarks WHERE lower(target) LIKE '%stockpil%' "
        "OR lower(coalesce(note, '')) LIKE '%stockpil%'",
    ],
    "financing": ["DELETE FROM funding"],
    "permitting_esg": [
        f"DELETE FROM {table} WHERE regexp_matches(lower({column}), 'permit|environment')"
        for table, column in (
            ("facilities", "coalesce(note, '')"),
            ("funding", "coalesce(note, '')"),
            ("benchmarks", "coalesce(note, '')"),
            ("events", "summary || ' ' || coalesce(note, '')"),
        )
    ],
    "timelines": ["DELETE FROM facilities"],
    "china_policy": ["DELETE FROM events WHERE type = 'export_control'"],
    "demand": ["DELETE FROM demand_projections"],
    "prices": ["DELETE FROM prices"],
}


def test_a_store_without_the_rows_says_it_has_no_figure(fresh_store: Store) -> None:
    with fresh_store.connect(read_only=False) as con:
        for statements in _EMPTIED.values():
            for statement in statements:
                con.execute(statement)
    facts = CoverageFacts(fresh_store)
    for key in TOPIC_KEYS:
        why, evidence = facts.why(key)
        assert NO_FIGURE in why, (key, why)
        assert evidence == (), key
        assert not FIGURE.search(why), (key, why)


def test_one_missing_stage_is_said_plainly(fresh_store: Store) -> None:
    with fresh_store.connect(read_only=False) as con:
        con.execute("DELETE FROM stage_shares WHERE stage = 'separation' AND country = 'CHN'")
    why, evidence = CoverageFacts(fresh_store).why("midstream")
    assert NO_FIGURE in why and "separation" in why
    assert evidence and all("stage=mining" in e.key for e in evidence)


def test_facts_are_built_once_per_store_and_rebuilt_when_it_changes(fresh_store: Store) -> None:
    first = CoverageFacts.for_store(fresh_store)
    assert CoverageFacts.for_store(fresh_store) is first
    with fresh_store.connect(read_only=False) as con:
        con.execute("DELETE FROM prices")
        con.execute("CHECKPOINT")
    rebuilt = CoverageFacts.for_store(fresh_store)
    assert rebuilt is not first
    assert NO_FIGURE in rebuilt.why("prices")[0]


# ------------------------------------------------ phrasing and passing mentions (addressed)
def _covered(key: str, text: str) -> bool:
    from derisk.review.checking.coverage import addressed

    topic = next(t for t in TOPICS if t.key == key)
    return addressed(topic, MATCHER.find(text)[key], text)


def test_the_verb_separate_counts_but_not_the_adjective() -> None:
    assert {"separates", "will separate"} <= set(
        MATCHER.find("Vietnam separates little today; a new plant will separate 900 t.")[
            "midstream"
        ]
    )
    assert not MATCHER.find("That is a separate question from mining.")["midstream"]


def test_schedule_and_lateness_in_other_words_count_as_timelines() -> None:
    assert MATCHER.find("The smelter is on its schedule.")["timelines"]
    assert MATCHER.find("Mine builds keep running late.")["timelines"]
    assert MATCHER.find("The plant ran behind last year.")["timelines"]


def test_a_share_price_or_pricing_in_is_not_a_rare_earth_price() -> None:
    text = "The miner's share price doubled as traders were pricing in a takeover."
    assert not MATCHER.find(text)["prices"]
    assert not MATCHER.find("Its stock price fell.")["prices"]
    assert MATCHER.find("Oxide prices in Europe were priced at a premium.")["prices"]


def test_one_sentence_naming_the_heavies_is_a_passing_mention() -> None:
    once = "Seoul restricted shipments of heavy rare earths last spring."
    assert not _covered("heavy_vs_light", once)
    twice = once + " Korean magnet makers say heavy rare earths are now scarce."
    assert _covered("heavy_vs_light", twice)
    assert _covered("heavy_vs_light", "Dysprosium and terbium are heavy rare earths.")


def test_demand_as_the_base_of_a_share_is_not_a_demand_outlook() -> None:
    base = "Canada wants recycling to meet 15% of its demand and 5% of its consumption."
    assert MATCHER.find(base)["demand"] == ("demand", "consumption")
    assert not _covered("demand", base)
    outlook = "Demand will grow 8% a year, and consumption in India is climbing."
    assert _covered("demand", outlook)
    assert _covered("demand", "Demand from electric vehicles keeps rising.")


def test_a_phrase_the_article_returns_to_addresses_a_two_phrase_topic() -> None:
    once = "Mining and processing are both concentrated."
    assert not _covered("midstream", once)
    again = "Processing is where Canada lags. Processing is also where costs are highest."
    assert _covered("midstream", again)

"""The review lexicon: aliases an article uses, mapped to the dataset's keys (real store)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.data.store import Store
from derisk.review.extraction.lexicon import KINDS, Entity, Lexicon


def _only(lexicon: Lexicon, text: str) -> Entity:
    found = lexicon.find(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("alias", "kind", "key"),
    [
        # countries: store names and aliases, plus common spellings and demonyms
        ("United States", "country", "USA"),
        ("US", "country", "USA"),
        ("U.S.", "country", "USA"),
        ("USA", "country", "USA"),
        ("America", "country", "USA"),
        ("American", "country", "USA"),
        ("Washington", "country", "USA"),
        ("China", "country", "CHN"),
        ("Chinese", "country", "CHN"),
        ("Beijing", "country", "CHN"),
        ("Australia", "country", "AUS"),
        ("Australian", "country", "AUS"),
        ("Myanmar", "country", "MMR"),
        ("Burma", "country", "MMR"),
        ("UK", "country", "GBR"),
        ("Britain", "country", "GBR"),
        ("Japanese", "country", "JPN"),
        ("South Korea", "country", "KOR"),
        ("Malaysian", "country", "MYS"),
        ("Vietnam", "country", "VNM"),
        ("Brazil", "country", "BRA"),
        ("Greenland", "country", "GRL"),
        ("Saudi Arabia", "country", "SAU"),
        # blocs with more than one member
        ("EU", "bloc", "EU27"),
        ("European Union", "bloc", "EU27"),
        ("Brussels", "bloc", "EU27"),
        ("the West", "bloc", "ALLIES"),
        # agencies (static list), canonical names as in funding.funder
        ("Pentagon", "agency", "US DoD"),
        ("Department of Defense", "agency", "US DoD"),
        ("DoD", "agency", "US DoD"),
        ("Department of War", "agency", "US DoD"),
        ("DOE", "agency", "US DOE"),
        ("Department of Energy", "agency", "US DOE"),
        ("EXIM", "agency", "US EXIM"),
        ("Export-Import Bank", "agency", "US EXIM"),
        ("DFC", "agency", "US DFC"),
        ("USGS", "agency", "USGS"),
        ("U.S. Geological Survey", "agency", "USGS"),
        ("International Energy Agency", "agency", "IEA"),
        ("IEA", "agency", "IEA"),
        ("European Commission", "agency", "European Commission"),
        ("MOFCOM", "agency", "MOFCOM"),
        ("Ministry of Commerce", "agency", "MOFCOM"),
        ("JOGMEC", "agency", "JOGMEC"),
        ("Office of Strategic Capital", "agency", "US DoD Office of Strategic Capital"),
        ("Export Finance Australia", "agency", "Export Finance Australia"),
        # elements: names in any case, symbols only as written
        ("neodymium", "element", "Nd"),
        ("Dysprosium", "element", "Dy"),
        ("terbium", "element", "Tb"),
        ("Nd", "element", "Nd"),
        ("Dy", "element", "Dy"),
        ("Tb", "element", "Tb"),
        ("Pr", "element", "Pr"),
        ("yttrium", "element", "Y"),
        # groups
        ("NdPr", "group", "ndpr"),
        ("neodymium-praseodymium", "group", "ndpr"),
        ("heavy rare earths", "group", "heavy"),
        ("heavy rare-earth elements", "group", "heavy"),
        ("HREE", "group", "heavy"),
        ("medium and heavy rare earths", "group", "heavy"),
        ("light rare earths", "group", "light"),
        ("LREEs", "group", "light"),
        ("magnet rare earths", "group", "magnet_ree"),
        ("rare earths", "group", "all_ree"),
        ("rare-earth", "group", "all_ree"),
        ("Rare Earth Elements", "group", "all_ree"),
        ("REE", "group", "all_ree"),
        ("REO", "group", "all_ree"),
        # companies: facilities.company, ownership, funding recipients, short names
        ("MP Materials", "company", "MP Materials"),
        ("MP", "company", "MP Materials"),
        ("Lynas", "company", "Lynas Rare Earths"),
        ("Lynas Rare Earths", "company", "Lynas Rare Earths"),
        ("Iluka", "company", "Iluka Resources"),
        ("Shenghe Resources", "company", "Shenghe Resources"),
        ("Shenghe", "company", "Shenghe Resources"),
        ("Vulcan Elements", "company", "Vulcan Elements"),
        ("Energy Fuels", "company", "Energy Fuels"),
        ("USA Rare Earth", "company", "USA Rare Earth"),
        ("China Northern Rare Earth", "company", "China Northern Rare Earth"),
        ("Noveon Magnetics", "company", "Noveon Magnetics"),
        # facilities: names, names without parenthesis, site names
        ("Mountain Pass", "facility", "Mountain Pass"),
        ("10X", "facility", "10X magnet campus (Northlake, TX)"),
        ("Mt Weld", "facility", "Mt Weld mine & concentrator"),
        ("Mount Weld", "facility", "Mt Weld mine & concentrator"),
        ("Seadrift", "facility", "Seadrift heavy & light REE plant"),
        ("Kalgoorlie", "facility", "Kalgoorlie Rare Earths Processing Facility"),
        ("Eneabba refinery", "facility", "Eneabba refinery"),
        ("Lynas Malaysia", "facility", "Lynas Malaysia"),
        ("La Rochelle", "facility", "La Rochelle rare earth plant"),
        ("Longonjo", "facility", "Longonjo"),
    ],
)
def test_alias_maps_to_key(lexicon: Lexicon, alias: str, kind: str, key: str) -> None:
    entity = _only(lexicon, f"Analysts point to {alias} again.")
    assert (entity.name, entity.kind, entity.key) == (alias, kind, key)


def test_every_key_exists_in_the_store(lexicon: Lexicon, session_store: Store) -> None:
    countries = set(session_store.table("countries")["code"])
    blocs = set(session_store.table("bloc_members")["bloc"])
    elements = set(session_store.table("elements")["symbol"])
    facility_names = set(session_store.table("facilities")["name"])
    for alias, (kind, key) in lexicon.aliases().items():
        assert kind in KINDS, alias
        if kind == "country":
            assert key in countries, alias
        elif kind == "bloc":
            assert key in blocs, alias
        elif kind == "element":
            assert key in elements, alias
        elif kind == "group":
            assert key in lexicon.group_members, alias
        elif kind == "facility":
            assert set(lexicon.facilities[key]) <= facility_names, alias


def test_every_facility_and_store_company_is_recognised(
    lexicon: Lexicon, session_store: Store
) -> None:
    for name in session_store.table("facilities")["name"]:
        entities = lexicon.find(name)
        assert entities and entities[0].kind == "facility", name
        assert name in lexicon.facilities[entities[0].key]
    for holder in session_store.table("ownership")["holder"]:
        assert any(e.kind == "company" for e in lexicon.find(holder)), holder


def test_a_shared_site_stands_for_all_its_rows(lexicon: Lexicon) -> None:
    names = lexicon.facilities["Mountain Pass"]
    assert len(names) >= 3
    assert all(n.startswith("Mountain Pass") for n in names)
    assert lexicon.facility_stages["Mountain Pass"] is None  # mining, separation, ...
    assert lexicon.facility_stages["10X magnet campus (Northlake, TX)"] == "magnet"


def test_group_members_follow_the_elements_table(lexicon: Lexicon) -> None:
    members = lexicon.group_members
    assert set(members["magnet_ree"]) == {"Nd", "Pr", "Dy", "Tb"}
    assert set(members["ndpr"]) == {"Nd", "Pr"}
    assert {"Dy", "Tb", "Y"} <= set(members["heavy"])
    assert {"La", "Ce", "Nd"} <= set(members["light"])
    assert len(members["all_ree"]) == 17


@pytest.mark.parametrize(
    "text",
    [
        "Tell us what you think.",  # "us" is not the United States
        "The fine china was made in the 2nd century.",  # lower-case "china", "nd" in 2nd
        "NdFeB magnets dominate.",  # "Nd" inside a longer token
        "The ND filter and the PR team.",  # symbols only as written
        "North Korea tested a missile.",  # a blocker phrase, not Korea
        "The Indian Ocean is large.",  # a blocker phrase, not India
        "Mr Lu and Y went home.",  # ambiguous symbols are never matched
        "It raised US$400m from investors.",  # a currency, not a country
        "Planet Earth is rare.",
    ],
)
def test_no_false_mentions(lexicon: Lexicon, text: str) -> None:
    assert lexicon.find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USA Rare Earth opened a plant.", [("USA Rare Earth", "company")]),
        ("Lynas Malaysia runs well.", [("Lynas Malaysia", "facility")]),
        ("heavy rare earths matter", [("heavy rare earths", "group")]),
        ("China Northern Rare Earth rose", [("China Northern Rare Earth", "company")]),
        ("The European Commission said", [("European Commission", "agency")]),
        ("La Rochelle and La", [("La Rochelle", "facility"), ("La", "element")]),
        (
            "Europium (Eu) is not the EU",
            [("Europium", "element"), ("Eu", "element"), ("EU", "bloc")],
        ),
        ("Dy/Tb and Nd-Pr", [("Dy", "element"), ("Tb", "element"), ("Nd-Pr", "group")]),
        ("China's and the U.S.' plans", [("China", "country"), ("U.S.", "country")]),
        ("MP's 10X plant", [("MP", "company"), ("10X", "facility")]),
    ],
)
def test_longest_match_first_and_in_order(
    lexicon: Lexicon, text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(e.name, e.kind) for e in lexicon.find(text)] == expected


def test_names_are_as_written(lexicon: Lexicon) -> None:
    text = "RARE EARTHS from MOUNTAIN PASS and Rare-Earth magnets"
    found = lexicon.find(text)
    assert [e.name for e in found] == ["RARE EARTHS", "MOUNTAIN PASS", "Rare-Earth"]
    assert [e.key for e in found] == ["all_ree", "Mountain Pass", "all_ree"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_spans_never_overlap_and_match_the_text(lexicon: Lexicon, text: str) -> None:
    spans = lexicon.find_spans(text)
    ends = [s for s, _, _ in spans[1:]] + [len(text)] if spans else []
    for (s, e, entity), next_start in zip(spans, ends, strict=True):
        assert 0 <= s < e <= next_start
        assert text[s:e] == entity.name


_WORDS = [
    "China",
    "rare earths",
    "US",
    "Lynas",
    "Nd",
    "heavy",
    "of",
    "the",
    "10X",
    "MP",
    "Pentagon",
    "Mountain",
    "Pass",
    "EU",
    "Eu",
    "-",
    "'s",
    "$",
    "US$",
    ".",
    ",",
    "rare-earth",
    "Beijing",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40))
def test_spans_on_word_salad(lexicon: Lexicon, words: list[str]) -> None:
    text = " ".join(words)
    last = 0
    for s, e, entity in lexicon.find_spans(text):
        assert s >= last and text[s:e] == entity.name
        last = e


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start

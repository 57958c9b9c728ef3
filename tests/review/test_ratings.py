"""Ratings: each level boundary, the signals behind it, and robustness to odd input."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.review.writing import ratings as R
from derisk.review.writing.ratings import CATALYST_PATTERNS, CRITERIA, RISK_PATTERNS, Rating, rate


# Small stand-ins with the attributes the ratings read (claims.py and verify.py are
# written elsewhere; the ratings only rely on these attribute names).
@dataclass(frozen=True)
class Q:
    unit: str
    value: float | None


@dataclass(frozen=True)
class E:
    kind: str
    name: str


@dataclass(frozen=True)
class C:
    text: str = "A claim."
    checkworthy: bool = True
    hedge: str = "certain"
    quantity: Q | None = None
    quantities: tuple = ()
    year: int | None = None
    entities: tuple = ()
    attribution: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class V:
    claim: C
    verdict: str


@dataclass(frozen=True)
class T:
    topic: str
    covered: bool
    hits: tuple = field(default_factory=tuple)


def _claims(specific: int, vague: int, opinions: int = 0) -> list[C]:
    out = [C(text=f"Specific claim {i}.") for i in range(specific)]
    out += [C(text=f"Vague claim {i}.", checkworthy=False) for i in range(vague)]
    out += [C(text=f"Opinion {i}.", checkworthy=False, hedge="opinion") for i in range(opinions)]
    return out


def _verdicts(supported: int, contradicted: int = 0, outdated: int = 0, other: int = 0):
    out = [V(C(text=f"Supported {i}."), "supported") for i in range(supported)]
    out += [V(C(text=f"Contradicted {i}."), "contradicted") for i in range(contradicted)]
    out += [V(C(text=f"Outdated {i}."), "outdated") for i in range(outdated)]
    out += [V(C(text=f"Unverifiable {i}."), "unverifiable") for i in range(other)]
    return out


def _level(criterion: str, text: str = "", claims=(), verdicts=(), topics=()) -> Rating:
    return rate(text, list(claims), list(verdicts), list(topics))[criterion]


# --------------------------------------------------------------------------- claim clarity
@pytest.mark.parametrize(
    ("specific", "vague", "expected"),
    [(1, 4, "Low"), (1, 3, "Medium"), (2, 4, "Medium")],  # 0.20 / 0.25 (at) / 0.33
)
def test_clarity_specific_share_low_boundary(specific: int, vague: int, expected: str) -> None:
    rating = _level("claim_clarity", claims=_claims(specific, vague))
    assert rating.level == expected
    assert rating.signals["specific_share"] == round(specific / (specific + vague), 3)


@pytest.mark.parametrize(
    ("supported", "contradicted", "expected"),
    [(0, 2, "Low"), (1, 2, "Low"), (1, 1, "Medium"), (2, 1, "Medium")],  # 0 / .33 / .5 / .67
)
def test_clarity_supported_share_low_boundary(
    supported: int, contradicted: int, expected: str
) -> None:
    rating = _level(
        "claim_clarity", claims=_claims(4, 0), verdicts=_verdicts(supported, contradicted)
    )
    assert rating.level == expected


def test_clarity_low_support_needs_two_checked_claims() -> None:
    one = _level("claim_clarity", claims=_claims(4, 0), verdicts=_verdicts(0, 1))
    two = _level("claim_clarity", claims=_claims(4, 0), verdicts=_verdicts(0, 2))
    assert (one.level, two.level) == ("Medium", "Low")


@pytest.mark.parametrize(
    ("specific", "vague", "supported", "wrong", "expected"),
    [
        (2, 2, 3, 0, "High"),  # specific share at 0.5, supported 1.0, 3 checked
        (2, 3, 3, 0, "Medium"),  # specific share 0.4, just below
        (3, 2, 3, 0, "High"),  # specific share above
        (4, 0, 3, 1, "High"),  # supported share at 0.75
        (4, 0, 2, 1, "Medium"),  # supported share 0.67, below
        (4, 0, 4, 1, "High"),  # supported share 0.8, above
        (4, 0, 2, 0, "Medium"),  # two checked: one below the minimum of three
        (4, 0, 4, 0, "High"),  # four checked: above
    ],
)
def test_clarity_high_boundaries(
    specific: int, vague: int, supported: int, wrong: int, expected: str
) -> None:
    rating = _level(
        "claim_clarity",
        claims=_claims(specific, vague),
        verdicts=_verdicts(supported, outdated=wrong),
    )
    assert rating.level == expected, rating.reason


def test_clarity_ignores_opinions_and_unverifiable_verdicts() -> None:
    rating = _level(
        "claim_clarity", claims=_claims(2, 2, opinions=10), verdicts=_verdicts(3, other=5)
    )
    assert rating.signals["factual_claims"] == 4 and rating.signals["checked"] == 3
    assert rating.level == "High"
    assert rating.reason == (
        "2 of 4 factual claims are specific and checkable; "
        "3 of 3 checked claims are supported by the dataset."
    )


def test_clarity_evidence_quotes_the_claims_that_drove_it() -> None:
    low = _level("claim_clarity", claims=_claims(4, 0), verdicts=_verdicts(0, 2, 2))
    assert low.level == "Low"
    assert len(low.evidence) == 3
    assert all(e.startswith(("Contradicted", "Outdated")) for e in low.evidence)
    vague = _level("claim_clarity", claims=_claims(0, 5))
    assert vague.level == "Low" and vague.evidence[0].startswith("Vague")
    assert _level("claim_clarity").level == "Low"  # nothing factual at all


# --------------------------------------------------------------------------- financial
def _money(n_complete: int, n_incomplete: int) -> list[C]:
    out = [
        C(
            text=f"The DoD lent USD {i + 1}00 million to MP Materials in 2025.",
            quantity=Q("USD", (i + 1) * 1e8),
            year=2025,
            entities=(E("agency", "DoD"), E("company", "MP Materials")),
        )
        for i in range(n_complete)
    ]
    out += [
        C(text=f"Someone spent EUR {i + 1} billion.", quantity=Q("EUR", (i + 1) * 1e9))
        for i in range(n_incomplete)
    ]
    return out


@pytest.mark.parametrize(
    ("complete", "incomplete", "expected"),
    [
        (0, 0, "Low"),  # no money figures
        (1, 0, "Medium"),
        (2, 0, "Medium"),  # two figures: one below the minimum of three
        (3, 0, "High"),  # three figures, all complete
        (2, 1, "High"),  # complete share at 2/3
        (1, 2, "Medium"),  # complete share 1/3, below
        (3, 1, "High"),  # complete share 3/4, above
        (0, 3, "Medium"),
    ],
)
def test_financial_transparency_boundaries(complete: int, incomplete: int, expected: str) -> None:
    rating = _level("financial_transparency", claims=_money(complete, incomplete))
    assert rating.level == expected, rating.reason
    assert rating.signals["money_figures"] == complete + incomplete
    assert rating.signals["complete_figures"] == complete


def test_period_can_come_from_the_sentence_and_party_from_attribution() -> None:
    claims = [
        C(
            text="The grant of AUD 50 million runs over five years.",
            quantity=Q("AUD", 5e7),
            attribution="the Australian government",
        ),
        C(
            text="A CAD 20 million loan per year.",
            quantity=Q("CAD", 2e7),
            entities=(E("country", "Canada"),),
        ),
        C(
            text="It cost CNY 3 billion in 2024.",
            quantity=Q("CNY", 3e9),
            entities=(E("element", "Nd"),),
        ),  # an element is not a named party
    ]
    rating = _level("financial_transparency", claims=claims)
    assert rating.signals["complete_figures"] == 2
    assert rating.signals["without_named_party"] == 1
    assert rating.level == "High"
    assert rating.evidence == (  # a High rating quotes the complete figures
        "The grant of AUD 50 million runs over five years.",
        "A CAD 20 million loan per year.",
    )


def test_prices_and_shares_are_not_money_figures() -> None:
    claims = [
        C(text="NdPr sold for 60 USD/kg.", quantity=Q("USD/kg", 60), year=2025),
        C(text="China holds 90 percent.", quantity=Q("percent", 90), year=2024),
    ]
    assert _level("financial_transparency", claims=claims).level == "Low"


def test_a_money_figure_without_an_amount_has_no_scale() -> None:
    claims = _money(2, 0) + [
        C(
            text="Funding in USD was agreed with Lynas in 2024.",
            quantity=Q("USD", None),
            year=2024,
            entities=(E("company", "Lynas"),),
        )
    ]
    rating = _level("financial_transparency", claims=claims)
    assert rating.signals["without_scale"] == 1 and rating.level == "High"  # 2 of 3 complete


def test_the_same_figure_quoted_twice_counts_once() -> None:
    claim = _money(1, 0)[0]
    doubled = C(
        text=claim.text,
        quantity=claim.quantity,
        quantities=(claim.quantity,),
        year=2025,
        entities=claim.entities,
    )
    rating = _level("financial_transparency", claims=[claim, doubled])
    assert rating.signals["money_figures"] == 1


# --------------------------------------------------------------------------- risks
RISK_SENTENCES = {
    "execution": "The plant is behind schedule after a cost overrun.",
    "price": "Price volatility could erase margins.",
    "policy": "New export controls and tariffs may change the rules.",
    "geopolitical": "Geopolitical tensions between the powers are rising.",
    "technology": "The process is unproven at scale and the chemistry is hard.",
    "permitting": "The permit depends on handling thorium safely.",
    "financing": "The company faces a funding gap and possible dilution.",
}


def test_every_risk_kind_has_a_pattern_and_a_sentence() -> None:
    assert (
        set(RISK_PATTERNS)
        == set(RISK_SENTENCES)
        == {"execution", "price", "policy", "geopolitical", "technology", "permitting", "financing"}
    )


@pytest.mark.parametrize("kind", sorted(RISK_SENTENCES))
def test_each_risk_kind_is_named_by_its_wording(kind: str) -> None:
    rating = _level("detail_risk_disclosure", text=RISK_SENTENCES[kind])
    assert rating.signals["named"] == kind
    assert rating.evidence == (RISK_SENTENCES[kind],)


def test_unrelated_text_names_no_risk() -> None:
    rating = _level("detail_risk_disclosure", text="The weather was mild. Lunch was good.")
    assert rating.signals["risk_kinds_named"] == 0 and rating.level == "Low"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "Low"), (2, "Low"), (3, "Medium"), (4, "Medium"), (5, "High"), (6, "High"), (7, "High")],
)
def test_risk_disclosure_boundaries(n: int, expected: str) -> None:
    kinds = list(RISK_SENTENCES)[:n]
    text = " ".join(RISK_SENTENCES[k] for k in kinds)
    rating = _level("detail_risk_disclosure", text=text)
    assert rating.signals["risk_kinds_named"] == n
    assert rating.level == expected
    assert len(rating.evidence) == min(n, 3)
    assert f"Names {n} of 7 risk kinds" in rating.reason


# --------------------------------------------------------------------------- usefulness
def _useful(companies: int, quantities: int, years: int) -> list[C]:
    names = ["Lynas", "MP Materials", "Iluka", "Arafura"]
    out = [
        C(text=f"{names[i]} matters.", entities=(E("company", names[i]),)) for i in range(companies)
    ]
    out += [C(text=f"Output was {i + 1} kt.", quantity=Q("kt", i + 1.0)) for i in range(quantities)]
    out += [C(text=f"It happened in {2020 + i}.", year=2020 + i) for i in range(years)]
    return out


CATALYST_TEXT = "Commissioning is due next year."


@pytest.mark.parametrize(
    ("companies", "quantities", "years", "catalyst", "expected"),
    [
        (2, 3, 2, True, "High"),  # every kind exactly at its minimum
        (1, 3, 2, True, "Medium"),  # one company: below
        (2, 2, 2, True, "Medium"),  # two quantities: below
        (2, 3, 1, True, "Medium"),  # one year: below
        (2, 3, 2, False, "Medium"),  # no catalyst: below
        (3, 4, 3, True, "High"),  # all above
        (2, 3, 0, False, "Medium"),  # two kinds met
        (2, 0, 0, False, "Low"),  # one kind met
        (0, 0, 0, False, "Low"),
    ],
)
def test_investor_usefulness_boundaries(
    companies: int, quantities: int, years: int, catalyst: bool, expected: str
) -> None:
    rating = _level(
        "investor_usefulness",
        text=CATALYST_TEXT if catalyst else "Nothing to see.",
        claims=_useful(companies, quantities, years),
    )
    assert rating.level == expected, rating.reason
    assert rating.signals["companies"] == companies
    assert rating.signals["quantities"] == quantities
    assert rating.signals["years"] == years
    assert rating.signals["catalysts"] == int(catalyst)


def test_money_is_not_counted_as_an_investor_quantity() -> None:
    claims = [C(text="USD 5m.", quantity=Q("USD", 5e6)), C(text="5 t.", quantity=Q("t", 5))]
    assert _level("investor_usefulness", claims=claims).signals["quantities"] == 1


CATALYST_SENTENCES = {
    "offtake": "It signed an offtake with a carmaker.",
    "commissioning": "The plant was commissioned in May.",
    "FID": "The board reached a final investment decision.",
    "permit approval": "The permit was granted last week.",
    "first production": "First production is expected soon.",
    "contract": "It won a supply agreement.",
    "price floor": "The deal includes a price floor.",
    "listing": "It plans a listing in Sydney.",
}


@pytest.mark.parametrize("kind", sorted(CATALYST_SENTENCES))
def test_each_catalyst_is_recognised(kind: str) -> None:
    assert set(CATALYST_PATTERNS) == set(CATALYST_SENTENCES)
    rating = _level("investor_usefulness", text=CATALYST_SENTENCES[kind])
    assert rating.signals["catalyst_kinds"] == kind


def test_topics_covered_is_reported_but_does_not_move_the_level() -> None:
    claims = _useful(2, 3, 2)
    none = _level("investor_usefulness", text=CATALYST_TEXT, claims=claims)
    many = _level(
        "investor_usefulness",
        text=CATALYST_TEXT,
        claims=claims,
        topics=[T("demand", True), T("prices", True), T("recycling", False)],
    )
    assert (none.signals["topics_covered"], many.signals["topics_covered"]) == (0, 2)
    assert none.level == many.level == "High"


# --------------------------------------------------------------------------- thresholds
def test_thresholds_are_the_documented_module_constants() -> None:
    for name, value in R.THRESHOLDS.items():
        assert getattr(R, name) == value
        assert name in (R.__doc__ or "")


# --------------------------------------------------------------------------- robustness
_units = st.sampled_from(["USD", "EUR", "AUD", "CNY", "percent", "t", "count", "", "usd"])
_values = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20)
)
_quantity = st.one_of(st.none(), st.builds(Q, _units, _values), st.integers(), st.text(max_size=5))
_entity = st.one_of(
    st.builds(
        E,
        st.sampled_from(["country", "bloc", "company", "facility", "agency", "element", "group"]),
        st.text(max_size=8),
    ),
    st.none(),
    st.integers(),
)
_claim = st.builds(
    C,
    text=st.one_of(st.text(max_size=60), st.none()),
    checkworthy=st.one_of(st.booleans(), st.none()),
    hedge=st.sampled_from(["certain", "hedged", "speculative", "opinion", "", "???"]),
    quantity=_quantity,
    quantities=st.one_of(st.tuples(), st.lists(_quantity, max_size=3).map(tuple), st.none()),
    year=st.one_of(st.none(), st.integers(-5000, 5000), st.floats(allow_nan=True)),
    entities=st.one_of(st.lists(_entity, max_size=3).map(tuple), st.none(), st.integers()),
    attribution=st.one_of(st.none(), st.text(max_size=10)),
    metric=st.one_of(st.none(), st.text(max_size=10)),
)
_anything = st.one_of(_claim, st.none(), st.integers(), st.text(max_size=5))
_verdict = st.one_of(
    st.builds(
        V,
        _anything,
        st.sampled_from(["supported", "contradicted", "outdated", "unverifiable", "opinion", "x"]),
    ),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=300),
    st.lists(_anything, max_size=15),
    st.lists(_verdict, max_size=10),
    st.lists(st.one_of(st.builds(T, st.text(max_size=5), st.booleans()), st.none()), max_size=4),
)
def test_rate_never_raises_and_always_rates_the_four_criteria(
    text: str, claims: list, verdicts: list, topics: list
) -> None:
    result = rate(text, claims, verdicts, topics)
    assert tuple(result) == CRITERIA
    for criterion, rating in result.items():
        assert rating.criterion == criterion
        assert rating.level in {"High", "Medium", "Low"}
        assert rating.reason and len(rating.evidence) <= 3
        assert all(isinstance(v, float | int | str) for v in rating.signals.values())


_RISKY_WORDS = [
    "Delay",
    "delayed",
    "PRICE VOLATILITY",
    "prices fell",
    "Export Controls",
    "tariff",
    "geopolitical",
    "Trade War",
    "unproven",
    "scale-up",
    "Permit",
    "Phoenix Tailings",
    "tailings",
    "dilution",
    "Debt",
    "Offtake",
    "off-take",
    "commissioned",
    "FID",
    "fid",
    "Final Investment Decision",
    "IPO",
    "Listing",
    "first production",
    "Price floor",
    "contract",
    "İ",
    "the",
    "and",
    ".",
    "\n\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_RISKY_WORDS), max_size=30))
def test_the_lower_case_search_agrees_with_the_documented_patterns(words: list[str]) -> None:
    text = " ".join(words)
    expected = {}
    for patterns in (RISK_PATTERNS, CATALYST_PATTERNS):
        for kind, pattern in patterns.items():
            if pattern.search(text):
                expected[kind] = True
    rated = rate(text, [], [], [])
    named = rated["detail_risk_disclosure"].signals["named"]
    kinds = rated["investor_usefulness"].signals["catalyst_kinds"]
    found = set(str(named).split(", ")) | set(str(kinds).split(", "))
    assert {k for k in expected} == found - {"none"}

"""Allocation by geography, partnership and market (forecast/allocation.py, controls.py).

Invariants (hypothesis): every tonne of China-free output ends with a buyer, China's
buyers or unsold; nobody gets more than their demand; a buyer's own regions serve it
first. Behaviour: a control aimed at one bloc cuts that bloc, not the world's chain.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from derisk.data.store import Store
from derisk.errors import InputError
from derisk.forecast.allocation import (
    Market,
    allocate,
    bloc_region_map,
    build_market,
    china_dependent_to_bloc,
    load_claims,
)
from derisk.forecast.controls import allowed_share
from derisk.forecast.scenario import REGIONS, load_scenario

N_REGIONS = len(REGIONS)
CHN = REGIONS.index("CHN")


def _market(n_others: int, allied: tuple[bool, ...], china: float) -> Market:
    """Target bloc on region 1, one buyer per next region, the rest on the remaining ones."""
    n = n_others + 2
    home = [(1,)] + [(2 + k,) for k in range(n_others)]
    home.append(tuple(range(2 + n_others, N_REGIONS)))
    share = (0.0, *([0.05] * n_others), 0.0)
    return Market(
        names=tuple(f"b{k}" for k in range(n)),
        home=tuple(home),
        share=share,
        allied=allied[:n] + (False,) * (n - len(allied[:n])),
        rest=n - 1,
        china_share=china,
    )


tonnes = arrays(
    np.float64,
    (2, N_REGIONS, 2, 3),
    elements=st.floats(0, 5_000, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(
    free=tonnes,
    world=st.floats(1_000, 100_000),
    bloc_share=st.floats(0.0, 0.3),
    china=st.floats(0.0, 0.6),
    n_others=st.integers(0, 4),
    allied=st.tuples(*[st.booleans()] * 6),
)
def test_every_free_tonne_is_booked_and_nobody_gets_more_than_demand(
    free, world, bloc_share, china, n_others, allied
) -> None:
    free[:, CHN] = 0.0
    market = _market(n_others, allied, china)
    world_arr = np.full((2, 2, 3), world)
    alloc = allocate(market, free, bloc_share * world_arr, world_arr)
    booked = alloc.received.sum(axis=1) + alloc.to_china + alloc.unsold
    np.testing.assert_allclose(booked, free.sum(axis=1), rtol=1e-9, atol=1e-6)
    assert (alloc.received >= -1e-9).all() and (alloc.unsold >= -1e-9).all()
    assert (alloc.received <= alloc.demand + 1e-6).all()
    # Domestic first: a buyer gets at least its own regions' output, up to its demand.
    for k, home in enumerate(market.home):
        own = free[:, list(home)].sum(axis=1)
        assert (alloc.received[:, k] >= np.minimum(own, alloc.demand[:, k]) - 1e-6).all()


@settings(max_examples=60, deadline=None)
@given(
    free=tonnes,
    dep=arrays(np.float64, (2, 2, 3), elements=st.floats(0, 50_000)),
    share=st.floats(0.0, 1.0),
    rates=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    redirect=st.booleans(),
)
def test_china_dependent_supply_is_booked_too(free, dep, share, rates, redirect) -> None:
    free[:, CHN] = 0.0
    market = _market(2, (True, True, False), 0.5)
    world = np.full((2, 2, 3), 20_000.0)
    alloc = allocate(market, free, 0.15 * world, world)
    out = china_dependent_to_bloc(
        alloc, dep * share, dep * (1 - share), world, (rates[0], rates[1]), redirect
    )
    total = out.china_free + out.from_china + out.to_others + out.inventory
    np.testing.assert_allclose(total, free.sum(axis=1) + dep, rtol=1e-9, atol=1e-6)
    assert (out.inventory >= -1e-6).all() and (out.withheld >= -1e-9).all()
    assert (out.from_china + out.china_free <= alloc.demand[:, 0] + 1e-6).all()


def test_partners_come_before_the_open_market() -> None:
    market = _market(2, (True, True, False), 0.0)
    free = np.zeros((1, N_REGIONS, 1, 1))
    free[0, 2] = 1_000.0  # an allied buyer's region with more than it needs
    world = np.full((1, 1, 1), 10_000.0)
    alloc = allocate(market, free, np.full((1, 1, 1), 1_000.0), world)
    # The allied region serves itself (500 t), then the allied target bloc, not the rest.
    assert alloc.received[0, 1, 0, 0] == pytest.approx(500.0)
    assert alloc.received[0, 0, 0, 0] == pytest.approx(500.0)
    assert alloc.received[0, market.rest, 0, 0] == pytest.approx(0.0)


def test_a_control_on_one_bloc_leaves_the_worlds_chain_alone() -> None:
    scenario = load_scenario("full-ban")
    years = np.arange(2025, 2031)
    world = allowed_share(
        scenario, years, "US", stage="separation", scope="world", elements=("Nd",)
    )
    bloc = allowed_share(scenario, years, "US", stage="magnet", scope="bloc", elements=("Nd",))
    assert (world == 1.0).all()
    assert (bloc == 0.0).all()


def test_bloc_regions_come_from_the_store(session_store: Store) -> None:
    regions = bloc_region_map(session_store)
    assert regions["US"] == ("USA",)
    assert "CHN" not in regions["ALLIES"] and "ROW" not in regions["ALLIES"]
    assert set(regions["US"]) | set(regions["EU27"]) <= set(regions["ALLIES"])


def test_ownership_needs_chinas_demand_share(session_store: Store) -> None:
    scenario = load_scenario("baseline", ["allocation=ownership", "demand.china_share=null"])
    with pytest.raises(InputError, match="china_share"):
        build_market(session_store, scenario, "US")


def test_shares_over_one_are_refused(session_store: Store) -> None:
    scenario = load_scenario(
        "baseline",
        [
            "allocation=ownership",
            "demand.china_share={dist: fixed, value: 0.9, source: test}",
            "demand.bloc_share.JP={dist: fixed, value: 0.2, source: test}",
        ],
    )
    with pytest.raises(InputError, match="100%"):
        build_market(session_store, scenario, "US")


# -- claims: offtakes and ownership of plants (claims.csv) -------------------------------
def _claims_file(tmp_path, row: str):
    path = tmp_path / "claims.csv"
    path.write_text("facility,buyer,share,kind,source,note\n" + row + "\n", encoding="utf-8")
    return path


def test_the_shipped_claims_are_all_valid(session_store: Store) -> None:
    claims = load_claims(session_store)
    assert claims and all(0 <= c.share <= 1 for c in claims)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("No such plant,JP,1.0,ownership,assumption: test,", "facility"),
        ("SGI Vina magnet plant (Quang Nam),Atlantis,1.0,ownership,assumption: test,", "buyer"),
        ("SGI Vina magnet plant (Quang Nam),KR,1.5,ownership,assumption: test,", "share"),
        ("SGI Vina magnet plant (Quang Nam),KR,1.0,ownership,my guess,", "source"),
        ("SGI Vina magnet plant (Quang Nam),KR,1.0,rumour,assumption: test,", "kind"),
    ],
)
def test_a_bad_claim_names_file_row_and_field(
    session_store: Store, tmp_path, row: str, column: str
) -> None:
    path = _claims_file(tmp_path, row)
    with pytest.raises(InputError) as err:
        load_claims(session_store, path)
    text = str(err.value)
    assert str(path) in text and ":2" in text and column in text


def test_a_claim_comes_before_the_host_countrys_own_buyers() -> None:
    market = _market(1, (True, True, False), 0.0)
    free = np.zeros((1, N_REGIONS, 1, 1))
    free[0, 2] = 100.0  # made in the other buyer's region, half of it by a plant the target owns
    world = np.full((1, 1, 1), 10_000.0)
    claimed = [(0, 2, np.full((1, 1, 1), 0.5))]
    alloc = allocate(market, free, np.full((1, 1, 1), 1_000.0), world, claimed=claimed)
    assert alloc.received[0, 0, 0, 0] == pytest.approx(50.0)
    assert alloc.received[0, 1, 0, 0] == pytest.approx(50.0)  # the host keeps the rest
    without = allocate(market, free, np.full((1, 1, 1), 1_000.0), world)
    assert without.received[0, 0, 0, 0] == pytest.approx(0.0)


def test_japan_gets_more_china_free_magnets_with_its_owned_plant(
    session_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from derisk.forecast import allocation
    from derisk.forecast.run import forecast

    scenario = load_scenario("baseline")
    with_claims = forecast(session_store, scenario, bloc="JP", draws=20, seed=4)
    monkeypatch.setattr(allocation, "load_claims", lambda store, path=None: [])
    without = forecast(session_store, scenario, bloc="JP", draws=20, seed=4)
    gain = with_claims["china_free_supply"] - without["china_free_supply"]
    assert float(gain.min()) >= -1e-6 and float(gain.sum()) > 0

"""The bloc's recycling enters the chain as China-free feed at its entry stage.

docs/METHODS.md ("Chain, routing and trade"): recycled tonnes are fed to
`recycling.entry_stage` in the bloc's own region (spread by capacity for a bloc without
one), processed there first up to capacity, the rest routed like primary material; the
bloc's supply then comes only from the magnet stage, and the mass balance books the
recycled feed at the entry stage.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from derisk.data.store import Store
from derisk.forecast import model
from derisk.forecast.allocation import build_market
from derisk.forecast.balance import MassBalanceError
from derisk.forecast.inputs import load_inputs
from derisk.forecast.model import check_chain_balance, run_chunk, walk_chain
from derisk.forecast.sampling import draw_parameters
from derisk.forecast.scenario import MODEL_STAGES, REGIONS, Scenario, load_scenario

USA = REGIONS.index("USA")
EU = REGIONS.index("EU")
AUS = REGIONS.index("AUS")
CHN = REGIONS.index("CHN")
DRAWS = 12


def _scenario(entry: str = "metal", *sets: str) -> Scenario:
    return load_scenario("baseline", [f"recycling.entry_stage={entry}", *sets])


def _uncontrolled(scenario: Scenario) -> Scenario:
    china = scenario.china.model_copy(update={"export_controls": []})
    return scenario.model_copy(update={"china": china})


# -- a small chain, numbers by hand -------------------------------------------------------
def _toy_capacity(metal_usa: float, metal_aus: float = 0.0) -> np.ndarray:
    """One draw, one element (Nd), one year: (1, stage, region, 1, 1).

    Only US ore (100 t, China-free) is mined, so no Chinese material competes for the
    capacity outside China.
    """
    cap = np.zeros((1, len(MODEL_STAGES), len(REGIONS), 1, 1))
    cap[0, 0, USA] = 100.0
    cap[0, 1, USA] = 100.0
    cap[0, 1, CHN] = 2_000.0
    cap[0, 2, USA] = metal_usa
    cap[0, 2, AUS] = metal_aus
    cap[0, 2, CHN] = 2_000.0
    cap[0, 3, USA] = 500.0
    cap[0, 3, CHN] = 2_000.0
    return cap


def _toy_walk(cap: np.ndarray, secondary: float | None, bloc: str = "US", entry: str = "metal"):
    scenario = _uncontrolled(_scenario(entry))
    sec = None if secondary is None else np.full((1, 1, 1), secondary)
    return walk_chain(cap, scenario, np.array([2030]), bloc, np.zeros((1, 1, 1)), ("Nd",), sec)


def test_recycled_tonnes_are_feed_at_the_entry_stage_in_the_bloc_region() -> None:
    cap = _toy_capacity(metal_usa=150.0)
    without = _toy_walk(cap, None)
    with_ = _toy_walk(cap, 30.0)
    metal = MODEL_STAGES.index("metal")
    assert without.feed[0, metal, USA, 0, 0] == pytest.approx(100.0)
    assert with_.feed[0, metal, USA, 0, 0] == pytest.approx(130.0)  # 100 t oxide + 30 t scrap
    assert with_.free[0, metal, USA, 0, 0] == pytest.approx(130.0)  # and it stays China-free
    # It travels on: the magnet stage in the US makes 30 t more China-free output.
    assert with_.free[0, 3, USA, 0, 0] - without.free[0, 3, USA, 0, 0] == pytest.approx(30.0)
    assert with_.secondary_stage == metal
    # Nothing of it appears earlier in the chain.
    np.testing.assert_array_equal(with_.feed[:, :metal], without.feed[:, :metal])


def test_recycled_tonnes_at_separation_are_separation_feed() -> None:
    cap = _toy_capacity(metal_usa=500.0)
    cap[0, 1, USA] = 200.0  # room for 100 t of scrap at separation
    with_ = _toy_walk(cap, 40.0, entry="separation")
    without = _toy_walk(cap, None, entry="separation")
    sep = MODEL_STAGES.index("separation")
    assert with_.feed[0, sep, USA, 0, 0] - without.feed[0, sep, USA, 0, 0] == pytest.approx(40.0)
    assert with_.free[0, 3, USA, 0, 0] - without.free[0, 3, USA, 0, 0] == pytest.approx(40.0)


def test_beyond_the_region_capacity_recycled_tonnes_are_routed_like_primary_material() -> None:
    # US metal capacity 50 t is taken by 30 t of scrap first; 100 t of China-free oxide
    # competes for the 20 t left and 130 - 50 = 80 t of China-free material go to China.
    cap = _toy_capacity(metal_usa=50.0)
    flows = _toy_walk(cap, 30.0)
    metal = MODEL_STAGES.index("metal")
    assert flows.free[0, metal, USA, 0, 0] == pytest.approx(50.0)
    assert flows.feed[0, metal, CHN, 0, 0] - _toy_walk(cap, None).feed[
        0, metal, CHN, 0, 0
    ] == pytest.approx(30.0)  # displaced primary oxide, now China-dependent metal


def test_a_bloc_without_own_region_spreads_its_recycling_by_capacity() -> None:
    cap = _toy_capacity(metal_usa=150.0, metal_aus=50.0)
    without = _toy_walk(cap, None, bloc="ALLIES")
    flows = _toy_walk(cap, 40.0, bloc="ALLIES")
    metal = MODEL_STAGES.index("metal")
    added = flows.feed[0, metal] - without.feed[0, metal]
    assert added[USA, 0, 0] == pytest.approx(30.0)  # 150 / 200 of 40 t
    assert added[AUS, 0, 0] == pytest.approx(10.0)


# -- the real inputs ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(session_store: Store):
    scenario = _scenario()
    inputs = load_inputs(session_store, scenario.demand.path, 2025, 2050)
    draws = draw_parameters(scenario, inputs, "US", DRAWS, seed=4)
    return inputs, draws


def _chain(inputs, draws, scenario: Scenario, bloc: str, scale: float = 1.0):
    world_use = model.demand(inputs, draws, scenario)
    bloc_use = world_use * draws.bloc_share[:, None, None, None]
    secondary = scale * model.recycling(inputs, draws, scenario, bloc_use)
    cap, secondary_cn = model.capacities(inputs, draws, scenario, world_use.sum(axis=1))
    flows = walk_chain(cap, scenario, inputs.years, bloc, secondary_cn, inputs.elements, secondary)
    return cap, secondary_cn, secondary, flows


@pytest.mark.parametrize("entry", ["separation", "metal"])
@pytest.mark.parametrize("routing", ["non_china_first", "pro_rata"])
@pytest.mark.parametrize("bloc", ["US", "ALLIES"])
def test_mass_balance_holds_with_recycled_feed_at_either_entry_stage(
    real, entry: str, routing: str, bloc: str
) -> None:
    inputs, draws = real
    scenario = _scenario(entry, f"routing={routing}")
    # x50 so that recycling exceeds the entry region's capacity and part of it is routed.
    _, secondary_cn, secondary, flows = _chain(inputs, draws, scenario, bloc, scale=50.0)
    assert float(secondary.sum()) > 0
    check_chain_balance(flows, secondary_cn)  # walk_chain checked it too
    s = MODEL_STAGES.index(entry)
    prev = flows.output[:, s - 1].sum(axis=1) + (secondary_cn if s == 1 else 0.0)
    np.testing.assert_allclose(
        flows.feed[:, s].sum(axis=1), prev + secondary, rtol=1e-12, atol=1e-6
    )
    assert (flows.free >= 0).all() and (flows.dep >= 0).all() and (flows.surplus >= -1e-9).all()


@pytest.mark.parametrize("entry", ["separation", "metal"])
def test_recycled_tonnes_show_up_in_the_bloc_region_feed_at_the_entry_stage(
    real, entry: str
) -> None:
    inputs, draws = real
    scenario = _scenario(entry)
    cap, _, secondary, flows = _chain(inputs, draws, scenario, "US")
    s = MODEL_STAGES.index(entry)
    own = np.minimum(secondary, cap[:, s, USA])  # what the US plants can take
    assert float(own.sum()) > 0
    assert (flows.free[:, s, USA] >= own * (1 - 1e-12)).all()
    assert (flows.feed[:, s, USA] >= own * (1 - 1e-12)).all()
    assert (flows.feed[:, s, USA] <= cap[:, s, USA] * (1 + 1e-12) + 1e-9).all()


def test_a_planted_error_in_the_recycled_feed_is_caught(real) -> None:
    inputs, draws = real
    _, secondary_cn, secondary, flows = _chain(inputs, draws, _scenario(), "US")
    check_chain_balance(flows, secondary_cn)
    # Recycled tonnes booked once more than entered the chain.
    flows.secondary[3, 0, 10] += 1.0
    with pytest.raises(MassBalanceError, match="trade between stages") as err:
        check_chain_balance(flows, secondary_cn)
    assert err.value.coords == {"draw": 3, "stage": "metal", "element": 0, "year": 10}
    flows.secondary[3, 0, 10] -= 1.0
    check_chain_balance(flows, secondary_cn)
    # A tonne of recycled feed counted twice in the US metal plants: that region balances
    # (feed = output), the stage does not.
    metal = MODEL_STAGES.index("metal")
    flows.feed[5, metal, USA, 1, 12] += 1.0
    flows.free[5, metal, USA, 1, 12] += 1.0
    with pytest.raises(MassBalanceError, match="trade between stages"):
        check_chain_balance(flows, secondary_cn)


def test_a_planted_error_in_a_region_is_named(real) -> None:
    inputs, draws = real
    _, secondary_cn, _, flows = _chain(inputs, draws, _scenario(), "US")
    flows.free[1, 2, EU, 0, 4] += 1.0
    with pytest.raises(MassBalanceError, match="stage x region") as err:
        check_chain_balance(flows, secondary_cn)
    assert err.value.coords == {
        "draw": 1,
        "stage": "metal",
        "region": "EU",
        "element": 0,
        "year": 4,
    }
    flows.free[1, 2, EU, 0, 4] = np.nan
    with pytest.raises(MassBalanceError):
        check_chain_balance(flows, secondary_cn)


def test_recycling_raises_china_free_supply_where_the_bloc_has_metal_and_magnet_room(
    real, monkeypatch: pytest.MonkeyPatch, session_store: Store
) -> None:
    inputs, draws = real
    real_capacities = model.capacities

    def with_room(*args, **kwargs):
        cap, secondary_cn = real_capacities(*args, **kwargs)
        cap[:, 2:, USA] += 1e6  # metal and magnet plants in the US with room to spare
        return cap, secondary_cn

    monkeypatch.setattr(model, "capacities", with_room)
    scenario = _scenario("metal")
    stock = np.zeros(len(inputs.elements))
    market = build_market(session_store, scenario, "US")
    on = run_chunk(inputs, draws, scenario, "US", stock, market=market)
    none = dataclasses.replace(draws, collection=np.zeros_like(draws.collection))
    off = run_chunk(inputs, none, scenario, "US", stock, market=market)
    assert float(off.secondary_supply.sum()) == 0 and float(on.secondary_supply.sum()) > 0
    gain = on.china_free_supply - off.china_free_supply
    assert (gain >= -1e-9).all()
    assert float(gain.sum()) > 0
    # The bloc gets no more extra China-free magnets than it recycled.
    assert (gain <= on.secondary_supply + 1e-6).all()
    np.testing.assert_array_equal(on.demand, off.demand)


def test_the_chain_does_not_depend_on_which_draws_share_a_chunk(real) -> None:
    # walk_chain skips regions without capacity in any draw of its chunk: a region can
    # be skipped in one chunk and not in another, and the flows must not change.
    inputs, draws = real
    scenario = _scenario()
    whole = _chain(inputs, draws, scenario, "US")[3]
    for i in range(DRAWS):
        one = _chain(inputs, draws.take(slice(i, i + 1)), scenario, "US")[3]
        for name in ("free", "dep", "feed", "surplus"):
            np.testing.assert_array_equal(getattr(one, name)[0], getattr(whole, name)[i])


def test_the_entry_stage_defaults_to_metal_and_is_separation_or_metal() -> None:
    from derisk.errors import InputError

    assert load_scenario("baseline").recycling.entry_stage == "metal"
    assert _scenario("separation").recycling.entry_stage == "separation"
    with pytest.raises(InputError, match="recycling.entry_stage"):
        _scenario("mining")

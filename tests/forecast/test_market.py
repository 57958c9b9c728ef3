"""The market for magnets: routing, controls, withheld supply, receipts and levers.

docs/METHODS.md, "Chain, routing and trade", "Allocation" and "Mass balance". Every
check compares runs with each other (same seed, same draws) or with numbers worked out
by hand on a toy chain; none copies a model result. Bloc codes, stages and elements
come from derisk.vocabulary and derisk.forecast.scenario, never written out as lists.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr

from derisk import vocabulary
from derisk.data.store import Store
from derisk.forecast import allocation, model
from derisk.forecast.allocation import build_market
from derisk.forecast.balance import MassBalanceError
from derisk.forecast.chain import check_chain_balance, walk_chain
from derisk.forecast.inputs import BASE_YEAR, ModelInputs
from derisk.forecast.run import forecast
from derisk.forecast.sampling import Draws, draw_parameters
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, Scenario, load_scenario

DRAWS = 16
SEED = 11
CHN = REGIONS.index("CHN")
USA = REGIONS.index("USA")
AUS = REGIONS.index("AUS")
SEPARATION = MODEL_STAGES.index("separation")
METAL = MODEL_STAGES.index("metal")
MAGNET = MODEL_STAGES.index("magnet")
#: The regions outside China, by name (for Dataset selections).
OUTSIDE = list(REGIONS[1:])
#: China's bloc: it has `demand.china_share` instead of a bloc share (as in
#: tests/forecast/test_bloc_shares.py); test_china_is_the_bloc_without_a_share checks it.
CHINA = "CN"
#: Slack for sums of floats (tonnes).
TOL = 1e-6


def _uncontrolled(scenario: Scenario) -> Scenario:
    china = scenario.china.model_copy(update={"export_controls": []})
    return scenario.model_copy(update={"china": china})


def _ban(target: str) -> str:
    """A `--set` that replaces the controls with a full ban on the magnet REEs at every stage."""
    control = (
        "{name: ban, elements: ["
        + ", ".join(MAGNET_ELEMENTS)
        + "], stages: ["
        + ", ".join(MODEL_STAGES)
        + f"], start: 2025, approval_rate: 0.0, target_blocs: [{target}], source: test}}"
    )
    return f"china.export_controls=[{control}]"


def _magnets(ds: xr.Dataset) -> xr.Dataset:
    return ds.sel(element=list(MAGNET_ELEMENTS))


# -- 1. the chain on a toy: local first, or pro rata --------------------------------------
def _toy(chinese_ore: float = 0.0, chinese_separation: float = 0.0) -> np.ndarray:
    """One draw, one element, one year: the US mines 100 t and separates 60 t; Australia
    mines nothing and separates 100 t; US metal and magnet lines take what comes."""
    cap = np.zeros((1, len(MODEL_STAGES), len(REGIONS), 1, 1))
    cap[0, 0, USA] = 100.0
    cap[0, SEPARATION, USA] = 60.0
    cap[0, SEPARATION, AUS] = 100.0
    cap[0, 0, CHN] = chinese_ore
    cap[0, SEPARATION, CHN] = chinese_separation
    cap[0, METAL:, USA] = 1_000.0
    cap[0, METAL:, CHN] = 1_000.0
    return cap


def _walk(cap: np.ndarray, routing: str):
    scenario = _uncontrolled(load_scenario("baseline", [f"routing={routing}"]))
    secondary_cn = np.zeros((1, 1, 1))
    flows = walk_chain(cap, scenario, np.array([2030]), "US", secondary_cn, ("Nd",), None)
    check_chain_balance(flows, secondary_cn)  # walk_chain checked it too
    return flows


def test_local_first_the_us_separates_its_own_ore() -> None:
    flows = _walk(_toy(), "non_china_first")
    free, dep = flows.free[0, SEPARATION, :, 0, 0], flows.dep[0, SEPARATION, :, 0, 0]
    assert free[USA] == pytest.approx(60.0)  # its own ore, up to its capacity
    assert free[AUS] == pytest.approx(40.0)  # the rest of the US ore
    assert dep.sum() == pytest.approx(0.0)
    assert flows.surplus.sum() == pytest.approx(0.0)


def test_local_first_chinese_ore_fills_only_the_room_left() -> None:
    # China mines 300 t and separates up to 400 t; all of it is exportable (no controls).
    flows = _walk(_toy(300.0, 400.0), "non_china_first")
    free, dep = flows.free[0, SEPARATION, :, 0, 0], flows.dep[0, SEPARATION, :, 0, 0]
    assert free[USA] == pytest.approx(60.0) and dep[USA] == pytest.approx(0.0)
    assert free[AUS] == pytest.approx(40.0)
    assert dep[AUS] == pytest.approx(60.0)  # 100 t capacity - 40 t China-free
    assert dep[CHN] == pytest.approx(240.0)  # 300 t - 60 t exported, within 400 t
    assert flows.surplus[0, SEPARATION, 0, 0] == pytest.approx(0.0)


def test_pro_rata_the_us_no_longer_gets_its_own_ore_first() -> None:
    # Pool 100 t, all China-free; outside capacity 160 t, none in China: the outside
    # takes min(160, 100 x 160/160) = 100 t, spread 60:100 over the US and Australia.
    flows = _walk(_toy(), "pro_rata")
    free = flows.free[0, SEPARATION, :, 0, 0]
    assert free[USA] == pytest.approx(100 * 60 / 160)  # 37.5 t, not 60 t
    assert free[AUS] == pytest.approx(100 * 100 / 160)  # 62.5 t
    assert flows.dep[0, SEPARATION].sum() == pytest.approx(0.0)


def test_pro_rata_with_chinese_ore_by_hand() -> None:
    # Pool 100 t China-free + 300 t Chinese; capacity 160 t outside, 400 t in China. The
    # outside takes min(160, 400 x 160/560) = 800/7 t at the pool's China-free fraction
    # 1/4: 200/7 t China-free and 600/7 t Chinese, spread 3/8 US, 5/8 Australia; China
    # gets the other 2000/7 t.
    flows = _walk(_toy(300.0, 400.0), "pro_rata")
    free, dep = flows.free[0, SEPARATION, :, 0, 0], flows.dep[0, SEPARATION, :, 0, 0]
    assert free[USA] == pytest.approx(200 / 7 * 3 / 8)
    assert dep[USA] == pytest.approx(600 / 7 * 3 / 8)
    assert free[AUS] == pytest.approx(200 / 7 * 5 / 8)
    assert dep[AUS] == pytest.approx(600 / 7 * 5 / 8)
    assert dep[CHN] == pytest.approx(2000 / 7)
    assert flows.feed[0, SEPARATION, CHN, 0, 0] == pytest.approx(2000 / 7)


# -- 2. controls hit whom they name -------------------------------------------------------
@pytest.fixture(scope="module")
def control_runs(session_store: Store) -> dict[tuple[str, str], xr.Dataset]:
    scenarios = {
        "none": load_scenario("baseline", ["china.export_controls=[]"]),
        "EU27": load_scenario("baseline", [_ban("EU27")]),
        "all": load_scenario("baseline", [_ban("all")]),
    }
    runs = [("none", "US"), ("EU27", "US"), ("none", "EU27"), ("EU27", "EU27"), ("all", "US")]
    return {
        (name, bloc): forecast(session_store, scenarios[name], bloc=bloc, draws=DRAWS, seed=SEED)
        for name, bloc in runs
    }


def test_a_ban_on_another_bloc_changes_nothing_for_this_one(control_runs) -> None:
    none, eu = control_runs[("none", "US")], control_runs[("EU27", "US")]
    for var in none.data_vars:  # china_free_supply, supply_available, primary_supply, ...
        np.testing.assert_array_equal(eu[var].values, none[var].values, err_msg=var)


def test_a_ban_on_the_bloc_leaves_it_its_china_free_supply(control_runs) -> None:
    none = _magnets(control_runs[("none", "EU27")])
    ban = _magnets(control_runs[("EU27", "EU27")])
    np.testing.assert_allclose(
        ban["supply_available"].values, ban["china_free_supply"].values, rtol=0, atol=TOL
    )
    # It bites: without the ban the EU27 buys China-dependent magnets.
    assert float(ban["supply_available"].sum()) < float(none["supply_available"].sum())
    assert float(ban["withheld"].sum()) > 0
    # The world's chain is not cut by a ban aimed at one bloc.
    outside = {"region": OUTSIDE}
    np.testing.assert_array_equal(
        ban["primary_supply"].sel(outside).values, none["primary_supply"].sel(outside).values
    )


def test_a_ban_on_the_bloc_leaves_the_elements_it_does_not_name(control_runs) -> None:
    elements = control_runs[("none", "EU27")]["element"].values
    others = [e for e in elements if e not in MAGNET_ELEMENTS]
    assert others
    none = control_runs[("none", "EU27")].sel(element=others)
    ban = control_runs[("EU27", "EU27")].sel(element=others)
    np.testing.assert_array_equal(ban["supply_available"].values, none["supply_available"].values)


def test_a_ban_on_all_cuts_chinese_feed_to_processors_outside_china(control_runs) -> None:
    none, ban = control_runs[("none", "US")], control_runs[("all", "US")]
    out_none = none["primary_supply"].sel(region=OUTSIDE).astype(float)
    out_ban = ban["primary_supply"].sel(region=OUTSIDE).astype(float)
    later = {"stage": list(MODEL_STAGES[SEPARATION:])}
    diff = (out_ban - out_none).sel(later)
    # Less Chinese feed can only lower what processors outside China make (float32 slack).
    assert float(diff.max()) <= 1e-2
    assert float(diff.sum()) < -1.0


# -- 3. withheld stays in the books -------------------------------------------------------
@pytest.fixture(scope="module")
def real(inputs: ModelInputs) -> tuple[ModelInputs, Draws]:
    """The session's inputs (tests/forecast/conftest.py) and one set of draws for the US."""
    draws = draw_parameters(load_scenario("baseline"), inputs, "US", DRAWS, seed=SEED)
    return inputs, draws


def _run(session_store: Store, real, scenario: Scenario, draws: Draws | None = None):
    inputs, base_draws = real
    stock = np.zeros(len(inputs.elements))
    market = build_market(session_store, scenario, "US")
    return model.run_chunk(
        inputs, base_draws if draws is None else draws, scenario, "US", stock, market=market
    )


def test_the_magnet_market_books_every_tonne_under_a_ban(
    session_store: Store, real, monkeypatch: pytest.MonkeyPatch
) -> None:
    """world magnet output = bloc's China-free + China-dependent + others' + inventory."""
    seen = []
    real_check = model.check_balance

    def capture(inputs, outputs, stock_change, **kwargs):
        if str(kwargs.get("name", "")).startswith("magnet market"):
            seen.append(tuple(np.array(a, dtype=float) for a in (inputs, outputs, stock_change)))
        return real_check(inputs, outputs, stock_change, **kwargs)

    monkeypatch.setattr(model, "check_balance", capture)
    result = _run(session_store, real, load_scenario("full-ban"))
    assert len(seen) == 1
    made, sold, kept = seen[0]
    assert float(result.withheld.sum()) > 0
    np.testing.assert_allclose(made, sold + kept, rtol=1e-12, atol=TOL)
    # The books start from the world's magnet output, China's included (float32 there).
    world_magnets = result.primary_supply[:, MAGNET].astype(float).sum(axis=1)
    np.testing.assert_allclose(made, world_magnets, rtol=1e-5, atol=1e-2)
    np.testing.assert_array_equal(kept, result.inventory)
    # No stockpile in the baseline: the bloc's receipts are its supply; others got the rest.
    assert not load_scenario("full-ban").stockpile.tonnes
    to_others = sold - result.supply_available
    assert (to_others >= -TOL).all()
    # What is withheld from the bloc went to other buyers or into China's inventory.
    assert (result.withheld <= to_others + result.inventory + TOL).all()


def test_withheld_not_redirected_is_chinas_inventory(session_store: Store, real) -> None:
    scenario = load_scenario("full-ban", ["china.withheld=inventory"])
    result = _run(session_store, real, scenario)
    assert float(result.withheld.sum()) > 0
    assert (result.inventory >= result.withheld - TOL).all()


def test_a_tonne_missing_from_the_inventory_is_caught(
    session_store: Store, real, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, _ = real
    original = allocation.china_dependent_to_bloc

    def short_by_one(*args, **kwargs):
        out = original(*args, **kwargs)
        out.inventory = out.inventory.copy()
        out.inventory[2, 0, 5] -= 1.0
        return out

    # model.py binds the name at import (from ... import), so patch the name it calls;
    # the module's own is patched too, in case model.py comes to call it from there.
    monkeypatch.setattr(allocation, "china_dependent_to_bloc", short_by_one)
    monkeypatch.setattr(model, "china_dependent_to_bloc", short_by_one)
    with pytest.raises(MassBalanceError, match="magnet market") as err:
        _run(session_store, real, load_scenario("full-ban"))
    assert err.value.coords == {
        "draw": 2,
        "element": inputs.elements[0],
        "year": int(inputs.years[5]),
    }
    assert err.value.n_failed == 1


# -- 4. the bloc's stock is fed by what it receives ---------------------------------------
def test_the_bloc_recycles_what_it_received_exactly(session_store: Store, real) -> None:
    """The exact version: secondary supply is the recycling model applied to receipts.

    Without collection (collection = 0) nothing is recycled, the chain is walked once and
    `supply_available` (no stockpile) is exactly the primary receipts that feed the
    bloc's in-use stock. Split over end uses like the bloc's demand and put through
    `model.recycling` with the run's own draws, they must give the secondary supply of
    the same run with collection (the recycling model is the same; only its input, the
    receipts, is taken from the model's output rather than rebuilt from its internals).
    """
    inputs, draws = real
    scenario = load_scenario("full-ban")
    on = _run(session_store, real, scenario)
    dry = dataclasses.replace(draws, collection=np.zeros_like(draws.collection))
    off = _run(session_store, real, scenario, dry)
    assert float(off.secondary_supply.sum()) == 0
    bloc_use = model.demand(inputs, draws, scenario) * draws.bloc_share[:, None, None, None]
    np.testing.assert_allclose(bloc_use.sum(axis=1), off.demand, rtol=1e-12)
    got = np.divide(
        off.supply_available, off.demand, out=np.zeros_like(off.demand), where=off.demand > 0
    )
    expected = model.recycling(inputs, draws, scenario, bloc_use * got[:, None])
    assert float(expected.sum()) > 0
    np.testing.assert_allclose(on.secondary_supply, expected, rtol=1e-12, atol=1e-9)
    # Fed by receipts, not by demand: a ban leaves fewer magnets to recycle.
    by_demand = model.recycling(inputs, draws, scenario, bloc_use)
    assert float(expected.sum()) < float(by_demand.sum())


def test_a_ban_leaves_the_bloc_less_to_recycle_every_year(session_store: Store, real) -> None:
    inputs, _ = real
    base = _run(session_store, real, load_scenario("baseline"))
    ban = _run(session_store, real, load_scenario("full-ban"))
    on = inputs.years >= load_scenario("full-ban").recycling.start_year
    base_sum = base.secondary_supply.sum(axis=1)[:, on]  # (draw, year)
    ban_sum = ban.secondary_supply.sum(axis=1)[:, on]
    assert (base_sum > 0).all()
    assert (ban_sum < base_sum).all()


# -- 5. levers ------------------------------------------------------------------------------
def test_integrated_metal_adds_metal_capacity_outside_china(session_store: Store, real) -> None:
    inputs, _ = real
    off = _run(session_store, real, load_scenario("baseline"))
    on = _run(session_store, real, load_scenario("baseline", ["pipeline.integrated_metal=true"]))
    metal_off = off.primary_supply[:, METAL, 1:].astype(float).sum(axis=1)
    metal_on = on.primary_supply[:, METAL, 1:].astype(float).sum(axis=1)
    diff = metal_on - metal_off
    assert float(diff.min()) >= -1e-2  # never lower (float32 slack)
    assert float(diff.max()) > 1.0  # higher in some year
    # The lever adds new lines only: the base year is what it was.
    t0 = list(inputs.years).index(BASE_YEAR)
    for name in ("primary_supply", "china_free_supply", "supply_available", "secondary_supply"):
        np.testing.assert_array_equal(
            getattr(on, name)[..., t0], getattr(off, name)[..., t0], err_msg=name
        )


@pytest.fixture(scope="module")
def recycling_runs(session_store: Store) -> dict[str, xr.Dataset]:
    sets = {
        "none": ["recycling.collection_rate=0"],
        "short_loop": ["recycling.collection_rate=0.5", "recycling.processing=short_loop"],
        "chain": ["recycling.collection_rate=0.5", "recycling.processing=chain"],
    }
    return {
        name: forecast(
            session_store, load_scenario("baseline", s), bloc="US", draws=DRAWS, seed=SEED
        )
        for name, s in sets.items()
    }


def test_short_loop_raises_china_free_supply_by_at_most_the_recycled_tonnes(
    recycling_runs,
) -> None:
    none, short = recycling_runs["none"], recycling_runs["short_loop"]
    assert float(none["secondary_supply"].sum()) == 0
    gain = short["china_free_supply"] - none["china_free_supply"]
    assert float((gain - short["secondary_supply"]).max()) <= TOL
    assert float(gain.min()) >= -TOL
    assert float(gain.sum()) > 0


def test_the_chain_gains_no_more_than_the_short_loop(recycling_runs) -> None:
    none = recycling_runs["none"]["china_free_supply"]
    short = float((recycling_runs["short_loop"]["china_free_supply"] - none).sum())
    chain = recycling_runs["chain"]
    gain = chain["china_free_supply"] - none
    assert float(gain.sum()) <= short + TOL
    assert float((gain - chain["secondary_supply"]).max()) <= TOL


# -- 6. every bloc ------------------------------------------------------------------------
def test_china_is_the_bloc_without_a_share() -> None:
    shares = load_scenario("baseline").demand.bloc_share
    assert [b for b in vocabulary.BLOC_CODES if b not in shares] == [CHINA]


BLOCS = [b for b in vocabulary.BLOC_CODES if b != CHINA]


@pytest.fixture(scope="module")
def bloc_runs(session_store: Store) -> dict[str, xr.Dataset]:
    scenario = load_scenario("baseline")
    return {b: forecast(session_store, scenario, bloc=b, draws=DRAWS, seed=SEED) for b in BLOCS}


@pytest.mark.parametrize("bloc", BLOCS)
def test_every_bloc_gets_no_more_than_it_can(bloc_runs, bloc: str) -> None:
    ds = bloc_runs[bloc]
    free, available, demand = (ds[v] for v in ("china_free_supply", "supply_available", "demand"))
    assert float((free - available).max()) <= TOL
    assert float((available - demand).max()) <= TOL
    assert float(free.min()) >= -TOL
    assert float(demand.sum()) > 0


def test_the_us_and_the_eu_have_different_china_free_shares(bloc_runs) -> None:
    """Under the old pro-rata allocation the bloc's share cancelled: the curves were equal."""

    def share(bloc: str) -> float:
        magnets = _magnets(bloc_runs[bloc]).sum("element")
        return float(magnets["china_free_supply"].sum() / magnets["demand"].sum())

    us, eu = share("US"), share("EU27")
    assert np.isfinite([us, eu]).all()
    assert abs(us - eu) > 1e-3 * max(us, eu), (us, eu)

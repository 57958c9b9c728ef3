"""The forecast model: presets run, invariants hold, controls bite, balance is enforced."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from derisk.data.store import Store
from derisk.forecast.balance import MassBalanceError
from derisk.forecast.model import check_chain_balance
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario, presets
from derisk.forecast.summary import year_derisked

DRAWS = 60


@pytest.fixture(scope="module")
def runs(session_store: Store) -> dict[str, xr.Dataset]:
    return {
        name: forecast(session_store, load_scenario(name), bloc="US", draws=DRAWS, seed=3)
        for name in presets()
    }


def test_every_preset_runs_from_python_with_the_documented_outputs(runs) -> None:
    for name, ds in runs.items():
        assert ds.attrs["scenario"] == name
        assert set(ds["element"].values) >= {"Nd", "Pr", "Dy", "Tb"}
        assert int(ds["year"].min()) == 2025 and int(ds["year"].max()) == 2050
        for var in (
            "demand",
            "primary_supply",
            "secondary_supply",
            "supply_available",
            "china_free_supply",
            "shortfall",
            "china_dependent_share",
            "hhi",
        ):
            assert var in ds and ds[var].attrs["units"]


def test_supply_identities_hold_in_every_draw(runs) -> None:
    for ds in runs.values():
        demand = ds["demand"]
        assert (ds["china_free_supply"] >= -1e-9).all()
        assert (ds["china_free_supply"] <= ds["supply_available"] + 1e-6).all()
        assert (ds["supply_available"] <= demand + 1e-6).all()
        np.testing.assert_allclose(ds["shortfall"] + ds["supply_available"], demand, atol=1e-6)
        share = ds["china_dependent_share"]
        assert ((share >= -1e-9) & (share <= 100 + 1e-9)).all()
        assert ((ds["hhi"] >= 0) & (ds["hhi"] <= 10_000 + 1e-6)).all()


def test_tighter_controls_never_shrink_the_dysprosium_shortfall(runs) -> None:
    base = runs["baseline"]["shortfall"].sel(element="Dy").sum("year")
    april = runs["export-controls-2025"]["shortfall"].sel(element="Dy").sum("year")
    ban = runs["full-ban"]["shortfall"].sel(element="Dy").sum("year")
    assert (april >= base - 1e-6).all() and (ban >= april - 1e-6).all()
    assert float(april.mean()) > float(base.mean())  # approval 0.5 < 0.8 bites


def test_full_ban_leaves_the_bloc_only_china_free_supply(runs) -> None:
    ds = runs["full-ban"]
    xr.testing.assert_allclose(ds["supply_available"], ds["china_free_supply"])


def test_neodymium_is_not_controlled_in_april_2025(runs) -> None:
    a = runs["baseline"]["shortfall"].sel(element="Nd")
    b = runs["export-controls-2025"]["shortfall"].sel(element="Nd")
    xr.testing.assert_allclose(a, b)


def test_recycling_push_adds_secondary_supply(runs) -> None:
    base = float(runs["baseline"]["secondary_supply"].sum())
    push = float(runs["recycling-push"]["secondary_supply"].sum())
    assert push > base


def test_year_derisked_is_the_first_year_from_which_coverage_holds_for_good() -> None:
    years = np.arange(2025, 2031)
    demand = np.ones((3, 1, 6))
    free = np.array(
        [[[0, 1, 1, 1, 1, 1]], [[1, 1, 0, 1, 1, 1]], [[0, 0, 0, 0, 0, 0.5]]], dtype=float
    )
    ds = xr.Dataset(
        {
            "demand": (("draw", "element", "year"), demand),
            "china_free_supply": (("draw", "element", "year"), free),
        },
        coords={"year": years, "element": ["Nd"]},
    )
    got = year_derisked(ds).values[:, 0]
    assert got[0] == 2026 and got[1] == 2028 and np.isnan(got[2])


def test_mass_balance_check_fires_on_a_perturbed_flow(session_store: Store) -> None:
    from derisk.forecast.inputs import load_inputs
    from derisk.forecast.model import capacities, demand, walk_chain
    from derisk.forecast.sampling import draw_parameters

    scenario = load_scenario("baseline")
    inputs = load_inputs(session_store, scenario.demand.path, 2025, 2050)
    draws = draw_parameters(scenario, inputs, "US", 5, seed=1)
    world = demand(inputs, draws, scenario).sum(axis=1)
    cap, secondary = capacities(inputs, draws, scenario, world)
    flows = walk_chain(cap, scenario, inputs.years, "US", secondary, inputs.elements)
    check_chain_balance(flows, secondary)  # balanced as computed
    flows.dep[2, 2, 0, 1, 7] += 1.0
    with pytest.raises(MassBalanceError):
        check_chain_balance(flows, secondary)


def test_unknown_bloc_and_missing_demand_share_are_clear_errors(session_store: Store) -> None:
    from derisk.errors import InputError

    with pytest.raises(InputError, match="unknown bloc"):
        forecast(session_store, load_scenario("baseline"), bloc="Atlantis", draws=5)
    with pytest.raises(InputError, match="no demand share"):
        forecast(
            session_store, load_scenario("baseline", ["demand.bloc_share={}"]), bloc="JP", draws=5
        )

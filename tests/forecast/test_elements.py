"""All rare earths on the element axis: co-products, no-data elements, quota path, CRMA."""

from __future__ import annotations

import json

import numpy as np
import pytest

from derisk.data.store import Store
from derisk.errors import InputError
from derisk.forecast.inputs import OXIDE_TO_ELEMENT
from derisk.forecast.output import forecast_json
from derisk.forecast.run import forecast
from derisk.forecast.scenario import ELEMENTS, MAGNET_ELEMENTS, load_scenario
from derisk.forecast.summary import crma_check


@pytest.fixture(scope="module")
def baseline(session_store: Store):
    return forecast(session_store, load_scenario("baseline"), "US", draws=40, seed=3)


def test_element_axis_is_all_seventeen_rare_earths_magnet_first(inputs) -> None:
    assert len(set(ELEMENTS)) == 17
    assert inputs.elements[: len(MAGNET_ELEMENTS)] == MAGNET_ELEMENTS
    assert inputs.mining_base.shape[1] == inputs.demand_path.shape[1] == 17


def test_oxide_factors_match_the_ones_the_demand_notes_computed() -> None:
    # shared/reference/demand/NOTES.md: Nd2O3 0.857, Pr6O11 0.828, Dy2O3 0.871, Tb4O7 0.850.
    notes = {"Nd": 0.857, "Pr": 0.828, "Dy": 0.871, "Tb": 0.850}
    assert {e: OXIDE_TO_ELEMENT[e] for e in notes} == notes
    assert all(0.5 < f < 1 for f in OXIDE_TO_ELEMENT.values())


def test_coproduction_implies_a_world_mine_output_close_to_usgs(
    inputs, session_store: Store
) -> None:
    """Scaling co-products from IEA magnet-REE mining should land near USGS world TREO."""
    reo = sum(
        inputs.mining_base[:, i].sum() / OXIDE_TO_ELEMENT[e] for i, e in enumerate(ELEMENTS)
    )
    mine = session_store.table("mine_production")
    usgs = float(mine[(mine["country"] == "WLD") & (mine["year"] == 2024)]["value"].iloc[0])
    assert abs(reo - usgs) / usgs < 0.10, (reo, usgs)


def test_coproducts_pass_through_the_metal_and_magnet_stages(baseline) -> None:
    la = baseline["primary_supply"].sel(element="La")
    sep = la.sel(stage="separation").sum("region")
    magnet = la.sel(stage="magnet").sum("region")
    np.testing.assert_allclose(magnet, sep, rtol=1e-5)
    assert float(sep.sum()) > 0


def test_only_magnet_elements_are_recycled(baseline) -> None:
    secondary = baseline["secondary_supply"]
    assert float(secondary.sel(element=["La", "Ce", "Y"]).sum()) == 0.0


def test_elements_without_data_are_reported_not_derisked(baseline) -> None:
    summary = baseline.attrs["summary"]["year_derisked"]
    for element in ("Sc", "Pm"):
        assert summary[element]["p50"] is None
        assert "no data" in summary[element]["note"]
    payload = json.loads(forecast_json(baseline))
    assert "no data" in payload["year_derisked"]["Pm"]["note"]


def test_other_rees_grow_at_the_scenario_rate(session_store: Store) -> None:
    flat = forecast(session_store, load_scenario("baseline"), "US", draws=5, seed=1)
    grown = forecast(
        session_store,
        load_scenario("baseline", ["demand.other_rees_growth=0.02"]),
        "US",
        draws=5,
        seed=1,
    )
    years = int(flat["year"].values[-1]) - 2024
    ratio = grown["demand"].sel(element="Ce", year=2050) / flat["demand"].sel(
        element="Ce", year=2050
    )
    np.testing.assert_allclose(ratio, 1.02**years, rtol=1e-9)
    # Magnet elements are untouched by the non-magnet lever.
    np.testing.assert_allclose(grown["demand"].sel(element="Nd"), flat["demand"].sel(element="Nd"))


def test_export_controls_hit_controlled_elements_only(session_store: Store) -> None:
    def run(rate: float):
        sets = [
            "china.export_controls=[{name: t, elements: [Sm], stages: [separation, metal, "
            f"magnet], start: 2025, approval_rate: {rate}, source: test}}]"
        ]
        return forecast(session_store, load_scenario("baseline", sets), "US", draws=10, seed=2)

    open_, shut = run(1.0), run(0.0)
    assert float(shut["shortfall"].sel(element="Sm").sum()) > float(
        open_["shortfall"].sel(element="Sm").sum()
    )
    np.testing.assert_allclose(
        shut["supply_available"].sel(element="La"), open_["supply_available"].sel(element="La")
    )


def test_unknown_element_in_a_control_names_the_field() -> None:
    with pytest.raises(InputError) as err:
        load_scenario(
            "baseline",
            [
                "china.export_controls=[{name: t, elements: [Xx], stages: [magnet], "
                "start: 2025, approval_rate: 0.5, source: test}]"
            ],
        )
    assert "china.export_controls.0" in str(err.value) and "Xx" in str(err.value)


def test_quota_path_sets_china_mining_from_its_quota(session_store: Store, inputs) -> None:
    from derisk.forecast.model import capacities, demand
    from derisk.forecast.sampling import draw_parameters

    scenario = load_scenario(
        "baseline", ["china.capacity_path=quota", "china.capacity_growth=0.0"]
    )
    draws = draw_parameters(scenario, inputs, "US", 3, seed=1)
    cap, _ = capacities(inputs, draws, scenario, demand(inputs, draws, scenario).sum(axis=1))
    quotas = session_store.table("china_quotas")
    full = quotas[(quotas["period"] == "full year") & (quotas["quota_type"] == "mining")]
    latest = float(full.sort_values("year")["value"].iloc[-1])
    reo = sum(cap[0, 0, 0, i, 0] / OXIDE_TO_ELEMENT[e] for i, e in enumerate(ELEMENTS))
    # The blended ore's tabulated percentages sum to a little under 100 (USGS rows).
    assert 0.9 * latest < reo <= latest
    ds = forecast(session_store, scenario, "US", draws=5, seed=1)
    assert np.isfinite(ds["shortfall"].values).all()


def test_crma_check_reports_eu_processing_against_40_percent(session_store: Store) -> None:
    ds = forecast(session_store, load_scenario("baseline"), "EU27", draws=10, seed=1)
    rows = crma_check(ds)
    nd = [r for r in rows if r["element"] == "Nd" and r["year"] == 2030][0]
    assert nd["eu_processing_share_of_demand_p50_pct"] >= 0
    assert nd["meets_40pct_processing"] == (nd["eu_processing_share_of_demand_p50_pct"] >= 40)
    assert not any(r["element"] in ("Sc", "Pm") for r in rows)


def test_hhi_is_over_the_magnet_rare_earths_only(baseline) -> None:
    out = baseline["primary_supply"].sel(element=list(MAGNET_ELEMENTS)).sum("element")
    shares = out / out.sum("region")
    expected = 10_000 * (shares**2).sum("region")
    np.testing.assert_allclose(baseline["hhi"], expected, rtol=1e-4)


def test_json_series_carry_the_china_free_share_per_draw(baseline) -> None:
    payload = json.loads(forecast_json(baseline))
    rows = [r for r in payload["series"] if r["metric"] == "china_free_share_pct"]
    nd = {r["year"]: r for r in rows if r["element"] == "Nd"}
    ratio = 100 * baseline["china_free_supply"] / baseline["demand"]
    for year in (2025, 2040):
        expected = np.percentile(ratio.sel(element="Nd", year=year).values, [10, 50, 90])
        got = [nd[year][k] for k in ("p10", "p50", "p90")]
        np.testing.assert_allclose(got, expected, atol=1e-3)
    assert all(r["p50"] is None for r in rows if r["element"] == "Pm")

"""Plants by what they make (issue 10, item 4), on the real packaged store.

Expected values are derived from the curated `facilities` rows and the documented
conversion factors (docs/METHODS.md, "The pipeline"), not copied from the code's output.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from derisk.data.store import Store
from derisk.forecast.base_capacity import INTEGRATED_ASSUMED
from derisk.forecast.inputs import (
    MAGNET_RE_CONTENT,
    OXIDE_TO_ELEMENT,
    REGION_DEPOSIT,
    ModelInputs,
)
from derisk.forecast.plants import PRODUCTS
from derisk.forecast.scenario import (
    ELEMENTS,
    MAGNET_ELEMENTS,
    MODEL_STAGES,
    REGIONS,
    load_scenario,
)

DY, TB = ELEMENTS.index("Dy"), ELEMENTS.index("Tb")
LO, HI = MAGNET_RE_CONTENT


@pytest.fixture(scope="module")
def rows(session_store: Store) -> pd.DataFrame:
    return session_store.table("facilities")


def _row(rows: pd.DataFrame, fragment: str) -> pd.Series:
    hit = rows[rows["name"].str.contains(fragment, regex=False)]
    assert len(hit) == 1, (fragment, list(hit["name"]))
    return hit.iloc[0]


def _plant(inputs: ModelInputs, fragment: str):
    # A plant's derived metal line (base_capacity.integrated_metal) shares its name.
    hit = [p for p in inputs.facilities if fragment in p.name and not p.companion_of]
    assert len(hit) == 1, (fragment, [p.name for p in hit])
    return hit[0]


def test_japan_has_metal_and_magnet_capacity_from_its_rows(inputs, rows) -> None:
    japan = rows[(rows["country"] == "JPN") & rows["value"].notna()]
    magnets = japan.loc[japan["stage"] == "magnet", "value"].sum()
    alloy = japan.loc[japan["stage"] == "alloy", "value"].sum()
    assert magnets > 0 and alloy > 0
    # Only plants converted from Japan's own rows; the estimated makers missing from the
    # table (derived, tests/forecast/test_pipeline.py) come on top of them.
    plants = [p for p in inputs.facilities if p.region == "JPN" and not p.derived]
    by_stage = {
        s: (
            sum(p.capacity_low for p in plants if p.stage == s),
            sum(p.capacity_high for p in plants if p.stage == s),
        )
        for s in ("metal", "magnet")
    }
    # Sintered NdFeB and NdFeB magnet alloy both at 29-32.5 wt% rare earths (COURAGE_FAQ).
    np.testing.assert_allclose(by_stage["magnet"], (magnets * LO, magnets * HI))
    np.testing.assert_allclose(by_stage["metal"], (alloy * LO, alloy * HI))
    assert all(p.product == "ndfeb" for p in plants)


def test_vinton_capacity_sits_on_dy_tb_and_ndpr_by_its_stated_split(inputs, rows) -> None:
    row = _row(rows, "Vinton")
    stated = {
        label: float(num.replace(",", ""))
        for num, label in re.findall(r"([\d,]+) (Dy|Tb|NdPr)\b", row["unit"])
    }
    assert sum(stated.values()) == pytest.approx(row["value"])
    plant = _plant(inputs, "Vinton")
    tonnes = plant.capacity_low * plant.element_share
    assert tonnes[DY] == pytest.approx(stated["Dy"] * OXIDE_TO_ELEMENT["Dy"])
    assert tonnes[TB] == pytest.approx(stated["Tb"] * OXIDE_TO_ELEMENT["Tb"])
    ndpr = tonnes[:2].sum()
    assert (
        stated["NdPr"] * OXIDE_TO_ELEMENT["Pr"] <= ndpr <= stated["NdPr"] * OXIDE_TO_ELEMENT["Nd"]
    )
    assert plant.capacity_low == pytest.approx(tonnes[:4].sum())


@pytest.mark.parametrize("fragment", ["Mountain Pass heavy", "Carina", "Norra Karr"])
def test_dy_tb_circuits_and_mines_add_dy_and_tb_only(inputs, rows, fragment) -> None:
    plant = _plant(inputs, fragment)
    assert plant.product == "hree"
    assert plant.element_share[:2].sum() == 0.0
    assert plant.element_share[[DY, TB]].sum() == pytest.approx(1.0)
    assert plant.element_share[[DY, TB]].min() > 0
    row = _row(rows, fragment)
    if pd.notna(row["value"]):
        low, high = row["value"] * OXIDE_TO_ELEMENT["Tb"], row["value"] * OXIDE_TO_ELEMENT["Dy"]
        assert low <= plant.capacity_low <= high


def test_norra_karr_takes_its_dy_and_tb_oxide_from_the_note(inputs, rows) -> None:
    note = _row(rows, "Norra Karr")["note"]
    dy, tb = (float(re.search(rf"(\d+) t/yr {e} oxide", note).group(1)) for e in ("Dy", "Tb"))
    plant = _plant(inputs, "Norra Karr")
    tonnes = plant.capacity_low * plant.element_share
    assert tonnes[DY] == pytest.approx(dy * OXIDE_TO_ELEMENT["Dy"])
    assert tonnes[TB] == pytest.approx(tb * OXIDE_TO_ELEMENT["Tb"])
    assert plant.stage == "mining" and plant.region == "EU"


def test_dy_tb_capacity_reaches_the_model_as_dy_tb_supply(inputs) -> None:
    from derisk.forecast.model import capacities, demand
    from derisk.forecast.sampling import draw_parameters

    sets = [
        "pipeline.on_time=true",
        "pipeline.success_probability={planned: 1.0, "
        "construction: 1.0, operating: 1.0, cancelled: 0.0}",
    ]
    scenario = load_scenario("baseline", sets)
    draws = draw_parameters(scenario, inputs, "US", 2, seed=1)
    cap, _ = capacities(inputs, draws, scenario, demand(inputs, draws, scenario).sum(axis=1))
    sep, usa = MODEL_STAGES.index("separation"), REGIONS.index("USA")
    year = list(inputs.years).index(2040)
    hree = [p for p in inputs.facilities if p.region == "USA" and p.product == "hree"]
    hree += [p for p in inputs.facilities if "Vinton" in p.name]
    expected = sum(p.capacity_low * p.element_share[DY] for p in hree if p.stage == "separation")
    # Mountain Pass's ore has no Dy (USGS NA): all US Dy separation comes from these plants.
    assert cap[0, sep, usa, DY, year] == pytest.approx(expected)


def test_rare_earth_free_magnets_are_substitutes_not_supply(inputs, rows) -> None:
    row = _row(rows, "iron-nitride")
    assert "REE-free" in row["products"]
    assert all("iron-nitride" not in p.name for p in inputs.facilities)
    [sub] = [p for p in inputs.substitutes if "iron-nitride" in p.name]
    assert sub.product == "substitute" and sub.capacity_low == row["value"]
    assert not sub.element_share.any()
    assert row["source_id"] in inputs.sources["substitutes"]


def test_mp_company_total_is_not_added_on_top_of_independence(inputs, rows) -> None:
    total = _row(rows, "10X")
    assert "company total" in total["unit"]
    mp = [
        p
        for p in inputs.facilities
        if p.stage == "magnet"
        and p.name in set(rows.loc[rows["company"] == total["company"], "name"])
    ]
    assert {p.name for p in mp} == {total["name"], _row(rows, "Independence")["name"]}
    low = sum(p.capacity_low for p in mp)
    high = sum(p.capacity_high for p in mp)
    np.testing.assert_allclose((low, high), (total["value"] * LO, total["value"] * HI))
    assert "Independence" in _plant(inputs, "10X").basis


def test_brazil_clays_use_an_ion_adsorption_profile_flagged_as_assumed(
    inputs, session_store: Store
) -> None:
    comp = session_store.table("deposit_composition")
    ion = set(comp.loc[comp["deposit_type"].str.contains("ion-adsorption"), "deposit"])
    for fragment in ("Pela Ema", "Carina"):
        plant = _plant(inputs, fragment)
        assert plant.region == "BRA"
        assert plant.deposit in ion, plant.deposit
        assert plant.deposit_assumed and plant.deposit_note
    assert REGION_DEPOSIT["BRA"] in ion


def test_every_row_is_a_plant_a_substitute_or_skipped_with_a_reason(inputs, rows) -> None:
    reasons = dict(s.split("): ", 1) for s in inputs.skipped)
    assert all(r.strip() for r in reasons.values())
    skipped = {k.rsplit(" (", 1)[0] for k in reasons}
    # Derived capacity (integrated metal lines, flagged estimates) has no row of its own.
    kept = [p.name for p in inputs.facilities + inputs.substitutes if not p.derived]
    assert len(kept) == len(set(kept))
    derived = [p for p in inputs.facilities if p.derived]
    assert {p.derived for p in derived} <= {"integrated", "estimate", INTEGRATED_ASSUMED}
    assert all(p.basis and p.name not in set(rows["name"]) for p in derived)
    assert sorted(kept + sorted(skipped)) == sorted(rows["name"])
    assert not skipped & set(kept)
    takefu = next(r for k, r in reasons.items() if k.startswith("Takefu"))
    assert takefu == "capacity not found in the source"
    assert {p.product for p in inputs.facilities + inputs.substitutes} <= set(PRODUCTS)


def test_profiles_are_recorded_where_an_ore_converted_the_capacity(inputs) -> None:
    for plant in inputs.facilities:
        if plant.product in ("ore", "ndpr", "magnet_mix"):
            assert plant.deposit, plant.name
        if plant.product == "ndfeb":
            assert plant.deposit == "" and not plant.deposit_assumed
        assert plant.basis, plant.name
    assert _plant(inputs, "Mountain Pass mine").deposit_assumed is False


def test_mining_outside_china_grows_with_the_mines_in_development(inputs, rows) -> None:
    pipeline = [
        p
        for p in inputs.facilities
        if p.stage == "mining" and p.status in ("planned", "construction")
    ]
    assert sum(p.capacity_low for p in pipeline) > 0
    names = {p.name for p in pipeline}
    for fragment in ("Yangibana", "Nolans mine", "Kvanefjeld", "Norra Karr", "Carina"):
        assert any(fragment in n for n in names), fragment
    # Yangibana: 37,000 t/yr concentrate at the note's REO grade and NdPr:TREO share.
    row = _row(rows, "Yangibana mine")
    grade = float(re.search(r"grade (\d+)% REO", row["note"]).group(1)) / 100
    ndpr = float(re.search(r"NdPr:TREO (\d+)%", row["note"]).group(1)) / 100
    plant = _plant(inputs, "Yangibana mine")
    tonnes = plant.capacity_low * plant.element_share
    oxide = tonnes[0] / OXIDE_TO_ELEMENT["Nd"] + tonnes[1] / OXIDE_TO_ELEMENT["Pr"]
    assert oxide == pytest.approx(row["value"] * grade * ndpr)


def test_unconvertible_mrec_and_feed_rows_are_skipped_not_invented(inputs) -> None:
    reasons = dict(s.split("): ", 1) for s in inputs.skipped)
    by_name = {k.rsplit(" (", 1)[0]: v for k, v in reasons.items()}
    assert "MREC" in by_name["Longonjo"]
    # The 1,500 t/yr SEGH circuit now counts at its reported Dy+Tb output
    # (test_pipeline.py); its planned expansion states only feed and stays skipped.
    assert "feed throughput" in by_name["Lynas Malaysia heavy REE separation facility (expansion)"]
    assert "Lynas Malaysia heavy REE circuit" not in by_name
    assert "not separation capacity" in by_name["Kalgoorlie Rare Earths Processing Facility"]
    silmet = _plant(inputs, "Silmet")
    assert silmet.product == "ndpr" and silmet.deposit_assumed and silmet.capacity_low > 0


# -- magnet-element capacities, target years, operating plants outside the IEA base ------
def _eu_separation(inputs, year: int) -> np.ndarray:
    """EU separation capacity (t element per ELEMENTS) in ``year``: every plant succeeds."""
    from derisk.forecast.model import capacities, demand
    from derisk.forecast.sampling import draw_parameters

    sets = [
        "pipeline.on_time=true",
        "pipeline.success_probability={planned: 1.0, "
        "construction: 1.0, operating: 1.0, cancelled: 0.0}",
    ]
    scenario = load_scenario("baseline", sets)
    draws = draw_parameters(scenario, inputs, "US", 2, seed=1)
    cap, _ = capacities(inputs, draws, scenario, demand(inputs, draws, scenario).sum(axis=1))
    sep, eu = MODEL_STAGES.index("separation"), REGIONS.index("EU")
    return cap[0, sep, eu, :, list(inputs.years).index(year)]


@pytest.mark.parametrize("fragment", ["La Rochelle", "Phalaborwa", "White Mesa Mill Phase 2"])
def test_magnet_reo_and_ndpr_capacities_carry_no_co_products(inputs, rows, fragment) -> None:
    """A capacity stated as magnet REO or NdPr oxide is the magnet elements themselves:
    converted back to oxide it is the row's value, and no La, Ce ... is added on top."""
    row = _row(rows, fragment)
    assert "magnet reo" in row["unit"].lower() or "ndpr" in row["unit"].lower()
    plant = _plant(inputs, fragment)
    n = len(MAGNET_ELEMENTS)  # Nd, Pr, Dy, Tb lead ELEMENTS
    assert not plant.element_share[n:].any(), plant.element_share[n:]
    tonnes = plant.capacity_low * plant.element_share[:n]
    oxide = sum(t / OXIDE_TO_ELEMENT[e] for t, e in zip(tonnes, ELEMENTS[:n], strict=True))
    assert oxide == pytest.approx(row["value"])


def test_la_rochelle_adds_no_lanthanum_or_cerium_to_eu_separation(inputs) -> None:
    silmet = _plant(inputs, "Silmet")
    la, ce = ELEMENTS.index("La"), ELEMENTS.index("Ce")
    cap = _eu_separation(inputs, 2040)
    # Silmet (light-REE products, stated for all its light rare earths) is the EU's only
    # La/Ce: Caremag states its NdPr and Dy+Tb, La Rochelle its magnet REO.
    assert cap[la] == pytest.approx(silmet.capacity_low * silmet.element_share[la])
    assert cap[ce] == pytest.approx(silmet.capacity_low * silmet.element_share[ce])


def test_a_target_capacity_is_reached_no_earlier_than_its_target_year(inputs, rows) -> None:
    from derisk.forecast.model import _online_tonnes
    from derisk.forecast.sampling import draw_parameters

    row = _row(rows, "La Rochelle")
    target = int(re.search(r"target by (\d{4})", row["unit"]).group(1))
    assert row["status"] == "operating" and row["actual_start_year"] < target
    plant = _plant(inputs, "La Rochelle")
    assert plant.target_year == target
    scenario = load_scenario("baseline")
    draws = draw_parameters(scenario, inputs, "EU27", 3, seed=1)
    i = inputs.facilities.index(plant)
    online = _online_tonnes(inputs, draws, scenario.pipeline, i)
    years = list(inputs.years)
    before = [years.index(y) for y in range(int(row["actual_start_year"]), target)]
    assert (online[:, before] < plant.capacity_low).all()
    assert (np.diff(online[:, before], axis=1) > 0).all()  # ramping up, not flat
    assert online[:, years.index(target)] == pytest.approx(plant.capacity_low)


def test_operating_plant_in_a_region_without_base_output_is_counted(inputs) -> None:
    """Silmet runs in the EU, whose IEA 2024 refining base is zero: it is not inside any
    base figure, so its capacity must be added (it was dropped as 'in the base')."""
    eu = REGIONS.index("EU")
    assert not inputs.refining_base[eu].any()
    silmet = _plant(inputs, "Silmet")
    assert silmet.status == "operating" and silmet.stage == "separation"
    plants = [
        p
        for p in inputs.facilities
        if p.region == "EU" and p.stage == "separation" and p.status != "cancelled"
    ]
    assert silmet in plants
    magnet = sum(p.capacity_low * p.element_share[:4].sum() for p in plants)
    assert _eu_separation(inputs, 2040)[:4].sum() == pytest.approx(magnet)

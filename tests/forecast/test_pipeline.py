"""A pipeline that behaves like the industry (issue 12, part 5), on the real packaged store.

Mine lead times, S-shaped ramp-up, the base-year magnet capacity outside China that the
facilities table lacks, integrated plants' metal lines and reported heavy-REE output.
Expected values are derived from store rows and the rules in docs/METHODS.md ("The
pipeline", "Base-year capacity outside China"), not copied from the code's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derisk.data.store import Store
from derisk.forecast.base_capacity import (
    CHINA_MAGNET_SHARE_SOURCES,
    JAPAN_PART_SOURCE,
    OWN_METAL,
    counted_in_base,
)
from derisk.forecast.inputs import AS_OF_YEAR, BASE_YEAR, OXIDE_TO_ELEMENT, ModelInputs
from derisk.forecast.ramp import online_fraction
from derisk.forecast.sampling import draw_parameters, is_unbuilt_mine
from derisk.forecast.scenario import ELEMENTS, load_scenario

DY, TB = ELEMENTS.index("Dy"), ELEMENTS.index("Tb")
SHAPES = ("linear", "s_curve")


@pytest.fixture(scope="module")
def shares(session_store: Store) -> pd.DataFrame:
    return session_store.table("stage_shares")


# --- ramp-up ---------------------------------------------------------------------------

starts = st.lists(st.one_of(st.none(), st.integers(2015, 2055)), min_size=1, max_size=8).map(
    lambda xs: np.array([np.nan if x is None else float(x) for x in xs])
)
ramps = st.integers(0, 15)
YEARS = np.arange(2010, 2061)


@given(start=starts, ramp=ramps, shape=st.sampled_from(SHAPES))
def test_online_fraction_is_bounded_and_monotone_in_time(start, ramp, shape) -> None:
    out = online_fraction(YEARS, start, ramp, shape)
    assert out.shape == (len(start), len(YEARS))
    assert ((out >= 0.0) & (out <= 1.0)).all()
    assert (np.diff(out, axis=1) >= -1e-12).all()
    assert (out[np.isnan(start)] == 0.0).all()


@given(start=starts, ramp=ramps)
def test_linear_is_the_old_rule_exactly(start, ramp) -> None:
    r = max(ramp, 1)
    old = np.clip((YEARS[None, :] - start[:, None] + 1) / r, 0.0, 1.0)
    old = np.where(np.isnan(start[:, None]), 0.0, old)
    np.testing.assert_array_equal(online_fraction(YEARS, start, ramp, "linear"), old)


@given(start=st.integers(2020, 2040), ramp=st.integers(1, 15))
def test_s_curve_is_half_at_mid_ramp_and_full_when_the_ramp_ends(start, ramp) -> None:
    s = np.array([float(start)])
    # The clock counts the start year as year 1: x = year - start + 1.
    mid = np.array([start - 1 + ramp / 2])
    assert online_fraction(mid, s, ramp, "s_curve")[0, 0] == pytest.approx(0.5)
    after = np.arange(start - 1 + ramp, start + ramp + 10)
    np.testing.assert_array_equal(online_fraction(after, s, ramp, "s_curve"), 1.0)
    before = np.arange(start - 10, start)
    np.testing.assert_array_equal(online_fraction(before, s, ramp, "s_curve"), 0.0)


@given(start=st.integers(2020, 2040), ramp=st.integers(1, 15))
def test_s_curve_puts_the_same_tonnes_online_over_the_ramp_as_linear(start, ramp) -> None:
    s = np.array([float(start)])
    years = np.arange(start - 2, start + ramp + 2)
    curve, line = (online_fraction(years, s, ramp, shape).sum() for shape in SHAPES)
    assert curve == pytest.approx(line)
    early = np.arange(start, start + ramp // 2)  # the ramp's first half: later than linear
    assert (
        online_fraction(early, s, ramp, "s_curve") <= online_fraction(early, s, ramp, "linear")
    ).all()


def test_unknown_ramp_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="ramp shape"):
        online_fraction(YEARS, np.array([2030.0]), 3, "step")


# --- mine lead times -------------------------------------------------------------------


def _draws(inputs: ModelInputs, sets: list[str], n: int = 400, seed: int = 3):
    return draw_parameters(load_scenario("baseline", sets), inputs, "US", n, seed)


def test_planned_mines_wait_their_lead_time_and_nothing_else_moves(inputs) -> None:
    lead = "pipeline.mine_lead_years={dist: fixed, value: 7, source: 'test'}"
    none = _draws(inputs, ["pipeline.mine_lead_years=null"])
    with_lead = _draws(inputs, [lead])
    mines = [i for i, p in enumerate(inputs.facilities) if is_unbuilt_mine(p.status, p.stage)]
    assert mines, "the store has planned mines"
    others = [i for i in range(len(inputs.facilities)) if i not in mines]
    np.testing.assert_array_equal(none.start_year[:, others], with_lead.start_year[:, others])
    np.testing.assert_array_equal(none.capacity, with_lead.capacity)
    a, b = none.start_year[:, mines], with_lead.start_year[:, mines]
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))  # success is unchanged
    ok = ~np.isnan(a)
    assert (b[ok] >= AS_OF_YEAR + 7).all()
    np.testing.assert_array_equal(b[ok], np.maximum(a[ok], AS_OF_YEAR + 7))


def test_the_baseline_lead_time_delays_mining_capacity_outside_china(inputs) -> None:
    """The lever moves output the expected way: later mines, less mining capacity."""
    none = _draws(inputs, ["pipeline.mine_lead_years=null"])
    base = _draws(inputs, [])
    lead = load_scenario("baseline").pipeline.mine_lead_years
    assert lead is not None and lead.source.startswith("assumption:")
    mines = [i for i, p in enumerate(inputs.facilities) if is_unbuilt_mine(p.status, p.stage)]
    ok = ~np.isnan(none.start_year[:, mines])
    assert (base.start_year[:, mines][ok] >= AS_OF_YEAR + lead.low).all()
    assert base.start_year[:, mines][ok].mean() > none.start_year[:, mines][ok].mean()
    years = np.arange(BASE_YEAR, 2051)

    def mined(d) -> np.ndarray:
        on = [online_fraction(years, d.start_year[:, i], 3, "s_curve") for i in mines]
        return sum(o * d.capacity[:, i][:, None] for o, i in zip(on, mines, strict=True))

    assert (mined(base) <= mined(none) + 1e-9).all()
    assert mined(base)[:, years == 2030].mean() < mined(none)[:, years == 2030].mean()


# --- integrated plants, reported output ------------------------------------------------


def test_integrated_magnet_plants_get_their_own_metal_line(inputs, session_store) -> None:
    rows = session_store.table("facilities").set_index("name")
    magnets = [p for p in inputs.facilities if p.stage == "magnet" and not p.derived]
    own = [p for p in magnets if OWN_METAL.search(str(rows.loc[p.name, "products"]))]
    assert any("Independence" in p.name for p in own)
    lines = {p.companion_of: p for p in inputs.facilities if p.derived == "integrated"}
    assert set(lines) == {p.name for p in own}
    for plant in own:
        line = lines[plant.name]
        assert line.stage == "metal" and line.region == plant.region
        assert (line.capacity_low, line.capacity_high) == (plant.capacity_low, plant.capacity_high)
    # The metal line starts and sizes with its magnet line, draw by draw.
    draws = _draws(inputs, [])
    index = {p.name: i for i, p in enumerate(inputs.facilities)}
    for parent, line in lines.items():
        for field in ("start_year", "capacity"):
            a, b = (
                getattr(draws, field)[:, index[parent]],
                getattr(draws, field)[:, index[line.name]],
            )
            np.testing.assert_array_equal(a, b)


def test_lynas_heavy_circuit_counts_at_its_reported_dy_tb_output(inputs, shares) -> None:
    reported = shares[
        shares["element_or_group"].str.contains("Dy + Tb oxide) production (Lynas", regex=False)
    ]
    year = reported["year"].max()
    quarters = reported[reported["year"] == year]
    oxide = quarters["value"].sum() * 4 / len(quarters)
    [plant] = [p for p in inputs.facilities if p.name == "Lynas Malaysia heavy REE circuit"]
    assert plant.product == "hree" and plant.region == "MYS"
    tonnes = plant.capacity_low * plant.element_share
    assert tonnes[:2].sum() == 0.0 and tonnes[DY] > 0 and tonnes[TB] > 0
    back = tonnes[DY] / OXIDE_TO_ELEMENT["Dy"] + tonnes[TB] / OXIDE_TO_ELEMENT["Tb"]
    assert back == pytest.approx(oxide)
    assert set(quarters["source_id"]) <= set(plant.source_id.split(";"))


# --- base-year magnet capacity outside China --------------------------------------------


def test_estimate_brings_non_china_magnets_to_the_sourced_share(inputs, shares) -> None:
    china = shares[
        (shares["stage"] == "magnet")
        & (shares["country"] == "CHN")
        & shares["source_id"].isin(CHINA_MAGNET_SHARE_SOURCES)
    ]["value"]
    world = inputs.demand_path[:, inputs.magnet, list(inputs.years).index(BASE_YEAR)].sum()
    in_base = [p for p in inputs.facilities if counted_in_base(p) or p.derived == "estimate"]
    mid = {p.name: (p.capacity_low + p.capacity_high) / 2 for p in in_base}
    counted = sum(mid[p.name] for p in in_base if not p.derived)
    estimates = [p for p in in_base if p.derived == "estimate"]
    low = (counted + sum(p.capacity_low for p in estimates)) / world
    high = (counted + sum(p.capacity_high for p in estimates)) / world
    assert low == pytest.approx(1 - china.max() / 100)
    assert high == pytest.approx(1 - china.min() / 100)
    # Japan about half of it (UBS via CNA), counting Japan's plants in the data.
    assert "half" in " ".join(shares.loc[shares["source_id"] == JAPAN_PART_SOURCE, "value_text"])
    japan = [p for p in in_base if p.region == "JPN"]
    jp_low = sum(mid[p.name] for p in japan if not p.derived) + sum(
        p.capacity_low for p in japan if p.derived
    )
    assert jp_low / world == pytest.approx(0.5 * low)


def test_estimates_are_flagged_sourced_and_running_in_the_base_year(inputs, session_store) -> None:
    known = set(session_store.table("sources")["source_id"])
    estimates = [p for p in inputs.facilities if p.derived == "estimate"]
    assert {p.region for p in estimates} == {"JPN", "ROW"}
    for plant in estimates:
        assert plant.basis.startswith("flagged estimate")
        assert plant.status == "operating" and plant.stage == "magnet"
        # Fully online in the base year under any ramp a scenario allows (up to 15 years).
        for shape in SHAPES:
            online = online_fraction(np.array([BASE_YEAR]), np.array([plant.actual]), 15, shape)
            assert online[0, 0] == 1.0
        assert set(plant.source_id.split(";")) <= known
        assert plant.element_share[inputs.magnet].sum() == pytest.approx(1.0)
        assert "metal is not estimated" in plant.basis
    assert not any(
        p.region == "JPN" and p.stage == "metal" and p.derived for p in inputs.facilities
    )

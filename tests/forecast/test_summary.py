"""The forecast's headline figures on small constructed Datasets (no model run).

Milestone years, the EU's CRMA 65 % milestone, China's world share and the batch-means
standard errors are checked against series whose answers follow from their construction.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS
from derisk.forecast.summary import (
    CRMA_MILESTONE,
    MILESTONE_THRESHOLDS,
    SE_BATCHES,
    batch_se,
    headline_share,
    milestones,
    series,
    summarise,
    world_china_share,
    year_p50_se,
)
from derisk.web.models import ForecastResult

DET = ("draw", "element", "year")


def chain(
    share: np.ndarray,
    start: int = 2025,
    bloc: str = "US",
    china: np.ndarray | None = None,
) -> xr.Dataset:
    """A Dataset whose China-free share of demand (0-1) is ``share`` (draw, element, year).

    Demand is 100 t a year; supply_available covers it, so China supplies the rest.
    ``china`` (draw, stage, region, element, year) is primary_supply, zeros if omitted.
    """
    share = np.asarray(share, float)
    n, n_el, n_years = share.shape
    elements = list(MAGNET_ELEMENTS[:n_el])
    demand = np.full(share.shape, 100.0)
    if china is None:
        china = np.zeros((n, len(MODEL_STAGES), len(REGIONS), n_el, n_years))
    ds = xr.Dataset(
        {
            "demand": (DET, demand),
            "china_free_supply": (DET, 100.0 * share),
            "supply_available": (DET, demand.copy()),
            "secondary_supply": (DET, np.zeros(share.shape)),
            "shortfall": (DET, np.zeros(share.shape)),
            "primary_supply": (("draw", "stage", "region", "element", "year"), china),
        },
        coords={
            "draw": np.arange(n),
            "element": elements,
            "stage": list(MODEL_STAGES),
            "region": list(REGIONS),
            "year": np.arange(start, start + n_years),
        },
    )
    ds.attrs["bloc"] = bloc
    return ds


def repeated(path: list[float], draws: int = 20) -> np.ndarray:
    """The same yearly share path in every draw, one element."""
    return np.tile(np.asarray(path, float), (draws, 1, 1))


# -- milestones --------------------------------------------------------------------------
def test_a_linear_rise_reaches_each_milestone_in_its_year() -> None:
    ds = chain(repeated([k / 10 for k in range(11)]))  # 0 %, 10 %, ..., 100 % in 2025-2035
    got = milestones(ds)["Nd"]
    assert set(got) == {str(t) for t in MILESTONE_THRESHOLDS}
    expected = {"10": 2026, "25": 2028, "50": 2030, "80": 2033, "100": 2035}
    for key, year in expected.items():
        assert (got[key]["p10"], got[key]["p50"], got[key]["p90"]) == (year, year, year)
        assert got[key]["se"] == 0.0  # every batch agrees
        assert got[key]["prob_by"][year - 1] == 0.0 and got[key]["prob_by"][year] == 1.0


def test_a_share_that_falls_back_has_not_reached_the_milestone() -> None:
    got = milestones(chain(repeated([0.0, 0.25, 0.5, 0.55, 0.3, 0.3])))["Nd"]
    assert got["25"]["p50"] == 2026  # at or above 25 % from 2026 to the end
    assert got["50"]["p50"] is None  # 50 % in 2027-2028 only: not for good
    assert set(got["50"]["prob_by"].values()) == {0.0}


def test_draws_that_never_get_there_give_null_quantiles() -> None:
    ds = chain(repeated([0.0, 0.05, 0.05, 0.09]))
    for record in milestones(ds)["Nd"].values():
        assert (record["p10"], record["p50"], record["p90"]) == (None, None, None)
        assert set(record["prob_by"].values()) == {0.0}
        assert record["se"] == 0.0  # every batch is "never" (the horizon end + 1)


def test_never_counts_as_later_than_any_year() -> None:
    share = np.zeros((20, 1, 4))
    share[:10, 0, 1:] = 1.0  # half the draws are de-risked from 2026, half never
    got = milestones(chain(share))["Nd"]["100"]
    assert got["p10"] == 2026 and got["p90"] is None
    assert got["prob_by"] == {2025: 0.0, 2026: 0.5, 2027: 0.5, 2028: 0.5}


def test_prob_by_is_monotone_and_milestones_are_ordered() -> None:
    rng = np.random.default_rng(7)
    share = np.cumsum(rng.uniform(0, 0.15, size=(60, 2, 12)), axis=2)  # rising paths
    share[::3] *= rng.uniform(0.5, 1.0, size=(20, 2, 12))  # and some that wobble
    got = milestones(chain(share))
    for element in got.values():
        for record in element.values():
            probs = list(record["prob_by"].values())
            assert probs == sorted(probs) and all(0 <= p <= 1 for p in probs)
        ends = [element[str(t)]["prob_by"][2036] for t in MILESTONE_THRESHOLDS]
        assert ends == sorted(ends, reverse=True)  # a higher bar is reached by fewer draws


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (12, 1, 6), elements=st.floats(0, 1.5)))
def test_a_higher_threshold_is_never_reached_earlier(share: np.ndarray) -> None:
    got = milestones(chain(share))["Nd"]
    p50 = [got[str(t)]["p50"] for t in MILESTONE_THRESHOLDS]
    later = [np.inf if y is None else y for y in p50]
    assert later == sorted(later)


def test_milestone_100_is_year_derisked() -> None:
    ds = chain(np.linspace(0, 1.2, 20 * 8).reshape(20, 1, 8))
    summary = summarise(ds)
    full = summary["milestones"]["Nd"]["100"]
    assert {k: full[k] for k in ("p10", "p50", "p90", "prob_by")} == summary["year_derisked"]["Nd"]


# -- the CRMA milestone ------------------------------------------------------------------
def test_crma_65_is_the_first_year_china_supplies_at_most_65_percent_for_good() -> None:
    rising = chain(repeated([k / 10 for k in range(11)]), bloc="EU27")
    # China supplies 100 %, 90 %, ..., 0 %: 60 % from 2029 (China-free 40 %) onwards.
    assert milestones(rising)["Nd"][CRMA_MILESTONE]["p50"] == 2029
    dip = chain(repeated([0.2, 0.4, 0.4, 0.3, 0.3]), bloc="EU27")  # 60 % then back to 70 %
    assert milestones(dip)["Nd"][CRMA_MILESTONE]["p50"] is None
    exact = chain(repeated([0.0, 0.35, 0.35]), bloc="EU27")  # exactly 65 % counts
    assert milestones(exact)["Nd"][CRMA_MILESTONE]["p50"] == 2026


def test_crma_65_needs_supply_and_is_eu_only() -> None:
    ds = chain(repeated([0.0, 0.5, 0.5, 0.5]), bloc="EU27")
    ds["supply_available"][..., -1] = 0.0  # no supply at all in the last year
    ds["china_free_supply"][..., -1] = 0.0
    assert milestones(ds)["Nd"][CRMA_MILESTONE]["p50"] is None
    us = chain(repeated([0.0, 0.5, 0.5, 0.5]), bloc="US")
    assert CRMA_MILESTONE not in milestones(us)["Nd"]


# -- China's share of world output -------------------------------------------------------
def test_world_china_share_counts_the_magnet_elements_only() -> None:
    n_regions, china = len(REGIONS), REGIONS.index("CHN")
    supply = np.ones((10, len(MODEL_STAGES), n_regions, 1, 3))
    supply[:, :, china] = n_regions - 1.0  # China makes half of the world's output
    ds = chain(np.zeros((10, 1, 3)), china=supply)
    shares = world_china_share(ds)
    assert list(shares) == list(MODEL_STAGES)
    for stage in shares.values():
        assert stage[2025] == {"p10": 50.0, "p50": 50.0, "p90": 50.0}


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        (4, len(MODEL_STAGES), len(REGIONS), 2, 2),
        elements=st.floats(0, 1e6) | st.just(0.0),
    )
)
def test_world_china_share_is_a_per_cent(supply: np.ndarray) -> None:
    shares = world_china_share(chain(np.zeros((4, 2, 2)), china=supply))
    for stage in shares.values():
        for q in stage.values():
            if q["p50"] is None:  # no output at that stage and year in any draw
                continue
            assert 0 <= q["p10"] <= q["p50"] <= q["p90"] <= 100


# -- standard errors and the headline share ----------------------------------------------
def test_se_is_zero_for_identical_batches_and_positive_for_varying_ones() -> None:
    assert batch_se([2031.0] * SE_BATCHES) == 0.0
    assert batch_se([2030.0, 2032.0] * (SE_BATCHES // 2)) > 0
    assert batch_se([2031.0]) is None  # one batch has no spread to measure
    years = np.tile(np.arange(2030.0, 2040.0), 10)  # every batch holds the same draws
    assert year_p50_se(years, 2050) == 0.0
    years = np.repeat(np.arange(2030.0, 2040.0), 10)  # each batch its own year
    assert year_p50_se(years, 2050) > 0
    assert year_p50_se(years[:9], 2050) is None  # fewer draws than batches


def test_headline_share_matches_the_series_and_has_its_se() -> None:
    rng = np.random.default_rng(3)
    share = rng.uniform(0, 1, size=(50, 2, 30))  # 2025-2054: every headline year in range
    got = headline_share(chain(share))
    assert set(got["Nd"]) == {2030, 2035, 2040, 2050}
    rows = {
        (r["element"], r["year"]): r
        for r in series(chain(share), ())
        if r["metric"] == "china_free_share_pct"
    }
    for element, years in got.items():
        for year, q in years.items():
            assert q["p10"] <= q["p50"] <= q["p90"]
            assert q["p50"] == rows[(element, year)]["p50"]
            assert q["se"] > 0
    same = headline_share(chain(np.tile(share[:1], (50, 1, 1))))  # identical draws
    assert {q["se"] for years in same.values() for q in years.values()} == {0.0}


def test_headline_years_outside_the_horizon_are_left_out() -> None:
    got = headline_share(chain(repeated([0.5] * 8), start=2028))  # 2028-2035
    assert set(got["Nd"]) == {2030, 2035}


def test_summary_is_plain_json() -> None:
    rng = np.random.default_rng(5)
    supply = rng.uniform(0, 10, size=(20, len(MODEL_STAGES), len(REGIONS), 2, 6))
    ds = chain(rng.uniform(0, 1, size=(20, 2, 6)), bloc="EU27", china=supply)
    summary = summarise(ds)
    assert {"year_derisked", "worst_shortfall", "milestones", "headline_share"} <= set(summary)
    json.dumps(summary, allow_nan=False)  # no NaN: undefined figures are null


# -- the CLI -----------------------------------------------------------------------------
runner = CliRunner()


def test_forecast_json_has_the_headline_figures(built_store_path: Path) -> None:
    args = ["forecast", "--draws", "50", "--years", "2025:2040", "--db", str(built_store_path)]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"milestones", "world_china_share", "headline_share"} <= set(payload)
    for element in MAGNET_ELEMENTS:
        record = payload["milestones"][element]["50"]
        assert {"p10", "p50", "p90", "se", "prob_by"} <= set(record)
        assert record["p50"] is None or 2025 <= record["p50"] <= 2040
        assert set(payload["headline_share"][element]) == {"2030", "2035", "2040"}
    assert set(payload["world_china_share"]) == set(MODEL_STAGES)
    ForecastResult.model_validate(payload)  # the API's response model takes it as it is
    table = runner.invoke(app, [*args, "--draws", "20", "-f", "table"])
    assert table.exit_code == 0, table.output
    assert table.stdout.index("Milestones") < table.stdout.index("worst")


def test_the_models_china_output_share_is_what_its_supply_says(session_store) -> None:
    """The run's own china_output_share (computed in the chain pass) equals the share
    computed from primary_supply, so the summary can use it without summing 1 GB."""
    from derisk.forecast.run import forecast
    from derisk.forecast.scenario import load_scenario

    ds = forecast(session_store, load_scenario("baseline"), bloc="US", draws=12, seed=2)
    from_supply = world_china_share(ds.drop_vars("china_output_share"))
    assert world_china_share(ds) == from_supply

"""Survival curves: timing convention, distribution formulas, parameter solves, properties.

Published values come from the ODYM and flodym test suites (see each test); the timing
convention is pinned by fixture H1 of /work/shared/reference/model_checks.md.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.forecast.lifetimes import (
    LIFETIME_KINDS,
    TIMINGS,
    gauss_lobatto,
    lognormal_mu_sigma,
    survival_curve,
    weibull_shape_scale,
)

# --- H1 at the survival level -------------------------------------------------------
# Source: IndEcol/ODYM tests/test_dynamic_stock_model.py (lifetime_FixedLT, Mean 5) and
# the note on flodym FixedLifetime(inflow_at=...) in model_checks.md H1: with "middle" or
# "end" a 5-year cohort is still in use at ages 0-4 and gone at age 5; with "start" it is
# gone one period earlier.


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        ("middle", [1, 1, 1, 1, 1, 0, 0, 0]),
        ("end", [1, 1, 1, 1, 1, 0, 0, 0]),
        ("start", [1, 1, 1, 1, 0, 0, 0, 0]),
    ],
)
def test_fixed_lifetime_timing_convention(timing: str, expected: list[int]) -> None:
    curve = survival_curve("fixed", 5, n_ages=8, timing=timing)
    np.testing.assert_array_equal(curve, expected)


def test_default_timing_is_middle() -> None:
    # The forecast's convention (docs/METHODS.md, "Dynamic stock model"): inflow mid-period.
    default = survival_curve("lognormal", 12, 4, n_ages=30)
    np.testing.assert_array_equal(default, survival_curve("lognormal", 12, 4, n_ages=30,
                                                          timing="middle"))
    assert not np.allclose(default, survival_curve("lognormal", 12, 4, n_ages=30, timing="end"))


def test_timing_shifts_time_in_use_by_half_periods() -> None:
    # "start" at age a equals "end" at age a + 1 (time in use a + 1 in both).
    start = survival_curve("weibull", 8, 3, n_ages=20, timing="start")
    end = survival_curve("weibull", 8, 3, n_ages=21, timing="end")
    np.testing.assert_allclose(start, end[1:], rtol=0, atol=1e-15)


# --- Distribution formulas against ODYM's published scipy results --------------------
# Source: IndEcol/ODYM tests/test_dynamic_stock_model.py. With inflow 1 in year 0 the
# first column of Stock_TC_* is the survival curve; ODYM evaluates sf at the integer age,
# which is our timing="end".


def test_normal_curve_matches_odym_stock_tc_normlt() -> None:
    # Stock_TC_NormLT[:, 0], lifetime_NormLT = Normal(5, 1.5); ODYM's tolerance atol 1e-8.
    odym = [9.99570940e-01, 9.96169619e-01, 9.77249868e-01, 9.08788780e-01, 7.47507462e-01,
            5.00000000e-01, 2.52492538e-01, 9.12112197e-02, 2.27501319e-02, 3.83038057e-03]
    curve = survival_curve("normal", 5, 1.5, n_ages=10, timing="end")
    np.testing.assert_allclose(curve, odym, rtol=0, atol=1e-8)


def test_weibull_curve_matches_odym_stock_tc_weibulllt() -> None:
    # Stock_TC_WeibullLT[:, 0], lifetime_WeibullLT = Weibull(shape 1.2, scale 1); atol 1e-9.
    odym = [1, 0.367879441, 0.100520187, 0.023820879, 0.005102464, 0.001009149,
            0.000186736, 3.26256e-05, 5.41828e-06, 8.59762e-07]
    curve = survival_curve("weibull", shape=1.2, scale=1, n_ages=10, timing="end")
    np.testing.assert_allclose(curve, odym, rtol=0, atol=1e-9)


def test_normal_is_clipped_not_truncated_at_age_zero() -> None:
    # ODYM's convention: the share with a negative drawn lifetime leaves in the entry
    # period, so S(0) = P(L > 0) < 1 and nothing is renormalised.
    curve = survival_curve("normal", 1.0, 2.0, n_ages=3, timing="end")
    assert curve[0] == pytest.approx(0.5 * math.erfc(-0.5 / math.sqrt(2)), abs=1e-15)
    assert curve[0] < 0.7


# --- Parameter conversions -------------------------------------------------------------


def test_weibull_solve_known_shapes() -> None:
    # k = 1 is the exponential (sd = mean); k = 2 is Rayleigh, cv = sqrt(4/pi - 1).
    k, lam = weibull_shape_scale([7.0, 1.0], [7.0, math.sqrt(4 / math.pi - 1)])
    np.testing.assert_allclose(k, [1.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(lam, [7.0, 2 / math.sqrt(math.pi)], rtol=1e-12)


@given(st.floats(0.3, 50.0), st.floats(0.1, 100.0))
def test_weibull_solve_round_trips_moments(shape: float, scale: float) -> None:
    mean = scale * math.gamma(1 + 1 / shape)
    sd = scale * math.sqrt(math.gamma(1 + 2 / shape) - math.gamma(1 + 1 / shape) ** 2)
    k, lam = weibull_shape_scale(mean, sd)
    assert float(k) == pytest.approx(shape, rel=1e-9)
    assert float(lam) == pytest.approx(scale, rel=1e-9)


@given(st.floats(0.05, 200.0), st.floats(0.01, 200.0))
def test_lognormal_parameters_reproduce_mean_and_sd(mean: float, sd: float) -> None:
    mu, sigma = lognormal_mu_sigma(mean, sd)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(mean, rel=1e-12)
    variance = math.expm1(sigma**2) * math.exp(2 * mu + sigma**2)
    assert math.sqrt(variance) == pytest.approx(sd, rel=1e-9)


@pytest.mark.parametrize(
    ("kind", "params"),
    [("fixed", {"mean": 30.0}), ("normal", {"mean": 30.0, "sd": 10.0}),
     ("lognormal", {"mean": 30.0, "sd": 10.0}), ("weibull", {"mean": 30.0, "sd": 10.0}),
     ("weibull", {"mean": 30.0, "shape": 2.5})],
)
def test_midpoint_curve_integrates_to_the_mean(kind: str, params: dict) -> None:
    # Little's law: sum_a S(a + 1/2) is the midpoint rule for the mean lifetime. The
    # clipped normal's mean exceeds 30 by ~0.004 (mass below zero), inside the 0.01.
    curve = survival_curve(kind, n_ages=400, timing="middle", **params)
    assert curve.sum() == pytest.approx(30.0, abs=0.01)


# --- Gauss-Lobatto quadrature (flodym n_pts_per_interval) --------------------------------


def test_gauss_lobatto_two_points_is_start_plus_end() -> None:
    nodes, weights = gauss_lobatto(2)
    np.testing.assert_array_equal(nodes, [0.0, 1.0])
    np.testing.assert_array_equal(weights, [0.5, 0.5])
    two = survival_curve("lognormal", 10, 3, n_ages=15, quadrature=2)
    half = 0.5 * (survival_curve("lognormal", 10, 3, n_ages=15, timing="start")
                  + survival_curve("lognormal", 10, 3, n_ages=15, timing="end"))
    np.testing.assert_allclose(two, half, rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", range(2, 11))
def test_gauss_lobatto_is_exact_to_degree_2n_minus_3(n: int) -> None:
    nodes, weights = gauss_lobatto(n)
    assert nodes[0] == 0.0 and nodes[-1] == 1.0
    for degree in range(2 * n - 2):
        assert float(weights @ nodes**degree) == pytest.approx(1 / (degree + 1), abs=1e-13)


def test_gauss_lobatto_six_point_nodes() -> None:
    # Closed form on [-1, 1]: +-1, +-sqrt(1/3 -+ 2 sqrt(7)/21); weights 1/15, (14 +- sqrt 7)/30.
    inner = math.sqrt(1 / 3 - 2 * math.sqrt(7) / 21)
    outer = math.sqrt(1 / 3 + 2 * math.sqrt(7) / 21)
    nodes, weights = gauss_lobatto(6)
    expected = (np.array([-1, -outer, -inner, inner, outer, 1]) + 1) / 2
    np.testing.assert_allclose(nodes, expected, atol=1e-14)
    w = np.array([1 / 15, (14 - math.sqrt(7)) / 30, (14 + math.sqrt(7)) / 30]) / 2
    np.testing.assert_allclose(weights, np.concatenate([w, w[::-1]]), atol=1e-14)


# --- Broadcasting and limits ----------------------------------------------------------


def test_array_parameters_broadcast_to_leading_dims() -> None:
    means = np.array([[5.0], [12.0], [30.0]])
    sds = np.array([1.0, 4.0])
    curves = survival_curve("weibull", means, sds, n_ages=25)
    assert curves.shape == (3, 2, 25)
    for i in range(3):
        for j in range(2):
            one = survival_curve("weibull", float(means[i, 0]), float(sds[j]), n_ages=25)
            np.testing.assert_allclose(curves[i, j], one, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind", ["normal", "lognormal", "weibull"])
@pytest.mark.parametrize("timing", TIMINGS)
def test_zero_spread_is_the_fixed_lifetime(kind: str, timing: str) -> None:
    means = np.array([2.0, 7.5, 7.0])
    fixed = survival_curve("fixed", means, n_ages=12, timing=timing)
    np.testing.assert_array_equal(survival_curve(kind, means, 0.0, n_ages=12, timing=timing),
                                  fixed)
    mixed = survival_curve(kind, means, np.array([0.0, 2.0, 0.0]), n_ages=12, timing=timing)
    np.testing.assert_array_equal(mixed[[0, 2]], fixed[[0, 2]])
    assert not np.array_equal(mixed[1], fixed[1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "gamma", "mean": 5}, "unknown lifetime kind"),
        ({"kind": "fixed", "mean": 5, "timing": "late"}, "unknown timing"),
        ({"kind": "fixed", "mean": -1}, "mean lifetime must be >= 0"),
        ({"kind": "fixed", "mean": 5, "sd": 1}, "fixed lifetime takes no sd"),
        ({"kind": "normal", "mean": 5}, "needs mean and sd"),
        ({"kind": "lognormal", "mean": 0.0, "sd": 1}, "must be > 0"),
        ({"kind": "normal", "mean": 5, "sd": float("nan")}, "finite"),
        ({"kind": "weibull", "mean": 5}, "Weibull lifetime needs"),
        ({"kind": "weibull", "mean": 5, "sd": 1e-9}, "outside the solvable range"),
        ({"kind": "weibull", "mean": 5, "sd": 1, "shape": 2}, "no sd"),
        ({"kind": "normal", "mean": 5, "sd": 1, "shape": 2}, "Weibull lifetimes only"),
        ({"kind": "normal", "mean": 5, "sd": 1, "quadrature": 11}, "Gauss-Lobatto"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        survival_curve(n_ages=10, **kwargs)


# --- Properties ----------------------------------------------------------------------


@st.composite
def lifetimes(draw: st.DrawFn) -> dict:
    """Any kind with plausible and edge-case parameters, possibly one per draw."""
    kind = draw(st.sampled_from(LIFETIME_KINDS))
    n = draw(st.integers(1, 4))
    means = np.array(draw(st.lists(st.floats(0.05, 80.0), min_size=n, max_size=n)))
    params: dict = {"kind": kind, "mean": means}
    if kind != "fixed":
        # sd = 0 (the fixed limit) or a coefficient of variation from 0.01 to 3; the
        # Weibull solve refuses cv below ~1e-6 rather than return an inaccurate shape.
        cv_values = st.one_of(st.just(0.0), st.floats(0.01, 3.0))
        cv = np.array(draw(st.lists(cv_values, min_size=n, max_size=n)))
        params["sd"] = means * cv
    params["timing"] = draw(st.sampled_from(TIMINGS))
    params["quadrature"] = draw(st.sampled_from([1, 1, 2, 6]))
    return params


@settings(max_examples=120, deadline=None)
@given(lifetimes(), st.integers(1, 120))
def test_survival_is_non_increasing_and_within_unit_interval(params: dict, n_ages: int) -> None:
    curve = survival_curve(n_ages=n_ages, **params)
    assert curve.shape == (len(params["mean"]), n_ages)
    assert np.all(np.isfinite(curve))
    assert np.all((curve >= 0.0) & (curve <= 1.0))
    assert np.all(np.diff(curve, axis=-1) <= 1e-15)

"""Product-lifetime survival curves for the dynamic stock model.

A survival curve ``S[..., a]`` is the fraction of one period's inflow (a *cohort*) that is
still in use at the end of the period in which the cohort has age ``a`` (``a = 0`` is the
entry period). The stock model (:mod:`derisk.forecast.stocks`) only ever sees these curves,
so every lifetime assumption of the forecast, and the timing convention, lives here.

Time convention (the ``timing`` argument, same meaning as flodym's ``inflow_at``):
period ``t`` is the interval ``[t, t + 1)``; stocks are measured at its end, ``t + 1``.
A cohort enters at ``t + eta`` with ``eta = 0`` ("start"), ``0.5`` ("middle") or ``1``
("end"). At the end of the period in which it has age ``a`` it has been in use for
``x = a + 1 - eta`` periods, so ``S[a] = P(L > x)`` for the lifetime ``L``:

==========  ===============  =====================================================
timing      time in use x    effect under constant inflow (steady-state stock)
==========  ===============  =====================================================
"start"     a + 1            mean lifetime - 1/2 (outflows one period earlier)
"middle"    a + 1/2          mean lifetime (midpoint rule; the model's default)
"end"       a                mean lifetime + 1/2; identical to ODYM's ``sf(a)``
==========  ===============  =====================================================

With ``quadrature=n`` (n >= 2) the inflow is spread evenly over the period instead of
entering at one instant: ``S[a] = sum_i w_i P(L > a + 1 - eta_i)`` with the n-point
Gauss-Lobatto nodes ``eta_i`` and weights ``w_i`` on [0, 1]. This matters only for
lifetimes near or below one period (flodym's ``n_pts_per_interval``).

Sources consulted (conventions re-implemented, no code copied):
pik-piam/flodym ``flodym/lifetime_models.py`` (``inflow_at``, ``n_pts_per_interval``,
``_remaining_ages`` measured to the period's upper bound; lognormal parameter conversion;
fixed lifetime ``age < mean``) and IndEcol/ODYM ``dynamic_stock_model.py`` (``compute_sf``:
survival evaluated at the integer age, normal lifetimes not truncated).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

LifetimeKind = Literal["fixed", "normal", "weibull", "lognormal"]
Timing = Literal["start", "middle", "end"]
#: P(L > x) for an array of times in use x, broadcast against the lifetime parameters.
SurvivalFn = Callable[[np.ndarray], np.ndarray]

LIFETIME_KINDS: tuple[str, ...] = ("fixed", "normal", "weibull", "lognormal")
TIMINGS: tuple[str, ...] = ("start", "middle", "end")

#: Position of the inflow inside its period, as a fraction of the period (flodym's eta).
INFLOW_POSITION: dict[str, float] = {"start": 0.0, "middle": 0.5, "end": 1.0}

#: Highest Gauss-Lobatto order offered (flodym caps at 10 as well).
MAX_QUADRATURE = 10

# Bracket of the Weibull shape k searched when solving from mean and sd. k = 1e-2 gives a
# coefficient of variation ~3e14, k = 1e6 gives ~1.3e-6: wider than any product lifetime.
_WEIBULL_K_BRACKET = (1e-2, 1e6)
_WEIBULL_BISECTIONS = 80

_erfc = np.frompyfunc(math.erfc, 1, 1)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _erfc_array(z: np.ndarray) -> np.ndarray:
    """Complementary error function, element-wise and exact to double precision.

    numpy has no erf and scipy is not a dependency, so this maps ``math.erfc`` over the
    array. That costs ~0.1 us per element, fine because survival curves are built once per
    parameter set (a few thousand draws x ~100 ages), never per model cell.
    """
    z = np.asarray(z, dtype=float)
    return np.asarray(_erfc(z), dtype=float).reshape(z.shape)


def _lgamma_array(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.asarray(_lgamma(x), dtype=float).reshape(x.shape)


def normal_sf(x: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> np.ndarray:
    """P(N(mean, sd) > x), computed through erfc so the upper tail keeps its precision."""
    x, mean, sd = (np.asarray(v, dtype=float) for v in (x, mean, sd))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - mean) / (sd * math.sqrt(2.0))
    return 0.5 * _erfc_array(z)


def gauss_lobatto(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the n-point Gauss-Lobatto rule mapped to [0, 1] (weights sum to 1).

    Lobatto rules include both interval ends, so n = 2 is the trapezoid of inflow at the
    start and at the end of the period. Interior nodes are the roots of P'_{n-1}; the
    weights are 2 / (n (n - 1) P_{n-1}(x)^2) on [-1, 1] (Abramowitz & Stegun 25.4.32),
    halved for [0, 1]. The rule is exact for polynomials up to degree 2n - 3.
    """
    if not 2 <= n <= MAX_QUADRATURE:
        raise ValueError(f"Gauss-Lobatto needs 2 to {MAX_QUADRATURE} points, got {n}")
    leg = np.polynomial.legendre
    p_last = np.zeros(n)
    p_last[-1] = 1.0  # coefficients of P_{n-1} in the Legendre basis
    interior = np.sort(leg.legroots(leg.legder(p_last))) if n > 2 else np.empty(0)
    x = np.concatenate(([-1.0], np.real(interior), [1.0]))
    w = 2.0 / (n * (n - 1) * leg.legval(x, p_last) ** 2)
    return (x + 1.0) / 2.0, w / 2.0


def lognormal_mu_sigma(mean: ArrayLike, sd: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Parameters (mu, sigma) of log L from the mean and sd of the lifetime L itself.

    sigma^2 = ln(1 + sd^2 / mean^2), mu = ln(mean) - sigma^2 / 2: the moment match used by
    flodym's LogNormalLifetime. (ODYM's older code writes mean^2/sd^2 inside the log; the
    two agree only when mean == sd, which is the case its published fixture uses.)
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    sigma2 = np.log1p((sd / mean) ** 2)
    return np.log(mean) - sigma2 / 2.0, np.sqrt(sigma2)


def weibull_shape_scale(mean: ArrayLike, sd: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Weibull shape k and scale lambda with the given mean and standard deviation.

    The coefficient of variation fixes k alone: 1 + cv^2 = G(1 + 2/k) / G(1 + 1/k)^2, whose
    right side falls strictly as k grows. We bisect ln k on [1e-2, 1e6] (80 halvings, well
    past double precision) in log-gamma form, vectorised over all parameter values at once,
    then lambda = mean / G(1 + 1/k). flodym left this step as a scipy root-finding
    sketch; this is a scipy-free re-implementation of the same moment equations.
    sd must be > 0 (sd = 0 is a fixed lifetime and is handled by ``survival_curve``).
    """
    mean, sd = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(sd, dtype=float))
    if np.any(~np.isfinite(mean)) or np.any(mean <= 0):
        raise ValueError("Weibull mean lifetime must be finite and > 0")
    if np.any(~np.isfinite(sd)) or np.any(sd <= 0):
        raise ValueError("Weibull sd must be finite and > 0 to solve for the shape")
    target = np.log1p((sd / mean) ** 2)
    lo = np.full(mean.shape, math.log(_WEIBULL_K_BRACKET[0]))
    hi = np.full(mean.shape, math.log(_WEIBULL_K_BRACKET[1]))

    def log_ratio(log_k: np.ndarray) -> np.ndarray:
        inv_k = np.exp(-log_k)
        return _lgamma_array(1.0 + 2.0 * inv_k) - 2.0 * _lgamma_array(1.0 + inv_k)

    if np.any(log_ratio(lo) < target) or np.any(log_ratio(hi) > target):
        cv = (sd / mean).ravel()
        raise ValueError(
            "Weibull coefficient of variation sd/mean outside the solvable range "
            f"[1.3e-6, 3e14]: found min {cv.min():.3g}, max {cv.max():.3g}"
        )
    for _ in range(_WEIBULL_BISECTIONS):
        mid = 0.5 * (lo + hi)
        too_spread = log_ratio(mid) > target  # shape still too small
        lo = np.where(too_spread, mid, lo)
        hi = np.where(too_spread, hi, mid)
    k = np.exp(0.5 * (lo + hi))
    scale = mean / np.exp(_lgamma_array(1.0 + 1.0 / k))
    return k, scale


def _as_param(name: str, value: ArrayLike | None) -> np.ndarray | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(arr)):
        raise ValueError(f"lifetime {name} must be finite")
    return arr


def survival_curve(
    kind: LifetimeKind,
    mean: ArrayLike | None = None,
    sd: ArrayLike | None = None,
    *,
    n_ages: int,
    timing: Timing = "middle",
    shape: ArrayLike | None = None,
    scale: ArrayLike | None = None,
    quadrature: int = 1,
) -> np.ndarray:
    """Fraction of a cohort still in use at the end of each period of age 0 .. n_ages - 1.

    Why one function: every lifetime assumption of the forecast reduces to this curve, and
    the stock model convolves inflows with it. Parameters may be floats or arrays; their
    broadcast shape becomes the leading shape of the result, so one curve per Monte Carlo
    draw (``mean`` of shape (n_draws, 1, 1)) is a single call. Result: ``P + (n_ages,)``.

    Kinds and parameters:

    - ``"fixed"``: every unit leaves when its time in use reaches ``mean``:
      ``S[a] = 1 if a + 1 - eta < mean else 0`` (flodym/ODYM ``age < mean``; with
      "middle" a 5-year lifetime leaves in the period of age 5, ODYM's H1 table).
    - ``"normal"``: mean, sd. Clipped at age 0 as ODYM does: units whose drawn lifetime
      is negative leave in their entry period, so ``S = P(L > x)`` unchanged for x >= 0 and
      ``S[0] < 1``. Mass is conserved; the mean of the clipped lifetime slightly exceeds
      ``mean`` when sd/mean is large (> ~0.4). No renormalisation (truncation) is done.
    - ``"lognormal"``: mean and sd *of the lifetime* (converted by ``lognormal_mu_sigma``).
    - ``"weibull"``: either ``mean`` + ``sd`` (shape solved by ``weibull_shape_scale``),
      ``mean`` + ``shape`` (scale = mean / G(1 + 1/shape)), or ``shape`` + ``scale``.

    sd = 0 gives the fixed lifetime for normal, lognormal and weibull. ``timing`` and
    ``quadrature`` are described in the module docstring.
    """
    if kind not in LIFETIME_KINDS:
        raise ValueError(f"unknown lifetime kind {kind!r}; expected one of {LIFETIME_KINDS}")
    if timing not in TIMINGS:
        raise ValueError(f"unknown timing {timing!r}; expected one of {TIMINGS}")
    if int(n_ages) != n_ages or n_ages < 1:
        raise ValueError(f"n_ages must be a positive integer, got {n_ages!r}")
    if quadrature == 1:
        etas, weights = np.array([INFLOW_POSITION[timing]]), np.array([1.0])
    else:
        etas, weights = gauss_lobatto(quadrature)

    mean_a, sd_a = _as_param("mean", mean), _as_param("sd", sd)
    shape_a, scale_a = _as_param("shape", shape), _as_param("scale", scale)
    if kind != "weibull" and (shape_a is not None or scale_a is not None):
        raise ValueError("shape and scale apply to Weibull lifetimes only")
    if kind == "fixed" and sd_a is not None:
        raise ValueError("a fixed lifetime takes no sd")
    if kind in ("normal", "lognormal") and (mean_a is None or sd_a is None):
        raise ValueError(f"a {kind} lifetime needs mean and sd")
    if mean_a is not None and np.any(mean_a < 0):
        raise ValueError("mean lifetime must be >= 0")
    if sd_a is not None and np.any(sd_a < 0):
        raise ValueError("lifetime sd must be >= 0")

    if kind == "weibull":
        dist = _weibull_sf(mean_a, sd_a, shape_a, scale_a)
    elif kind == "fixed":
        if mean_a is None:
            raise ValueError("a fixed lifetime needs mean")
        dist = _fixed_sf(mean_a)
    elif kind == "normal":
        dist = _with_fixed_limit(mean_a, sd_a, _normal_sf_fn(mean_a, sd_a))
    else:
        if np.any(mean_a <= 0):
            raise ValueError("lognormal mean lifetime must be > 0")
        dist = _with_fixed_limit(mean_a, sd_a, _lognormal_sf_fn(mean_a, sd_a))

    ages = np.arange(int(n_ages), dtype=float)
    out = None
    for eta, weight in zip(etas, weights, strict=True):
        part = weight * dist(ages + (1.0 - eta))
        out = part if out is None else out + part
    assert out is not None
    return np.clip(out, 0.0, 1.0)


# Each factory returns f(x) -> P(L > x) for times in use x of shape (n_ages,), broadcast
# against the parameters' shape P to P + (n_ages,).


def _fixed_sf(mean: np.ndarray) -> SurvivalFn:
    m = mean[..., None]
    return lambda x: np.broadcast_to(x < m, np.broadcast_shapes(m.shape, x.shape)).astype(float)


def _normal_sf_fn(mean: np.ndarray, sd: np.ndarray) -> SurvivalFn:
    m, s = mean[..., None], sd[..., None]
    return lambda x: normal_sf(x, m, s)


def _lognormal_sf_fn(mean: np.ndarray, sd: np.ndarray) -> SurvivalFn:
    # sd == 0 is replaced by the fixed limit in _with_fixed_limit; avoid 0/0 meanwhile.
    mu, sigma = lognormal_mu_sigma(mean, np.where(sd > 0, sd, 1.0))
    mu, sigma = mu[..., None], sigma[..., None]

    def sf(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x = np.log(x)  # -inf at x = 0 gives erfc(-inf)/2 = 1
        return normal_sf(log_x, mu, sigma)

    return sf


def _with_fixed_limit(mean: np.ndarray, sd: np.ndarray, sf: SurvivalFn) -> SurvivalFn:
    """Use the fixed-lifetime step where sd == 0 (the distributions' zero-spread limit)."""
    if not np.any(sd == 0):
        return sf
    fixed = _fixed_sf(mean)
    zero = (sd == 0)[..., None]
    return lambda x: np.where(zero, fixed(x), sf(x))


def _weibull_sf(
    mean: np.ndarray | None,
    sd: np.ndarray | None,
    shape: np.ndarray | None,
    scale: np.ndarray | None,
) -> SurvivalFn:
    if shape is not None and scale is not None:
        if mean is not None or sd is not None:
            raise ValueError("give Weibull shape + scale, mean + sd or mean + shape, not more")
        k, lam = shape, scale
    elif shape is not None:
        if mean is None or sd is not None:
            raise ValueError("Weibull with a shape needs mean or scale, and no sd")
        if np.any(mean <= 0):
            raise ValueError("Weibull mean lifetime must be > 0")
        k = shape
        lam = mean / np.exp(_lgamma_array(1.0 + 1.0 / np.where(shape > 0, shape, 1.0)))
    else:
        if mean is None or sd is None:
            raise ValueError("a Weibull lifetime needs mean + sd, mean + shape or shape + scale")
        if np.any(mean <= 0):
            raise ValueError("Weibull mean lifetime must be > 0")
        positive = sd > 0
        k_raw, lam_raw = weibull_shape_scale(
            np.where(positive, mean, 1.0), np.where(positive, sd, 0.5)
        )
        k = np.where(positive, k_raw, 1.0)
        lam = np.where(positive, lam_raw, 1.0)
        if not np.all(positive):
            return _with_fixed_limit(mean, sd, _weibull_from(k, lam))
    if np.any(k <= 0) or np.any(lam <= 0):
        raise ValueError("Weibull shape and scale must be > 0")
    return _weibull_from(k, lam)


def _weibull_from(k: np.ndarray, lam: np.ndarray) -> SurvivalFn:
    k, lam = k[..., None], lam[..., None]

    def sf(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # (x / lam)^k -> inf far in the tail: exp(-inf) = 0
            return np.exp(-((x / lam) ** k))

    return sf

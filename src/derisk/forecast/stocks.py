"""Dynamic stock models: inflow-driven (convolution) and stock-driven (its inverse).

Arrays are shaped ``(..., T)`` with time last; the leading dimensions (draws, elements,
regions, ...) are independent stocks. A survival curve ``S`` (see
:mod:`derisk.forecast.lifetimes`) is shaped ``(A,)`` or ``(..., A)`` with ``A >= T``, its
leading shape broadcastable to the inflow's: one lifetime for everything, or one per draw
(``(n_draws, 1, 1, A)``), or one per cell.

With inflow ``I`` and the stock before the first period taken as 0 (model start; put a
historical spin-up into the series to start from a filled stock):

    stock[t]   = sum_{m <= t} I[m] * S[t - m]
    outflow[t] = sum_{m <= t} I[m] * h[t - m],   h[0] = 1 - S[0],  h[a] = S[a-1] - S[a]

so ``inflow - outflow - (stock[t] - stock[t-1]) = 0`` term by term. The outflow is computed
by its own convolution (not as the balance residual), so the balance check in the tests
is a real check of the code. Sources: flodym ``stocks.py`` (InflowDrivenDSM /
StockDrivenDSM "manual" solver) and ODYM ``dynamic_stock_model.py``
(``compute_s_c_inflow_driven``, ``compute_o_c_from_s_c``); re-implemented, vectorised over
leading dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

#: Memory budget (bytes) for the per-batch convolution matrices built when survival curves
#: differ between cells; keeps e.g. one curve per (draw, element) within ~64 MB per step.
KERNEL_BUDGET_BYTES = 64 * 2**20


@dataclass(frozen=True)
class StockResult:
    """Inflow, end-of-period stock and outflow of a dynamic stock model, each (..., T).

    ``stock_by_cohort[..., t, c]`` (stock in period t that entered in period c; zero for
    c > t) is only kept on request because it is T times the size of the stock.
    """

    inflow: np.ndarray
    stock: np.ndarray
    outflow: np.ndarray
    stock_by_cohort: np.ndarray | None = None

    @property
    def stock_change(self) -> np.ndarray:
        """stock[t] - stock[t-1], with the stock before period 0 taken as 0."""
        return np.diff(self.stock, axis=-1, prepend=0.0)

    def balance(self) -> np.ndarray:
        """inflow - outflow - stock_change: zero up to rounding for a consistent model."""
        return self.inflow - self.outflow - self.stock_change


def _as_series(name: str, values: ArrayLike) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must have a time axis last, shaped (..., T) with T >= 1")
    return arr


def _survival_for(survival: ArrayLike, n_t: int) -> np.ndarray:
    """The first ``n_t`` ages of a survival curve, validated."""
    s = np.asarray(survival, dtype=float)
    if s.ndim == 0:
        raise ValueError("survival must have an age axis last, shaped (A,) or (..., A)")
    if s.shape[-1] < n_t:
        raise ValueError(
            f"survival curve covers {s.shape[-1]} ages but the series has {n_t} periods; "
            "build it with n_ages >= T"
        )
    s = s[..., :n_t]
    if np.any(~np.isfinite(s)):
        raise ValueError("survival curve contains NaN or infinite values")
    return s


def _outflow_kernel(s: np.ndarray) -> np.ndarray:
    """h[a] = share of a cohort leaving in the period of age a: S[a-1] - S[a], S[-1] = 1."""
    h = np.empty_like(s)
    h[..., 0] = 1.0 - s[..., 0]
    h[..., 1:] = s[..., :-1] - s[..., 1:]
    return h


def _lags(n_t: int) -> tuple[np.ndarray, np.ndarray]:
    """Index and mask of the lower-triangular Toeplitz matrix M[m, t] = k[t - m], t >= m."""
    lag = np.arange(n_t)[None, :] - np.arange(n_t)[:, None]
    valid = lag >= 0
    return np.where(valid, lag, 0), valid


def causal_convolve(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """y[..., t] = sum_{m <= t} x[..., m] * kernel[..., t - m], broadcasting leading dims.

    Why a matrix product and not a loop over lags: the convolution of T <= ~200 periods is
    a product with a T x T lower-triangular Toeplitz matrix, and one BLAS GEMM over all
    cells beat T vectorised passes over lags by >20x when measured on (1000, 17, 12, 26)
    (~20-25 ms vs ~650 ms).

    Leading axes where the kernel has size 1 are "free" (stacked as GEMM rows); axes where
    it varies are "batch" axes (one matrix each, built in chunks of ``KERNEL_BUDGET_BYTES``).
    Exact up to floating-point summation order.
    """
    n_t = x.shape[-1]
    if kernel.shape[-1] != n_t:
        raise ValueError("kernel and series must have the same length")
    lead = np.broadcast_shapes(x.shape[:-1], kernel.shape[:-1])
    nd = len(lead)
    k_lead = (1,) * (nd - (kernel.ndim - 1)) + kernel.shape[:-1]
    batch = [i for i in range(nd) if k_lead[i] != 1]
    free = [i for i in range(nd) if k_lead[i] == 1]
    n_batch = math.prod(lead[i] for i in batch)
    n_free = math.prod(lead[i] for i in free)

    perm = [*batch, *free, nd]
    xb = np.broadcast_to(x, (*lead, n_t)).transpose(perm).reshape(n_batch, n_free, n_t)
    kb = np.asarray(kernel, dtype=float).reshape(n_batch, n_t)
    lag, valid = _lags(n_t)
    out = np.empty((n_batch, n_free, n_t))
    chunk = max(1, KERNEL_BUDGET_BYTES // (n_t * n_t * 8))
    for start in range(0, n_batch, chunk):
        stop = min(start + chunk, n_batch)
        toeplitz = kb[start:stop][:, lag] * valid  # (chunk, T, T); M[m, t] = k[t - m]
        np.matmul(xb[start:stop], toeplitz, out=out[start:stop])
    out = out.reshape([lead[i] for i in batch] + [lead[i] for i in free] + [n_t])
    if perm == list(range(nd + 1)):
        return out
    return np.ascontiguousarray(out.transpose(np.argsort(perm)))


def _stock_by_cohort(inflow: np.ndarray, s: np.ndarray) -> np.ndarray:
    """C[..., t, c] = inflow[..., c] * S[..., t - c] for t >= c, else 0."""
    n_t = inflow.shape[-1]
    lag, valid = _lags(n_t)  # lag[c, t] = t - c
    surv_tc = s[..., lag.T] * valid.T  # [..., t, c] = S[t - c]
    return inflow[..., None, :] * surv_tc


def inflow_driven(
    inflow: ArrayLike, survival: ArrayLike, *, keep_cohorts: bool = False
) -> StockResult:
    """Stock and outflow generated by an inflow series and a survival curve.

    Why: this is the hot path of the Monte Carlo forecast (draws x elements x regions x
    years), so it is one matrix product per output instead of Python loops over cohorts.
    ``inflow`` is (..., T); ``survival`` is (A,) or (..., A) with A >= T (only the first T
    ages can matter within T periods). The stock before period 0 is 0.
    """
    x = _as_series("inflow", inflow)
    s = _survival_for(survival, x.shape[-1])
    stock = causal_convolve(x, s)
    outflow = causal_convolve(x, _outflow_kernel(s))
    if stock.shape != x.shape:  # survival had more leading dims than the inflow
        x = np.broadcast_to(x, stock.shape)
    cohorts = _stock_by_cohort(x, s) if keep_cohorts else None
    return StockResult(inflow=x, stock=stock, outflow=outflow, stock_by_cohort=cohorts)


def inverse_kernel(survival: ArrayLike, n_t: int | None = None) -> np.ndarray:
    """Kernel g with sum_{m <= t} g[t - m] * S[m] = 1 if t == 0 else 0 (g = S^-1 under *).

    The inverse of a lower-triangular Toeplitz matrix is lower-triangular Toeplitz, so the
    stock-driven solve is itself a causal convolution with g. g is found by forward
    substitution on the unit impulse, vectorised over the curve's leading dims:
    g[0] = 1 / S[0], g[t] = -sum_{m < t} g[m] * S[t - m] / S[0]. Needs S[0] > 0.
    """
    s = np.asarray(survival, dtype=float)
    s = _survival_for(s, s.shape[-1] if n_t is None else n_t)
    _check_first_age(s)
    n = s.shape[-1]
    s0 = s[..., 0]
    g = np.empty_like(s)
    g[..., 0] = 1.0 / s0
    for t in range(1, n):
        g[..., t] = -np.einsum("...i,...i->...", g[..., :t], s[..., t:0:-1]) / s0
    return g


def _check_first_age(s: np.ndarray) -> None:
    bad = np.atleast_1d(s[..., 0] <= 0)
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"survival at age 0 is {float(np.atleast_1d(s[..., 0])[where]):g} at index "
            f"{where}: every cohort has left by the end of its entry period, so no inflow "
            "can produce a stock and the stock-driven model has no solution (e.g. a fixed "
            "lifetime <= 0.5 with timing='middle'). Use a longer lifetime or another timing."
        )


def stock_driven(
    stock: ArrayLike,
    survival: ArrayLike,
    *,
    keep_cohorts: bool = False,
    method: Literal["kernel", "substitution"] = "kernel",
) -> StockResult:
    """Inflow (and outflow) needed for the stock to follow a given path: inverts ``inflow_driven``.

    Why: demand-side scenarios give in-use stocks (magnets in cars, turbines), and the
    material demand is the inflow that sustains them. The lower-triangular system
    stock = I * S is solved by forward substitution (flodym's "manual" solver):

        inflow[t]  = (stock[t] - sum_{m < t} inflow[m] * S[t - m]) / S[0]
        outflow[t] = inflow[t] - (stock[t] - stock[t - 1])

    ``method="substitution"`` runs that recursion per time step, vectorised over all
    leading dims. ``method="kernel"`` (default; same result to rounding) runs the same
    recursion once on the unit impulse to get the inverse kernel g (``inverse_kernel``)
    and then applies it with the convolution GEMM: inflow = g * stock. Measured on
    (1000, 17, 12, 26): kernel ~55 ms vs substitution ~110 ms with one curve or one per
    draw; with one curve per draw x element substitution is ~15 % faster (145 vs 175 ms).

    The solve needs S[0] > 0 (some of a cohort must survive its entry period); otherwise
    a ValueError says where. Negative inflows are returned as computed (a stock falling
    faster than its cohorts retire); they are not corrected. A non-increasing S has no
    zeros of its generating polynomial inside the unit circle (Enestrom-Kakeya), so
    rounding errors do not grow exponentially; |g| stays below 1 / S[0] in practice.
    """
    target = _as_series("stock", stock)
    n_t = target.shape[-1]
    s = _survival_for(survival, n_t)
    _check_first_age(s)
    lead = np.broadcast_shapes(target.shape[:-1], s.shape[:-1])
    if method == "kernel":
        inflow = causal_convolve(target, inverse_kernel(s))
    elif method == "substitution":
        inflow = _forward_substitution(target, s, lead)
    else:
        raise ValueError(f"unknown method {method!r}; expected 'kernel' or 'substitution'")
    stock_out = np.array(np.broadcast_to(target, (*lead, n_t)), dtype=float)
    outflow = inflow - stock_out  # outflow[t] = inflow[t] - stock[t] + stock[t - 1]
    outflow[..., 1:] += stock_out[..., :-1]
    cohorts = _stock_by_cohort(inflow, s) if keep_cohorts else None
    return StockResult(inflow=inflow, stock=stock_out, outflow=outflow, stock_by_cohort=cohorts)


def _forward_substitution(target: np.ndarray, s: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
    """Step-by-step solve, time-major so each step reads contiguous blocks."""
    n_t = target.shape[-1]
    tgt = np.moveaxis(np.broadcast_to(target, (*lead, n_t)), -1, 0)
    s_t = np.moveaxis(s, -1, 0)
    s0 = s_t[0]
    inflow_t = np.empty((n_t, *lead))
    for t in range(n_t):
        if t == 0:
            inherited: np.ndarray | float = 0.0
        elif s.ndim == 1:
            inherited = np.tensordot(s[t:0:-1], inflow_t[:t], axes=1)
        else:
            inherited = np.einsum("i...,i...->...", s_t[t:0:-1], inflow_t[:t])
        inflow_t[t] = (tgt[t] - inherited) / s0
    return np.ascontiguousarray(np.moveaxis(inflow_t, 0, -1))

"""Concentration metrics on shares in per cent (0-100).

Kept free of pandas and of the store so property tests can hammer them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np

ResidualConvention = Literal["atomistic", "single"]
RESIDUAL_CONVENTIONS: tuple[str, ...] = ("atomistic", "single")


def _shares(shares_pct: Iterable[float]) -> np.ndarray:
    arr = np.asarray(list(shares_pct), dtype=float)
    if arr.size and (np.any(arr < 0) or np.any(~np.isfinite(arr))):
        raise ValueError("shares must be finite and non-negative")
    if arr.sum() > 100.0 + 1e-6:
        raise ValueError(f"shares add to {arr.sum():.3f} %, more than 100 %")
    return arr


def hhi(
    shares_pct: Iterable[float],
    residual_convention: ResidualConvention = "atomistic",
) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale.

    Named producers' shares need not add to 100: the unnamed remainder is either
    spread over infinitely many tiny producers ('atomistic', adding nothing, so
    the HHI is a lower bound) or treated as one producer ('single', an upper bound).
    """
    arr = _shares(shares_pct)
    value = float(np.sum(arr**2))
    if residual_convention == "single":
        residual = max(0.0, 100.0 - float(arr.sum()))
        value += residual**2
    elif residual_convention != "atomistic":
        raise ValueError(f"unknown residual convention {residual_convention!r}")
    return value


def top_n_share(shares_pct: Iterable[float], n: int) -> float:
    """Combined share of the n largest named producers."""
    arr = np.sort(_shares(shares_pct))[::-1]
    return float(arr[:n].sum())


def n_effective(hhi_value: float) -> float | None:
    """The number of equal-sized producers that would give this HHI (10,000 / HHI)."""
    return None if hhi_value <= 0 else 10_000.0 / hhi_value

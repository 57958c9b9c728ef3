"""Mass-balance check for processes and stocks: inputs - outputs - stock change = 0.

Why a dedicated check: a Monte Carlo forecast runs millions of cells, and a balance
error in one of them (a flow added twice, a sign slip) is invisible in aggregates. The
check mirrors flodym's ``MFASystem.check_mass_balance`` (pik-piam/flodym,
``flodym/mfa_system.py``): the default tolerance is 100 x machine epsilon x the largest
absolute flow or stock, so it accepts rounding and nothing else. Unlike flodym it names
the first failing cell (with coordinate labels when given) and the size of the error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from derisk.errors import DeriskError

#: flodym's default: 100 x float epsilon, relative to the largest absolute flow or stock.
DEFAULT_RTOL = 100 * float(np.finfo(np.float64).eps)


class MassBalanceError(DeriskError, ValueError):
    """A process or stock does not balance: says where (index, labels) and by how much.

    Attributes: ``index`` (first failing cell, C order), ``coords`` (dimension name ->
    label of that cell, or None without labels), ``error`` (inputs - outputs -
    stock_change there), ``tolerance``, ``max_error`` (largest absolute error, NaN if
    any value is not finite), ``n_failed`` / ``n_cells`` and ``name`` (what was checked).
    """

    def __init__(
        self,
        message: str,
        *,
        index: tuple[int, ...],
        coords: dict[str, object] | None,
        error: float,
        tolerance: float,
        max_error: float,
        n_failed: int,
        n_cells: int,
        name: str | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.coords = coords
        self.error = error
        self.tolerance = tolerance
        self.max_error = max_error
        self.n_failed = n_failed
        self.n_cells = n_cells
        self.name = name


def _max_abs(arr: np.ndarray) -> float:
    """Largest finite |value|; max and min avoid copying the array in the usual all-finite case."""
    if arr.size == 0:
        return 0.0
    hi, lo = float(np.max(arr)), float(np.min(arr))
    if np.isfinite(hi) and np.isfinite(lo):
        return max(abs(hi), abs(lo))
    finite = arr[np.isfinite(arr)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def _check_labels(shape: tuple[int, ...], labels: Mapping[str, Sequence]) -> None:
    if len(labels) != len(shape):
        raise ValueError(
            f"labels name {len(labels)} dimensions ({', '.join(labels)}) but the balance "
            f"has {len(shape)} (shape {shape})"
        )
    for (dim, coords), size in zip(labels.items(), shape, strict=True):
        if len(coords) != size:
            raise ValueError(f"labels for {dim!r} have {len(coords)} entries, dimension has {size}")


def check_balance(
    inputs: ArrayLike,
    outputs: ArrayLike,
    stock_change: ArrayLike,
    *,
    labels: Mapping[str, Sequence] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    stock: ArrayLike | None = None,
    name: str | None = None,
) -> None:
    """Raise MassBalanceError where |inputs - outputs - stock_change| exceeds the tolerance.

    Why: every process of the forecast must conserve mass in every draw, year and region;
    this is the single gate that says so. Arguments broadcast against each other (pass
    0 as ``stock_change`` for a process without stock). Sum several flows before
    passing them. Tolerance: ``atol`` if given, else ``rtol`` (default 100 x float eps)
    x the largest absolute value among inputs, outputs, stock_change and ``stock`` (the
    stock level, optional, as flodym scales by flows and stocks). Non-finite residuals
    always fail. ``labels`` maps each dimension name of the broadcast shape, in order, to
    its coordinate labels, e.g. {"draw": range(n), "region": [...], "year": [...]}.
    ``name`` (a process or stock name) is put in the message.
    """
    arrays = [np.asarray(a, dtype=float) for a in (inputs, outputs, stock_change)]
    residual = np.subtract(arrays[0], arrays[1])
    residual -= arrays[2]
    if atol is None:
        scale_arrays = arrays + ([np.asarray(stock, dtype=float)] if stock is not None else [])
        scale = max(_max_abs(a) for a in scale_arrays)
        tolerance = (DEFAULT_RTOL if rtol is None else float(rtol)) * scale
    else:
        tolerance = float(atol)
    if labels is not None:
        _check_labels(residual.shape, labels)
    magnitude = np.abs(residual)
    if np.max(magnitude, initial=0.0) <= tolerance:  # the common, balanced case: one pass
        return
    failed = ~(magnitude <= tolerance)  # NaN compares False, so it fails
    if not np.any(failed):
        return
    n_failed = int(np.count_nonzero(failed))
    shape = residual.shape
    flat_first = int(np.argmax(failed.ravel()))
    index = tuple(int(i) for i in np.unravel_index(flat_first, shape)) if shape else ()
    error = float(residual[index])
    coords = (
        None
        if labels is None
        else {dim: list(c)[i] for (dim, c), i in zip(labels.items(), index, strict=True)}
    )
    max_error = float(np.max(magnitude)) if np.all(np.isfinite(magnitude)) else float("nan")

    where = (
        ", ".join(f"{dim}={label!r}" for dim, label in coords.items())
        if coords
        else f"index {index}"
    )
    if coords:
        where += f" (index {index})"
    subject = f"mass balance of {name}" if name else "mass balance"
    message = (
        f"{subject} fails at {where}: inputs - outputs - stock_change = {error:.6g}, "
        f"tolerance {tolerance:.3g}; {n_failed} of {residual.size} cells fail, "
        f"largest |error| {max_error:.6g}"
    )
    raise MassBalanceError(
        message,
        index=index,
        coords=coords,
        error=error,
        tolerance=tolerance,
        max_error=max_error,
        n_failed=n_failed,
        n_cells=int(residual.size),
        name=name,
    )

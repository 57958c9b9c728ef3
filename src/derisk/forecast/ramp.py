"""How much of a new plant's nameplate is online in each year after it starts.

A plant does not reach nameplate the year it starts. The old rule, kept as 'linear',
adds an equal share of nameplate each year over `ramp_up_years`. 's_curve' is a
logistic over the same years: a slow first stretch (commissioning, qualifying product
with customers), then the fast middle, then the last debottlenecking. It passes half
of nameplate at the ramp's midpoint and reaches nameplate when the linear rule does, so
over a ramp of whole years it puts online the same tonnes in total as the linear rule,
only later in the ramp's first half and earlier in its second (docs/METHODS.md,
"Supply"). Pure functions of arrays: model.capacities calls them per plant.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

RampShape = Literal["linear", "s_curve"]
#: Steepness of the logistic, as k x ramp: before it is rescaled to run exactly from 0
#: to 1 over the ramp, the logistic runs from 1/(1+e^4) = 1.8 % to 98.2 % of nameplate
#: (assumption: a ramp with a clear slow start and tail; larger is closer to a step at
#: the midpoint, smaller closer to the linear rule).
STEEPNESS = 8.0


def online_fraction(
    years: np.ndarray, start: np.ndarray, ramp_years: float, shape: RampShape | str
) -> np.ndarray:
    """Share of nameplate online, (draw, year) in [0, 1], for start years (draw,).

    ``start`` NaN means the plant never starts (0 in every year). The clock is the
    linear rule's: ``x = year - start + 1`` years of operation counting the start year,
    over ``ramp = max(ramp_years, 1)`` years, so a ramp of 0 or 1 is full output from
    the start year under either shape.
    """
    years = np.asarray(years, dtype=float)
    start = np.asarray(start, dtype=float)
    ramp = max(float(ramp_years), 1.0)
    never = np.isnan(start)[:, None]
    elapsed = years[None, :] - np.where(never, 0.0, start[:, None]) + 1.0
    if shape == "linear":
        out = np.clip(elapsed / ramp, 0.0, 1.0)
    elif shape == "s_curve":
        out = _logistic_ramp(np.clip(elapsed, 0.0, ramp), ramp)
    else:
        raise ValueError(f"unknown ramp shape {shape!r}; expected 'linear' or 's_curve'")
    return np.where(never, 0.0, out)


def _logistic_ramp(x: np.ndarray, ramp: float) -> np.ndarray:
    """Logistic in x on [0, ramp], rescaled to 0 at x=0 and 1 at x=ramp.

    The logistic is symmetric about the midpoint, so the rescaled curve is exactly 0.5
    there and f(x) + f(ramp - x) = 1: summed over whole years of the ramp it equals the
    linear rule's (ramp + 1) / 2 years of full output.
    """
    k = STEEPNESS / ramp

    def logistic(z: np.ndarray | float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-k * (np.asarray(z, dtype=float) - ramp / 2.0)))

    low, high = logistic(0.0), logistic(ramp)
    return np.clip((logistic(x) - low) / (high - low), 0.0, 1.0)


__all__ = ["STEEPNESS", "RampShape", "online_fraction"]

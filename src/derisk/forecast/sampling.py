"""Draw every uncertain parameter up front, one row per Monte Carlo draw.

All random numbers come from one generator in a fixed order before any chunking, so
the same seed gives identical results whatever the chunk size and on the Dask path,
where workers receive slices of these arrays and draw nothing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derisk.forecast.inputs import AS_OF_YEAR, ModelInputs
from derisk.forecast.scenario import END_USES, Dist, Scenario

#: Planned plants with no announced date: earliest start this many years after the
#: scenario start (assumption, docs/METHODS.md).
UNDATED_LEAD_YEARS = 3


def sample(dist: Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws from a scenario distribution; a lognormal is given by its mean and sd."""
    if dist.dist == "fixed":
        return np.full(n, float(dist.value))  # type: ignore[arg-type]
    if dist.dist == "uniform":
        return rng.uniform(dist.low, dist.high, n)  # type: ignore[arg-type]
    if dist.dist == "triangular":
        if dist.low == dist.high:
            return np.full(n, float(dist.low))  # type: ignore[arg-type]
        return rng.triangular(dist.low, dist.mode, dist.high, n)  # type: ignore[arg-type]
    if dist.dist == "normal":
        return rng.normal(dist.mean, dist.sd, n)  # type: ignore[arg-type]
    mean, sd = float(dist.mean), float(dist.sd)  # type: ignore[arg-type]
    sigma2 = np.log1p((sd / mean) ** 2)
    return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), n)


@dataclass
class Draws:
    """Per-draw parameters; every array has the draw axis first."""

    multiplier: np.ndarray  # (draw, end_use[ev, wind, other])
    substitution: np.ndarray  # (draw, end_use)
    bloc_share: np.ndarray  # (draw,)
    thrift: np.ndarray  # (draw,)
    china_growth: np.ndarray  # (draw,)
    collection: np.ndarray  # (draw,)
    recovery: np.ndarray  # (draw,)
    lifetimes: np.ndarray  # (draw, end_use)
    start_year: np.ndarray  # (draw, facility)  nan = never
    capacity: np.ndarray  # (draw, facility)
    other_growth: np.ndarray  # (draw,) yearly demand growth of the non-magnet rare earths

    def take(self, index: slice) -> Draws:
        return Draws(**{k: v[index] for k, v in self.__dict__.items()})


def draw_parameters(scenario: Scenario, inputs: ModelInputs, bloc: str, n: int, seed: int) -> Draws:
    """All random parameters for n draws, in a fixed order."""
    rng = np.random.default_rng(seed)
    uses = ("ev", "wind", "other")
    fixed_one = Dist(dist="fixed", value=1.0, source="default")
    fixed_zero = Dist(dist="fixed", value=0.0, source="default")
    multiplier = np.stack(
        [sample(scenario.demand.multiplier.get(u, fixed_one), rng, n) for u in uses], axis=1
    )
    substitution = np.stack(
        [sample(scenario.demand.substitution.get(u, fixed_zero), rng, n) for u in uses], axis=1
    )
    share = scenario.demand.bloc_share.get(bloc)
    if share is None:
        from derisk.errors import InputError

        raise InputError(
            "no demand share for this bloc in the scenario",
            column="demand.bloc_share",
            expected=f"a share for {bloc} (e.g. --set demand.bloc_share.{bloc}=0.1 with a "
            "source you can cite)",
            found=", ".join(scenario.demand.bloc_share) or "none",
        )
    bloc_share = sample(share, rng, n)
    thrift = sample(scenario.intensity.dy_tb_annual_reduction, rng, n)
    china_growth = sample(scenario.china.capacity_growth, rng, n)
    collection = sample(scenario.recycling.collection_rate, rng, n)
    recovery = sample(scenario.recycling.recovery_yield, rng, n)
    default_life = Dist(dist="fixed", value=10.0, source="assumption")
    lifetimes = np.stack(
        [sample(scenario.recycling.lifetimes.get(u, default_life), rng, n) for u in uses], axis=1
    )
    start, capacity = _facility_draws(scenario, inputs, rng, n)
    # Drawn last so that adding it left every earlier draw of a seed unchanged.
    other_growth = sample(scenario.demand.other_rees_growth, rng, n)
    # After every other draw for the same reason: a scenario with and without mine lead
    # times shares all its other random numbers, so the lever's effect is its own.
    _apply_mine_leads(scenario, inputs, rng, n, start)
    for arr in (substitution, bloc_share, collection, recovery):
        np.clip(arr, 0.0, 1.0, out=arr)
    return Draws(
        multiplier=np.clip(multiplier, 0, None),
        substitution=substitution,
        bloc_share=bloc_share,
        thrift=np.clip(thrift, 0, 1),
        china_growth=china_growth,
        collection=collection,
        recovery=recovery,
        lifetimes=np.clip(lifetimes, 1, None),
        start_year=start,
        capacity=capacity,
        other_growth=np.clip(other_growth, -0.99, None),
    )


def _facility_draws(
    scenario: Scenario, inputs: ModelInputs, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start year (NaN: never) and capacity per draw and plant.

    A plant succeeds with its status's probability; an operating plant starts at its
    actual year; any other at max(announced, scenario start) + a sampled delay.
    Planned mines get their lead-time floor afterwards (_apply_mine_leads).
    """
    plants = inputs.facilities
    delays = inputs.delays["delay_years"].to_numpy(float) if len(inputs.delays) else np.zeros(1)
    pipe = scenario.pipeline
    start = np.full((n, len(plants)), np.nan)
    capacity = np.zeros((n, len(plants)))
    index = {plant.name: i for i, plant in enumerate(plants)}
    for i, plant in enumerate(plants):
        if plant.companion_of:
            # An integrated plant's own metal line starts, succeeds and sizes with its
            # magnet line (plants listed earlier); it draws nothing of its own.
            parent = index[plant.companion_of]
            start[:, i], capacity[:, i] = start[:, parent], capacity[:, parent]
            continue
        p = pipe.success_probability.get(plant.status, 0.0)
        success = rng.random(n) < p
        if pipe.on_time:
            delay = np.zeros(n)
        elif pipe.delay_years == "empirical":
            delay = rng.choice(delays, n)
        else:
            delay = np.clip(sample(pipe.delay_years, rng, n), 0, None)  # type: ignore[arg-type]
        if plant.status == "operating":
            base = plant.actual if np.isfinite(plant.actual) else inputs.years[0] - 1
            begins = np.full(n, base)
        else:
            announced = (
                plant.announced
                if np.isfinite(plant.announced)
                else (scenario.start_year + UNDATED_LEAD_YEARS)
            )
            begins = np.maximum(announced, scenario.start_year) + delay
        start[:, i] = np.where(success, begins, np.nan)
        capacity[:, i] = rng.uniform(plant.capacity_low, plant.capacity_high, n)
    return start, capacity


def is_unbuilt_mine(status: str, stage: str) -> bool:
    """A mine that is only planned: no construction yet, so not yet past its FID."""
    return stage == "mining" and status == "planned"


def _apply_mine_leads(
    scenario: Scenario, inputs: ModelInputs, rng: np.random.Generator, n: int, start: np.ndarray
) -> None:
    """Planned mines start no earlier than the dataset date + a sampled lead time.

    A planned mine's announced date is the company's schedule; the lead time
    (`pipeline.mine_lead_years`, years from AS_OF_YEAR to first output) is how long
    permitting, financing and construction have taken on the record. Its start is the
    later of the two: max(announced + delay, AS_OF_YEAR + lead). Plants under
    construction, operating plants and plants that never start (NaN) are left alone.
    """
    lead = scenario.pipeline.mine_lead_years
    if lead is None:
        return
    for i, plant in enumerate(inputs.facilities):
        if not is_unbuilt_mine(plant.status, plant.stage):
            continue
        floor = AS_OF_YEAR + np.clip(sample(lead, rng, n), 0, None)
        start[:, i] = np.where(np.isnan(start[:, i]), np.nan, np.maximum(start[:, i], floor))


def end_use_index(name: str) -> int:
    return ("ev", "wind", "other").index(name) if name in ("ev", "wind") else 2


__all__ = ["Draws", "draw_parameters", "sample", "END_USES"]

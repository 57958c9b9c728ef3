"""The Monte Carlo supply-chain model: four stages, twelve regions, magnet rare earths.

One chunk of draws is simulated at a time, vectorised over (draw, element, year); the
chain is walked stage by stage (mining -> separation -> metal -> magnet) with a
documented routing rule, export controls remove the flows they block, and the
target bloc is served pro rata. docs/METHODS.md ("Forecast") gives every equation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derisk.errors import InputError
from derisk.forecast.balance import check_balance
from derisk.forecast.inputs import BASE_YEAR, ModelInputs
from derisk.forecast.lifetimes import survival_curve
from derisk.forecast.sampling import Draws
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, Scenario
from derisk.forecast.stocks import inflow_driven

CHN = REGIONS.index("CHN")
assert CHN == 0, "China must be the first region: the model slices the others as [1:]"
#: Every region but China, as a slice (a view, unlike a list index, which copies).
OTHERS = slice(1, None)
BLOC_REGIONS = {
    "US": ("USA",),
    "EU27": ("EU",),
    "JP": ("JPN",),
    "KR": ("KOR",),
    "CA": ("CAN",),
    "AU": ("AUS",),
}
#: Weibull lifetimes get this coefficient of variation (assumption, docs/METHODS.md).
LIFETIME_CV = 0.3


@dataclass
class ChunkResult:
    """Arrays for one chunk of draws (draw axis first)."""

    demand: np.ndarray  # (d, e, t) bloc demand
    demand_world: np.ndarray  # (d, e, t)
    primary_supply: np.ndarray  # (d, s, r, e, t) output by stage and region
    secondary_supply: np.ndarray  # (d, e, t) bloc recycling
    china_free_supply: np.ndarray  # (d, e, t) to the bloc, not dependent on China
    supply_available: np.ndarray  # (d, e, t) to the bloc, all origins incl. stockpile
    shortfall: np.ndarray  # (d, e, t)
    china_dependent_share: np.ndarray  # (d, s, e, t) world, per cent
    hhi: np.ndarray  # (d, s, t) world, magnet REEs together


def _active(
    scenario: Scenario,
    years: np.ndarray,
    bloc: str,
    *,
    stage: str | None,
    specific_only: bool,
    elements: tuple[str, ...],
) -> np.ndarray:
    """Allowed share (0-1) of China-origin flow per (element, year) under the controls."""
    allowed = np.ones((len(elements), len(years)))
    for control in scenario.china.export_controls:
        targets = set(control.target_blocs)
        hits_bloc = bool(targets & {bloc, "target"})
        if specific_only and not hits_bloc:
            continue
        if not specific_only and "all" not in targets and not hits_bloc:
            continue
        if stage is not None and stage not in control.stages:
            continue
        on = (years >= control.start) & (
            years <= (control.end if control.end is not None else 10_000)
        )
        rate = control.approval_rate
        if specific_only:
            rate = rate + (1 - rate) * scenario.china.reexport_share
        for j, element in enumerate(elements):
            if element in control.elements:
                allowed[j, on] *= rate
    return allowed


def capacities(
    inputs: ModelInputs, draws: Draws, scenario: Scenario, world_demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Capacity (draw, stage, region, element, year) and China's secondary feed (d, e, t).

    Sourced: 2024 mining and refining outside China (IEA) and plants outside China
    (facilities). Calibrated, not sourced: China's capacity at every stage. On the
    'residual' path China is the swing supplier, filling (1+g)^k x world demand that
    others cannot; on the 'growth' path its 2024 clearing capacity grows at (1+g). The
    2024 gap between world demand and world mining (recycling and stocks, mostly in
    China) is Chinese secondary feed that grows with demand (docs/METHODS.md).
    """
    years = inputs.years
    n = draws.bloc_share.shape[0]
    t0 = list(years).index(BASE_YEAR)
    cap = np.zeros((n, 4, len(REGIONS), len(inputs.elements), len(years)))
    cap[:, 0] = inputs.mining_base[None, :, :, None]
    cap[:, 1] = inputs.refining_base[None, :, :, None]
    cap[:, 1, CHN] = 0.0
    ramp = max(scenario.pipeline.ramp_up_years, 1)
    for i, plant in enumerate(inputs.facilities):
        s = MODEL_STAGES.index(plant.stage)
        in_base = (
            s <= 1
            and plant.status == "operating"
            and (not np.isfinite(plant.actual) or plant.actual <= BASE_YEAR)
        )
        if in_base:
            continue  # already inside the IEA 2024 mining/refining figures
        start = draws.start_year[:, i][:, None]
        online = np.clip((years[None, :] - start + 1) / ramp, 0.0, 1.0)
        online = np.where(np.isnan(start), 0.0, online)
        r = REGIONS.index(plant.region)
        cap[:, s, r] += (online * draws.capacity[:, i][:, None])[:, None, :] * plant.element_share[
            None, :, None
        ]
    # The co-products end at separated products: metal and magnet stages pass them through.
    co = inputs.coproducts
    cap[:, 2, :, co] = cap[:, 1, :, co]
    cap[:, 3, :, co] = cap[:, 1, :, co]
    since = np.clip(years - BASE_YEAR, 0, None)[None, None, :]
    growth = (1 + draws.china_growth[:, None, None]) ** since
    d0 = world_demand[:, :, t0][:, :, None]
    mined0 = cap[:, 0, :, :, t0].sum(axis=1)[:, :, None]
    secondary_cn = np.maximum(d0 - mined0, 0.0) * _divide(
        world_demand, np.broadcast_to(d0, world_demand.shape)
    )
    others = cap[:, :, OTHERS].sum(axis=2)  # (d, s, e, t)
    if scenario.china.capacity_path in ("residual", "quota"):
        # China is the swing supplier: it fills (1+g)^k x world demand that others cannot.
        target = world_demand * growth
        cap[:, 0, CHN] = np.maximum(target - others[:, 0] - secondary_cn, 0.0)
        for s in (1, 2, 3):
            cap[:, s, CHN] = np.maximum(target - others[:, s], 0.0)
        if scenario.china.capacity_path == "quota":
            if inputs.china_quota is None:
                raise InputError(
                    "the quota capacity path needs China's full-year quotas in the store",
                    column="china.capacity_path",
                    expected="china_quotas rows with period 'full year' for mining and "
                    "smelting/separation",
                )
            quota = inputs.china_quota[None, :, :, None] * growth[:, None]  # (d, 2, e, t)
            cap[:, 0, CHN] = quota[:, 0]
            cap[:, 1, CHN] = quota[:, 1]
            cap[:, 2, CHN, co] = quota[:, 1, co]
            cap[:, 3, CHN, co] = quota[:, 1, co]
    else:
        cap[:, 0, CHN] = inputs.mining_base[CHN][None, :, None] * growth
        for s in (1, 2, 3):
            cap[:, s, CHN] = np.maximum(d0 - others[:, s, :, t0][:, :, None], 0.0) * growth
    return cap, secondary_cn


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)


@dataclass
class Flows:
    """Stage outputs split by dependence on China, with the feed each region received.

    free, dep, feed: (draw, stage, region, element, year); surplus: feed that reached
    China beyond its capacity (inventory), (draw, stage, element, year).
    """

    free: np.ndarray
    dep: np.ndarray
    feed: np.ndarray
    surplus: np.ndarray

    @property
    def output(self) -> np.ndarray:
        return self.free + self.dep


def walk_chain(
    cap: np.ndarray,
    scenario: Scenario,
    years: np.ndarray,
    bloc: str,
    secondary_cn: np.ndarray,
    elements: tuple[str, ...] = MAGNET_ELEMENTS,
) -> Flows:
    """Walk mining -> separation -> metal -> magnet with the scenario's routing rule."""
    free = np.zeros_like(cap)
    dep = np.zeros_like(cap)
    feed = np.zeros_like(cap)
    surplus = np.zeros((cap.shape[0], 4, cap.shape[3], cap.shape[4]))
    free[:, 0] = cap[:, 0]
    free[:, 0, CHN] = 0.0
    dep[:, 0, CHN] = cap[:, 0, CHN]
    feed[:, 0] = cap[:, 0]
    for s in range(1, 4):
        exportable = _active(
            scenario, years, bloc, stage=MODEL_STAGES[s - 1], specific_only=False, elements=elements
        )[None]
        free_pool = free[:, s - 1, OTHERS].sum(axis=1)
        dep_nc_pool = dep[:, s - 1, OTHERS].sum(axis=1)
        cn_out = dep[:, s - 1, CHN]
        cn_export = cn_out * exportable
        cap_nc = cap[:, s, OTHERS].sum(axis=1)
        cap_cn = cap[:, s, CHN]
        if scenario.routing == "non_china_first":
            free_used = np.minimum(free_pool, cap_nc)
            dep_used = np.minimum(dep_nc_pool + cn_export, cap_nc - free_used)
        else:
            pool = free_pool + dep_nc_pool + cn_out
            take = np.minimum(cap_nc, pool * _divide(cap_nc, cap_nc + cap_cn))
            free_used = take * _divide(free_pool, pool)
            dep_used = np.minimum(take - free_used, dep_nc_pool + cn_export)
        from_nc = np.minimum(dep_used, dep_nc_pool)
        from_cn = dep_used - from_nc
        extra = secondary_cn if s == 1 else 0.0
        cn_feed = (free_pool - free_used) + (dep_nc_pool - from_nc) + (cn_out - from_cn) + extra
        cn_made = np.minimum(cap_cn, cn_feed)
        surplus[:, s] = cn_feed - cn_made
        weight = _divide(cap[:, s, OTHERS], cap_nc[:, None])
        free[:, s, OTHERS] = weight * free_used[:, None]
        dep[:, s, OTHERS] = weight * dep_used[:, None]
        dep[:, s, CHN] = cn_made
        feed[:, s, OTHERS] = free[:, s, OTHERS] + dep[:, s, OTHERS]
        feed[:, s, CHN] = cn_feed
    flows = Flows(free=free, dep=dep, feed=feed, surplus=surplus)
    check_chain_balance(flows, secondary_cn)
    return flows


def check_chain_balance(flows: Flows, secondary_cn: np.ndarray) -> None:
    """Raise MassBalanceError unless every stage, region, element, year and draw balances.

    Two books: each region's feed equals its output plus what it could not process (only
    China keeps a surplus), and each stage's feed equals the previous stage's output plus
    secondary feed.
    """
    output = flows.output
    kept = np.zeros_like(flows.feed)
    kept[:, :, CHN] = flows.surplus
    labels = {
        "draw": range(flows.feed.shape[0]),
        "stage": MODEL_STAGES,
        "region": REGIONS,
        "element": range(flows.feed.shape[3]),
        "year": range(flows.feed.shape[-1]),
    }
    check_balance(flows.feed, output, kept, labels=labels, name="stage x region")
    prev = output[:, :-1].sum(axis=2)
    prev[:, 0] += secondary_cn
    check_balance(
        prev,
        flows.feed[:, 1:].sum(axis=2),
        0.0,
        labels={k: v for k, v in labels.items() if k != "region"} | {"stage": MODEL_STAGES[1:]},
        name="trade between stages",
    )


def demand(inputs: ModelInputs, draws: Draws, scenario: Scenario) -> np.ndarray:
    """World demand (draw, end_use, element, year) after substitution and thrifting."""
    years = inputs.years
    ramp = np.clip(
        (years - scenario.start_year + 1)
        / max(scenario.demand.substitution_full_by - scenario.start_year + 1, 1),
        0,
        1,
    )
    out = inputs.demand_path[None] * draws.multiplier[:, :, None, None]
    out = out * (1 - draws.substitution[:, :, None, None] * ramp[None, None, None, :])
    since = np.clip(years - scenario.start_year + 1, 0, None)
    thrift = np.maximum(
        scenario.intensity.until_fraction, (1 - draws.thrift[:, None]) ** since[None, :]
    )
    for j, element in enumerate(inputs.elements):
        if element in ("Dy", "Tb"):
            out[:, :, j] *= thrift[:, None, :]
    grown = np.clip(years - BASE_YEAR, 0, None)[None, :]
    out[:, :, inputs.coproducts] *= ((1 + draws.other_growth[:, None]) ** grown)[:, None, None, :]
    return out


def recycling(
    inputs: ModelInputs, draws: Draws, scenario: Scenario, bloc_use: np.ndarray
) -> np.ndarray:
    """Secondary supply (draw, element, year) from the bloc's end-of-life magnets.

    In-use stocks start empty in the base year unless history is given: products put in
    use before 2024 are not in the data, so early outflows are understated (METHODS).
    """
    years = inputs.years
    n_ages = len(years)
    bloc_use = bloc_use[:, :, inputs.magnet]  # only end-of-life magnets are recycled
    secondary = np.zeros(bloc_use.shape[:1] + (len(inputs.elements),) + bloc_use.shape[3:])
    for u in range(bloc_use.shape[1]):
        # One curve per distinct lifetime: fixed lifetimes repeat across draws.
        means, which = np.unique(draws.lifetimes[:, u], return_inverse=True)
        kind = scenario.recycling.lifetime_kind
        sd = None if kind == "fixed" else means * LIFETIME_CV
        curve = survival_curve(kind, means, sd, n_ages=n_ages, timing="middle")[which]
        result = inflow_driven(bloc_use[:, u], curve[:, None, :])
        secondary[:, inputs.magnet] += result.outflow
    on = (years >= scenario.recycling.start_year)[None, None, :]
    rate = (draws.collection * draws.recovery)[:, None, None]
    return secondary * rate * on


def run_chunk(
    inputs: ModelInputs, draws: Draws, scenario: Scenario, bloc: str, stockpile: np.ndarray
) -> ChunkResult:
    """Simulate one chunk of draws end to end."""
    years = inputs.years
    world_use = demand(inputs, draws, scenario)
    share = draws.bloc_share[:, None, None, None]
    bloc_use = world_use * share
    bloc_demand = bloc_use.sum(axis=1)
    world_demand = world_use.sum(axis=1)
    secondary = recycling(inputs, draws, scenario, bloc_use)

    cap, secondary_cn = capacities(inputs, draws, scenario, world_demand)
    flows = walk_chain(cap, scenario, years, bloc, secondary_cn, inputs.elements)
    free, dep = flows.free, flows.dep
    free_final = free[:, 3, OTHERS].sum(axis=1)
    dep_nc_final = dep[:, 3, OTHERS].sum(axis=1)
    cn_final = dep[:, 3, CHN]
    elements = inputs.elements
    to_bloc_cn = _active(
        scenario, years, bloc, stage="magnet", specific_only=False, elements=elements
    )[None]
    via_third = _active(scenario, years, bloc, stage=None, specific_only=True, elements=elements)[
        None
    ]
    b = draws.bloc_share[:, None, None]
    if scenario.allocation == "domestic_first":
        own = [REGIONS.index(r) for r in BLOC_REGIONS.get(bloc, ())]
        own_free = free[:, 3, own].sum(axis=1) if own else np.zeros_like(free_final)
        free_bloc = own_free + b * (free_final - own_free)
    else:
        free_bloc = b * free_final
    dep_bloc = b * (dep_nc_final * via_third + cn_final * to_bloc_cn)
    china_free = np.minimum(bloc_demand, free_bloc + secondary)
    available = np.minimum(bloc_demand, free_bloc + secondary + dep_bloc)
    gap = bloc_demand - available
    released = np.zeros_like(gap)
    if scenario.stockpile.release == "shortfall":
        remaining = np.broadcast_to(stockpile[None, :], gap.shape[:2]).copy()
        for t in range(len(years)):
            released[:, :, t] = np.minimum(remaining, gap[:, :, t])
            remaining -= released[:, :, t]
    output = free + dep
    stage_total = output.sum(axis=2)
    dep_share = 100 * _divide(dep.sum(axis=2), stage_total)
    by_region = output.sum(axis=3)
    shares = _divide(by_region, by_region.sum(axis=2, keepdims=True))
    hhi = 10_000 * (shares**2).sum(axis=2)
    return ChunkResult(
        demand=bloc_demand,
        demand_world=world_demand,
        primary_supply=output.astype(np.float32),
        secondary_supply=secondary,
        china_free_supply=china_free,
        supply_available=available + released,
        shortfall=gap - released,
        china_dependent_share=dep_share,
        hhi=hhi,
    )

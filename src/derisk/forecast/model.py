"""The Monte Carlo supply-chain model: four stages, twelve regions, magnet rare earths.

One chunk of draws is simulated at a time, vectorised over (draw, element, year); the
chain is walked stage by stage (mining -> separation -> metal -> magnet) with a
documented routing rule, export controls remove the flows they block, and the
target bloc is served pro rata. docs/METHODS.md ("Forecast") gives every equation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from derisk import vocabulary
from derisk.errors import InputError
from derisk.forecast.balance import DEFAULT_RTOL, check_balance
from derisk.forecast.inputs import BASE_YEAR, ModelInputs
from derisk.forecast.lifetimes import survival_curve
from derisk.forecast.sampling import Draws
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, Scenario
from derisk.forecast.stocks import inflow_driven

CHN = REGIONS.index("CHN")
assert CHN == 0, "China must be the first region: the model slices the others as [1:]"
#: Every region but China, as a slice (a view, unlike a list index, which copies).
OTHERS = slice(1, None)
#: Bloc code -> the regions that are its own supply (derisk.vocabulary's blocs.json).
BLOC_REGIONS = vocabulary.BLOC_REGIONS
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
    China beyond its capacity (inventory), (draw, stage, element, year). secondary: the
    bloc's recycled tonnes fed, China-free, to stage `secondary_stage` (draw, element,
    year); None when the chain was walked without them.
    """

    free: np.ndarray
    dep: np.ndarray
    feed: np.ndarray
    surplus: np.ndarray
    secondary: np.ndarray | None = None
    secondary_stage: int = MODEL_STAGES.index("metal")

    @property
    def output(self) -> np.ndarray:
        return self.free + self.dep


def _safe_denominator(b: np.ndarray) -> np.ndarray:
    """b where b > 0, else inf: x / it is x / b or 0 for finite x, as _divide gives."""
    return np.where(b > 0, b, np.inf)


def _runs(regions: list[int]) -> list[slice]:
    """Consecutive region indices as slices: [1, 2, 5, 7, 8] -> [1:3, 5:6, 7:9]."""
    runs: list[slice] = []
    for r in regions:
        if runs and runs[-1].stop == r:
            runs[-1] = slice(runs[-1].start, r + 1)
        else:
            runs.append(slice(r, r + 1))
    return runs


def _region_sum(arr: np.ndarray, regions: list[int]) -> np.ndarray:
    """arr (draw, region, element, year) summed over `regions`, in order.

    Equal, bit for bit, to the sum over all regions outside China when the others are
    zero (numpy also adds region by region, and x + 0 = x), so it does not depend on
    which regions a chunk of draws leaves out.
    """
    if not regions:
        return np.zeros(arr.shape[:1] + arr.shape[2:])
    total = arr[:, regions[0]].copy()
    for r in regions[1:]:
        total += arr[:, r]
    return total


def walk_chain(
    cap: np.ndarray,
    scenario: Scenario,
    years: np.ndarray,
    bloc: str,
    secondary_cn: np.ndarray,
    elements: tuple[str, ...] = MAGNET_ELEMENTS,
    secondary: np.ndarray | None = None,
    *,
    check: bool = True,
) -> Flows:
    """Walk mining -> separation -> metal -> magnet with the scenario's routing rule.

    `secondary` (draw, element, year), the bloc's recycled tonnes, is China-free feed at
    `scenario.recycling.entry_stage` in the bloc's own region (spread over the regions
    outside China in proportion to their capacity at that stage for a bloc without
    one). Processors there take it first, up to their capacity; the rest joins that
    stage's China-free pool and is routed like primary material (docs/METHODS.md).

    Regions outside China with no capacity at a stage in any draw of the chunk get zero
    flows directly; the sums over regions add the others in the same order as a sum
    over all, so the result is the same whatever the chunk.

    The flows are checked with check_chain_balance; `check=False` leaves that to the
    caller (run_chunk checks them in the same pass as it sums the outputs).
    """
    n_draws, n_stages, _, n_elements, n_years = cap.shape
    entry = MODEL_STAGES.index(scenario.recycling.entry_stage)
    own = BLOC_REGIONS.get(bloc, ())
    home = REGIONS.index(own[0]) if own else None
    has = np.any(cap, axis=(0, 3, 4))  # (stage, region)
    active = [[r for r in range(1, has.shape[1]) if has[s, r]] for s in range(n_stages)]
    # Every cell is written below, so no zero-filled allocations.
    free = np.empty_like(cap)
    dep = np.empty_like(cap)
    feed = np.empty_like(cap)
    surplus = np.empty((n_draws, n_stages, n_elements, n_years))
    surplus[:, 0] = 0.0
    free[:, 0, OTHERS] = cap[:, 0, OTHERS]
    free[:, 0, CHN] = 0.0
    dep[:, 0] = 0.0
    dep[:, 0, CHN] = cap[:, 0, CHN]
    feed[:, 0] = cap[:, 0]
    for s in range(1, n_stages):
        exportable = _active(
            scenario, years, bloc, stage=MODEL_STAGES[s - 1], specific_only=False, elements=elements
        )[None]
        free_pool = _region_sum(free[:, s - 1], active[s - 1])
        dep_nc_pool = _region_sum(dep[:, s - 1], active[s - 1])
        cn_out = dep[:, s - 1, CHN]
        cn_export = cn_out * exportable
        cap_nc = _region_sum(cap[:, s], active[s])
        cap_cn = cap[:, s, CHN]
        # The bloc's recycled tonnes: `local` of them are processed where they arise; the
        # rest joins the China-free pool. `room` is the capacity left outside China.
        local = None
        room = cap_nc
        if secondary is not None and s == entry:
            local = np.minimum(secondary, cap_nc if home is None else cap[:, s, home])
            room = cap_nc - local
            free_pool += secondary - local
        if scenario.routing == "non_china_first":
            free_used = np.minimum(free_pool, room)
            dep_used = np.minimum(dep_nc_pool + cn_export, room - free_used)
        else:
            pool = free_pool + dep_nc_pool + cn_out
            take = np.minimum(room, pool * _divide(room, room + cap_cn))
            free_used = take * _divide(free_pool, pool)
            dep_used = np.minimum(take - free_used, dep_nc_pool + cn_export)
        from_nc = np.minimum(dep_used, dep_nc_pool)
        from_cn = dep_used - from_nc
        cn_feed = free_pool - free_used
        cn_feed += dep_nc_pool - from_nc
        cn_feed += cn_out - from_cn
        if s == 1:
            cn_feed += secondary_cn
        cn_made = np.minimum(cap_cn, cn_feed)
        np.subtract(cn_feed, cn_made, out=surplus[:, s])
        free[:, s, CHN] = 0.0
        dep[:, s, CHN] = cn_made
        feed[:, s, CHN] = cn_feed
        # Outputs outside China are spread over regions in proportion to capacity (spread
        # recycled tonnes leave that at cap / cap_nc). With a home region, its recycled
        # tonnes stay there and the rest is spread over the capacity they left.
        at_home = local is not None and home is not None
        total = _safe_denominator(room if at_home else cap_nc)[:, None]
        spread = free_used if local is None or at_home else free_used + local
        for run in _runs(active[s]):
            weight = np.divide(cap[:, s, run], total, out=feed[:, s, run])  # feed as scratch
            inside = at_home and run.start <= home < run.stop  # type: ignore[operator]
            if inside:
                np.divide(cap[:, s, home] - local, total[:, 0], out=weight[:, home - run.start])
            free_r = np.multiply(weight, spread[:, None], out=free[:, s, run])
            dep_r = np.multiply(weight, dep_used[:, None], out=dep[:, s, run])
            if inside:
                free_r[:, home - run.start] += local
            np.add(free_r, dep_r, out=feed[:, s, run])
        for run in _runs([r for r in range(1, has.shape[1]) if not has[s, r]]):
            free[:, s, run] = 0.0
            dep[:, s, run] = 0.0
            feed[:, s, run] = 0.0
    flows = Flows(
        free=free,
        dep=dep,
        feed=feed,
        surplus=surplus,
        secondary=secondary,
        secondary_stage=entry,
    )
    if check:
        check_chain_balance(flows, secondary_cn)
    return flows


def check_chain_balance(
    flows: Flows,
    secondary_cn: np.ndarray,
    each_output: Callable[[int, np.ndarray], None] | None = None,
) -> None:
    """Raise MassBalanceError unless every stage, region, element, year and draw balances.

    Two books: each region's feed equals its output plus what it could not process (only
    China keeps a surplus), and each stage's feed equals the previous stage's output plus
    secondary feed (China's at separation, the bloc's recycling at its entry stage).

    The first book goes one stage at a time through one scratch array and passes when
    the largest |residual| is within check_balance's tolerance computed from a smaller
    scale (the largest feed or surplus, not the largest |feed|, |output| or |kept|):
    what passes here passes check_balance on the whole arrays. Anything else (an error,
    NaN, inf) goes to check_balance, which decides and names the failing cell. In a
    balanced chain the residuals are exactly zero.

    each_output(stage, output) is called with each stage's output (free + dep; draw,
    region, element, year) as computed here, for callers that need it too; the array is
    reused, so it must not be kept.
    """
    feed, free, dep, surplus = flows.feed, flows.free, flows.dep, flows.surplus
    n_draws, n_stages, _, n_elements, n_years = feed.shape
    scratch = np.empty(feed.shape[:1] + feed.shape[2:])  # one stage: (draw, region, e, t)
    made = np.empty((n_draws, n_stages - 1, n_elements, n_years))  # output, summed
    fed = np.empty_like(made)  # feed, summed over regions
    scale = [0.0]
    worst = [0.0]
    for s in range(n_stages):
        output = np.add(free[:, s], dep[:, s], out=scratch)
        if each_output is not None:
            each_output(s, output)
        if s < n_stages - 1:
            output.sum(axis=1, out=made[:, s])
        if s > 0:
            feed[:, s].sum(axis=1, out=fed[:, s - 1])
        residual = np.subtract(feed[:, s], output, out=scratch)
        residual[:, CHN] -= surplus[:, s]
        scale += [float(np.max(feed[:, s])), float(np.max(surplus[:, s]))]
        worst += [float(np.max(residual)), -float(np.min(residual))]
    if not np.max(worst) <= DEFAULT_RTOL * max(scale):  # np.max keeps NaN: it fails
        kept = np.zeros_like(feed)
        kept[:, :, CHN] = surplus
        check_balance(feed, flows.output, kept, labels=_labels(feed), name="stage x region")
    made[:, 0] += secondary_cn
    if flows.secondary is not None:
        if not 1 <= flows.secondary_stage < n_stages:
            raise ValueError(f"secondary feed enters at stage {flows.secondary_stage}, not 1-3")
        made[:, flows.secondary_stage - 1] += flows.secondary
    labels = {k: v for k, v in _labels(feed).items() if k != "region"}
    check_balance(
        made,
        fed,
        0.0,
        labels=labels | {"stage": MODEL_STAGES[1:]},
        name="trade between stages",
    )


def _labels(feed: np.ndarray) -> dict[str, Sequence]:
    return {
        "draw": range(feed.shape[0]),
        "stage": MODEL_STAGES,
        "region": REGIONS,
        "element": range(feed.shape[3]),
        "year": range(feed.shape[-1]),
    }


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
    inputs: ModelInputs,
    draws: Draws,
    scenario: Scenario,
    bloc: str,
    stockpile: np.ndarray,
    primary_out: np.ndarray | None = None,
) -> ChunkResult:
    """Simulate one chunk of draws end to end.

    primary_out: where to write primary_supply (float32, draw x stage x region x element
    x year), e.g. this chunk's rows of the whole run's array; a new array if None.
    """
    years = inputs.years
    world_use = demand(inputs, draws, scenario)
    share = draws.bloc_share[:, None, None, None]
    bloc_use = world_use * share
    bloc_demand = bloc_use.sum(axis=1)
    world_demand = world_use.sum(axis=1)
    secondary = recycling(inputs, draws, scenario, bloc_use)

    cap, secondary_cn = capacities(inputs, draws, scenario, world_demand)
    flows = walk_chain(
        cap, scenario, years, bloc, secondary_cn, inputs.elements, secondary, check=False
    )
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
    # The bloc's recycling entered the chain at its entry stage (walk_chain): it is in
    # free_bloc already, as far as it reached the magnet stage China-free.
    china_free = np.minimum(bloc_demand, free_bloc)
    available = np.minimum(bloc_demand, free_bloc + dep_bloc)
    gap = bloc_demand - available
    released = np.zeros_like(gap)
    if scenario.stockpile.release == "shortfall":
        remaining = np.broadcast_to(stockpile[None, :], gap.shape[:2]).copy()
        for t in range(len(years)):
            released[:, :, t] = np.minimum(remaining, gap[:, :, t])
            remaining -= released[:, :, t]
    # The mass balance check computes every stage's output (free + dep); the sums and
    # primary_supply are taken from it there, stage by stage, with no whole-chunk copy.
    n_draws, n_stages, n_regions, n_elements, n_years = free.shape
    primary = np.empty(free.shape, np.float32) if primary_out is None else primary_out
    stage_total = np.empty((n_draws, n_stages, n_elements, n_years))
    by_region = np.empty((n_draws, n_stages, n_regions, n_years))

    def take_output(s: int, output: np.ndarray) -> None:
        output.sum(axis=1, out=stage_total[:, s])
        # HHI over the magnet rare earths only: the co-products (La, Ce) would swamp it.
        output[:, :, inputs.magnet].sum(axis=2, out=by_region[:, s])
        primary[:, s] = output

    check_chain_balance(flows, secondary_cn, take_output)
    dep_share = 100 * _divide(dep.sum(axis=2), stage_total)
    shares = _divide(by_region, by_region.sum(axis=2, keepdims=True))
    hhi = 10_000 * (shares**2).sum(axis=2)
    return ChunkResult(
        demand=bloc_demand,
        demand_world=world_demand,
        primary_supply=primary,
        secondary_supply=secondary,
        china_free_supply=china_free,
        supply_available=available + released,
        shortfall=gap - released,
        china_dependent_share=dep_share,
        hhi=hhi,
    )

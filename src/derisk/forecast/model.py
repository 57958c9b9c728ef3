"""The Monte Carlo supply-chain model: four stages, twelve regions, magnet rare earths.

One chunk of draws is simulated at a time, vectorised over (draw, element, year); the
chain is walked stage by stage (mining -> separation -> metal -> magnet) with a
documented routing rule, export controls remove the flows they block, and the
target bloc is served pro rata. docs/METHODS.md ("Forecast") gives every equation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derisk import vocabulary
from derisk.errors import InputError
from derisk.forecast.allocation import BlocSupply, Market, allocate, china_dependent_to_bloc
from derisk.forecast.balance import check_balance
from derisk.forecast.base_capacity import INTEGRATED_ASSUMED
from derisk.forecast.chain import Flows, _divide, check_chain_balance, walk_chain
from derisk.forecast.controls import allowed_share
from derisk.forecast.inputs import BASE_YEAR, ModelInputs
from derisk.forecast.lifetimes import survival_curve
from derisk.forecast.ramp import online_fraction
from derisk.forecast.sampling import Draws
from derisk.forecast.scenario import MODEL_STAGES, REGIONS, Pipeline, Scenario
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
    withheld: np.ndarray  # (d, e, t) China-dependent supply kept from the bloc by controls
    inventory: np.ndarray  # (d, e, t) magnet output no buyer took (China's stocks)
    china_output_share: np.ndarray  # (d, s, t) China's % of world output, magnet REEs


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
    _add_plants(cap, inputs, draws, scenario)
    # The co-products end at separated products: metal and magnet stages pass them through.
    co = inputs.coproducts
    cap[:, 2, :, co] = cap[:, 1, :, co]
    cap[:, 3, :, co] = cap[:, 1, :, co]
    since = np.clip(years - BASE_YEAR, 0, None)[None, None, :]
    growth = (1 + draws.china_growth[:, None, None]) ** since
    d0 = world_demand[:, :, t0][:, :, None]
    secondary_cn = china_secondary(world_demand, cap[:, 0, :, :, t0].sum(axis=1), t0, inputs)
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


def _add_plants(cap: np.ndarray, inputs: ModelInputs, draws: Draws, scenario: Scenario) -> None:
    """Add the pipeline's plants to `cap`, online by their drawn start and ramp.

    A mine or separation plant operating by the base year is inside the IEA 2024
    mining/refining figures and is not added again, but only where that region and stage
    has a base figure: where the IEA counts no output there (the EU's refining: Silmet),
    nothing of the plant is in the base and it is added like any other.

    Plants are summed per (stage, region) in one contraction over the plant axis, not
    one by one (the per-plant loop was a fifth of a run's time).
    """
    pipe = scenario.pipeline
    base = (inputs.mining_base, inputs.refining_base)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, plant in enumerate(inputs.facilities):
        s, r = MODEL_STAGES.index(plant.stage), REGIONS.index(plant.region)
        in_base = (
            s <= 1
            and plant.status == "operating"
            and (not np.isfinite(plant.actual) or plant.actual <= BASE_YEAR)
            and bool(np.any(base[s][r] > 0))
        )
        if in_base:
            continue  # already inside the IEA 2024 mining/refining figures
        if plant.derived == INTEGRATED_ASSUMED and not pipe.integrated_metal:
            continue
        groups.setdefault((s, r), []).append(i)
    for (s, r), members in groups.items():
        tonnes = np.stack([_online_tonnes(inputs, draws, pipe, i) for i in members], axis=1)
        shares = np.stack([inputs.facilities[i].element_share for i in members])  # (plant, e)
        cap[:, s, r] += (tonnes.transpose(0, 2, 1) @ shares).transpose(0, 2, 1)


def _online_tonnes(inputs: ModelInputs, draws: Draws, pipe: Pipeline, i: int) -> np.ndarray:
    """Plant i's capacity online (draw, year): drawn nameplate x its ramp from its start.

    A capacity stated for a later year (Facility.target_year, "target by 2030") is not
    online at the start: its ramp runs over max(ramp_up_years, target - start + 1) years,
    so in each draw it reaches nameplate in the target year, or ramp_up_years after a
    start late enough that the scenario's ramp ends after the target, never earlier. The
    ramp's shape is the scenario's (ramp.online_fraction).
    """
    start = draws.start_year[:, i]
    target = inputs.facilities[i].target_year
    if not np.isfinite(target):
        online = online_fraction(inputs.years, start, pipe.ramp_up_years, pipe.ramp_shape)
        return online * draws.capacity[:, i][:, None]
    online = np.zeros((len(start), len(inputs.years)))
    for begins in np.unique(start[np.isfinite(start)]):
        rows = start == begins
        ramp = max(float(pipe.ramp_up_years), target - begins + 1.0)
        online[rows] = online_fraction(inputs.years, start[rows], ramp, pipe.ramp_shape)
    return online * draws.capacity[:, i][:, None]


def claimed_fractions(
    inputs: ModelInputs, draws: Draws, scenario: Scenario, cap: np.ndarray, market: Market
) -> list[tuple[int, int, np.ndarray]]:
    """(buyer, region, fraction of the region's magnet output) for each claimed plant.

    A region's China-free magnets are not traced plant by plant: a claimed plant is
    taken to make its capacity's share of its region's output (docs/METHODS.md).
    """
    magnet = MODEL_STAGES.index("magnet")
    index = {p.name: i for i, p in enumerate(inputs.facilities) if p.stage == "magnet"}
    out = []
    for name, k, share in market.claims:
        i = index.get(name)
        if i is None:
            continue  # not a magnet plant the model converted (see skipped_facilities)
        plant = inputs.facilities[i]
        r = REGIONS.index(plant.region)
        tonnes = _online_tonnes(inputs, draws, scenario.pipeline, i)[:, None, :]
        tonnes = tonnes * plant.element_share[None, :, None] * share
        region = cap[:, magnet, r]
        fraction = np.minimum(_divide(tonnes, region), 1.0)
        out.append((k, r, fraction))
    return out


def china_secondary(
    world_demand: np.ndarray, mined0: np.ndarray, t0: int, inputs: ModelInputs
) -> np.ndarray:
    """China's secondary feed (draw, element, year): the base year's unmined demand.

    In 2024 the IEA's world magnet-REE demand exceeds its mined supply; the difference is
    recycled swarf and scrap (mostly processed in China) and stock draw. It is taken
    over the magnet rare earths together, not element by element: scrap is magnet
    material, so it comes in the magnet demand mix (a per-element gap would make scrap
    two-thirds of the world's Dy). It grows with each element's demand. run.py checks it
    against the store's recycled-input share of a Chinese magnet maker
    (docs/METHODS.md, "China's secondary feed").
    """
    magnet = inputs.magnet
    demand0 = world_demand[:, magnet, t0].sum(axis=1)  # (d,)
    gap = np.maximum(demand0 - mined0[:, magnet].sum(axis=1), 0.0)
    out = np.zeros_like(world_demand)
    out[:, magnet] = world_demand[:, magnet] * _divide(gap, demand0)[:, None, None]
    return out


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


def bloc_supply(
    flows: Flows,
    inputs: ModelInputs,
    draws: Draws,
    scenario: Scenario,
    bloc: str,
    demands: tuple[np.ndarray, np.ndarray],
    market: Market | None,
    served: np.ndarray | float = 0.0,
    claimed: list[tuple[int, int, np.ndarray]] | None = None,
) -> BlocSupply:
    """The bloc's China-free and China-dependent magnets, under the scenario's allocation.

    'ownership' (allocation.py) serves buyers domestic first, then partners, then an open
    market outside China; 'pro_rata' and 'domestic_first' are the older rules, kept for
    comparison: the bloc gets its demand share of the world's (remaining) China-free
    output and of China-dependent output, and nothing withheld is redirected.
    demands = (what the bloc buys, world demand); `served`: the bloc's demand its own
    short-loop recycling met, which the market no longer has to serve.
    """
    bloc_demand, world_demand = demands
    years, elements = inputs.years, inputs.elements
    free, dep = flows.free, flows.dep
    rates = (
        allowed_share(scenario, years, bloc, stage="magnet", scope="bloc", elements=elements)[None],
        allowed_share(scenario, years, bloc, stage=None, scope="third", elements=elements)[None],
    )
    dep_nc_final = dep[:, 3, OTHERS].sum(axis=1)
    cn_final = dep[:, 3, CHN]
    if scenario.allocation == "ownership":
        if market is None:
            raise ValueError("the 'ownership' allocation needs the market (build_market)")
        alloc = allocate(market, free[:, 3], bloc_demand, world_demand, served, claimed)
        redirect = scenario.china.withheld == "redirect"
        world_left = world_demand - served
        return china_dependent_to_bloc(alloc, dep_nc_final, cn_final, world_left, rates, redirect)
    free_final = free[:, 3, OTHERS].sum(axis=1)
    b = draws.bloc_share[:, None, None]
    if scenario.allocation == "domestic_first":
        own = [REGIONS.index(r) for r in BLOC_REGIONS.get(bloc, ())]
        own_free = free[:, 3, own].sum(axis=1) if own else np.zeros_like(free_final)
        free_bloc = own_free + b * (free_final - own_free)
    else:
        free_bloc = b * free_final
    offered = b * (dep_nc_final + cn_final)
    dep_bloc = b * (dep_nc_final * rates[1] + cn_final * rates[0])
    china_free = np.minimum(bloc_demand, free_bloc)
    from_china = np.minimum(bloc_demand - china_free, dep_bloc)
    total = free_final + dep_nc_final + cn_final
    withheld = offered - dep_bloc
    return BlocSupply(
        china_free=china_free,
        from_china=from_china,
        withheld=withheld,
        redirected=np.zeros_like(withheld),
        inventory=withheld,
        to_others=total - china_free - from_china - withheld,
    )


def _received_use(bloc_use: np.ndarray, received: np.ndarray, demand_: np.ndarray) -> np.ndarray:
    """The bloc's receipts (draw, element, year) split over end uses like its demand."""
    return bloc_use * _divide(received, demand_)[:, None]


def run_chunk(
    inputs: ModelInputs,
    draws: Draws,
    scenario: Scenario,
    bloc: str,
    stockpile: np.ndarray,
    primary_out: np.ndarray | None = None,
    market: Market | None = None,
) -> ChunkResult:
    """Simulate one chunk of draws end to end.

    The bloc's in-use stock is fed by what it receives, not by its demand: the chain is
    walked once without recycling, the bloc's primary receipts feed its stock, and the
    chain is walked again with the recycled tonnes that stock releases (recycled
    magnets' own second life is left out: a lower bound, docs/METHODS.md).

    primary_out: where to write primary_supply (float32, draw x stage x region x element
    x year), e.g. this chunk's rows of the whole run's array; a new array if None.
    """
    years = inputs.years
    world_use = demand(inputs, draws, scenario)
    bloc_use = world_use * draws.bloc_share[:, None, None, None]
    bloc_demand = bloc_use.sum(axis=1)
    world_demand = world_use.sum(axis=1)
    demands = (bloc_demand, world_demand)
    cap, secondary_cn = capacities(inputs, draws, scenario, world_demand)
    args = (cap, scenario, years, bloc, secondary_cn, inputs.elements)
    first = walk_chain(*args, None, check=False)
    claimed = claimed_fractions(inputs, draws, scenario, cap, market) if market else None
    primary_only = bloc_supply(
        first, inputs, draws, scenario, bloc, demands, market, claimed=claimed
    )
    received = primary_only.china_free + primary_only.from_china
    secondary = recycling(inputs, draws, scenario, _received_use(bloc_use, received, bloc_demand))
    short = np.zeros_like(secondary)
    if scenario.recycling.processing == "short_loop":
        # Remade into magnets in the bloc: they serve its demand before any purchase.
        short = np.minimum(secondary, bloc_demand)
        flows = first
        demands = (bloc_demand - short, world_demand)
    else:
        recycled = secondary.any()
        flows = walk_chain(*args, secondary, check=False, before=first) if recycled else first
    supply = bloc_supply(flows, inputs, draws, scenario, bloc, demands, market, short, claimed)
    if scenario.recycling.processing == "short_loop":
        supply.china_free = supply.china_free + short
        supply.inventory = supply.inventory + secondary - short  # more than it needs
    bloc_demand = demands[0] + short
    available = np.minimum(bloc_demand, supply.china_free + supply.from_china)
    gap = bloc_demand - available
    released = np.zeros_like(gap)
    if scenario.stockpile.release == "shortfall":
        remaining = np.broadcast_to(stockpile[None, :], gap.shape[:2]).copy()
        for t in range(len(years)):
            released[:, :, t] = np.minimum(remaining, gap[:, :, t])
            remaining -= released[:, :, t]
    primary, dep_share, by_region, made = _chain_outputs(flows, secondary_cn, inputs, primary_out)
    if scenario.recycling.processing == "short_loop":
        made = made + secondary  # the short loop's magnets, and recycled tonnes left over
    check_balance(
        made,
        supply.china_free + supply.from_china + supply.to_others,
        supply.inventory,
        labels={"draw": range(len(made)), "element": inputs.elements, "year": years},
        name="magnet market (bloc, other buyers, China's inventory)",
    )
    return ChunkResult(
        demand=bloc_demand,
        demand_world=world_demand,
        primary_supply=primary,
        secondary_supply=secondary,
        china_free_supply=supply.china_free,
        supply_available=available + released,
        shortfall=gap - released,
        china_dependent_share=dep_share,
        hhi=10_000 * (_divide(by_region, by_region.sum(axis=2, keepdims=True)) ** 2).sum(axis=2),
        withheld=supply.withheld,
        inventory=supply.inventory,
        china_output_share=_china_share(by_region),
    )


def _china_share(by_region: np.ndarray) -> np.ndarray:
    """China's share (%) of world output per (draw, stage, year); NaN where none is made."""
    world = by_region.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(world > 0, 100 * by_region[:, :, CHN] / world, np.nan)


def _chain_outputs(
    flows: Flows, secondary_cn: np.ndarray, inputs: ModelInputs, primary_out: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check the chain's balance and take its outputs in the same pass.

    Returns primary_supply, China-dependent share per stage, output per stage and region
    (magnet REEs together; draw, stage, region, year) and the magnet stage's total
    output (draw, element, year). The balance check computes
    every stage's output (free + dep); the sums are taken from it there, stage by stage,
    with no whole-chunk copy.
    """
    free, dep = flows.free, flows.dep
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
    return primary, dep_share, by_region, stage_total[:, -1].copy()

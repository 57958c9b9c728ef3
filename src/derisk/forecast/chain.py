"""The supply chain walked stage by stage, and its two mass-balance books.

Mining -> separation -> metal -> magnet, per draw, region, element and year, with every
flow split into China-free and China-dependent material (docs/METHODS.md, "Chain,
routing and trade" and "Mass balance"). Kept apart from model.py, which builds the
capacities and demand the chain is walked with and allocates its output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from derisk import vocabulary
from derisk.forecast.balance import DEFAULT_RTOL, check_balance
from derisk.forecast.controls import allowed_share
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, Scenario

CHN = REGIONS.index("CHN")
assert CHN == 0, "China must be the first region: the chain slices the others as [1:]"
#: Every region but China, as a slice.
OTHERS = slice(1, None)
#: Bloc code -> the regions that are its own supply (derisk.vocabulary's blocs.json).
BLOC_REGIONS = vocabulary.BLOC_REGIONS


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else 0."""
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


def _spread_secondary(secondary: np.ndarray, cap_s: np.ndarray, home: int | None) -> np.ndarray:
    """The bloc's recycled tonnes (d, e, t) as feed by region (d, region, e, t).

    In its home region; for a bloc without one (ALLIES) over the regions outside China
    in proportion to their capacity at the entry stage.
    """
    out = np.zeros_like(cap_s)
    if home is not None:
        out[:, home] = secondary
        return out
    others = cap_s[:, OTHERS]
    total = others.sum(axis=1)
    out[:, OTHERS] = others * _divide(secondary, total)[:, None]
    return out


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
    before: Flows | None = None,
) -> Flows:
    """Walk mining -> separation -> metal -> magnet with the scenario's routing rule.

    `routing: non_china_first` (default): each region outside China processes its own
    China-free output first (US ore in US separation, a plant's metal in its own magnet
    line), up to its capacity; the rest of the China-free output, then China-dependent
    material (non-Chinese first, then what China may export), fills the capacity left
    outside China, spread over regions in proportion to it; everything else goes to
    China, which keeps what it cannot process as surplus. `routing: pro_rata`: only the
    bloc's recycled tonnes are processed locally first; the rest of the world pool
    reaches processors outside China in proportion to their share of world capacity.

    `secondary` (draw, element, year), the bloc's recycled tonnes, is China-free feed at
    `scenario.recycling.entry_stage` in the bloc's own region (_spread_secondary). Only
    controls on 'all' cut the chain's trade (controls.py): one aimed at a bloc cuts its
    purchases, in the allocation. docs/METHODS.md ("Chain, routing and trade").

    `before`: the same chain walked without the recycled tonnes; the stages before the
    entry stage are the same, so they are kept, not walked again, and the later ones are
    overwritten in its arrays (`before` is consumed). Only regions
    with capacity at a stage in some draw are computed there (the others get zero flows;
    every sum over regions still runs over all of them, so a chunk's result does not
    depend on which draws share it).
    """
    n_draws, n_stages, n_regions, n_elements, n_years = cap.shape
    entry = MODEL_STAGES.index(scenario.recycling.entry_stage)
    own_regions = BLOC_REGIONS.get(bloc, ())
    home = REGIONS.index(own_regions[0]) if own_regions else None
    local_first = scenario.routing == "non_china_first"
    first = 1
    if before is not None and secondary is not None:
        first = entry
        # Walked again in place: the caller is done with `before`.
        free, dep, feed, surplus = before.free, before.dep, before.feed, before.surplus
    else:
        free = np.zeros_like(cap)
        dep = np.zeros_like(cap)
        feed = np.zeros_like(cap)
        surplus = np.zeros((n_draws, n_stages, n_elements, n_years))
        free[:, 0, OTHERS] = cap[:, 0, OTHERS]
        dep[:, 0, CHN] = cap[:, 0, CHN]
        feed[:, 0] = cap[:, 0]
    has = np.any(cap, axis=(0, 3, 4))  # (stage, region)
    for s in range(first, n_stages):
        exportable = allowed_share(
            scenario, years, bloc, stage=MODEL_STAGES[s - 1], scope="world", elements=elements
        )[None]
        act = [r for r in range(1, n_regions) if has[s, r]]
        cap_s = cap[:, s, act]
        recycled = None
        if secondary is not None and s == entry:
            recycled = _spread_secondary(secondary, cap[:, s], home)[:, act]
        own = free[:, s - 1, act] if local_first else np.zeros_like(cap_s)
        if recycled is not None:
            own = own + recycled
        local = np.minimum(own, cap_s)
        room_r = cap_s - local
        room = room_r.sum(axis=1)
        free_pool = free[:, s - 1, OTHERS].sum(axis=1) - local.sum(axis=1)
        if recycled is not None:
            free_pool += secondary
        dep_nc_pool = dep[:, s - 1, OTHERS].sum(axis=1)
        cn_out = dep[:, s - 1, CHN]
        cn_export = cn_out * exportable
        cap_cn = cap[:, s, CHN]
        if local_first:
            free_used = np.minimum(free_pool, room)
            dep_used = np.minimum(dep_nc_pool + cn_export, room - free_used)
        else:
            pool = free_pool + dep_nc_pool + cn_out
            take = np.minimum(room, pool * _divide(room, room + cap_cn))
            free_used = take * _divide(free_pool, pool)
            dep_used = np.minimum(take - free_used, dep_nc_pool + cn_export)
        from_nc = np.minimum(dep_used, dep_nc_pool)
        from_cn = dep_used - from_nc
        cn_feed = (free_pool - free_used) + (dep_nc_pool - from_nc) + (cn_out - from_cn)
        if s == 1:
            cn_feed = cn_feed + secondary_cn
        cn_made = np.minimum(cap_cn, cn_feed)
        surplus[:, s] = cn_feed - cn_made
        weight = room_r / np.where(room > 0, room, np.inf)[:, None]
        free_s = local + weight * free_used[:, None]
        dep_s = weight * dep_used[:, None]
        free[:, s] = 0.0
        dep[:, s] = 0.0
        free[:, s, act] = free_s
        dep[:, s, act] = dep_s
        dep[:, s, CHN] = cn_made
        feed[:, s] = free[:, s] + dep[:, s]
        feed[:, s, CHN] = cn_feed
    flows = Flows(
        free=free, dep=dep, feed=feed, surplus=surplus, secondary=secondary, secondary_stage=entry
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

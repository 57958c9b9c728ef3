"""Who gets the China-free magnets: allocation by geography, partnership and the market.

A bloc's China-free supply is not its demand share of the world's China-free output:
plants serve their own country first, partners next, and only the rest is sold on an
open market outside China. Under a pro-rata rule the bloc's share cancels out (the US
and the EU get identical curves) and a bloc is de-risked only when the whole world is,
which no analyst would believe. The 'ownership' allocation (docs/METHODS.md,
"Allocation") therefore works in three rounds, per draw, element and year:

1. **Domestic**: each buyer takes the China-free output of its own regions, up to its
   demand. Buyers are the target bloc, every other bloc of the scenario that is one
   model region (its demand: the mean of its `demand.bloc_share`), and the rest of the
   world outside China (world x (1 - china_share) less the others), whose own regions
   are those no buyer claims.
2. **Partners**: what the regions of ALLIES members have left goes to the allied buyers
   with unmet demand, in proportion to it.
3. **Open market**: what is still left goes to every buyer outside China with unmet
   demand, in proportion to it; a remainder beyond their demand goes to China's
   buyers, up to China's demand, and is otherwise unsold (kept in the books).

Offtakes: the stated offtakes in the dataset (DoD and Apple with MP Materials; JARE with
Lynas) are either domestic (round 1 already gives them to the buyer) or on separated
oxide, which the chain routes by capacity; docs/METHODS.md states this limit.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derisk.errors import InputError
from derisk.forecast.scenario import REGIONS, Dist, Scenario

CHN = REGIONS.index("CHN")
#: The bloc whose members are the partners of round 2.
PARTNERS = "ALLIES"
#: Offtakes and ownership of plants: which buyer takes a plant's output first.
CLAIMS_FILE = Path(__file__).with_name("claims.csv")
CLAIM_COLUMNS = ("facility", "buyer", "share", "kind", "source", "note")
CLAIM_KINDS = ("offtake", "ownership")


@dataclass(frozen=True)
class Claim:
    """A buyer's first call on a share of a plant's China-free output (claims.csv)."""

    facility: str
    buyer: str
    share: float
    kind: str
    source: str


def load_claims(store: object, path: Path = CLAIMS_FILE) -> list[Claim]:
    """The claims file, every row checked against the store (facility, bloc, source).

    A bad row is an InputError naming the file, row and field: a claim on a plant that
    is not in `facilities`, a buyer that is not a bloc, a share outside 0-1, or a source
    that is neither a store source id nor 'assumption: why'.
    """
    facilities = set(store.table("facilities")["name"])  # type: ignore[attr-defined]
    blocs = set(store.table("bloc_members")["bloc"])  # type: ignore[attr-defined]
    sources = set(store.table("sources")["source_id"])  # type: ignore[attr-defined]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != CLAIM_COLUMNS:
            raise InputError(
                "wrong columns",
                file=str(path),
                expected=", ".join(CLAIM_COLUMNS),
                found=", ".join(reader.fieldnames or ()),
            )
        return [
            _claim(row, line, path, facilities, blocs, sources)
            for line, row in enumerate(reader, start=2)
        ]


def _claim(
    row: dict[str, str], line: int, path: Path, facilities: set, blocs: set, sources: set
) -> Claim:
    where = {"file": str(path), "row": line}
    checks = (
        ("facility", row["facility"] in facilities, "a facility name from the facilities table"),
        ("buyer", row["buyer"] in blocs, "a bloc code"),
        ("kind", row["kind"] in CLAIM_KINDS, " or ".join(CLAIM_KINDS)),
        (
            "source",
            row["source"] in sources or row["source"].startswith("assumption:"),
            "a source id in the store, or 'assumption: why'",
        ),
    )
    for column, ok, expected in checks:
        if not ok:
            raise InputError(
                "cannot use this claim",
                column=column,
                expected=expected,
                found=row[column],
                **where,
            )
    try:
        share = float(row["share"])
    except ValueError:
        share = float("nan")
    if not 0.0 <= share <= 1.0:
        raise InputError(
            "cannot use this claim",
            column="share",
            expected="a number from 0 to 1",
            found=row["share"],
            **where,
        )
    return Claim(row["facility"], row["buyer"], share, row["kind"], row["source"])


@dataclass(frozen=True)
class Market:
    """The buyers outside China, the target bloc first (index 0).

    home: per buyer, the region indices whose output it takes first; share: each other
    buyer's fixed share of world demand (buyer 0 is drawn per draw; the rest buyer's is
    what is left); allied: whether the buyer is a partner (round 2).
    """

    names: tuple[str, ...]
    home: tuple[tuple[int, ...], ...]
    share: tuple[float, ...]
    allied: tuple[bool, ...]
    rest: int
    china_share: float
    #: Stated offtakes and ownership of plants (claims.csv), for buyers of this market:
    #: (facility name, buyer index, share of the plant's output).
    claims: tuple[tuple[str, int, float], ...] = ()


def dist_mean(dist: Dist) -> float:
    """The expected value of a scenario distribution (other buyers are held at it)."""
    if dist.dist == "fixed":
        return float(dist.value)  # type: ignore[arg-type]
    if dist.dist == "uniform":
        return (float(dist.low) + float(dist.high)) / 2  # type: ignore[arg-type]
    if dist.dist == "triangular":
        return (float(dist.low) + float(dist.mode) + float(dist.high)) / 3  # type: ignore[arg-type]
    return float(dist.mean)  # type: ignore[arg-type]


def bloc_region_map(store: object) -> dict[str, tuple[str, ...]]:
    """Bloc code -> the model regions of its members (ROW excluded: it is shared).

    From the store's bloc_members, so a user's import changes them; a member country
    that is not its own model region (the UK, India) lives in ROW and gives its bloc no
    region of its own.
    """
    from derisk.forecast.inputs import region_of

    members = store.table("bloc_members")  # type: ignore[attr-defined]
    regions = region_of(store)
    out: dict[str, tuple[str, ...]] = {}
    for bloc, rows in members.groupby("bloc"):
        found = {regions.get(c, "ROW") for c in rows["country"]} - {"ROW", "CHN"}
        out[str(bloc)] = tuple(r for r in REGIONS if r in found)
    return out


def _members(store: object) -> dict[str, set[str]]:
    members = store.table("bloc_members")  # type: ignore[attr-defined]
    return {str(b): set(rows["country"]) for b, rows in members.groupby("bloc")}


def build_market(store: object, scenario: Scenario, bloc: str) -> Market:
    """The buyers for `bloc` under `scenario` (needs demand.china_share)."""
    china = scenario.demand.china_share
    if china is None:
        raise InputError(
            "the 'ownership' allocation needs China's share of world demand",
            column="demand.china_share",
            expected="a distribution with a source, e.g. {dist: uniform, low: .., high: .., "
            "source: ..}",
            found="(missing)",
        )
    regions = bloc_region_map(store)
    members = _members(store)
    partners = members.get(PARTNERS, set())
    target_regions = set(regions.get(bloc, ()))
    target_countries = members.get(bloc, set())
    names, home, share, allied = (
        [bloc],
        [target_regions],
        [0.0],
        [bool(target_countries) and target_countries <= partners],
    )
    claimed = set(target_regions)
    for other, dist in scenario.demand.bloc_share.items():
        own = set(regions.get(other, ()))
        if other == bloc or len(own) != 1 or own & claimed:
            continue  # not one region, or inside the target bloc (ALLIES holds its members)
        if members.get(other, set()) & target_countries:
            continue
        names.append(other)
        home.append(own)
        share.append(dist_mean(dist))
        allied.append(bool(members.get(other)) and members[other] <= partners)
        claimed |= own
    rest_home = {r for r in REGIONS if r not in claimed and r != "CHN"}
    names.append("rest of world")
    home.append(rest_home)
    share.append(0.0)
    allied.append(False)
    china_mean = dist_mean(china)
    if china_mean + sum(share) >= 1:
        raise InputError(
            "demand shares add up to 100% or more",
            column="demand.bloc_share",
            expected="China's share plus the other blocs' shares below 1",
            found=f"{china_mean + sum(share):.3f} ({', '.join(names[1:-1])} and China)",
        )
    claims = []
    for claim in load_claims(store):
        inside = members.get(claim.buyer, {claim.buyer}) <= target_countries
        k = (
            0
            if claim.buyer == bloc or inside
            else next((i for i, name in enumerate(names) if name == claim.buyer), None)
        )
        if k is not None:
            claims.append((claim.facility, k, claim.share))
    return Market(
        names=tuple(names),
        home=tuple(tuple(sorted(REGIONS.index(r) for r in h)) for h in home),
        share=tuple(share),
        allied=tuple(allied),
        rest=len(names) - 1,
        china_share=china_mean,
        claims=tuple(claims),
    )


@dataclass
class Allocation:
    """China-free magnets by buyer (draw, buyer, element, year), plus China's and unsold."""

    received: np.ndarray
    demand: np.ndarray
    to_china: np.ndarray
    unsold: np.ndarray


def _demands(
    market: Market, bloc_demand: np.ndarray, world: np.ndarray, served: np.ndarray | float
) -> np.ndarray:
    """Each buyer's demand on the market; `served`: the bloc's demand met off the market."""
    n_buyers = len(market.names)
    out = np.empty((world.shape[0], n_buyers) + world.shape[1:])
    out[:, 0] = bloc_demand
    for k in range(1, n_buyers):
        out[:, k] = market.share[k] * world
    others = out[:, 1 : market.rest].sum(axis=1)
    outside = world * (1 - market.china_share)
    out[:, market.rest] = np.maximum(outside - (bloc_demand + served) - others, 0)
    return out


def _claimed_first(
    demand: np.ndarray, free_by_region: np.ndarray, claimed: list[tuple[int, int, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """Round 0: each claim takes its fraction of its region's output, up to the demand left.

    Returns what each buyer got (draw, buyer, element, year) and the output left by region.
    """
    got = np.zeros_like(demand)
    if not claimed:
        return got, free_by_region
    left = free_by_region.copy()
    for k, r, fraction in claimed:
        take = np.minimum(demand[:, k] - got[:, k], free_by_region[:, r] * fraction)
        take = np.minimum(take, left[:, r])
        got[:, k] += take
        left[:, r] -= take
    return got, left


def _pro_rata(pool: np.ndarray, unmet: np.ndarray, who: list[int]) -> np.ndarray:
    """pool (d, e, t) shared among buyers `who` in proportion to unmet (d, K, e, t)."""
    give = np.zeros_like(unmet)
    if not who:
        return give
    want = unmet[:, who]
    total = want.sum(axis=1)
    used = np.minimum(pool, total)
    frac = np.divide(used, total, out=np.zeros_like(used), where=total > 0)
    give[:, who] = want * frac[:, None]
    return give


def allocate(
    market: Market,
    free_by_region: np.ndarray,
    bloc_demand: np.ndarray,
    world: np.ndarray,
    served: np.ndarray | float = 0.0,
    claimed: list[tuple[int, int, np.ndarray]] | None = None,
) -> Allocation:
    """The three rounds; free_by_region is (draw, region, element, year) China-free output.

    bloc_demand is what the bloc buys on the market; `served` what its own short-loop
    recycling already met: world demand and the other buyers' demand are unchanged by it.
    `claimed` (round 0, before the domestic round): (buyer, region, fraction (d, e, t) of
    the region's output that buyer's offtakes and owned plants make), from claims.csv.

    Every tonne of free output ends with a buyer, China's buyers or unsold:
    received.sum(buyer) + to_china + unsold == free_by_region.sum(region) (tested).
    """
    demand = _demands(market, bloc_demand, world, served)
    first, free_by_region = _claimed_first(demand, free_by_region, claimed or [])
    home = np.stack([free_by_region[:, list(h)].sum(axis=1) for h in market.home], axis=1)
    got = first + np.minimum(demand - first, home)
    surplus = home - (got - first)
    unmet = demand - got
    allied = [k for k, a in enumerate(market.allied) if a]
    pool = surplus[:, allied].sum(axis=1)
    partner = _pro_rata(pool, unmet, allied)
    pool = pool - partner.sum(axis=1)
    pool += surplus[:, [k for k, a in enumerate(market.allied) if not a]].sum(axis=1)
    unmet = unmet - partner
    market_share = _pro_rata(pool, unmet, list(range(len(market.names))))
    left = pool - market_share.sum(axis=1)
    left = np.maximum(left, 0.0)
    to_china = np.minimum(left, world * market.china_share)
    return Allocation(
        received=got + partner + market_share,
        demand=demand,
        to_china=to_china,
        unsold=left - to_china,
    )


__all__ = ["Allocation", "Market", "allocate", "bloc_region_map", "build_market"]


@dataclass
class BlocSupply:
    """What the bloc gets and where every other tonne of magnet output went (d, e, t).

    china_free: China-free magnets to the bloc; from_china: China-dependent ones (made
    in China, or outside it from Chinese inputs); withheld: China-dependent supply the
    controls kept from the bloc; redirected: the part of it sold to other buyers;
    inventory: output no buyer took (China's stocks, or unsold China-free output).
    """

    china_free: np.ndarray
    from_china: np.ndarray
    withheld: np.ndarray
    redirected: np.ndarray
    inventory: np.ndarray
    to_others: np.ndarray


def china_dependent_to_bloc(
    alloc: Allocation,
    dep_outside: np.ndarray,
    dep_china: np.ndarray,
    world: np.ndarray,
    rates: tuple[np.ndarray, np.ndarray],
    redirect: bool,
) -> BlocSupply:
    """Share China-dependent magnets among all unmet demand, then apply the bloc's controls.

    China-dependent output (dep_outside + dep_china) covers unmet demand everywhere in
    the same proportion (`fill`); the bloc's part is then cut by the allowed rates
    (rates = (China's direct exports, third-country products)), weighted by where the
    material was made. What is withheld goes to other buyers with demand left
    ('redirect') or stays in China's inventory.
    """
    to_bloc_cn, via_third = rates
    dep = dep_outside + dep_china
    free_taken = alloc.received.sum(axis=1) + alloc.to_china
    unmet_all = np.maximum(world - free_taken, 0.0)
    unmet_bloc = alloc.demand[:, 0] - alloc.received[:, 0]
    fill = np.minimum(1.0, np.divide(dep, unmet_all, out=np.zeros_like(dep), where=unmet_all > 0))
    cn_frac = np.divide(dep_china, dep, out=np.ones_like(dep), where=dep > 0)
    rate = cn_frac * to_bloc_cn + (1 - cn_frac) * via_third
    offered = unmet_bloc * fill
    from_china = offered * rate
    withheld = offered - from_china
    others_served = (unmet_all - unmet_bloc) * fill
    room = (unmet_all - unmet_bloc) - others_served
    redirected = np.minimum(withheld, room) if redirect else np.zeros_like(withheld)
    to_others = others_served + redirected
    inventory = dep - from_china - to_others + alloc.unsold
    return BlocSupply(
        china_free=alloc.received[:, 0],
        from_china=from_china,
        withheld=withheld,
        redirected=redirected,
        inventory=inventory,
        to_others=to_others + alloc.received[:, 1:].sum(axis=1) + alloc.to_china,
    )

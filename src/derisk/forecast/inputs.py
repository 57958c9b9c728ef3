"""Model inputs read from the store, each with the source ids it rests on.

Everything the forecast starts from is derived here, once, from sourced rows:
demand paths (IEA data explorer), 2024 mining and refining of magnet rare earths by
region (IEA), element splits (USGS deposit compositions), the facility pipeline
(converted plant by plant in derisk.forecast.plants) and its historical slippage. Where a
mapping is a judgement (which deposit stands for a region's ore), it is named in
ASSUMPTIONS (plants.ASSUMPTIONS for the plants) and in docs/METHODS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from derisk.data.cache import TableCache
from derisk.errors import InputError
from derisk.forecast.scenario import ELEMENTS, MAGNET_ELEMENTS, MODEL_STAGES, REGIONS

IEA = "IEA_CMDE2025"
BASE_YEAR = 2024
#: The facilities table is a snapshot as of the dataset date (policy/NOTES.md: 2026-11-28).
AS_OF_YEAR = 2026
MODEL_END_USES = ("ev", "wind", "other")
#: Standard atomic weights (IUPAC CIAAW, abridged; Pm has no stable isotope, 145 is the
#: mass number of its longest-lived isotope) and the oxide each element is reported as.
#: They only compute oxide -> element factors, which the demand compilers computed the
#: same way for Nd, Pr, Dy, Tb (shared/reference/demand/NOTES.md); not sourced figures.
ATOMIC_WEIGHT = {
    "O": 15.999, "Sc": 44.956, "Y": 88.906, "La": 138.905, "Ce": 140.116, "Pr": 140.908,
    "Nd": 144.242, "Pm": 145.0, "Sm": 150.36, "Eu": 151.964, "Gd": 157.25, "Tb": 158.925,
    "Dy": 162.5, "Ho": 164.930, "Er": 167.259, "Tm": 168.934, "Yb": 173.045, "Lu": 174.967,
}  # fmt: skip
OXIDE_FORMULA = {e: (2, 3) for e in ELEMENTS} | {"Ce": (1, 2), "Pr": (6, 11), "Tb": (4, 7)}


def oxide_to_element(element: str) -> float:
    """Mass of element per mass of its oxide, to 3 decimals (as the NOTES factors)."""
    metal, oxygen = OXIDE_FORMULA[element]
    m = metal * ATOMIC_WEIGHT[element]
    return round(m / (m + oxygen * ATOMIC_WEIGHT["O"]), 3)


OXIDE_TO_ELEMENT = {e: oxide_to_element(e) for e in ELEMENTS}
N_MAGNET = len(MAGNET_ELEMENTS)
#: Sintered NdFeB is 29-32.5 wt% rare earths (COURAGE_FAQ, magnet_composition).
MAGNET_RE_CONTENT = (0.29, 0.325)
#: Model regions: countries named in REGIONS map to themselves; EU27 members (from the
#: store's bloc_members) to EU; everything else to ROW.
#: The regions that are one country each (every region but the EU and the rest of world).
OWN_REGIONS = tuple(r for r in REGIONS if r not in ("EU", "ROW"))


def region_of(store: object) -> dict[str, str]:
    members = store.table("bloc_members")  # type: ignore[attr-defined]
    eu = members.loc[members["bloc"] == "EU27", "country"]
    return {**{c: "EU" for c in eu}, **{c: c for c in OWN_REGIONS}}


#: Which deposit's element distribution stands for each region's feed (assumption). Plants
#: use their own deposit where known (plants.FACILITY_DEPOSIT) and this only as fallback;
#: Brazil's plants in the data (Serra Verde, Carina) are ionic clays, hence Xinfeng.
REGION_DEPOSIT = {
    "USA": "Mountain Pass, California",
    "AUS": "Mount Weld Central Lanthanide Deposit, Western Australia",
    "MMR": "Xinfeng, Jiangxi",
    "MYS": "Mount Weld Central Lanthanide Deposit, Western Australia",
    "BRA": "Xinfeng, Jiangxi",
    "ROW": "Bayan Obo (Nei Mongol Autonomous Region)",
}
#: China's ore: light (Bayan Obo) and ion-adsorption (Xinfeng) by the 2024 first-batch
#: mining quota split: 10,140 t heavy of 135,000 t (china_quotas, fastmarkets-2024-quota).
CHINA_HEAVY_QUOTA = (10_140.0, 135_000.0)
ASSUMPTIONS = {
    "region_deposit": "each region's ore has the element distribution of one USGS-tabulated "
    "deposit (REGION_DEPOSIT); Myanmar's and Brazil's clays are taken as Jiangxi's Xinfeng "
    "type; plants use their own deposit first (plants.ASSUMPTIONS)",
    "oxide_to_element": "computed from standard atomic weights (Nd 0.857, Pr 0.828, Dy 0.871, "
    "Tb 0.850 as in shared/reference/demand/NOTES.md; the same rule for the other elements)",
    "coproducts": "the non-magnet rare earths are mined and separated as co-products in the "
    "proportions of each region's representative ore (USGS deposit compositions), scaled "
    "from the IEA's magnet-REE tonnages; their 2024 world demand is taken as that 2024 "
    "co-production (estimate: the market is assumed to clear)",
    "coproduct_stages": "the non-magnet rare earths end at separated products: their metal "
    "and magnet stages pass the separation output through unchanged",
    "other_uses_mix": "IEA gives 'other uses' of magnet REEs only as a total; derisk splits it "
    "with the EV element mix",
    "china_capacity": "China's separation, metal and magnet capacity are calibrated so the 2024 "
    "world market clears (swing supplier); see docs/METHODS.md",
    "missing_na": "USGS 'NA' element contents (e.g. Dy, Tb at Mountain Pass) are modelled as 0",
}


@dataclass
class Facility:
    """One plant as the model sees it (built by derisk.forecast.plants)."""

    name: str
    region: str
    stage: str
    status: str
    capacity_low: float  # t magnet-REE element per year (substitutes: t magnets, see unit)
    capacity_high: float
    #: t of each element (ELEMENTS) per t of magnet-REE capacity: the magnet elements sum
    #: to 1 over the elements the plant makes (a Dy/Tb circuit: Dy and Tb only); mining and
    #: separation plants add their ore's co-products on top. Zero for substitutes.
    element_share: np.ndarray
    announced: float  # first announced start year (nan if none)
    actual: float  # actual start year (nan if none)
    source_id: str
    #: What the plant makes (plants.PRODUCTS): ore, magnet_ree, ndpr, hree, magnet, substitute.
    product: str = "magnet_mix"
    #: The deposit whose composition converted the capacity ("" where none is needed).
    deposit: str = ""
    #: True where that deposit stands in for an ore whose own composition is not in the store.
    deposit_assumed: bool = False
    deposit_note: str = ""
    #: How the row's stated capacity became this one (units, factors, what was netted out).
    basis: str = ""
    unit: str = "t magnet-REE element/yr"
    #: "" for a plant converted from its own `facilities` row. Otherwise why the model
    #: holds capacity with no row of its own: "integrated" (the metal line a magnet
    #: plant's row says it runs) or "estimate" (a flagged estimate, method in `basis`).
    derived: str = ""
    #: The plant whose start and capacity draws this one shares (an integrated plant's
    #: own metal line moves with its magnet line); "" draws its own.
    companion_of: str = ""
    #: The year the row's unit states its capacity for ("target by 2030"; NaN: none): the
    #: plant reaches nameplate no earlier than this year (model._online_tonnes).
    target_year: float = float("nan")


@dataclass
class ModelInputs:
    """Everything the simulation needs, as arrays with named axes in the docstrings."""

    years: np.ndarray
    demand_path: np.ndarray  # (end_use, element, year) t element, world
    mining_base: np.ndarray  # (region, element) t element, BASE_YEAR
    refining_base: np.ndarray  # (region, element)
    facilities: list[Facility]
    delays: pd.DataFrame
    sources: dict[str, list[str]] = field(default_factory=dict)
    #: Rows of `facilities` not converted, each as "name (country, stage, status): reason".
    skipped: list[str] = field(default_factory=list)
    #: Labels of the element axis of every array above (the model reads them from here).
    elements: tuple[str, ...] = ELEMENTS
    #: China's latest full-year quotas as t element (stage[mining, separation], element);
    #: None when the store has none (the 'quota' capacity path then refuses to run).
    china_quota: np.ndarray | None = None
    #: Rare-earth-free magnet plants (t magnets/yr): substitution capacity, evidence for the
    #: scenario's demand.substitution lever; the model does not count them as supply.
    substitutes: list[Facility] = field(default_factory=list)

    @property
    def magnet(self) -> slice:
        """The magnet elements lead the element axis."""
        return slice(0, N_MAGNET)

    @property
    def coproducts(self) -> slice:
        return slice(N_MAGNET, len(self.elements))


def _oxide_percent(store: object) -> dict[str, np.ndarray]:
    """Per cent of TREO per element (ELEMENTS order) for each tabulated deposit; NA -> 0."""
    comp = store.table("deposit_composition")  # type: ignore[attr-defined]
    return {
        d: np.array(
            [float(rows.loc[rows["element"] == e, "value"].fillna(0).sum()) for e in ELEMENTS]
        )
        for d, rows in comp.groupby("deposit")
    }


def _per_magnet_tonne(oxide_pct: np.ndarray) -> np.ndarray:
    element = oxide_pct * np.array([OXIDE_TO_ELEMENT[e] for e in ELEMENTS])
    magnet = element[:N_MAGNET].sum()
    return element / magnet if magnet else np.zeros_like(element)


def _china_blend(pct: dict[str, np.ndarray]) -> np.ndarray:
    """China's ore: light and ion-adsorption types weighted by the mining quota (t REO)."""
    heavy, total = CHINA_HEAVY_QUOTA
    return (1 - heavy / total) * pct[REGION_DEPOSIT["ROW"]] + heavy / total * pct[
        "Xinfeng, Jiangxi"
    ]


def region_oxide_percent(store: object) -> dict[str, np.ndarray]:
    """Per cent of TREO that is Nd, Pr, Dy, Tb oxide in each region's representative ore."""
    pct = {d: v[:N_MAGNET] for d, v in _oxide_percent(store).items()}
    out = {r: pct[d] for r, d in REGION_DEPOSIT.items()}
    for region in REGIONS:
        out.setdefault(region, pct[REGION_DEPOSIT["ROW"]])
    return out


def region_element_split(store: object) -> dict[str, np.ndarray]:
    """t of each element per t of magnet-REE output in each region (ELEMENTS order).

    The magnet elements sum to 1 (their mix); the other elements are the co-products
    that come with that tonne in the region's ore.
    """
    pct = _oxide_percent(store)
    missing = set(REGION_DEPOSIT.values()) - set(pct)
    if missing:
        raise InputError(
            "deposit composition missing from the store",
            column="deposit",
            found=", ".join(sorted(missing)),
        )
    split = {r: _per_magnet_tonne(pct[d]) for r, d in REGION_DEPOSIT.items()}
    # China's ore: the two types blended by their share of the mining quota (t REO).
    heavy, total = CHINA_HEAVY_QUOTA
    split["CHN"] = _per_magnet_tonne(_china_blend(pct))
    for region in REGIONS:
        split.setdefault(region, split["ROW"])
    return split


def _iea(store: object, label: str, scenario: str, year: int | None = None) -> pd.DataFrame:
    rows = store.table("demand_projections")  # type: ignore[attr-defined]
    rows = rows[(rows["source_id"] == IEA) & (rows["element_or_group"] == label)]
    rows = rows[rows["scenario"].isin([scenario, "observed (base year)"])]
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows.sort_values("year")


def demand_path(
    store: object, path: str, years: np.ndarray, coproduct_base: np.ndarray | None = None
) -> np.ndarray:
    """World demand (end_use, element, year), t element, linear between IEA milestones.

    The IEA covers the magnet rare earths only. The others (coproduct_base, t element in
    the base year) are put under 'other' uses and held flat here; the scenario's
    other_rees_growth moves them.
    """
    names = {"Nd": "Neodymium", "Pr": "Praseodymium", "Dy": "Dysprosium", "Tb": "Terbium"}
    out = np.zeros((len(MODEL_END_USES), len(ELEMENTS), len(years)))
    for i, use in enumerate(("EV", "wind")):
        for j, element in enumerate(MAGNET_ELEMENTS):
            rows = _iea(store, f"{names[element]} - {use}", path)
            if rows.empty:
                raise InputError(
                    "IEA path missing from the store",
                    column="demand.path",
                    found=f"{names[element]} - {use} ({path})",
                )
            out[i, j] = _interpolate(rows, years) * 1000.0
    other = _interpolate(_iea(store, "magnet REEs - other uses", path), years) * 1000.0
    ev = out[0, :N_MAGNET]
    out[2, :N_MAGNET] = ev / ev.sum(axis=0, keepdims=True) * other
    if coproduct_base is not None:
        out[2, N_MAGNET:] = coproduct_base[N_MAGNET:, None]
    return out


def _interpolate(rows: pd.DataFrame, years: np.ndarray) -> np.ndarray:
    """Linear between milestone years; held flat outside them (documented in METHODS)."""
    return np.interp(years, rows["year"].to_numpy(float), rows["value"].to_numpy(float))


def _iea_supply(store: object, stage: str, split: dict[str, np.ndarray]) -> np.ndarray:
    label = {"mining": "mining", "separation": "refining"}[stage]
    names = {
        "China": "CHN",
        "Myanmar": "MMR",
        "Australia": "AUS",
        "United States": "USA",
        "Malaysia": "MYS",
        "Rest of world": "ROW",
    }
    out = np.zeros((len(REGIONS), len(ELEMENTS)))
    for country, region in names.items():
        rows = _iea(store, f"magnet REE supply - {label} - {country}", "", BASE_YEAR)
        if rows.empty:
            continue
        out[REGIONS.index(region)] = float(rows["value"].iloc[0]) * 1000.0 * split[region]
    return out


def delay_table(store: object, as_of: int = AS_OF_YEAR) -> pd.DataFrame:
    """Slippage: actual start minus first announced start, in years.

    Plants that started give an observed delay. A plant not started whose first date has
    passed by ``as_of`` gives a lower bound, max(latest announced, as_of) - first; it is
    used as if observed, so the distribution is biased low. Plants whose first date is
    still ahead tell nothing yet and are left out; cancelled plants count as failures
    (success probability), not delays.
    """
    rows = store.table("facilities")  # type: ignore[attr-defined]
    rows = rows[rows["announced_start_first_year"].notna()]
    records = []
    for _, r in rows.iterrows():
        first = float(r["announced_start_first_year"])
        if pd.notna(r["actual_start_year"]):
            end, censored = float(r["actual_start_year"]), False
        elif r["status"] != "cancelled" and first < as_of:
            latest = (
                float(r["announced_start_latest_year"])
                if pd.notna(r["announced_start_latest_year"])
                else first
            )
            end, censored = max(latest, float(as_of)), True
        else:
            continue
        records.append(
            {
                "facility": r["name"],
                "status": r["status"],
                "first_announced": int(first),
                "start_or_bound": int(end),
                "delay_years": max(0.0, end - first),
                "censored": censored,
                "source_id": r["source_id"],
            }
        )
    return pd.DataFrame.from_records(records)


def china_quota(store: object) -> tuple[np.ndarray | None, list[str]]:
    """China's latest full-year mining and separation quotas as t element per element.

    The quotas are t REO of all rare earths; they are split by China's blended ore
    (REGION_DEPOSIT, CHINA_HEAVY_QUOTA) and converted at the oxide factors.
    """
    rows = store.table("china_quotas")  # type: ignore[attr-defined]
    rows = rows[(rows["period"] == "full year") & rows["value"].notna()]
    kinds = {"mining": "mining", "separation": "smelting/separation"}
    years = [
        set(rows.loc[rows["quota_type"] == kind, "year"].astype(int)) for kind in kinds.values()
    ]
    common = sorted(years[0] & years[1])
    if not common:
        return None, []
    year = common[-1]
    blend = _china_blend(_oxide_percent(store))
    factors = np.array([OXIDE_TO_ELEMENT[e] for e in ELEMENTS])
    out = np.zeros((2, len(ELEMENTS)))
    sources = []
    for i, kind in enumerate(kinds.values()):
        row = rows[(rows["quota_type"] == kind) & (rows["year"] == year)].iloc[0]
        out[i] = float(row["value"]) * blend / 100.0 * factors
        sources.append(str(row["source_id"]))
    return out, sources


def load_inputs(store: object, path: str, start_year: int, end_year: int) -> ModelInputs:
    """Collect the model's starting point from the store."""
    store = TableCache(store)
    years = np.arange(BASE_YEAR, end_year + 1)
    if start_year < BASE_YEAR + 1 and start_year != BASE_YEAR:
        years = np.arange(start_year, end_year + 1)
    split = region_element_split(store)
    mining = _iea_supply(store, "mining", split)
    refining = _iea_supply(store, "separation", split)
    demand = demand_path(store, path, years, coproduct_base=mining.sum(axis=0))
    mix = demand[:, :N_MAGNET, 0].sum(axis=0)
    mix = np.concatenate([mix / mix.sum(), np.zeros(len(ELEMENTS) - N_MAGNET)])
    quota, quota_sources = china_quota(store)
    # plants builds on this module's constants, so it is imported here (one-way dependency).
    from derisk.forecast.base_capacity import uncounted_magnets
    from derisk.forecast.plants import plant_pipeline, profile_sources

    plants, substitutes, skipped = plant_pipeline(store)
    # The base year's world magnet-REE demand (observed, the same on every IEA path).
    base_demand = float(demand_path(store, path, np.array([BASE_YEAR]))[:, :N_MAGNET].sum())
    estimates = uncounted_magnets(store.table("stage_shares"), plants, base_demand)
    plants = plants + estimates
    for plant in plants:
        if plant.product == "ndfeb":
            plant.element_share = mix
    return ModelInputs(
        years=years,
        demand_path=demand,
        mining_base=mining,
        refining_base=refining,
        facilities=plants,
        delays=delay_table(store),
        skipped=skipped,
        china_quota=quota,
        substitutes=substitutes,
        sources={
            "demand": [IEA, "usgs-myb-2022-ree-tables"],
            "china_quota": quota_sources,
            "mining_base": [IEA],
            "refining_base": [IEA],
            "element_split": ["usgs-myb-2022-ree-tables", "fastmarkets-2024-quota"],
            "magnet_re_content": ["COURAGE_FAQ"],
            "facilities": sorted({p.source_id for p in plants}),
            "magnet_estimates": sorted({i for p in estimates for i in p.source_id.split(";")}),
            "facility_ores": profile_sources(store, plants),
            "substitutes": sorted({p.source_id for p in substitutes}),
        },
    )


STAGE_INDEX = {s: i for i, s in enumerate(MODEL_STAGES)}

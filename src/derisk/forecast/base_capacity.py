"""Capacity outside China that the facilities rows imply but do not state as a tonnage.

The facilities table lists plants one by one, and three gaps follow from that:

- **Integrated plants.** A magnet plant whose own row says it makes its metal or alloy
  (MP Materials' Independence: "NdPr metal; NdFeB alloy; sintered NdFeB magnets") has a
  metal stage the table does not list separately. Without it the model's chain starves
  the magnets of China-free metal. Such a plant gets a metal line of the same rare-earth
  tonnage as its magnets, which moves with the magnet line (`Facility.companion_of`).
- **Reported output.** A row whose capacity is feed throughput or missing is skipped by
  plants.py. Where `stage_shares` holds the same plant's reported Dy+Tb output (Lynas's
  quarterly figures), that output, annualised, stands in as a demonstrated capacity.
- **Magnet makers missing from the table.** The big Japanese and European magnet makers
  (Shin-Etsu Takefu, Proterial, TDK, VAC Hanau) have no capacity in the data. A flagged
  estimate fills the gap: the non-China share of world magnet output (stage_shares)
  times the model's 2024 world magnet-REE demand, less the plants already counted, split
  by region as far as the sources say.

Each derived Facility says so (`derived`) and spells out its method (`basis`);
docs/METHODS.md ("Base-year capacity outside China") states the rules.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from derisk.forecast.inputs import BASE_YEAR, IEA, Facility
from derisk.forecast.scenario import ELEMENTS

#: A magnet plant's products naming a metal or alloy of its own ("NdPr metal", "NdFeB
#: alloy", "metal/strip-cast alloy"); "magnets (using PrNd, DyFe ...)" names inputs only.
OWN_METAL = re.compile(r"\b(metal|alloy)s?\b", re.IGNORECASE)
#: Reported quarterly Dy+Tb output: "(Dy + Tb oxide) production (Lynas, quarterly, ...)".
QUARTERLY_DY_TB = re.compile(r"\(Dy \+ Tb oxide\) production \(([^,]+), quarterly")
#: China's share of world magnet output used for the estimate (stage_shares source ids).
#: morningoverview-2025-usar is the one row dated 2024, the model's base year (94 %, a
#: low-reliability blog); reex-2025-iea-commentary is the IEA's own 94 % (Oct 2025, year
#: not stated), which corroborates it from the publisher of the model's base-year data;
#: reuters-2023-vietnam-magnets is Adamas Intelligence's 92 % via a US DOE report via
#: Reuters (best chain of custody, but undated and older). Their range is used. Not used:
#: DOE's ~90 % via Fastmarkets (undated), MacroPolo's 87 % (market share, not output),
#: UBS's ~80 % (undated, rounded), Noveon's >90 % (unattributed), the 2010 79.4 %.
CHINA_MAGNET_SHARE_SOURCES = (
    "morningoverview-2025-usar",
    "reex-2025-iea-commentary",
    "reuters-2023-vietnam-magnets",
)
#: Japan's part of the non-China output: UBS via CNA, "about half of the remainder".
JAPAN_PART_SOURCE = "cna-2026-japan-magnets"
#: Countries of the magnet-share rows outside China whose earliest year dates the
#: estimated makers as running (chinaorgcn-2013-ndfeb: Japan and Europe in 2010).
ON_RECORD_COUNTRIES = ("JPN", "EUR")
ASSUMPTIONS = {
    "integrated_metal": "a magnet plant whose row names its own metal or alloy product has "
    "a metal line of the same rare-earth tonnage as its magnets, starting and sized with "
    "them (an integrated plant makes the metal its magnets use)",
    "reported_output": "a plant's reported quarterly Dy+Tb oxide output, summed over the "
    "latest year's reported quarters and annualised, is its demonstrated capacity where "
    "its row gives only feed throughput (production, not nameplate: a lower bound)",
    "uncounted_magnets": "magnet makers outside China missing from `facilities` are a "
    "flagged estimate: the non-China share of world magnet output (China 92-94 %, "
    "stage_shares) x the model's 2024 world magnet-REE demand, less the magnet plants "
    "already counted; Japan about half of the non-China total (UBS via CNA), the rest "
    "not located by any source (ROW); their metal is not estimated",
}


@dataclass(frozen=True)
class Reported:
    """A plant's reported output standing in for its missing capacity."""

    tonnes: float  # t/yr of the label's oxides, annualised
    label: str  # a plants.LABELS key, e.g. "Dy+Tb"
    basis: str
    source_ids: tuple[str, ...]


#: Facility.derived of a metal line counted only under pipeline.integrated_metal.
INTEGRATED_ASSUMED = "integrated (scenario assumption)"


def _new_line(plant: Facility) -> bool:
    """A magnet line not running in the base year (it started after it, or has not yet)."""
    if plant.status == "cancelled":
        return False
    started = plant.actual if np.isfinite(plant.actual) else None
    return plant.status != "operating" or (started is not None and started > BASE_YEAR)


def integrated_metal(plants: list[Facility], rows: pd.DataFrame) -> list[Facility]:
    """Metal lines of magnet plants: stated ones, and new lines' under the scenario lever.

    A magnet plant whose row names its own metal or alloy gets a metal line of its RE
    tonnage ('integrated'); every other new magnet line gets one marked
    INTEGRATED_ASSUMED, which model.capacities counts only when
    `pipeline.integrated_metal` is set (an allied build-out that funds whole chains).
    """
    products = dict(zip(rows["name"], rows["products"].astype(str), strict=True))
    out = []
    for plant in plants:
        if plant.stage != "magnet" or plant.product != "ndfeb" or plant.derived:
            continue
        named = [p.strip() for p in products.get(plant.name, "").split(";")]
        own = [p for p in named if OWN_METAL.search(p)]
        size = f"{plant.capacity_low:,.0f}-{plant.capacity_high:,.0f} t/yr"
        if own:
            derived = "integrated"
            basis = (
                f"its row's products name its own metal/alloy ({'; '.join(own)}): a metal "
                f"line of the magnet line's RE tonnage ({size}), starting and sized with it "
                "(assumption integrated_metal)"
            )
        elif _new_line(plant):
            # Counted only where the scenario says new lines come integrated
            # (pipeline.integrated_metal): no row says so (docs/METHODS.md).
            derived = INTEGRATED_ASSUMED
            basis = (
                f"scenario assumption pipeline.integrated_metal: a new magnet line brings a "
                f"metal/alloy line of its RE tonnage ({size}); its row names no metal"
            )
        else:
            continue
        out.append(
            dataclasses.replace(
                plant,
                name=f"{plant.name}: {'own' if own else 'assumed'} metal/alloy line",
                stage="metal",
                element_share=plant.element_share.copy(),
                basis=basis,
                derived=derived,
                companion_of=plant.name,
            )
        )
    return out


def reported_output(row: pd.Series, shares: pd.DataFrame) -> Reported | None:
    """The reported Dy+Tb output of an operating heavy-REE plant, annualised, or None.

    Matches `stage_shares` production rows of the row's stage and country whose label
    names the row's company (its first word) as a quarterly Dy + Tb oxide producer, in
    a year the plant was running. The latest such year's quarters are summed and scaled
    to a year, so work in progress carried between quarters is counted once.
    """
    if row["status"] != "operating" or str(row["heavy_ree"]) != "yes":
        return None
    company = str(row["company"]).split()[0].lower()
    hits = shares[
        (shares["measure"] == "production")
        & (shares["stage"] == row["stage"])
        & (shares["country"] == row["country"])
        & shares["year"].notna()
    ]
    labels = hits["element_or_group"].astype(str).map(QUARTERLY_DY_TB.search)
    named = labels.map(lambda m: bool(m) and m.group(1).strip().lower() == company)
    hits = hits[named.astype(bool)]
    if pd.notna(row["actual_start_year"]):
        hits = hits[hits["year"] >= row["actual_start_year"]]
    if hits.empty:
        return None
    latest = hits[hits["year"] == hits["year"].max()]
    total, quarters = float(latest["value"].sum()), len(latest)
    tonnes = total * 4 / quarters
    quarterly = latest[["value", "unit", "source_id"]].itertuples(index=False)
    parts = " + ".join(f"{v:g} {unit} ({source})" for v, unit, source in quarterly)
    basis = (
        f"reported Dy+Tb oxide output {parts} = {total:g} t in {quarters} quarters, "
        f"x 4/{quarters} = {tonnes:g} t/yr (production, not nameplate; assumption "
        "reported_output)"
    )
    return Reported(tonnes, "Dy+Tb", basis, tuple(latest["source_id"].astype(str)))


def _china_share_range(shares: pd.DataFrame) -> tuple[float, float] | None:
    """China's share of world magnet output, lowest and highest of the chosen rows (0-1)."""
    rows = shares[
        (shares["stage"] == "magnet")
        & (shares["measure"] == "share")
        & (shares["country"] == "CHN")
        & shares["source_id"].isin(CHINA_MAGNET_SHARE_SOURCES)
        & shares["value"].notna()
    ]
    if rows.empty:
        return None
    return float(rows["value"].min()) / 100.0, float(rows["value"].max()) / 100.0


def _japan_part(shares: pd.DataFrame) -> float | None:
    """Japan's part of non-China magnet output: 'about half' (UBS via CNA) -> 0.5."""
    rows = shares[(shares["source_id"] == JAPAN_PART_SOURCE) & (shares["country"] == "JPN")]
    text = " ".join(rows["value_text"].astype(str)).lower()
    return 0.5 if "half" in text else None


def _on_record_since(shares: pd.DataFrame) -> tuple[float, str]:
    """The first year with a magnet share outside China on record (the makers then ran).

    Returns the year and its source id; the base year and no source if none is found.
    """
    rows = shares[
        (shares["stage"] == "magnet")
        & shares["country"].isin(ON_RECORD_COUNTRIES)
        & shares["year"].notna()
    ]
    if rows.empty:
        return float(BASE_YEAR), ""
    first = rows.sort_values("year").iloc[0]
    return float(first["year"]), str(first["source_id"])


def counted_in_base(plant: Facility) -> bool:
    """An operating magnet plant outside China already running in the base year."""
    started = not np.isfinite(plant.actual) or plant.actual <= BASE_YEAR
    return (
        plant.stage == "magnet"
        and plant.product == "ndfeb"
        and plant.region != "CHN"
        and plant.status == "operating"
        and not plant.derived
        and started
    )


def uncounted_magnets(
    shares: pd.DataFrame, plants: list[Facility], world_magnet_demand: float
) -> list[Facility]:
    """Flagged estimates of the magnet capacity outside China that `facilities` lacks.

    The non-China total is (1 - China's share) x ``world_magnet_demand`` (t of Nd, Pr,
    Dy, Tb in 2024, the model's base-year demand, which its magnet stage must make).
    Japan takes its sourced part of it, the rest goes to ROW (no source locates it);
    each region's estimate is its part less the magnet plants there already counted in
    the base year (midpoint of their low and high), and none is made where that is <= 0.
    """
    china = _china_share_range(shares)
    if china is None or world_magnet_demand <= 0:
        return []
    total = ((1 - china[1]) * world_magnet_demand, (1 - china[0]) * world_magnet_demand)
    japan = _japan_part(shares)
    parts = {"JPN": japan, "ROW": 1 - japan} if japan is not None else {"ROW": 1.0}
    counted = [p for p in plants if counted_in_base(p)]
    since, since_source = _on_record_since(shares)
    ids = (*CHINA_MAGNET_SHARE_SOURCES, JAPAN_PART_SOURCE, since_source, IEA)
    sources = ";".join(i for i in ids if i)
    head = (
        f"flagged estimate: China makes {china[0]:.0%}-{china[1]:.0%} of world magnets "
        f"({', '.join(CHINA_MAGNET_SHARE_SOURCES)}), so the rest of the world makes "
        f"{1 - china[1]:.0%}-{1 - china[0]:.0%} of the model's 2024 world magnet-REE demand "
        f"{world_magnet_demand:,.0f} t ({IEA}) = {total[0]:,.0f}-{total[1]:,.0f} t RE/yr"
    )
    out = []
    for region, part in parts.items():
        here = [p for p in counted if (p.region == "JPN") == (region == "JPN")]
        less = sum((p.capacity_low + p.capacity_high) / 2 for p in here)
        low, high = part * total[0] - less, part * total[1] - less
        if high <= 0:
            continue
        where = (
            f"Japan about half of it ({JAPAN_PART_SOURCE})"
            if region == "JPN"
            else "the rest outside Japan, which no source locates (ROW)"
        )
        names = ", ".join(p.name for p in here) or "none"
        basis = (
            f"{head}; {where}: x {part:g} = {part * total[0]:,.0f}-{part * total[1]:,.0f} t, "
            f"less the magnet plants already counted there in {BASE_YEAR} ({names}: "
            f"{less:,.0f} t, midpoints) = {max(low, 0):,.0f}-{high:,.0f} t RE/yr; running "
            f"since at least {since:.0f} (magnet shares outside China, {since_source}); "
            "its metal is not estimated (assumption uncounted_magnets)"
        )
        out.append(
            Facility(
                name=f"Magnet makers missing from facilities: {region} (estimate)",
                region=region,
                stage="magnet",
                status="operating",
                capacity_low=max(low, 0.0),
                capacity_high=high,
                element_share=np.zeros(len(ELEMENTS)),  # load_inputs sets the magnet mix
                announced=float("nan"),
                actual=since,
                source_id=sources,
                product="ndfeb",
                basis=basis,
                derived="estimate",
            )
        )
    return out


__all__ = [
    "ASSUMPTIONS",
    "Reported",
    "counted_in_base",
    "integrated_metal",
    "reported_output",
    "uncounted_magnets",
]

"""Validation against the IEA outlook: run an IEA-like setting and set its figures beside the IEA's.

The back-cast tests the engine on history; this tests it on the one published outlook the
dataset holds whole (IEA_CMDE2025): run with the IEA's own assumptions (presets/iea-like.yaml),
does the model land where the IEA does in 2030 and 2035? It is a report, not a fit: nothing
here is tuned to the IEA's figures, which come only from the store's demand_projections
rows (never typed in), so a re-curated store or an imported row moves them.

Compared, for the magnet rare earths (Nd+Pr+Dy+Tb) only, because the IEA covers no others:
China's share of mining and of refining (the model's separation stage), the three largest
refiners' share, world demand and world mined supply. Shares are per cent of the world
total; model figures are P50 over draws of each draw's figure, so a share is the median of
per-draw shares, not a ratio of medians.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from derisk.errors import InputError
from derisk.forecast.inputs import IEA
from derisk.forecast.scenario import MAGNET_ELEMENTS, load_scenario

TABLE = "demand_projections"
PRESET = "iea-like"
YEARS = (2030, 2035)
DEFAULT_DRAWS = 200
SUPPLY_SCENARIO = "IEA base case (announced projects)"
DEMAND_SCENARIO = "IEA STEPS"
DEMAND_LABEL = "magnet REEs (Nd+Pr+Dy+Tb) - total demand"
#: The IEA's supply rows: f"{SUPPLY_PREFIX}{stage} - {country}", plus "... - total".
SUPPLY_PREFIX = "magnet REE supply - "
IEA_STAGES = ("mining", "refining")  # the IEA's "refining" is the model's separation stage
#: Rows that group many countries: not one producer, so never one of the top three.
IEA_AGGREGATES = ("Rest of world",)
MODEL_AGGREGATES = ("ROW",)
CHINA = ("China", "CHN")  # the IEA's and the model's name for it
TOP_N = 3

CHINA_MINING = "China mining share (%)"
CHINA_REFINING = "China refining share (%)"
TOP3_REFINING = "top-3 refining share (%)"
DEMAND = "magnet-REE demand (kt)"
MINED = "mined supply (kt)"
QUANTITIES = (CHINA_MINING, CHINA_REFINING, TOP3_REFINING, DEMAND, MINED)
NO_TARGET = "reported, no target"
COLUMNS = [
    "quantity", "year", "model", "published", "ratio", "source_id", "within_target", "target",
]  # fmt: skip


@dataclass(frozen=True)
class Target:
    """How close the model must come: `points` of a share, or a relative `fraction`."""

    points: float | None = None
    fraction: float | None = None

    def met(self, model: float, published: float) -> bool:
        if self.points is not None:
            return abs(model - published) <= self.points
        return abs(model / published - 1.0) <= float(self.fraction)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.points is not None:
            return f"within {self.points:g} points"
        return f"within {100 * float(self.fraction):g}%"  # type: ignore[arg-type]


#: The issue's targets (issue 12): China's 2030 mining and refining shares within 5 points
#: of the IEA's, and magnet-REE demand within 5%. The demand target is not tied to 2030 in
#: the issue, so it applies to both years; every other figure is reported without one.
TARGETS: dict[tuple[str, int], Target] = {
    (CHINA_MINING, 2030): Target(points=5.0),
    (CHINA_REFINING, 2030): Target(points=5.0),
    (DEMAND, 2030): Target(fraction=0.05),
    (DEMAND, 2035): Target(fraction=0.05),
}


# -- published figures (the store) --------------------------------------------------------
def _iea_rows(store: object) -> pd.DataFrame:
    rows = store.table(TABLE)  # type: ignore[attr-defined]
    return rows[(rows["source_id"] == IEA) & rows["value"].notna()]


def _value(rows: pd.DataFrame, label: str, scenario: str, year: int) -> float:
    """One IEA figure; a missing row stops the run naming the table and the label.

    Without it the comparison would silently compare against nothing, so this is an
    input error (the store lacks what the validation rests on), not a missing value.
    """
    hit = rows[
        (rows["element_or_group"] == label)
        & (rows["scenario"] == scenario)
        & (rows["year"] == year)
    ]
    if hit.empty:
        raise InputError(
            f"table {TABLE} has no {IEA} row {label!r} (scenario {scenario!r}, year {year}); "
            "the validation against the IEA outlook needs it",
            column="element_or_group",
            expected=label,
            found="no such row",
        )
    return float(hit["value"].iloc[0])


def iea_countries(store: object, stage: str, year: int) -> dict[str, float]:
    """The IEA's output per country row (kt) at an IEA stage ('mining' or 'refining').

    Read from whatever country rows the store holds, so a re-curated edition with more
    countries needs no code change; the total row is left out.
    """
    prefix = f"{SUPPLY_PREFIX}{stage} - "
    rows = _iea_rows(store)
    rows = rows[
        rows["element_or_group"].str.startswith(prefix)
        & (rows["scenario"] == SUPPLY_SCENARIO)
        & (rows["year"] == year)
    ]
    out = {str(r.element_or_group).removeprefix(prefix): float(r.value) for r in rows.itertuples()}
    out.pop("total", None)
    return out


def top_countries(output: dict[str, float], aggregates: tuple[str, ...]) -> list[str]:
    """The TOP_N largest producers, aggregates (rest of world) excluded: one name each."""
    ranked = sorted((v, k) for k, v in output.items() if k not in aggregates)
    return [k for _, k in reversed(ranked)][:TOP_N]


def published_figures(store: object) -> pd.DataFrame:
    """The IEA's figures for every quantity and year (shares in %, tonnages in kt)."""
    rows = _iea_rows(store)
    records = []
    for year in YEARS:
        shares = {}
        totals = {}
        for stage in IEA_STAGES:
            total = _value(rows, f"{SUPPLY_PREFIX}{stage} - total", SUPPLY_SCENARIO, year)
            china = _value(rows, f"{SUPPLY_PREFIX}{stage} - {CHINA[0]}", SUPPLY_SCENARIO, year)
            shares[stage], totals[stage] = 100.0 * china / total, total
        refiners = iea_countries(store, "refining", year)
        top = top_countries(refiners, IEA_AGGREGATES)
        demand = _value(rows, DEMAND_LABEL, DEMAND_SCENARIO, year)
        figures = {
            CHINA_MINING: shares["mining"],
            CHINA_REFINING: shares["refining"],
            TOP3_REFINING: 100.0 * sum(refiners[c] for c in top) / totals["refining"],
            DEMAND: demand,
            MINED: totals["mining"],
        }
        records += [
            {"quantity": q, "year": year, "published": figures[q], "source_id": IEA}
            for q in QUANTITIES
        ]
    return pd.DataFrame.from_records(records)


# -- model figures (an IEA-like run) ------------------------------------------------------
def _magnet(ds: xr.Dataset, name: str) -> xr.DataArray:
    return ds[name].sel(element=list(MAGNET_ELEMENTS)).sum("element")


def _top_share(output: xr.DataArray) -> xr.DataArray:
    """Per draw and year: the TOP_N largest regions' share (%) of the world, ROW excluded."""
    single = output.drop_sel(region=[r for r in MODEL_AGGREGATES if r in output["region"]])
    ranked = -np.sort(-single.transpose("draw", "year", "region").values, axis=-1)
    top = xr.DataArray(ranked[..., :TOP_N].sum(axis=-1), dims=("draw", "year"))
    top = top.assign_coords(draw=output["draw"], year=output["year"])
    return 100.0 * top / output.sum("region")


def figures_from_dataset(ds: xr.Dataset) -> pd.DataFrame:
    """Model figures from a forecast Dataset: P50 over draws of each draw's figure.

    Supply is primary_supply (world output by stage and region), demand demand_world,
    both in t element, summed over the four magnet rare earths as the IEA counts them.
    Rounded to 0.001 (of a point, or of a kt): the float32 digits beyond carry nothing.
    """
    supply = _magnet(ds, "primary_supply")
    mining, separation = supply.sel(stage="mining"), supply.sel(stage="separation")
    per_draw = {
        CHINA_MINING: 100.0 * mining.sel(region=CHINA[1]) / mining.sum("region"),
        CHINA_REFINING: 100.0 * separation.sel(region=CHINA[1]) / separation.sum("region"),
        TOP3_REFINING: _top_share(separation),
        DEMAND: _magnet(ds, "demand_world") / 1000.0,
        MINED: mining.sum("region") / 1000.0,
    }
    records = [
        {
            "quantity": q,
            "year": year,
            "model": round(float(per_draw[q].sel(year=year).median("draw")), 3),
        }
        for year in YEARS
        for q in QUANTITIES
    ]
    return pd.DataFrame.from_records(records)


def model_top_regions(ds: xr.Dataset, year: int) -> list[str]:
    """The model's largest separation regions at P50 (for the note beside the figures)."""
    output = _magnet(ds, "primary_supply").sel(stage="separation", year=year).median("draw")
    return top_countries(
        {str(r): float(v) for r, v in zip(output["region"].values, output.values, strict=True)},
        MODEL_AGGREGATES,
    )


def run_iea_like(
    store: object,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    sets: list[str] | None = None,
    scenario: str = PRESET,
) -> xr.Dataset:
    """The forecast under the IEA-like preset, to the last year compared (no further).

    `sets` (`--set a.b=value`) is for sensitivity checks, e.g. another China path.
    """
    from derisk.forecast.run import forecast

    spec = load_scenario(scenario, sets)
    return forecast(
        store, spec, bloc="US", draws=draws, seed=seed, years=(spec.start_year, YEARS[-1])
    )


# -- the comparison -----------------------------------------------------------------------
ModelFigures = Callable[[object, int, int, list[str]], tuple[pd.DataFrame, list[str]]]


def model_figures(
    store: object, draws: int, seed: int, sets: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The model's figures and a note naming its top refiners (the run behind them)."""
    ds = run_iea_like(store, draws=draws, seed=seed, sets=sets)
    note = "; ".join(f"{y}: {', '.join(model_top_regions(ds, y))}" for y in YEARS)
    return figures_from_dataset(ds), [f"model top-{TOP_N} refining regions (P50) - {note}"]


def compare(published: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """Side by side with ratio = model / published and each target's verdict."""
    frame = published.merge(model, on=["quantity", "year"], how="left", validate="1:1")
    frame["ratio"] = frame["model"] / frame["published"]
    met, wording = [], []
    for row in frame.itertuples():
        target = TARGETS.get((row.quantity, row.year))
        ok = None if target is None else bool(target.met(row.model, row.published))
        met.append(ok)
        wording.append(NO_TARGET if target is None else target.describe())
    frame["within_target"] = pd.Series(met, dtype=object)
    frame["target"] = wording
    return frame[COLUMNS].reset_index(drop=True)  # published's order: year, then QUANTITIES


def missed_targets(frame: pd.DataFrame) -> list[str]:
    """One line per missed target, naming the figure, both values and the target."""
    lines = []
    for row in frame[frame["within_target"].eq(False)].itertuples():  # None: no target
        lines.append(
            f"{row.quantity} {row.year}: model {row.model:,.1f} vs IEA {row.published:,.1f} "
            f"(ratio {row.ratio:.3f}); target: {row.target}"
        )
    return lines


def validate(
    store: object,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    sets: list[str] | None = None,
    figures: ModelFigures | None = None,
) -> pd.DataFrame:
    """The comparison table, with notes in attrs['notes'] and misses in attrs['missed'].

    The published figures are read first, so a store without them fails before the
    model runs; `figures` replaces the model run (tests construct hits and misses).
    """
    published = published_figures(store)
    model, notes = (figures or model_figures)(store, draws, seed, list(sets or []))
    frame = compare(published, model)
    iea_top = "; ".join(
        f"{y}: {', '.join(top_countries(iea_countries(store, 'refining', y), IEA_AGGREGATES))}"
        for y in YEARS
    )
    frame.attrs["notes"] = [
        f"setting: presets/{PRESET}.yaml{''.join(f' --set {a}' for a in sets or [])}, "
        f"{draws} draws, seed {seed}; model figures are P50 "
        "over draws of each draw's figure; ratio = model / published",
        f"published: {TABLE} rows of {IEA} ('{SUPPLY_SCENARIO}' for supply, "
        f"'{DEMAND_SCENARIO}' for demand); magnet REEs = Nd+Pr+Dy+Tb, kt element; "
        "refining = the model's separation stage",
        f"top-{TOP_N} refining: the largest {TOP_N} single producers' share of world output; "
        f"the IEA's 'Rest of world' and the model's ROW are aggregates of many countries and "
        "are left out of the ranking (but stay in the world total); the model's EU counts "
        "as one region",
        f"IEA top-{TOP_N} refiners - {iea_top}",
        *notes,
    ]
    frame.attrs["missed"] = missed_targets(frame)
    return frame

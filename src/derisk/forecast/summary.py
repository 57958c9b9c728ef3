"""P10/P50/P90, milestone years, Monte Carlo standard errors and the EU's CRMA checks.

The headline used to be one cliff (the year China-free supply covers all demand for
good), which almost always reads "never". Milestones (10 %, 25 %, ... of demand) show the
path towards it; each P50 carries a Monte Carlo standard error so a reader can tell a
real difference between scenarios from sampling noise.

xarray is not imported at run time here: the CLI imports STABLE_DRAWS for its defaults,
and `derisk --help` should not pay for xarray. Everything below uses Dataset methods.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

SUMMARY_METRICS = (
    "demand",
    "china_free_supply",
    "supply_available",
    "secondary_supply",
    "shortfall",
)
#: Why an element has no forecast (docs/DATA.md lists the gaps).
NO_DATA = {
    "Pm": "no data: promethium does not occur in mined ore",
    "Sc": "no data: scandium output and content are not in the dataset's deposit compositions",
}
#: CRMA benchmarks (benchmarks table, whitecase_2025_03 / ec_qa_resourceeu_2025_12_03).
CRMA = {"max_single_third_country_pct": 65.0, "processing_pct": 40.0, "recycling_pct": 25.0}
#: Milestones: per cent of demand that China-free supply covers for good (100 = de-risked).
MILESTONE_THRESHOLDS = (10, 25, 50, 80, 100)
#: The EU milestone for the CRMA's 65 % single-third-country benchmark (CRMA above).
CRMA_MILESTONE = "crma_65"
#: Years of the headline China-free share of demand (those within the horizon).
HEADLINE_YEARS = (2030, 2035, 2040, 2050)
#: Batches of the batch-means standard error (draws split in draw order).
SE_BATCHES = 10
#: Below this, "equal" is equality up to float noise in the summed tonnages.
_TOLERANCE = 1e-9
#: Default draws of the CLI, the demo and the API. Target: between seeds 1..5 (US and
#: EU27), the Nd China-free share of demand P50 in 2030 moves < 1 point and milestone
#: P50 years < 1 year (max - min; "never" counted as 2051). Measured 2026-12-03 14:12,
#: baseline (in the 13:50 run export-controls-2025 matched the baseline); every magnet
#: milestone was "never", so only the co-products' milestones tested the years:
#:   draws  Nd 2030 share range, pt  magnet milestones  any element's milestones, years
#:          US     EU27              years              US / EU27
#:    500   0.17   0.01              0                  1 / 19 (Eu 80 %: 2032 or never)
#:   1000   0.14   0.01              0                  1 / 14 (Eu 80 %: 2037 or never)
#:   2000   0.11   0.01              0                  1 / 2  (Sm 80 %: 2030-2032)
#:   4000   0.04   0.00              0                  1 / 0  (La 50 %: 2031 or 2032)
#: 2000: the smallest count without a P50 flipping between a year and "never"; what is
#: left is adjacent-year jitter with se <= 0.31 y (at 500-1000 the flipping P50s had se
#: 2-3.6 y). A P50 on a year boundary moves by a year at any count; its se says so.
#: Run time ~3.5 s a forecast at 2000 draws (6.5 s at 4000); the demo (4 forecasts,
#: store build and review included) ~24 s, ~20 s at 500.
STABLE_DRAWS = 2000


def first_year_sustained(ok: xr.DataArray) -> xr.DataArray:
    """First year from which ``ok`` holds in that year and every later one; NaN if never.

    A milestone is only reached "for good": a share that touches 50 % and falls back
    has not reached 50 %. Dims of ``ok`` minus ``year``, in their order.
    """
    ok = ok.transpose(..., "year")
    first = _first_sustained(ok.values, ok["year"].values)
    return ok.isel(year=0, drop=True).copy(data=first)


def _first_sustained(ok: np.ndarray, years: np.ndarray) -> np.ndarray:
    """numpy core of first_year_sustained (year on the last axis); float, NaN = never."""
    held = np.logical_and.accumulate(ok[..., ::-1], axis=-1)[..., ::-1]  # ok from here on
    return np.where(held.any(axis=-1), years[np.argmax(held, axis=-1)], np.nan)


def year_derisked(ds: xr.Dataset, threshold: float = 1.0) -> xr.DataArray:
    """First year from which China-free supply covers threshold x demand in every later year.

    NaN when that never happens within the horizon ("not de-risked by the end year").
    """
    ok = ds["china_free_supply"] >= threshold * ds["demand"] - _TOLERANCE
    # An element with no demand at all (Pm, Sc: no data) is not "de-risked"; it is unknown.
    ok = ok & (ds["demand"].sum("year", skipna=False) > 0)  # skipna: no NaN, 5x faster
    return first_year_sustained(ok)


def crma_65_year(ds: xr.Dataset) -> xr.DataArray:
    """First year from which at most 65 % of the bloc's supply comes from China, for good.

    China's part of the supply is supply_available - china_free_supply (stockpile
    releases count as supply, as in supply_available); a year without any supply is not
    compliant (the share is undefined). The CRMA benchmark is about one third country's
    share of the EU's consumption; the bloc's supply stands for it.
    """
    available = ds["supply_available"]
    china = available - ds["china_free_supply"]
    cap = CRMA["max_single_third_country_pct"] / 100
    ok = (china <= cap * available + _TOLERANCE) & (available > 0)
    return first_year_sustained(ok & (ds["demand"].sum("year", skipna=False) > 0))


def _percentiles(values: np.ndarray) -> tuple[float, float, float]:
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return float(p10), float(p50), float(p90)


def summarise(ds: xr.Dataset, threshold: float = 1.0) -> dict:
    """The JSON object of `derisk forecast --format json` (without the series).

    year_derisked and worst_shortfall keep their shape for their readers (briefing,
    outlook, demo, API); milestones, headline_share and world_china_share are issue 12's
    fuller headline, each P50 with its Monte Carlo standard error (``se``).
    """
    years = ds["year"].values
    first = year_derisked(ds, threshold).transpose("draw", "element").values
    found = _year_records(first[:, _has_demand(ds)], years)
    records = dict(zip(_with_demand(ds), found, strict=True))
    out: dict = {"year_derisked": {}, "worst_shortfall": {}}
    for element in map(str, ds["element"].values):
        if element not in records:
            out["year_derisked"][element] = {
                "p50": None,
                "p10": None,
                "p90": None,
                "prob_by": {},
                "note": NO_DATA.get(element, "no demand in the data"),
            }
            continue
        record = records[element]
        del record["se"]  # year_derisked keeps its shape; milestones["100"] has the se
        out["year_derisked"][element] = record
        out["worst_shortfall"][element] = _worst_shortfall(ds, element)
    out["milestones"] = milestones(ds)
    out["headline_share"] = headline_share(ds)
    out["world_china_share"] = world_china_share(ds)
    return out


def _has_demand(ds: xr.Dataset) -> np.ndarray:
    """Per element: any demand in any draw and year (Pm and Sc have none: no data)."""
    return (
        ds["demand"].transpose("element", ...).values.reshape(ds.sizes["element"], -1).sum(axis=1)
        > 0
    )


def _with_demand(ds: xr.Dataset) -> list[str]:
    return [str(e) for e, has in zip(ds["element"].values, _has_demand(ds), strict=True) if has]


def _worst_shortfall(ds: xr.Dataset, element: object) -> dict:
    """The largest yearly shortfall per draw, its P10/P50/P90 and when the P50 peaks."""
    years = ds["year"].values
    short = ds["shortfall"].sel(element=element)
    demand = ds["demand"].sel(element=element)
    w10, w50, w90 = _percentiles(short.max("year").values)
    when = int(years[int(np.argmax(short.median("draw").values))])
    return {
        "p10_t": round(w10, 1),
        "p50_t": round(w50, 1),
        "p90_t": round(w90, 1),
        "year_of_largest_p50": when,
        "share_of_demand_p50_pct": round(
            float((short / demand.where(demand > 0)).max("year").median()) * 100, 1
        ),
    }


def milestones(
    ds: xr.Dataset, thresholds: tuple[int, ...] = MILESTONE_THRESHOLDS
) -> dict[str, dict[str, dict]]:
    """Per element with demand, per threshold t: when China-free supply covers t % for good.

    {element: {"10": record, ..., "100": record[, "crma_65": record]}}; a record is
    {p10, p50, p90, se, prob_by: {year: share of draws reached by then}}. "never" counts
    as later than any year (null where the quantile is never). "100" is year_derisked at
    threshold 1.0. For EU27, "crma_65" is the first year from which at most 65 % of the
    bloc's supply comes from China (crma_65_year). Elements without demand are left out
    (year_derisked carries their note).
    """
    years, has = ds["year"].values, _has_demand(ds)
    firsts = {str(t): year_derisked(ds, t / 100) for t in thresholds}
    if ds.attrs.get("bloc") == "EU27":
        firsts[CRMA_MILESTONE] = crma_65_year(ds)
    per_key = {
        key: _year_records(first.transpose("draw", "element").values[:, has], years)
        for key, first in firsts.items()
    }
    return {
        element: {key: records[i] for key, records in per_key.items()}
        for i, element in enumerate(_with_demand(ds))
    }


def _year_records(first: np.ndarray, years: np.ndarray) -> list[dict]:
    """Per column of (draw, element) years (NaN = never): P10/P50/P90, the P50's se, prob_by."""
    filled = np.where(np.isfinite(first), first, np.inf)  # never: later than any year
    q = np.percentile(filled, [10, 50, 90], axis=0, method="lower")
    se = _year_p50_se(filled, int(years[-1]))
    reached = (filled[:, :, None] <= years).mean(axis=0)  # (element, year)
    return [
        {
            "p50": _year(q[1, i]),
            "p10": _year(q[0, i]),
            "p90": _year(q[2, i]),
            "se": None if se is None else round(float(se[i]), 3),
            "prob_by": {int(y): round(float(p), 4) for y, p in zip(years, reached[i], strict=True)},
        }
        for i in range(first.shape[1])
    ]


def _year(value: float) -> int | None:
    return int(value) if np.isfinite(value) else None


def _year_quantile(values: np.ndarray, q: float) -> int | None:
    """A quantile of years where 'never' counts as later than any year."""
    filled = np.where(np.isfinite(values), values, np.inf)
    return _year(np.percentile(filled, q, method="lower"))


def batches(values: np.ndarray, n_batches: int = SE_BATCHES) -> list[np.ndarray]:
    """``values`` (draws first) cut into n_batches equal runs of consecutive draws.

    Draws are independent and drawn in order, so consecutive runs are independent
    replications of the whole run at 1/n_batches its size. A remainder of fewer than
    n_batches draws is left out; with fewer draws than batches there are none.
    """
    size = len(values) // n_batches
    return [values[k * size : (k + 1) * size] for k in range(n_batches)] if size else []


def batch_se(statistics: list[float] | np.ndarray) -> float | None:
    """Batch-means standard error: sd of the batch statistics (ddof 1) / sqrt(batches).

    Each batch estimates the statistic with 1/B of the draws, so its spread is sqrt(B)
    times the full run's; dividing by sqrt(B) gives the se of the full-run estimate.
    None when there are fewer than two batches or a batch statistic is undefined.
    """
    values = np.asarray(statistics, float)
    if len(values) < 2 or not np.all(np.isfinite(values)):
        return None
    return float(np.std(values, ddof=1) / np.sqrt(len(values)))


def year_p50_se(first: np.ndarray, end_year: int) -> float | None:
    """se of a milestone's P50 year (per-draw years, NaN = never), by batch means.

    "never" counts as end_year + 1: a batch whose median is "never" sits one year past
    the horizon, so the se measures how firmly the P50 sits where it is (0 when every
    batch says "never").
    """
    filled = np.where(np.isfinite(first), first, np.inf)[:, None]
    se = _year_p50_se(filled, end_year)
    return None if se is None else round(float(se[0]), 3)


def _year_p50_se(filled: np.ndarray, end_year: int) -> np.ndarray | None:
    """year_p50_se for every column of (draw, element) years with inf for never."""
    parts = batches(filled)
    if len(parts) < 2:
        return None
    p50 = np.percentile(np.stack(parts), 50, axis=1, method="lower")  # (batch, element)
    p50 = np.where(np.isfinite(p50), p50, end_year + 1)
    return np.std(p50, axis=0, ddof=1) / np.sqrt(len(parts))


def headline_share(
    ds: xr.Dataset, years: tuple[int, ...] = HEADLINE_YEARS
) -> dict[str, dict[int, dict]]:
    """China-free share of demand (per cent) in the headline years, per element with demand.

    {element: {2030: {p10, p50, p90, se}, ...}} over per-draw ratios, as series() has
    them (the same P10/P50/P90); se is the batch-means se of the P50 (SE_BATCHES
    batches in draw order). Years outside the horizon are left out; null where a year
    has no demand in any draw.
    """
    wanted = [y for y in years if y in ds["year"].values]
    sub = ds[["china_free_supply", "demand"]].sel(year=wanted)
    with warnings.catch_warnings():  # a year with no demand is all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        q = ratio_quantiles(sub, "china_free_supply", "demand").transpose(
            "quantile", "element", "year"
        )
        den = sub["demand"]
        ratio = (100 * sub["china_free_supply"] / den.where(den > 0)).transpose(
            "draw", "element", "year"
        )
        medians = np.array([np.nanmedian(b, axis=0) for b in batches(ratio.values)])
    out: dict[str, dict[int, dict]] = {}
    has = _has_demand(ds)
    for i, element in enumerate(sub["element"].values):
        if not has[i]:
            continue
        out[str(element)] = {
            int(year): {
                "p10": _rounded(q.values[0, i, j]),
                "p50": _rounded(q.values[1, i, j]),
                "p90": _rounded(q.values[2, i, j]),
                "se": _rounded(batch_se(list(medians[:, i, j])) if len(medians) else None),
            }
            for j, year in enumerate(wanted)
        }
    return out


def world_china_share(ds: xr.Dataset) -> dict[str, dict[int, dict]]:
    """China's share (per cent) of world output per stage and year, magnet REEs together.

    {stage: {year: {p10, p50, p90}}} over per-draw ratios of CHN output to all regions'
    output of Nd, Pr, Dy and Tb summed (the elements the prognosis is about; co-products
    would swamp it by tonnage). Null where the world makes none.
    """
    from derisk.forecast.scenario import MAGNET_ELEMENTS  # lazy: pydantic, yaml

    magnets = [e for e in MAGNET_ELEMENTS if e in ds["element"].values]
    if not magnets:
        return {}
    with warnings.catch_warnings():  # a stage and year with no output is all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        share = ds["china_output_share"] if "china_output_share" in ds else _china_share(ds)
        q = share.quantile([0.1, 0.5, 0.9], dim="draw").transpose("quantile", "stage", "year")
    return {
        str(stage): {
            int(year): {
                "p10": _rounded(q.values[0, s, j], 2),
                "p50": _rounded(q.values[1, s, j], 2),
                "p90": _rounded(q.values[2, s, j], 2),
            }
            for j, year in enumerate(q["year"].values)
        }
        for s, stage in enumerate(q["stage"].values)
    }


def _china_share(ds: xr.Dataset) -> xr.DataArray:
    """China's % of world output per draw, stage and year from primary_supply.

    For a Dataset without the model's own `china_output_share` (e.g. built by hand):
    the float32 supply is summed in float64, one magnet element at a time.
    """
    from derisk.forecast.scenario import MAGNET_ELEMENTS  # lazy: pydantic, yaml

    supply = ds["primary_supply"]
    magnets = [e for e in MAGNET_ELEMENTS if e in ds["element"].values]
    world = sum(supply.sel(element=e).sum("region", dtype="float64", skipna=False) for e in magnets)
    china = sum(supply.sel(element=e, region="CHN").astype("float64") for e in magnets)
    return 100 * china / world.where(world > 0)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    """None for an undefined value (NaN: no demand, no output), else rounded."""
    if value is None or value != value:
        return None
    return round(float(value), digits)


def series(ds: xr.Dataset, metrics: tuple[str, ...] = SUMMARY_METRICS) -> list[dict]:
    """Rows of element, year, metric, p10, p50, p90.

    Besides the tonnages, `china_free_share_pct` is China-free supply as % of demand,
    quantiles taken over the per-draw ratio (not a ratio of quantiles); null where an
    element has no demand.
    """
    rows = []
    with warnings.catch_warnings():  # elements without demand (Pm, Sc) are all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        share = ratio_quantiles(ds, "china_free_supply", "demand").values
    for i, element in enumerate(ds["element"].values):
        for j, year in enumerate(ds["year"].values):
            rows.append(
                {
                    "element": str(element),
                    "year": int(year),
                    "metric": "china_free_share_pct",
                    "p10": _rounded(share[0, i, j]),
                    "p50": _rounded(share[1, i, j]),
                    "p90": _rounded(share[2, i, j]),
                }
            )
    for metric in metrics:
        q = ds[metric].quantile([0.1, 0.5, 0.9], dim="draw").values  # (3, element, year)
        for i, element in enumerate(ds["element"].values):
            for j, year in enumerate(ds["year"].values):
                rows.append(
                    {
                        "element": str(element),
                        "year": int(year),
                        "metric": metric,
                        "p10": round(float(q[0, i, j]), 3),
                        "p50": round(float(q[1, i, j]), 3),
                        "p90": round(float(q[2, i, j]), 3),
                    }
                )
    return rows


#: The model region whose separation output is "processed in the EU" (vocabulary regions).
EU_REGION = "EU"
#: crma_check's row for the CRMA's strategic raw material, the magnet rare earths together.
CRMA_MAGNET_ROW = "Nd+Pr+Dy+Tb"


def eu_processed(ds: xr.Dataset, region: str = EU_REGION) -> xr.DataArray:
    """t element of the bloc's demand that separation in ``region`` could supply.

    (draw, element, year): min(separation output in the region, the bloc's demand), per
    element. Output above an element's own demand is exported, not the bloc's consumption
    processed at home, so it is not counted, and one element's surplus (the model's EU Pr
    or Ce) cannot stand in for another's deficit (Nd). Both sides are t element
    (primary_supply and demand carry that unit). The output is the model's separation
    output in the region, i.e. its plants' drawn capacity, started and ramped, as far as
    feed fills it: never more than the region's separation capacity in that year.
    """
    output = ds["primary_supply"].sel(stage="separation", region=region, drop=True)
    return np.minimum(output, ds["demand"]).where(ds["demand"] > 0, 0.0)


def processing_share(
    ds: xr.Dataset, elements: tuple[str, ...] | None = None, region: str = EU_REGION
) -> xr.DataArray:
    """Per draw and year: % of the bloc's demand for ``elements`` processed in ``region``.

    The CRMA's 40 % benchmark is "at least 40 % of annual EU consumption of each
    strategic raw material processed in the EU" (benchmarks table, whitecase_2025_03);
    the strategic raw material is the rare earths for magnets. Basis, like for like:

    - elements: the magnet rare earths Nd, Pr, Dy and Tb (MAGNET_ELEMENTS) unless named,
      on both sides. The co-products (La, Ce ...) are left out: plants with a total-REO
      capacity (Silmet) carry them in their ore's proportions, and the bloc's
      co-product demand is an assumed market-clearing share, so summed over all 17
      elements La and Ce swamp the ratio by tonnage (2026-12, baseline: of the 112 % the
      review reported for 2029, two thirds were La and Ce);
    - unit: t element on both sides (primary_supply and demand);
    - numerator: eu_processed, each element's EU separation output capped at the
      bloc's demand for it (an export is not EU consumption processed), summed;
    - denominator: the bloc's demand for the same elements, summed.

    So the share lies in 0-100 % and never exceeds the region's separation capacity
    over the bloc's demand. NaN where the elements have no demand.
    """
    if elements is None:
        from derisk.forecast.scenario import MAGNET_ELEMENTS  # lazy: pydantic, yaml

        elements = MAGNET_ELEMENTS
    chosen = [e for e in elements if e in ds["element"].values]
    demand = ds["demand"].sel(element=chosen).sum("element")
    processed = eu_processed(ds.sel(element=chosen), region).sum("element")
    return 100 * processed / demand.where(demand > 0)


def crma_check(ds: xr.Dataset) -> list[dict]:
    """EU only: the CRMA's 2030 benchmarks against the forecast, per element and together.

    One row per element with demand and year, plus the magnet rare earths together
    (element CRMA_MAGNET_ROW: Nd, Pr, Dy and Tb with demand), which stand for the CRMA's
    strategic raw material "rare earths for magnets".

    65%: at most that share of a stage's output from one third country (China's share
    of world separation output stands for it; the magnet row weighs each element's share
    by its world separation output). 40%: EU processing as a share of EU demand, on
    processing_share's basis: per element and year min(separation output in the EU
    region, EU demand) over EU demand, both t element, so an element's exports are not
    counted as EU consumption processed and the magnet row does not let La, Ce or one
    magnet element's surplus make up for another's deficit (it lies in 0-100 %).
    `eu_separation_over_demand_p50_pct` is the uncapped output / demand, above 100 where
    the model's EU plants make more of an element than the EU uses. 25%: recycling as a
    share of EU demand. Every figure is the P50 over draws of the per-draw ratio.
    """
    from derisk.forecast.scenario import MAGNET_ELEMENTS  # lazy: pydantic, yaml

    rows = []
    groups = [(str(e), [str(e)]) for e in ds["element"].values]
    magnets = [e for e in MAGNET_ELEMENTS if e in ds["element"].values and _demand_total(ds, e) > 0]
    if magnets:
        groups.append((CRMA_MAGNET_ROW, magnets))
    years = [y for y in dict.fromkeys((2030, int(ds["year"].values[-1]))) if y in ds["year"].values]
    for name, members in groups:
        if not sum(_demand_total(ds, e) for e in members) > 0:
            continue
        sub = ds.sel(element=members)
        demand = sub["demand"].sum("element")
        positive = demand.where(demand > 0)
        sep = sub["primary_supply"].sel(stage="separation")
        own = sep.sel(region=EU_REGION, drop=True).sum("element")
        world = sep.sum("region")
        china_dep = sub["china_dependent_share"].sel(stage="separation")
        china_pct = (china_dep * world).sum("element") / world.sum("element").where(
            world.sum("element") > 0
        )
        if len(members) == 1:  # an element with no world output keeps its own figure
            china_pct = china_dep.isel(element=0, drop=True)
        processing = processing_share(ds, tuple(members))
        separated = 100 * own / positive
        rec = 100 * sub["secondary_supply"].sum("element") / positive
        for year in years:
            with warnings.catch_warnings():  # a year without demand in some draws
                warnings.simplefilter("ignore", RuntimeWarning)
                china = float(china_pct.sel(year=year).median())
                recycled = float(rec.sel(year=year).median())
                processed = float(processing.sel(year=year).median())
                output = float(separated.sel(year=year).median())
            rows.append(
                {
                    "element": name,
                    "year": year,
                    "china_share_of_processing_p50_pct": round(china, 1),
                    "meets_65pct_single_country": china <= CRMA["max_single_third_country_pct"],
                    "eu_processing_share_of_demand_p50_pct": round(processed, 1),
                    "meets_40pct_processing": processed >= CRMA["processing_pct"],
                    "eu_separation_over_demand_p50_pct": round(output, 1),
                    "recycling_share_of_demand_p50_pct": round(recycled, 1),
                    "meets_25pct_recycling": recycled >= CRMA["recycling_pct"],
                    "note": "processing = EU-region separation output, capped per element "
                    "at EU demand (exports are not EU consumption processed), over EU "
                    "demand, both t element; the magnet row sums Nd, Pr, Dy and Tb only. "
                    "China's share is of world separation output (the model has no "
                    "EU import mix by stage)",
                }
            )
    return rows


def _demand_total(ds: xr.Dataset, element: str) -> float:
    return float(ds["demand"].sel(element=element).sum())


def ratio_quantiles(
    ds: xr.Dataset, numerator: str, denominator: str, scale: float = 100.0
) -> xr.DataArray:
    """P10/P50/P90 over draws of numerator / denominator (per element and year).

    Quantiles of a ratio are not the ratio of quantiles, so this works draw by draw.
    Where the denominator is zero the ratio is undefined (NaN), not zero.
    """
    den = ds[denominator]
    ratio = scale * ds[numerator] / den.where(den > 0)
    return ratio.quantile([0.1, 0.5, 0.9], dim="draw")

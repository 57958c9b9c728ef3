"""P10/P50/P90, the year a bloc is de-risked, and the EU's CRMA checks."""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

SUMMARY_METRICS = (
    "demand",
    "china_free_supply",
    "supply_available",
    "secondary_supply",
    "shortfall",
)
#: CRMA benchmarks (benchmarks table, whitecase_2025_03 / ec_qa_resourceeu_2025_12_03).
#: Why an element has no forecast (docs/DATA.md lists the gaps).
NO_DATA = {
    "Pm": "no data: promethium does not occur in mined ore",
    "Sc": "no data: scandium output and content are not in the dataset's deposit compositions",
}
CRMA = {"max_single_third_country_pct": 65.0, "processing_pct": 40.0, "recycling_pct": 25.0}


def year_derisked(ds: xr.Dataset, threshold: float = 1.0) -> xr.DataArray:
    """First year from which China-free supply covers threshold x demand in every later year.

    NaN when that never happens within the horizon ("not de-risked by the end year").
    """
    ok = ds["china_free_supply"] >= threshold * ds["demand"] - 1e-9
    # An element with no demand at all (Pm, Sc: no data) is not "de-risked"; it is unknown.
    ok = ok & (ds["demand"].sum("year") > 0)
    years = ds["year"].values
    # all-future-ok: reverse cumulative AND along year
    rev = ok.isel(year=slice(None, None, -1)).cumprod("year").isel(year=slice(None, None, -1))
    first = rev.argmax("year")
    anyok = rev.any("year")
    return xr.where(anyok, xr.DataArray(years, dims="year")[first], np.nan)


def _percentiles(values: np.ndarray) -> tuple[float, float, float]:
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return float(p10), float(p50), float(p90)


def summarise(ds: xr.Dataset, threshold: float = 1.0) -> dict:
    """The JSON object of `derisk forecast --format json` (without the series)."""
    years = ds["year"].values
    derisked = year_derisked(ds, threshold)
    out: dict = {"year_derisked": {}, "worst_shortfall": {}}
    for element in ds["element"].values:
        if not float(ds["demand"].sel(element=element).sum()) > 0:
            out["year_derisked"][str(element)] = {
                "p50": None,
                "p10": None,
                "p90": None,
                "prob_by": {},
                "note": NO_DATA.get(str(element), "no demand in the data"),
            }
            continue
        yd = derisked.sel(element=element).values
        prob_by = {int(y): round(float(np.mean(yd <= y)), 4) for y in years}
        p50 = _year_quantile(yd, 50)
        p10 = _year_quantile(yd, 10)
        p90 = _year_quantile(yd, 90)
        out["year_derisked"][str(element)] = {
            "p50": p50,
            "p10": p10,
            "p90": p90,
            "prob_by": prob_by,
        }
        short = ds["shortfall"].sel(element=element)
        demand = ds["demand"].sel(element=element)
        worst = short.max("year")
        w10, w50, w90 = _percentiles(worst.values)
        when = int(years[int(np.argmax(short.median("draw").values))])
        out["worst_shortfall"][str(element)] = {
            "p10_t": round(w10, 1),
            "p50_t": round(w50, 1),
            "p90_t": round(w90, 1),
            "year_of_largest_p50": when,
            "share_of_demand_p50_pct": round(
                float((short / demand.where(demand > 0)).max("year").median()) * 100, 1
            ),
        }
    return out


def _year_quantile(values: np.ndarray, q: float) -> int | None:
    """A quantile of years where 'never' counts as later than any year."""
    filled = np.where(np.isfinite(values), values, np.inf)
    v = np.percentile(filled, q, method="lower")
    return None if not np.isfinite(v) else int(v)


def _rounded(value: float) -> float | None:
    return None if value != value else round(float(value), 3)  # NaN: undefined (no demand)


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


def crma_check(ds: xr.Dataset) -> list[dict]:
    """EU only: the CRMA's 2030 benchmarks against the forecast, per element.

    65%: at most that share of a stage's output from one third country (China's share
    of world separation output stands for it); 40%: EU processing (separation output in
    the EU region) as a share of EU demand; 25%: recycling as a share of EU demand.
    """
    rows = []
    for element in ds["element"].values:
        demand = ds["demand"].sel(element=element)
        if not float(demand.sum()) > 0:
            continue
        positive = demand.where(demand > 0)
        sep = ds["china_dependent_share"].sel(stage="separation", element=element)
        rec = 100 * ds["secondary_supply"].sel(element=element) / positive
        eu_processing = (
            100
            * ds["primary_supply"].sel(stage="separation", region="EU", element=element)
            / positive
        )
        for year in (2030, int(ds["year"].values[-1])):
            if year not in ds["year"].values:
                continue
            china = float(sep.sel(year=year).median())
            recycled = float(rec.sel(year=year).median())
            processed = float(eu_processing.sel(year=year).median())
            rows.append(
                {
                    "element": str(element),
                    "year": year,
                    "china_share_of_processing_p50_pct": round(china, 1),
                    "meets_65pct_single_country": china <= CRMA["max_single_third_country_pct"],
                    "eu_processing_share_of_demand_p50_pct": round(processed, 1),
                    "meets_40pct_processing": processed >= CRMA["processing_pct"],
                    "recycling_share_of_demand_p50_pct": round(recycled, 1),
                    "meets_25pct_recycling": recycled >= CRMA["recycling_pct"],
                    "note": "processing = separation output in the EU region over EU demand; "
                    "China's share is of world separation output (the model has no "
                    "EU import mix by stage)",
                }
            )
    return rows


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

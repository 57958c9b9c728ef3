"""Forecast results as the JSON object, tables and files the interfaces hand out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import xarray as xr

from derisk.errors import InputError
from derisk.forecast.summary import crma_check, series


def forecast_json(ds: xr.Dataset) -> str:
    """The object of `derisk forecast --format json` (issue 3's contract)."""
    summary = ds.attrs["summary"]
    payload = {
        "scenario": ds.attrs["scenario"],
        "bloc": ds.attrs["bloc"],
        "draws": int(ds.attrs["draws"]),
        "seed": int(ds.attrs["seed"]),
        "year_derisked": {
            e: {
                "p50": v["p50"],
                "p10": v["p10"],
                "p90": v["p90"],
                "prob_by": {str(y): p for y, p in v["prob_by"].items()},
                **({"note": v["note"]} if "note" in v else {}),
            }
            for e, v in summary["year_derisked"].items()
        },
        "worst_shortfall": summary["worst_shortfall"],
        "series": series(ds),
        "sources": ds.attrs["sources"],
    }
    if ds.attrs["bloc"] == "EU27":
        payload["crma_check"] = crma_check(ds)
    return json.dumps(payload, indent=1)


def forecast_tables(ds: xr.Dataset) -> list[tuple[str, pd.DataFrame]]:
    """Headline tables: year de-risked and worst shortfall per element (P10-P90)."""
    summary = ds.attrs["summary"]
    rows = []
    for element, v in summary["year_derisked"].items():
        if "note" in v:
            rows.append({"element": element, "year_derisked_p50": v["note"]})
            continue
        w = summary["worst_shortfall"][element]
        last = max(int(y) for y in v["prob_by"])
        rows.append(
            {
                "element": element,
                "year_derisked_p10": v["p10"] or "never",
                "year_derisked_p50": v["p50"] or "never",
                "year_derisked_p90": v["p90"] or "never",
                f"p_derisked_by_{last}": v["prob_by"][last],
                "worst_shortfall_p50_t": w["p50_t"],
                "worst_shortfall_p10_p90_t": f"{w['p10_t']:,.0f}-{w['p90_t']:,.0f}",
                "worst_shortfall_share_p50_pct": w["share_of_demand_p50_pct"],
            }
        )
    title = (
        f"{ds.attrs['scenario']} | {ds.attrs['bloc']} | {ds.attrs['draws']} draws, "
        f"seed {ds.attrs['seed']} ('never' = not within {ds['year'].values[-1]})"
    )
    tables = [(title, pd.DataFrame.from_records(rows))]
    if ds.attrs["bloc"] == "EU27":
        tables.append(("EU CRMA benchmarks (P50)", pd.DataFrame.from_records(crma_check(ds))))
    return tables


OUTPUT_SUFFIXES = (".nc", ".csv", ".parquet")


def check_output_path(out: Path) -> None:
    """Fail before a long run, not after it, when the output type is unknown."""
    if Path(out).suffix not in OUTPUT_SUFFIXES:
        raise InputError(
            "unknown output file type",
            column="--out",
            expected=", ".join(OUTPUT_SUFFIXES),
            found=Path(out).suffix or str(out),
        )


def write_forecast(ds: xr.Dataset, out: Path) -> None:
    """.nc keeps every draw; .csv and .parquet hold the P10/P50/P90 series (long format)."""
    out = Path(out)
    check_output_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".nc":
        plain = ds.copy()
        plain.attrs = {
            k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in ds.attrs.items()
        }
        plain.to_netcdf(out)
    elif out.suffix in (".csv", ".parquet"):
        frame = pd.DataFrame.from_records(series(ds))
        if out.suffix == ".csv":
            frame.to_csv(out, index=False)
        else:
            frame.to_parquet(out, index=False)
    else:
        raise InputError(
            "unknown output file type",
            column="--out",
            expected=".nc, .csv or .parquet",
            found=out.suffix or str(out),
        )

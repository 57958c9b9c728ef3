"""Back-cast: run the forecast engine on 2015-2024 and compare it with recorded history.

The engine starts from the 2024 state (IEA base year). Here it is run over 2015-2024 with
world demand scaled, year by year, by the recorded growth of China's permanent-magnet
output (the historical driver), with every uncertain parameter fixed at its neutral value
and no export controls. Its world mine output (all rare earths, t REO) is compared with
USGS, and China's magnet-stage output (t magnet) with the recorded magnet production.
Years without a recorded driver are listed as such rather than filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from derisk.forecast.allocation import build_market
from derisk.forecast.inputs import (
    BASE_YEAR,
    MAGNET_RE_CONTENT,
    OXIDE_TO_ELEMENT,
    load_inputs,
)
from derisk.forecast.model import CHN, run_chunk
from derisk.forecast.sampling import draw_parameters
from derisk.forecast.scenario import MODEL_STAGES, load_scenario

START, END = 2015, 2024
#: Neutral settings: the recorded driver alone moves demand; nothing is sampled.
HISTORY_SETTINGS = [
    "demand.multiplier={}",
    "demand.substitution={}",
    "demand.other_rees_growth=0",
    "intensity.dy_tb_annual_reduction=0",
    "china.capacity_growth=0",
    "china.export_controls=[]",
    "recycling.collection_rate=0",
    "pipeline.success_probability={operating: 1.0}",
]


def magnet_driver(store: object) -> pd.Series:
    """China's permanent-magnet output (t magnet) per year: the largest total reported.

    Sintered and bonded NdFeB are summed where reported separately; combined totals
    ("magnetic material", "permanent magnet production") are used as they stand.
    """
    rows = store.table("market_sizes")  # type: ignore[attr-defined]
    rows = rows[
        (rows["scope"] == "China")
        & rows["metric"].str.contains("production")
        & rows["metric"].str.contains("NdFeB|permanent magnet")
        & rows["value"].notna()
    ]
    combined = rows["metric"].str.contains("magnetic material|permanent magnet")
    parts = rows[~combined].groupby("year")["value"].sum()
    totals = rows[combined].groupby("year")["value"].max()
    return pd.concat([parts, totals], axis=1).max(axis=1).sort_index()


def world_mine(store: object) -> pd.Series:
    rows = store.table("mine_production")  # type: ignore[attr-defined]
    return rows[rows["country"] == "WLD"].set_index("year")["value"].sort_index()


def _engine_history(store: object, driver: pd.Series, start: int, end: int):
    """Primary supply (stage, region, element, year) of one neutral engine run."""
    scenario = load_scenario("baseline", HISTORY_SETTINGS).model_copy(
        update={"start_year": start, "end_year": end}
    )
    inputs = load_inputs(store, scenario.demand.path, start, end)
    for k, year in enumerate(inputs.years):
        if year in driver.index:
            inputs.demand_path[..., k] *= driver[year] / driver[BASE_YEAR]
    draws = draw_parameters(scenario, inputs, "US", 1, seed=0)
    market = build_market(store, scenario, "US") if scenario.allocation == "ownership" else None
    result = run_chunk(inputs, draws, scenario, "US", np.zeros(len(inputs.elements)), market=market)
    return result.primary_supply[0].astype(float), inputs


def _error(model: float, observed: float) -> float:
    return round(100 * (model - observed) / observed, 1)


def backcast(store: object, start: int = START, end: int = END) -> pd.DataFrame:
    """Year by year: observed and engine mine output (t REO) and China magnet output."""
    driver = magnet_driver(store)
    mine = world_mine(store)
    if BASE_YEAR not in driver.index:
        raise ValueError(f"no recorded magnet output for the base year {BASE_YEAR}")
    supply, inputs = _engine_history(store, driver, start, end)
    factors = np.array([OXIDE_TO_ELEMENT[e] for e in inputs.elements])
    mining = MODEL_STAGES.index("mining")
    magnet = MODEL_STAGES.index("magnet")
    mine_reo = (supply[mining].sum(axis=0) / factors[:, None]).sum(axis=0)
    cn_magnet_re = supply[magnet, CHN, inputs.magnet].sum(axis=0)
    records = []
    for k, year in enumerate(inputs.years.astype(int)):
        has_driver = year in driver.index
        observed_mine = float(mine.get(year, np.nan))
        observed_magnet = float(driver.get(year, np.nan))
        high, low = (cn_magnet_re[k] / c for c in MAGNET_RE_CONTENT)
        record = {
            "year": year,
            "observed_mine_t_reo": observed_mine,
            "model_mine_t_reo": round(float(mine_reo[k]), 0) if has_driver else np.nan,
            "mine_error_pct": np.nan,
            "observed_cn_magnet_t": observed_magnet,
            "model_cn_magnet_t": f"{low:,.0f}-{high:,.0f}" if has_driver else "",
            "magnet_error_pct": "",
            "status": "no driver data",
        }
        if has_driver:
            record["status"] = "anchor (demand = IEA 2024)" if year == BASE_YEAR else "back-cast"
            if np.isfinite(observed_mine):
                record["mine_error_pct"] = _error(float(mine_reo[k]), observed_mine)
            record["magnet_error_pct"] = (
                f"{_error(low, observed_magnet)} to {_error(high, observed_magnet)}"
            )
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    with_driver = frame[frame["status"] != "no driver data"]
    frame.attrs["mape_mine_pct"] = (
        float(with_driver["mine_error_pct"].abs().mean()) if len(with_driver) else None
    )
    frame.attrs["sources"] = (
        "mine_production (USGS); market_sizes (China magnet output); IEA_CMDE2025 (2024 "
        "demand and supply); deposit_composition (co-products)"
    )
    frame.attrs["settings"] = HISTORY_SETTINGS
    return frame

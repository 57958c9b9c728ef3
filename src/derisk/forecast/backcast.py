"""Back-cast: does the model's demand -> mining link reproduce history?

The forecast lets mining follow magnet demand (China as the swing supplier). Here the
same link is run on history: world mine output is scaled from an anchor year by the
recorded growth of China's NdFeB magnet output, and compared with the USGS series.
Only years with a recorded magnet driver can be back-cast; the others are listed as
'no driver data' rather than filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START, END = 2015, 2024


def magnet_driver(store: object) -> pd.Series:
    """China's NdFeB output (t magnet) per year: the largest total reported for that year."""
    rows = store.table("market_sizes")  # type: ignore[attr-defined]
    rows = rows[
        (rows["scope"] == "China")
        & rows["metric"].str.contains("NdFeB")
        & rows["metric"].str.contains("production")
        & rows["value"].notna()
    ]
    sintered_bonded = (
        rows[~rows["metric"].str.contains("magnetic material")].groupby("year")["value"].sum()
    )
    combined = rows[rows["metric"].str.contains("magnetic material")].groupby("year")["value"].sum()
    driver = pd.concat([sintered_bonded, combined], axis=1).max(axis=1)
    return driver.sort_index()


def world_mine(store: object) -> pd.Series:
    rows = store.table("mine_production")  # type: ignore[attr-defined]
    return rows[rows["country"] == "WLD"].set_index("year")["value"].sort_index()


def backcast(store: object, start: int = START, end: int = END) -> pd.DataFrame:
    """Year by year: observed USGS world mine output, model value, error (%)."""
    driver = magnet_driver(store)
    mine = world_mine(store)
    usable = [y for y in driver.index if start <= y <= end and y in mine.index]
    records = []
    anchor = min(usable) if usable else None
    for year in range(start, end + 1):
        observed = float(mine.get(year, np.nan))
        if anchor is None or year not in usable:
            records.append(
                {
                    "year": year,
                    "observed_mine_t_reo": observed,
                    "model_mine_t_reo": np.nan,
                    "error_pct": np.nan,
                    "magnet_driver_t": float(driver.get(year, np.nan)),
                    "status": "no driver data" if year not in driver.index else "no observed value",
                }
            )
            continue
        model = float(mine[anchor] * driver[year] / driver[anchor])
        records.append(
            {
                "year": year,
                "observed_mine_t_reo": observed,
                "model_mine_t_reo": round(model, 0),
                "error_pct": round(100 * (model - observed) / observed, 1),
                "magnet_driver_t": float(driver[year]),
                "status": "anchor (error 0 by construction)" if year == anchor else "back-cast",
            }
        )
    frame = pd.DataFrame.from_records(records)
    tested = frame[frame["status"] == "back-cast"]
    frame.attrs["mape_pct"] = float(tested["error_pct"].abs().mean()) if len(tested) else None
    frame.attrs["sources"] = "mine_production (USGS); market_sizes (China NdFeB output)"
    return frame

"""The headline diagnosis: per stage, China's latest share and the HHI behind it.

Chosen once here so the CLI, the demo and the report all quote the same rows.
"""

from __future__ import annotations

import pandas as pd

from derisk.data.schema import STAGES
from derisk.diagnose.concentration import concentration

FIELDS = ["stage", "group", "year", "china_share", "hhi", "top3_share", "sources", "coverage"]


def stage_summary(store: object, include_user: bool = True) -> pd.DataFrame:
    """For each stage, the latest year with a China share: all REE first, else magnet REEs.

    Stages with no share in the data are listed with coverage 'no data' so the gap shows.
    """
    conc = concentration(store, include_user=include_user)
    conc = conc[conc["china_share"].notna()]
    records = []
    for stage in STAGES:
        rows = conc[conc["stage"] == stage]
        chosen = None
        for group in ("REE", "magnet"):
            candidates = rows[rows["group"] == group]
            if len(candidates):
                chosen = candidates.sort_values("year").iloc[-1]
                break
        if chosen is None:
            records.append(
                {
                    "stage": stage,
                    "group": None,
                    "year": None,
                    "china_share": None,
                    "hhi": None,
                    "top3_share": None,
                    "sources": "",
                    "coverage": "no data",
                }
            )
            continue
        scope = "all rare earths" if chosen["group"] == "REE" else "magnet rare earths only"
        records.append(
            {
                "stage": stage,
                "group": chosen["group"],
                "year": int(chosen["year"]),
                "china_share": chosen["china_share"],
                "hhi": chosen["hhi"],
                "top3_share": chosen["top3_share"],
                "sources": chosen["sources"],
                "coverage": scope,
            }
        )
    return pd.DataFrame.from_records(records, columns=FIELDS)

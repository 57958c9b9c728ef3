"""Rank (group, stage) pairs by how tightly China holds them.

The score is the plain mean of three 0-1 quantities that users can check by
hand: China's world share, the HHI / 10,000 and the bloc's lower-bound
dependency. No weights are tuned; ties go to the higher China share, then the
upstream stage, then the group name.
"""

from __future__ import annotations

import pandas as pd

from derisk.data.schema import STAGES
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.errors import InputError

FIELDS = [
    "rank",
    "group",
    "stage",
    "year",
    "china_share",
    "hhi",
    "dependency_low",
    "dependency_high",
    "score",
    "evidence",
    "sources",
]


def chokepoints(
    store: object,
    bloc: str = "US",
    year: int | None = None,
    top: int | None = None,
    include_user: bool = True,
) -> pd.DataFrame:
    """Ranked chokepoints for a bloc, each with the figures and rows behind it."""
    conc = concentration(store, include_user=include_user)
    conc = conc[conc["china_share"].notna()]
    if year is not None:
        conc = conc[conc["year"] <= year]
    latest = conc.sort_values("year").groupby(["stage", "group"]).tail(1)
    if latest.empty:
        first = int(concentration(store, include_user=include_user)["year"].min())
        raise InputError(
            "no China share on record by that year",
            column="year",
            expected=f"a year from {first}",
            found=str(year),
        )
    groups = sorted(latest["group"].unique())
    deps = pd.concat(
        [dependency(store, bloc, group=g, year=year, include_user=include_user) for g in groups],
        ignore_index=True,
    )
    records = []
    for row in latest.itertuples(index=False):
        dep = deps[(deps["stage"] == row.stage) & (deps["group"] == row.group)]
        low = float(dep["dependency_low"].iloc[0]) if len(dep) else float("nan")
        high = float(dep["dependency_high"].iloc[0]) if len(dep) else float("nan")
        parts = [row.china_share / 100, row.hhi / 10_000, low / 100]
        score = sum(parts) / len(parts)
        evidence = (
            f"{row.stage} {row.group} {row.year}: China {row.china_share:.1f}%, "
            f"HHI {row.hhi:,.0f}, top producer {row.top1_country}; "
            f"{bloc} depends {low:.0f}-{high:.0f}%"
            + (f" ({dep['direct_basis'].iloc[0]})" if len(dep) else "")
        )
        dep_sources = dep["sources"].iloc[0] if len(dep) else ""
        sources = sorted(set(filter(None, f"{row.sources};{dep_sources}".split(";"))))
        records.append(
            {
                "group": row.group,
                "stage": row.stage,
                "year": int(row.year),
                "china_share": row.china_share,
                "hhi": row.hhi,
                "dependency_low": low,
                "dependency_high": high,
                "score": round(score, 3),
                "evidence": evidence,
                "sources": ";".join(sources),
            }
        )
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=FIELDS)
    frame["_stage"] = frame["stage"].map({s: i for i, s in enumerate(STAGES)})
    frame = frame.sort_values(
        ["score", "china_share", "_stage", "group"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    frame = frame.drop(columns="_stage").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    if top is not None:
        frame = frame.head(top)
    return frame[FIELDS]

"""The headline diagnosis: per stage and scope, China's newest dated share.

Chosen once here so the CLI, the demo, the report and the web all quote the same rows.
For each stage and scope (all rare earths, magnet rare earths, heavy rare earths) the
headline is the newest *dated* figure, with its year and its date of record ("as of").
An undated figure is never taken as the newest: it is shown only where nothing dated
exists, and labelled undated. A stage or required scope with no share says precisely
what is missing.
"""

from __future__ import annotations

import pandas as pd

from derisk.data.schema import STAGES
from derisk.diagnose.concentration import REQUIRED_SCOPES, concentration
from derisk.vocabulary import GROUP_TERMS, HEADLINE_GROUPS

FIELDS = [
    "stage", "group", "year", "china_share", "hhi", "top3_share", "as_of", "basis",
    "low_reliability", "sources", "coverage", "missing",
]  # fmt: skip
#: The scopes a headline reports, in order, with the words a reader sees: the headline
#: groups, then each scope a stage must show even without data (heavy REE at separation).
_DOCS = {g.code: g.doc for g in GROUP_TERMS if g.code}
SCOPES = {g: _DOCS[g] for g in (*HEADLINE_GROUPS, *(g for _, g in REQUIRED_SCOPES))}


def stage_summary(store: object, include_user: bool = True) -> pd.DataFrame:
    """One row per stage x scope: the newest dated China share, or what is missing."""
    conc = concentration(store, include_user=include_user, gaps=True)
    records = []
    for stage in STAGES:
        rows = conc[conc["stage"] == stage]
        measured = rows[rows["china_share"].notna()]
        for group, words in SCOPES.items():
            found = measured[measured["group"] == group]
            if len(found):
                records.append(_headline(found.sort_values("year").iloc[-1], words))
        for gap in rows[rows["missing"].notna()].itertuples():
            records.append(_gap(gap, SCOPES.get(str(gap.group), "any scope")))
    frame = pd.DataFrame.from_records(records, columns=FIELDS)
    # Years stay Python ints (None where missing) so interfaces print 2025, not 2025.0.
    frame["year"] = pd.Series([r["year"] for r in records], dtype=object, index=frame.index)
    return frame


def _headline(row: pd.Series, words: str) -> dict:
    return {
        "stage": row["stage"],
        "group": row["group"],
        "year": int(row["year"]),
        "china_share": row["china_share"],
        "hhi": row["hhi"],
        "top3_share": row["top3_share"],
        "as_of": row["as_of"],
        "basis": row["basis"],
        "low_reliability": bool(row["low_reliability"]),
        "sources": row["sources"],
        "coverage": words + (" (low reliability)" if row["low_reliability"] else ""),
        "missing": None,
    }


def _gap(gap: object, words: str) -> dict:
    return {
        **dict.fromkeys(FIELDS),
        "stage": gap.stage,  # type: ignore[attr-defined]
        "group": None if pd.isna(gap.group) else gap.group,  # type: ignore[attr-defined]
        "sources": gap.sources,  # type: ignore[attr-defined]
        "coverage": (
            f"no dated figure ({words}; undated figures in 'missing')"
            if "undated figures only" in str(gap.missing)  # type: ignore[attr-defined]
            else f"no data ({words})"
        ),
        "missing": gap.missing,  # type: ignore[attr-defined]
    }

"""DataFrames as JSON-safe records: the one conversion every interface hands out.

`derisk ... --format json` prints these records and the REST API returns them, so a
figure reads the same whichever interface a user asks.
"""

from __future__ import annotations

import math

import pandas as pd


def plain(value: object) -> object:
    """JSON-safe scalars: NaN becomes null, numpy types become Python types."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return plain(value.item())  # type: ignore[union-attr]
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """One dict per row, column order kept, every value JSON-safe."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]

"""A read-through table cache over a store, for code that asks for the same tables often.

The forecast's inputs and the reviewer's fact base both read a dozen tables, and the
helpers they call (dates of record, reliability marks) read `sources` again each time:
each table is read from DuckDB once per cache.
"""

from __future__ import annotations

import pandas as pd


class TableCache:
    """Wraps a store; ``table(name)`` reads each table once (curated and user rows)."""

    def __init__(self, store: object) -> None:
        self._store = store
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._store.table(name)  # type: ignore[attr-defined]
        return self._tables[name]

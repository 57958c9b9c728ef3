"""CoverageFacts: the store-derived reason for every topic, built and cached per store.

For each omitted topic, :class:`CoverageFacts` says why it matters with figures read
from the store at run time (nothing is typed in): which rows it reads is documented on
each ``_why_*`` method (:mod:`derisk.review.checking.coverage_why_supply`,
:mod:`derisk.review.checking.coverage_why_market`; the Evidence rules are in
:mod:`derisk.review.checking.coverage_rows`).

Facts are built once per store (``CoverageFacts.for_store`` caches them; the cache is
invalidated when the store file changes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from derisk.review.checking.coverage_rows import Why
from derisk.review.checking.coverage_why_market import MarketWhys
from derisk.review.checking.coverage_why_supply import SupplyWhys
from derisk.review.checking.evidence import SourceIndex
from derisk.review.checking.topics import TOPIC_KEYS


class CoverageFacts(SupplyWhys, MarketWhys):
    """The dataset facts behind each topic's ``why``, computed once per store."""

    _cache: dict[object, CoverageFacts] = {}

    def __init__(self, store: object) -> None:
        self._store = store
        self._sources = SourceIndex(store)
        self._tables: dict[str, pd.DataFrame] = {}
        builders: dict[str, Callable[[], Why]] = {
            "allied_capacity": self._why_allied_capacity,
            "midstream": self._why_midstream,
            "heavy_vs_light": self._why_heavy_vs_light,
            "recycling": self._why_recycling,
            "substitution": self._why_substitution,
            "stockpiles": self._why_stockpiles,
            "financing": self._why_financing,
            "permitting_esg": self._why_permitting_esg,
            "timelines": self._why_timelines,
            "china_policy": self._why_china_policy,
            "demand": self._why_demand,
            "prices": self._why_prices,
        }
        self._why: dict[str, Why] = {key: builders[key]() for key in TOPIC_KEYS}
        self._tables.clear()

    @classmethod
    def for_store(cls, store: object) -> CoverageFacts:
        """Cached facts for ``store``; rebuilt when the store's file has changed."""
        key = _cache_key(store)
        facts = cls._cache.get(key)
        if facts is None:
            facts = cls(store)
            if len(cls._cache) >= 8:
                cls._cache.clear()
            cls._cache[key] = facts
        return facts

    def why(self, topic_key: str) -> Why:
        """(sentence, evidence) for a topic key; raises KeyError for an unknown key."""
        return self._why[topic_key]


def _cache_key(store: object) -> object:
    path = getattr(store, "path", None)
    if path is None:
        return ("object", id(store))
    path = Path(path)
    stamp = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append(None)
    return (str(path.resolve()), tuple(stamp))

"""Answers of the read-only JSON endpoints, kept per store version.

The store is read-mostly: the web app never writes it, and the CLI's imports and
rebuilds are rare. A diagnosis takes 0.3-1.5 s of pandas work, far too long to repeat
for every dashboard request, so each answer is kept as the JSON bytes sent, keyed by the
route and its parameters. The key also holds the store's version, the size and
modification time of the DuckDB file and its write-ahead log: any write (an import, a
removed import, a rebuild) changes them, and the next request drops every kept answer
and computes afresh. A stat call per request is all a hit costs.

Concurrent misses of one key compute once (the others wait for it), so a burst of
identical requests on a cold cache costs one computation, not fifty.

:func:`cached_store` does the same one level down, for the store's query results: each
read otherwise opens a DuckDB connection, which costs more than the query.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd

#: Bytes of JSON kept in all (oldest used dropped first) and at most this many answers.
MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 512

Version = tuple[int, ...]


def store_version(path: Path) -> Version:
    """Size and mtime (ns) of the store file and its WAL; () when the file is missing."""
    out: list[int] = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            st = os.stat(candidate)
        except OSError:
            out += [-1, -1]
            continue
        out += [st.st_size, st.st_mtime_ns]
    return tuple(out)


class ResponseCache:
    """JSON bodies by key, valid for one store version."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._version: Version | None = None
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def version(self) -> Version:
        return store_version(self.path)

    def get(self, version: Version, key: Hashable) -> bytes | None:
        with self._lock:
            if version != self._version:
                self._reset(version)
                return None
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return body

    def fill(self, version: Version, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The body for ``key``: kept, or computed once however many threads ask at once."""
        with self._lock:
            key_lock = self._key_locks.setdefault((version, key), threading.Lock())
        with key_lock:
            body = self.get(version, key)
            if body is None:
                body = compute()
                self._put(version, key, body)
            with self._lock:
                self._key_locks.pop((version, key), None)
            return body

    def clear(self) -> None:
        with self._lock:
            self._reset(None)

    def _reset(self, version: Version | None) -> None:
        self._version = version
        self._entries.clear()
        self._size = 0

    def _put(self, version: Version, key: Hashable, body: bytes) -> None:
        with self._lock:
            self.misses += 1
            if version != self._version or len(body) > self.max_bytes // 4:
                return  # the store changed meanwhile, or one answer would crowd out the rest
            old = self._entries.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._entries[key] = body
            self._size += len(body)
            while self._size > self.max_bytes or len(self._entries) > self.max_entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)


#: Query results kept per store version by :class:`CachedStore`.
MAX_QUERIES = 256


def cached_store(store: Any) -> Any:
    """The same store, with its reads answered from memory while the file is unchanged."""
    from derisk.data.store import Store

    class CachedStore(type(store)):  # type: ignore[misc, valid-type]
        """A Store whose read queries are kept per store version.

        Every read of the domain layer goes through ``Store.sql`` (``table``, ``sources``
        and the diagnoses call it), and each opens a DuckDB connection (~20 ms) before a
        query of a few milliseconds. The results of this read-mostly store are kept as
        DataFrames keyed by query and parameters, and handed out as copies, so a caller
        that changes its frame changes nothing here. Writes go to the file as before; they
        change its version and the next read starts afresh.
        """

        def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
            version = store_version(self.path)
            key = (query, tuple(params or ()))
            with self._query_lock:
                if version != self._query_version:
                    self._queries.clear()
                    self._query_version = version
                frame = self._queries.get(key)
                if frame is not None:
                    self._queries.move_to_end(key)
            if frame is None:
                frame = super().sql(query, params)
                with self._query_lock:
                    if version == self._query_version:
                        self._queries[key] = frame
                        while len(self._queries) > MAX_QUERIES:
                            self._queries.popitem(last=False)
            return frame.copy()

        def meta(self) -> dict[str, str]:
            frame = self.sql("SELECT key, value FROM _meta")
            return dict(zip(frame["key"], frame["value"], strict=True))

    assert isinstance(store, Store)
    cached = CachedStore.__new__(CachedStore)
    cached.__dict__.update(store.__dict__)
    cached._query_lock = threading.Lock()
    cached._queries = OrderedDict()
    cached._query_version = None
    cached._derived = OrderedDict()
    cached._derived_version = None
    return cached


#: Domain results kept per store version by :func:`derived`.
MAX_DERIVED = 64


def derived(store: Any, fn: Callable[..., pd.DataFrame], *args: Hashable,
            **kwargs: Hashable) -> pd.DataFrame:  # fmt: skip
    """``fn(store, *args, **kwargs)``, computed once per store version on a cached store.

    A dashboard page and its charts ask for the same diagnosis several times (the
    element page reads the concentration table five times); its SQL is cached, the
    pandas work on it was not. The frame is handed out as a copy (attrs included), as
    :class:`CachedStore` hands out query results. Any other store computes every time.
    """
    memo = getattr(store, "_derived", None)
    if memo is None:
        return fn(store, *args, **kwargs)
    key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
    version = store_version(store.path)
    with store._query_lock:
        if version != store._derived_version:
            memo.clear()
            store._derived_version = version
        frame = memo.get(key)
    if frame is None:
        frame = fn(store, *args, **kwargs)
        with store._query_lock:
            if version == store._derived_version:
                memo[key] = frame
                while len(memo) > MAX_DERIVED:
                    memo.popitem(last=False)
    return frame.copy()

"""Evidence: the stored row behind a verdict, a missing topic or a rating.

Every conclusion the reviewer prints points at rows a reader can open: the table, a key
that finds the row, the value as stored, its source id and the source's URL. Nothing in
the review is asserted without one of these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Evidence:
    table: str
    key: str  # how to find the row, e.g. "stage=separation, country=CHN, year=2023"
    value: str  # the figure or fact as stored, with its unit
    source_id: str
    url: str | None = None
    note: str | None = None  # why this row was chosen, or a caveat (basis, vintage)

    def to_dict(self) -> dict:
        return asdict(self)


class SourceIndex:
    """source_id -> URL and title, read once per store."""

    def __init__(self, store: object) -> None:
        rows = store.table("sources")  # type: ignore[attr-defined]
        self._urls = {
            str(r.source_id): (None if pd.isna(r.url) else str(r.url)) for r in rows.itertuples()
        }
        self._titles = {str(r.source_id): str(r.title) for r in rows.itertuples()}

    def url(self, source_id: str) -> str | None:
        """The first cited source's URL; rows may cite several ids joined by ';'."""
        for part in str(source_id).replace(",", ";").split(";"):
            url = self._urls.get(part.strip())
            if url:
                return url
        return None

    def title(self, source_id: str) -> str | None:
        return self._titles.get(str(source_id).split(";")[0].strip())

    def evidence(
        self, table: str, key: str, value: str, source_id: str, note: str | None = None
    ) -> Evidence:
        return Evidence(table, key, value, str(source_id), self.url(source_id), note)

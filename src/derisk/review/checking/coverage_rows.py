"""Reading store rows for the coverage reasons: formatting, keys and Evidence.

Every figure in a ``why`` sentence appears verbatim in the
``value`` of one of its :class:`~derisk.review.checking.evidence.Evidence` items. Where a figure
is computed here (a count, a sum, a median) the Evidence is an *aggregate*: its key
states the filter, its value the result, its ``source_id`` lists the ids of every row
that entered it (joined by ``;``), and its note says that derisk computed it. When the
store has no row for a topic, ``why`` says so (:data:`NO_FIGURE`) and the evidence is
empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from derisk.data.schema import spec
from derisk.review.checking.evidence import Evidence, SourceIndex
from derisk.review.checking.topics import TOPICS

#: The wording used when the store holds no row for a topic.
NO_FIGURE = "the dataset has no figure for it"
#: Note carried by every aggregate Evidence (a figure derisk computed from several rows).
AGGREGATE_NOTE = (
    "computed by derisk review from the rows listed in source_id; not printed by any one source"
)
#: Example rows quoted alongside an aggregate.
MAX_EXAMPLES = 2


# --------------------------------------------------------------------------- helpers
def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _text(value: object) -> str:
    return str(value).strip() if _present(value) else ""


def _int(value: object) -> int | None:
    if not _present(value):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _number(value: float) -> str:
    """A number as stored: no trailing '.0', thousands separators for large sums."""
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:,}" if abs(value) >= 10_000 else f"{value:g}"


def _figure(row: object) -> str:
    """``value_text`` (as printed) with its unit; falls back to ``value``."""
    text = _text(getattr(row, "value_text", None))
    if not text or text == "NA":
        value = getattr(row, "value", None)
        text = _number(float(value)) if _present(value) else text  # type: ignore[arg-type]
    unit = _text(getattr(row, "unit", None))
    return f"{text} {unit}".strip() if unit and unit != "text" else text


def _pct(row: object) -> str:
    """The figure for the why sentence: '87 %' for a percent row, else value and unit."""
    if _text(getattr(row, "unit", None)) == "percent":
        return f"{_text(row.value_text)} %"  # type: ignore[attr-defined]
    return _figure(row)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _key(table: str, row: object) -> str:
    parts = []
    for column in spec(table).key:
        value = getattr(row, column, None)
        if _present(value):
            parts.append(f"{column}={value}")
    return ", ".join(parts)


def _join_ids(ids: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for cell in ids:
        for part in str(cell).split(";"):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return ";".join(seen)


def _sentence_with(pattern: re.Pattern, text: str) -> str:
    """The clause of ``text`` (split at ';' and sentence ends) that matches ``pattern``."""
    for clause in re.split(r";\s*|(?<=\.)\s+", text):
        if pattern.search(clause):
            return clause.strip().rstrip(".")
    return text.strip().rstrip(".")


def _no_figure(topic_key: str, searched: str) -> tuple[str, tuple[Evidence, ...]]:
    label = next(t.label for t in TOPICS if t.key == topic_key)
    return (f"{label} matters to any de-risking case, but {NO_FIGURE} ({searched}).", ())


Why = tuple[str, tuple[Evidence, ...]]


class FactsBase:
    """Plumbing shared by the coverage reasons: cached tables and Evidence builders."""

    _store: object
    _sources: SourceIndex
    _tables: dict[str, pd.DataFrame]

    # -- plumbing -------------------------------------------------------------
    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._store.table(name)  # type: ignore[attr-defined]
        return self._tables[name]

    def _row_evidence(
        self, table: str, row: object, value: str, note: str | None = None
    ) -> Evidence:
        if note is None and bool(getattr(row, "estimate", False) is True):
            note = "flagged as an estimate in the dataset"
        return self._sources.evidence(table, _key(table, row), value, str(row.source_id), note)  # type: ignore[attr-defined]

    def _aggregate(self, table: str, key: str, value: str, source_ids: Iterable[str]) -> Evidence:
        return self._sources.evidence(table, key, value, _join_ids(source_ids), AGGREGATE_NOTE)

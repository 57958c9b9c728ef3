"""Reading the vocabulary's data files: each once per process, strict about duplicates.

The terms live in JSON files next to this module (shipped as package data) so that a
new alias or currency is a one-line data change that every layer sees at once. A
duplicate key in a file would silently keep only the last entry under `json.loads`, so
the loader refuses it instead.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: Every data file of the vocabulary, in the order ARCHITECTURE.md lists them.
DATA_FILES = (
    "stages.json",
    "groups.json",
    "bases.json",
    "verdicts.json",
    "months.json",
    "currencies.json",
    "regions.json",
    "blocs.json",
    "countries.json",
    "agencies.json",
    "companies.json",
    "facility_sites.json",
    "lexicon.json",
)


class VocabularyError(ValueError):
    """A vocabulary data file is malformed: a packaging or editing mistake, not user input."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise VocabularyError(f"duplicate key {key!r}")
        out[key] = value
    return out


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed file ``name`` (one of `DATA_FILES`); callers must not modify it."""
    if name not in DATA_FILES:
        raise VocabularyError(f"{name} is not a vocabulary file")
    text = (HERE / name).read_text(encoding="utf-8")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except (VocabularyError, json.JSONDecodeError) as err:
        raise VocabularyError(f"{name}: {err}") from None


def records(name: str, key: str) -> list[dict[str, Any]]:
    """The list ``key`` of file ``name``, each record checked to be a JSON object."""
    items = load(name)[key]
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise VocabularyError(f"{name}: {key!r} must be a list of objects")
    return items


def unique(name: str, kind: str, terms: list[str]) -> tuple[str, ...]:
    """``terms`` as a tuple, refusing a term defined twice in the same file."""
    seen: set[str] = set()
    for term in terms:
        if term in seen:
            raise VocabularyError(f"{name}: {kind} {term!r} is defined twice")
        seen.add(term)
    return tuple(terms)


def aliases(name: str, key: str) -> dict[str, tuple[str, ...]]:
    """A name -> aliases table of file ``name``, lists turned into tuples."""
    table = load(name)[key]
    return {canonical: tuple(values) for canonical, values in table.items()}

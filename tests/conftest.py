"""Shared fixtures: one store built per session, copied for each test that writes to it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from derisk.data.schema import TABLES
from derisk.data.store import Store
from derisk.report.briefing import Briefing, Prognosis, gather, prognosis, write_briefing


def write_csv(path: Path, header: Sequence[object], rows: Iterable[Sequence[object]]) -> Path:
    """Write a UTF-8 CSV with one header row; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def dump_store(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table (all origins) plus the bookkeeping tables, in a stable order."""
    names = [t.name for t in TABLES] + ["_imports", "_meta"]
    with store.connect(read_only=True) as con:
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}


def assert_same_content(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> None:
    assert before.keys() == after.keys()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"tables changed: {changed}"


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("built-store") / "derisk.duckdb"
    Store(path).build()
    return path


@pytest.fixture(scope="session")
def built_store_dump(built_store_path: Path) -> dict[str, list[tuple]]:
    """The content of a freshly built store (what every ``fresh_store`` starts with)."""
    return dump_store(Store(built_store_path))


@pytest.fixture(scope="session")
def session_store(built_store_path: Path) -> Store:
    """The session's store, for tests that only read."""
    return Store(built_store_path)


@pytest.fixture(scope="session")
def lexicon(session_store: Store):  # noqa: ANN201 - derisk.review.extraction.lexicon.Lexicon
    """The reviewer's lexicon of the session's store (read-only, built once)."""
    from derisk.review.extraction.lexicon import build_lexicon

    return build_lexicon(session_store)


@pytest.fixture(scope="session")
def facts(session_store: Store):  # noqa: ANN201 - derisk.review.checking.facts.FactBase
    """The reviewer's fact base of the session's store (read-only, built once)."""
    from derisk.review.checking.facts import FactBase

    return FactBase(session_store)


@pytest.fixture
def fresh_store(built_store_path: Path, tmp_path: Path) -> Store:
    """A private copy of the built store that a test may write to."""
    target = tmp_path / "store" / built_store_path.name
    target.parent.mkdir()
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return Store(target)


@pytest.fixture(scope="session")
def inputs(session_store: Store):  # noqa: ANN201 - derisk.forecast.inputs.ModelInputs
    """The forecast model's inputs from the session store, IEA STEPS, 2025-2050 (read-only)."""
    from derisk.forecast.inputs import load_inputs

    return load_inputs(session_store, "IEA STEPS", 2025, 2050)


# -- one small briefing for every briefing test (tests/report): forecasts are slow, so they
# run once. Three runs cover what the findings do: two blocs (the dependency and CRMA
# findings are per bloc) and, for the EU27, two scenarios (findings merge scenarios with
# one outcome). Here, not in tests/report/conftest.py: a second conftest module shadows
# `from conftest import ...` for every test collected after it.
#: Few draws: the tests check that figures are quoted faithfully, not that they are stable.
BRIEFING_DRAWS = 10
BRIEFING_SEED = 1
BRIEFING_BLOCS = ("US", "EU27")
BRIEFING_RUNS = (("baseline", "US"), ("baseline", "EU27"), ("export-controls-2025", "EU27"))


@pytest.fixture(scope="session")
def briefing_runs(session_store: Store) -> list[Prognosis]:
    return [
        prognosis(session_store, s, b, draws=BRIEFING_DRAWS, seed=BRIEFING_SEED)
        for s, b in BRIEFING_RUNS
    ]


@pytest.fixture(scope="session")
def brief(session_store: Store, briefing_runs: list[Prognosis]) -> Briefing:
    return gather(session_store, blocs=BRIEFING_BLOCS, prognoses=briefing_runs)


@pytest.fixture(scope="session")
def brief_files(
    session_store: Store, brief: Briefing, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """(briefing.html, briefing.md) written from ``brief``."""
    return write_briefing(session_store, tmp_path_factory.mktemp("briefing"), briefing=brief)

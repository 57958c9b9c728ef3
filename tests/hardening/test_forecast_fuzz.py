"""Fuzzing the scenario loader: whatever a user types after --set or writes in a scenario
file, `load_scenario` returns a valid Scenario or raises an InputError that names where
the problem is; it never raises anything else (no KeyError, TypeError, RecursionError).

Settings: 200 examples per property, no deadline (the first call warms pydantic up);
the whole module runs in a few seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derisk.errors import InputError
from derisk.forecast.scenario import Scenario, load_scenario, presets

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _schema_words(model: Any = Scenario, seen: set[str] | None = None) -> set[str]:
    """Every field name in the scenario schema, so paths often hit real levers."""
    seen = set() if seen is None else seen
    for name, field in getattr(model, "model_fields", {}).items():
        seen.add(name)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if hasattr(inner, "model_fields") and inner.__name__ not in seen:
                    seen.add(inner.__name__)
                    _schema_words(inner, seen)
    return {w for w in seen if w[:1].islower()}


FIELD_WORDS = sorted(_schema_words())
DICT_KEYS = ["ev", "wind", "other", "US", "EU27", "JP", "Nd", "Dy", "planned", "0", "1"]
KEYS = st.one_of(
    st.sampled_from(FIELD_WORDS),
    st.sampled_from(DICT_KEYS),
    st.text(max_size=6),
)
YAML_SNIPPETS = [
    "0.5", "-1", "1e400", "-.inf", ".nan", "2025", "2101", "true", "null", "~", "''",
    "abc", "[", "{", "]", "[1, 2]", "{a: 1}", "[[[]]]", "'unterminated", "!!binary aGk=",
    "!!python/object/apply:os.system [echo]", "&a [*a]", "*a", "2025-01-01", "0x1F",
    "{dist: uniform, low: 0.3, high: 0.1, source: s}", "{dist: fixed, value: 1, source: s}",
    "{dist: normal, mean: 1}", "{dist: lognormal, mean: -1, sd: 1, source: s}",
    "{dist: triangular, low: 0, mode: 2, high: 1, source: s}", "empirical", "baseline",
    "[{name: x, elements: [Dy], stages: [magnet], start: 2026, approval_rate: 2, source: s}]",
    "residual", "quota", "IEA NZE", "weibull", "metal",
]  # fmt: skip
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
VALUES = st.one_of(
    st.sampled_from(YAML_SNIPPETS),
    st.text(max_size=12),
    JSONISH.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),
)
SETS = st.one_of(
    st.builds(
        lambda keys, value: f"{'.'.join(keys)}={value}",
        st.lists(KEYS, min_size=1, max_size=5),
        VALUES,
    ),
    st.text(max_size=20),  # anything at all, with or without '='
)


@FUZZ
@given(st.sampled_from(presets()), st.lists(SETS, max_size=3))
def test_random_sets_give_a_scenario_or_an_input_error(preset: str, sets: list[str]) -> None:
    try:
        scenario = load_scenario(preset, sets)
    except InputError as err:
        assert str(err) and err.column, str(err)
    else:
        assert isinstance(scenario, Scenario)
        assert 2010 <= scenario.start_year < scenario.end_year <= 2100


# Nested mappings shaped like a scenario: real field names at every level, random leaves.
NESTED = st.recursive(
    JSONISH,
    lambda inner: st.dictionaries(KEYS, inner, min_size=1, max_size=4),
    max_leaves=20,
)
DOCUMENTS = st.dictionaries(KEYS, NESTED, min_size=1, max_size=6)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenario-fuzz")


@FUZZ
@given(DOCUMENTS, st.sampled_from([None, "baseline", "full-ban"]))
def test_random_scenario_files_fail_with_a_dotted_path(
    folder: Path, document: dict[str, Any], extends: str | None
) -> None:
    """Random nested mappings through the loader: an InputError that names the field."""
    if extends is not None:
        document = {**document, "extends": extends}
    with tempfile.NamedTemporaryFile(
        "w", suffix=".yaml", dir=folder, delete=False, encoding="utf-8"
    ) as handle:
        yaml.safe_dump(document, handle)
    path = Path(handle.name)
    try:
        load_scenario(str(path))
    except InputError as err:
        assert err.column, str(err)  # where: a dotted field path, "extends" or "(scenario)"
        if err.column not in ("(scenario)", "extends", "--scenario"):
            heads = {str(k) for k in document} | set(Scenario.model_fields)  # keys may hold dots
            assert any(err.column == h or err.column.startswith(f"{h}.") for h in heads), str(err)
        assert str(path) in str(err) or "baseline.yaml" in str(err) or err.column == "extends"
    else:
        pass  # a random document that happens to be a valid scenario is fine
    finally:
        path.unlink()


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_as_a_scenario_file(folder: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".yaml", dir=folder, delete=False) as handle:
        handle.write(data)
    path = Path(handle.name)
    try:
        load_scenario(str(path))
    except InputError as err:
        assert str(err)
    finally:
        path.unlink()

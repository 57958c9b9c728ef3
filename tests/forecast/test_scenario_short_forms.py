"""Short forms in scenario files equal `--set`; bad files name the file, the path and what fits.

A plain number where a distribution is expected is that number, fixed (scenario.short_form,
the one home of the rule, docs/SCENARIOS.md "Short forms").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from derisk.errors import InputError
from derisk.forecast.scenario import (
    DIST_EXPECTED,
    END_USES,
    FACILITY_STATUSES,
    SET_SOURCE,
    Dist,
    Scenario,
    load_scenario,
)


def _nested(path: str, value: object) -> dict[str, Any]:
    out: Any = value
    for key in reversed(path.split(".")):
        out = {key: out}
    return out


def _file(tmp_path: Path, body: dict[str, Any], base: str = "baseline", name: str = "mine") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": base, "extends": base, **body}), encoding="utf-8")
    return path


def _at(scenario: Scenario, path: str) -> Any:
    value: Any = scenario
    for key in path.split("."):
        value = value[key] if isinstance(value, dict) else getattr(value, key)
    return value


def _without(scenario: Scenario, path: str) -> dict[str, Any]:
    """The scenario as data, minus `extends` and the source of the Dist at ``path``."""
    data = scenario.model_dump()
    data.pop("extends")
    node = data
    for key in path.split(".")[:-1]:
        node = node[key]
    node[path.split(".")[-1]].pop("source")
    return data


@pytest.mark.parametrize(
    ("base", "path", "value"),
    [
        ("baseline", "recycling.collection_rate", 0.6),
        ("baseline", "recycling.recovery_yield", 1),  # an int is a number too
        ("baseline", "demand.multiplier.ev", 1.25),
        ("baseline", "demand.bloc_share.US", 0.2),
        ("baseline", "demand.china_share", 0.6),
        ("baseline", "demand.other_rees_growth", 0.02),
        ("baseline", "intensity.dy_tb_annual_reduction", 0.05),
        ("baseline", "china.capacity_growth", -0.01),
        ("baseline", "recycling.lifetimes.wind", 25),
        ("baseline", "pipeline.delay_years", 2),  # 'empirical' or a distribution
        ("iea-like", "pipeline.mine_lead_years", 4),  # null in iea-like: no value to edit
    ],
)
def test_a_plain_number_in_a_file_equals_the_same_set(
    tmp_path: Path, base: str, path: str, value: float
) -> None:
    from_file = load_scenario(str(_file(tmp_path, _nested(path, value), base)))
    from_set = load_scenario(base, [f"{path}={value}"])
    dist = _at(from_file, path)
    assert (dist.dist, dist.value, dist.low, dist.high) == ("fixed", float(value), None, None)
    assert _without(from_file, path) == _without(from_set, path)
    assert dist.source == "mine.yaml: a plain number, no source given"
    assert _at(from_set, path).source == SET_SOURCE
    assert _at(load_scenario(base), path) != dist  # the number changed something


def test_the_source_of_a_short_form_names_the_file_that_has_it(tmp_path: Path) -> None:
    base = _file(tmp_path, _nested("recycling.collection_rate", 0.3), name="policy")
    top = tmp_path / "top.yaml"
    top.write_text(f"name: top\nextends: {base.name}\nrecycling:\n  recovery_yield: 0.9\n")
    scenario = load_scenario(str(top))
    assert scenario.recycling.collection_rate.source.startswith("policy.yaml: ")
    assert scenario.recycling.recovery_yield.source.startswith("top.yaml: ")


def test_a_distribution_with_dist_replaces_the_inherited_one_and_one_without_edits_it(
    tmp_path: Path,
) -> None:
    whole = {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.3, "source": "x"}
    replaced = load_scenario(str(_file(tmp_path, {"recycling": {"collection_rate": whole}})))
    assert replaced.recycling.collection_rate == Dist(**whole)
    edited = load_scenario(
        str(_file(tmp_path, {"recycling": {"collection_rate": {"high": 0.2}}}, name="edit"))
    )
    inherited = load_scenario("baseline").recycling.collection_rate
    assert edited.recycling.collection_rate == inherited.model_copy(update={"high": 0.2})


def test_true_is_not_a_number_here(tmp_path: Path) -> None:
    path = _file(tmp_path, {"recycling": {"collection_rate": True}})
    with pytest.raises(InputError) as err:
        load_scenario(str(path))
    assert err.value.column == "recycling.collection_rate"
    assert err.value.expected == DIST_EXPECTED


@pytest.mark.parametrize(
    ("body", "column", "expected", "words"),
    [
        (
            {"recycling": {"collection_rate": "sixty per cent"}},
            "recycling.collection_rate",
            DIST_EXPECTED,
            "not a distribution",
        ),
        (
            {"pipeline": {"delay_years": "soon"}},
            "pipeline.delay_years",
            f"'empirical', or {DIST_EXPECTED}",
            "not a distribution",
        ),
        (
            {"recycling": {"collection_rate": {"dist": "uniform", "low": 0, "high": 1}}},
            "recycling.collection_rate.source",
            "source id, or 'assumption: why'",
            "field required",
        ),
        ({"pipeline": {"ramp_up_years": "three"}}, "pipeline.ramp_up_years", "a whole number", ""),
        (
            {"recycling": {"colection_rate": 0.5}},
            "recycling.colection_rate",
            "one of collection_rate, recovery_yield",
            "extra inputs",
        ),
        ({"demand": {"multiplier": {"defence": 1.2}}}, "demand.multiplier", None, "'other'"),
        (
            {"pipeline": {"success_probability": {"planed": 0.5}}},
            "pipeline.success_probability",
            None,
            "unknown facility status 'planed'",
        ),
        ({"stockpile": {"tonnes": {"Dx": 5}}}, "stockpile.tonnes", None, "unknown element 'Dx'"),
        ({"recycling": {"lifetimes": {"tv": 5}}}, "recycling.lifetimes", None, "unknown end use"),
    ],
)
def test_a_bad_file_names_the_file_the_field_and_what_fits(
    tmp_path: Path, body: dict, column: str, expected: str | None, words: str
) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(InputError) as err:
        load_scenario(str(path))
    assert err.value.file == str(path)
    assert err.value.column == column
    if expected is not None:
        assert err.value.expected.startswith(expected)
    assert words.lower() in err.value.message.lower()
    assert str(path) in str(err.value) and column in str(err.value)


def test_the_key_lists_are_the_models_and_the_datas() -> None:
    """The refused keys are judged by the lists the model and the schema really use."""
    from derisk.data.schema import TABLES
    from derisk.forecast.inputs import MODEL_END_USES

    assert END_USES == MODEL_END_USES
    facilities = next(t for t in TABLES if t.name == "facilities")
    status = next(c for c in facilities.columns if c.name == "status")
    assert tuple(status.choices) == FACILITY_STATUSES

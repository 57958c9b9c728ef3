"""Scenario files: presets, `extends`, `--set`, and errors that name the bad field."""

from __future__ import annotations

from pathlib import Path

import pytest

from derisk.errors import InputError
from derisk.forecast.scenario import apply_set, load_scenario, presets

REQUIRED_PRESETS = {
    "baseline",
    "export-controls-2025",
    "export-controls-2025-10",
    "full-ban",
    "allied-surge",
    "recycling-push",
    "thrift-and-substitute",
}


def test_every_required_preset_is_shipped_and_valid() -> None:
    assert set(presets()) >= REQUIRED_PRESETS
    for name in presets():
        assert load_scenario(name).name == name


def test_every_sampled_parameter_names_a_source_or_says_assumption() -> None:
    for name in presets():
        scenario = load_scenario(name)
        dists = [
            scenario.intensity.dy_tb_annual_reduction,
            scenario.china.capacity_growth,
            scenario.recycling.collection_rate,
            scenario.recycling.recovery_yield,
            *scenario.demand.multiplier.values(),
            *scenario.demand.bloc_share.values(),
            *scenario.demand.substitution.values(),
            *scenario.recycling.lifetimes.values(),
        ]
        for dist in dists:
            assert dist.source.strip(), name
        for control in scenario.china.export_controls:
            assert control.source.strip()


def test_extends_merges_and_october_adds_five_elements() -> None:
    april = load_scenario("export-controls-2025").china.export_controls[0]
    october = load_scenario("export-controls-2025-10").china.export_controls[0]
    assert set(october.elements) - set(april.elements) == {"Eu", "Ho", "Er", "Tm", "Yb"}
    assert load_scenario("export-controls-2025").recycling == load_scenario("baseline").recycling


def test_set_fixes_an_uncertain_parameter_and_validates() -> None:
    scenario = load_scenario("export-controls-2025", ["recycling.collection_rate=0.5"])
    assert scenario.recycling.collection_rate.dist == "fixed"
    assert scenario.recycling.collection_rate.value == 0.5
    scenario = load_scenario(
        "baseline", ["demand.bloc_share.JP={dist: fixed, value: 0.1, source: my-estimate}"]
    )
    assert scenario.demand.bloc_share["JP"].value == 0.1


def test_user_file_extends_a_preset(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: baseline\npipeline:\n  on_time: true\n")
    scenario = load_scenario(str(path))
    assert scenario.pipeline.on_time and scenario.name == "mine"


@pytest.mark.parametrize(
    ("sets", "column", "message"),
    [
        (["recycling.collection_rate.dist=beta"], "recycling.collection_rate.dist", "Input"),
        (["start_year=2060"], "(scenario)", "start_year"),
        (
            ["pipeline.success_probability.planned=1.5"],
            "pipeline.success_probability.planned",
            "less than or equal",
        ),
        (
            ["recycling.collection_rate={dist: uniform, low: 0.6, high: 0.2, source: x}"],
            "recycling.collection_rate",
            "above high",
        ),
        (
            ["demand.multiplier.spaceships={dist: fixed, value: 1, source: x}"],
            "demand.multiplier",
            "unknown end use",
        ),
        (
            [
                "china.export_controls=[{name: x, elements: [Dy], stages: [refining], start: 2025, "
                "approval_rate: 0.5, source: x}]"
            ],
            "china.export_controls.0.stages.0",
            "Input",
        ),
        (["no_such_lever=1"], "no_such_lever", "Extra inputs"),
    ],
)
def test_bad_field_errors_give_the_path(sets: list[str], column: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        load_scenario("baseline", sets)
    assert err.value.column == column
    assert message.lower() in str(err.value).lower()
    assert "baseline.yaml" in str(err.value)


def test_unknown_preset_bad_yaml_and_extends_loop(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown scenario"):
        load_scenario("no-such-preset")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndemand: [unclosed\n")
    with pytest.raises(InputError) as err:
        load_scenario(str(bad))
    assert err.value.row is not None and "not valid YAML" in str(err.value)
    loop = tmp_path / "loop.yaml"
    loop.write_text(f"name: loop\nextends: {loop}\n")
    with pytest.raises(InputError, match="extends itself"):
        load_scenario(str(loop))
    with pytest.raises(InputError, match="path=value"):
        apply_set({}, "no-equals-sign")


def _cited_ids(source: str) -> list[str]:
    """Source ids a parameter cites: tokens before any 'assumption' wording."""
    import re

    head = source.split("assumption")[0]
    return [t for t in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*|[A-Z][A-Z_]{3,}",
                                  head) if not t.isdigit()]


def test_cited_sources_resolve_in_the_store(session_store) -> None:
    known = set(session_store.table("sources")["source_id"])
    for name in presets():
        scenario = load_scenario(name)
        texts = [d.source for d in (
            scenario.intensity.dy_tb_annual_reduction, scenario.china.capacity_growth,
            scenario.recycling.collection_rate, scenario.recycling.recovery_yield,
            *scenario.demand.multiplier.values(), *scenario.demand.bloc_share.values(),
            *scenario.demand.substitution.values(), *scenario.recycling.lifetimes.values())]
        texts += [c.source for c in scenario.china.export_controls]
        for text in texts:
            if text.startswith("assumption"):
                continue  # labelled as a judgement call; nothing to resolve
            cited = _cited_ids(text)
            assert cited, (name, text)
            unknown = [c for c in cited if c not in known]
            assert not unknown, (name, text, unknown)

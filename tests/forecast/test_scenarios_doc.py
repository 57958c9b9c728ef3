"""docs/SCENARIOS.md stays true to the scenario model: fields, defaults and examples.

The model (derisk.forecast.scenario) is walked here on its own, so a field added to it
without a row in the page, or a row left behind by a removed field, fails.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from derisk.forecast.scenario import Dist, Scenario, load_scenario, short_form

DOC = Path(__file__).parents[2] / "docs" / "SCENARIOS.md"
ROW = re.compile(r"^\| `([^`]+)` \|(.*)\|\s*$")


def _plain(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X (the first member that is not None)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _plain(members[0])
    return annotation


def _is_section(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and annotation is not Dist
    )


def model_fields(
    model: type[BaseModel] = Scenario, prefix: str = ""
) -> tuple[dict[str, FieldInfo], set[str]]:
    """(rows: dotted path -> field, sections: paths of nested models) of the model."""
    rows: dict[str, FieldInfo] = {}
    sections: set[str] = set()
    for name, field in model.model_fields.items():
        path = prefix + name
        plain = _plain(field.annotation)
        if _is_section(plain):
            sections.add(path)
            inner_rows, inner_sections = model_fields(plain, path + ".")
        else:
            rows[path] = field
            inner_rows, inner_sections = {}, set()
            if get_origin(plain) is list and _is_section(get_args(plain)[0]):
                sections.add(path)
                inner_rows, inner_sections = model_fields(get_args(plain)[0], path + "[].")
        rows.update(inner_rows)
        sections |= inner_sections
    return rows, sections


def doc_tables() -> tuple[dict[str, list[str]], dict[str, list[str]], set[str]]:
    """(Dist rows, scenario rows: name -> cells [meaning, unit, default, example], headings)."""
    dist_rows: dict[str, list[str]] = {}
    rows: dict[str, list[str]] = {}
    headings: set[str] = set()
    part = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            part = line[3:].strip()
        elif line.startswith("### ") and part == "Fields":
            headings.add(line[4:].strip())
        match = ROW.match(line)
        if match and part in ("Distributions", "Fields"):
            target = dist_rows if part == "Distributions" else rows
            name = match.group(1)
            assert name not in target, f"{name} documented twice"
            target[name] = [c.strip() for c in match.group(2).split(" | ")]
    return dist_rows, rows, headings


def _value(cell: str) -> Any:
    assert cell.startswith("`") and cell.endswith("`"), f"not a `YAML value`: {cell}"
    return yaml.safe_load(cell[1:-1])


def test_every_model_field_is_documented_and_every_documented_field_exists() -> None:
    dist_rows, rows, headings = doc_tables()
    fields, sections = model_fields()
    assert set(dist_rows) == set(Dist.model_fields)
    assert sorted(set(fields) - set(rows)) == [], "fields missing from docs/SCENARIOS.md"
    assert sorted(set(rows) - set(fields)) == [], "docs/SCENARIOS.md rows the model lacks"
    assert sections <= headings | {"china.export_controls"} and "Top level" in headings
    assert all(len(cells) == 4 and all(cells) for cells in (*rows.values(), *dist_rows.values()))


def _check_default(name: str, field: FieldInfo, cell: str) -> None:
    if field.is_required():
        assert cell == "required", f"{name}: the model requires it; the page says {cell}"
        return
    assert cell != "required", f"{name} has a default"
    default = field.get_default(call_default_factory=True)
    if isinstance(default, Dist):
        written = Dist.model_validate(short_form(_value(cell), "doc"))
        assert (written.dist, written.value) == (default.dist, default.value), name
    else:
        assert _value(cell) == default, f"{name}: default {default!r}, the page says {cell}"


def test_documented_defaults_are_the_models() -> None:
    dist_rows, rows, _ = doc_tables()
    fields, _ = model_fields()
    for name, cells in rows.items():
        _check_default(name, fields[name], cells[2])
    for name, cells in dist_rows.items():
        _check_default(name, Dist.model_fields[name], cells[2])


def _set(path: str, example: str) -> list[str]:
    """The --set that puts one documented example into the baseline."""
    if "[]." not in path:
        return [f"{path}={example}"]
    outer, key = path.split("[].")
    base = load_scenario("baseline").model_dump(mode="json")
    control = copy.deepcopy(base["china"]["export_controls"][0])
    control[key] = _value(f"`{example}`")
    return [f"{outer}={json.dumps([control])}"]


@pytest.mark.parametrize("name", sorted(doc_tables()[1]))
def test_every_documented_example_is_accepted(name: str) -> None:
    example = doc_tables()[1][name][3]
    assert example.startswith("`") and example.endswith("`"), example
    scenario = load_scenario("baseline", _set(name, example[1:-1]))
    value: Any = scenario
    for part in name.replace("[]", ".0").split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    if not isinstance(value, BaseModel | dict | list):
        assert value == _value(example) or value == short_form(_value(example), ""), name


@pytest.mark.parametrize("name", sorted(doc_tables()[0]))
def test_every_distribution_example_is_a_valid_distribution(name: str) -> None:
    example = doc_tables()[0][name][3]
    assert re.search(rf"\b{name}:", example), f"the example for {name} does not use it"
    scenario = load_scenario("baseline", [f"recycling.collection_rate={example[1:-1]}"])
    assert scenario.recycling.collection_rate.dist == _value(example).get("dist", "fixed")


def test_the_yaml_examples_load(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(block, encoding="utf-8")
        scenario = load_scenario(str(path))
        assert scenario.name == yaml.safe_load(block)["name"]


def test_every_lever_section_is_in_the_every_lever_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = yaml.safe_load(
        text.split("## A file that touches every section")[1].split("```yaml\n")[1].split("```")[0]
    )
    _, sections = model_fields()
    top = {s for s in sections if "." not in s}
    assert top <= set(block), f"sections without an example: {sorted(top - set(block))}"

"""The review package is split by stage; each stage imports only itself and earlier ones.

reading -> extraction -> checking -> writing: a module that reads articles never needs a
claim, a claim never needs the critique. A backward import would tangle the stages again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import derisk.review

STAGES = ("reading", "extraction", "checking", "writing")
ROOT = Path(derisk.review.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_every_module_sits_in_a_stage() -> None:
    loose = sorted(p.name for p in ROOT.glob("*.py") if p.name != "__init__.py")
    assert loose == []


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_later_stage(stage: str) -> None:
    later = STAGES[STAGES.index(stage) + 1 :]
    bad = []
    for path in sorted((ROOT / stage).rglob("*.py")):
        for module in _imports(path):
            if any(module.startswith(f"derisk.review.{s}") for s in later):
                bad.append((path.relative_to(ROOT).as_posix(), module))
    assert bad == []

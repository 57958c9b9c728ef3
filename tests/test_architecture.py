"""Imports point one way: interfaces -> analysis -> data -> base (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "derisk"
# The CLI sits above the web layer: `derisk serve` starts the web app.
# The base layer (errors, parallel, vocabulary) imports nothing else from derisk.
# The reviewer sits above the analyses it checks claims against: it tests predictions
# against the forecast (review.predict), so it may import forecast and diagnose.
LAYER = {"errors": 0, "parallel": 0, "vocabulary": 0, "data": 1, "diagnose": 2, "forecast": 2,
         "review": 3, "report": 4, "web": 5, "cli": 6, "demo": 7}


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "derisk" or len(parts) < 2:
        return None
    return LAYER.get(parts[1])


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "derisk":
            # "from derisk import vocabulary" imports the package derisk.vocabulary
            found.extend(f"derisk.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down_the_layers(path: Path) -> None:
    rel = path.relative_to(SRC)
    own = LAYER[rel.parts[0].removesuffix(".py")]
    for module in _imports(path):
        layer = _layer_of(module)
        if layer is None:
            continue
        same_package = module.split(".")[1] == rel.parts[0].removesuffix(".py")
        assert same_package or layer < own, f"{rel} (layer {own}) imports {module} ({layer})"


def test_every_package_has_a_layer() -> None:
    for child in SRC.iterdir():
        if child.name.startswith("_") or child.suffix not in ("", ".py"):
            continue
        assert child.name.removesuffix(".py") in LAYER, f"{child.name} has no layer"

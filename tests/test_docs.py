"""docs/DATA.md documents every table and column the schema declares."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _check_docs():  # noqa: ANN202 - a module loaded from scripts/
    spec = importlib.util.spec_from_file_location("check_docs", ROOT / "scripts" / "check_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_docs"] = module  # dataclasses look their module up by name
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_every_table_and_column_is_documented() -> None:
    module = _check_docs()
    assert module.undocumented_tables() == []
    assert module.undocumented_columns() == []


def test_architecture_page_names_every_layer_package() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for package in ("derisk.data", "derisk.diagnose", "derisk.report", "derisk.cli",
                    "derisk.errors"):
        assert package in text

"""The briefing: key findings, diagnosis, prognosis and sources, as offline HTML and Markdown.

The briefing itself is built once for the whole package (tests/report/conftest.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.store import Store
from derisk.report.briefing import forecast_inputs, forecast_source_ids


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.external.append(attrs["src"])
        if tag == "link" and str(attrs.get("href", "")).startswith("http"):
            self.external.append(attrs["href"])


def test_html_opens_offline_with_a_fan_chart_per_scenario_and_bloc(brief_files) -> None:
    html_path, _ = brief_files
    page = html_path.read_text(encoding="utf-8")
    parser = _Scripts()
    parser.feed(page)
    assert parser.external == []  # plotly.js is inlined; nothing is fetched
    for bloc in ("us", "eu27"):
        assert f'id="fan-baseline-{bloc}"' in page
    assert 'id="fan-export-controls-2025-eu27"' in page
    assert "China-free supply as % of demand" in page


def test_markdown_has_the_sections_and_cites_every_source(
    brief_files, session_store: Store
) -> None:
    _, md_path = brief_files
    md = md_path.read_text(encoding="utf-8")
    headings = ["## Key findings", "## 1. Diagnosis", "## 2. Prognosis to 2050", "## 3. Sources"]
    assert [md.index(h) for h in headings] == sorted(md.index(h) for h in headings)
    assert "### baseline | US" in md and "### baseline | EU27" in md
    sources = md.split("## 3. Sources")[1]
    cited = set(re.findall(r"^\| ([\w.\-]+) \|", sources, flags=re.M)) - {"source_id"}
    assert cited and cited <= set(session_store.table("sources")["source_id"])
    assert "IEA_CMDE2025" in cited  # the forecast's demand source is listed


def test_forecast_source_ids_parse_the_dataset_attribute() -> None:
    ids = forecast_source_ids("demand: IEA_CMDE2025, usgs-x; facilities: a, b; skipped:")
    assert ids == {"IEA_CMDE2025", "usgs-x", "a", "b"}


def test_a_facility_citing_several_sources_keeps_each_of_them() -> None:
    # a facility's own sources are joined with ";", the character that ends an input
    inputs = forecast_inputs("demand: d1; facilities: a, b;c, e; facility_ores: f")
    assert inputs == {"demand": ("d1",), "facilities": ("a", "b", "c", "e"),
                      "facility_ores": ("f",)}  # fmt: skip


def test_every_forecast_input_is_listed_under_sources(brief, briefing_runs) -> None:
    listed = set(brief.cited["source_id"])
    for run in briefing_runs:
        assert run.source_ids <= listed
        assert {s for ids in run.inputs.values() for s in ids} == run.source_ids


def test_cli_writes_both_files_and_refuses_a_bad_scenario_first(
    built_store_path: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "brief"
    bad = runner.invoke(
        app, ["report", "--out", str(out), "--scenario", "nope", "--db", str(built_store_path)]
    )
    assert bad.exit_code == 2 and "unknown scenario" in bad.output
    assert not out.exists()
    done = runner.invoke(
        app,
        ["report", "--out", str(out), "--draws", "10", "--bloc", "US", "--scenario",
         "baseline", "--db", str(built_store_path)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (out / "briefing.html").exists() and (out / "briefing.md").exists()

"""Key findings quote their results: each figure equals the figure it quotes.

The results are computed here again from the same functions (stage_summary, dependency,
forecast), so a finding that drifts from the diagnosis or the forecast fails; each
figure must also be written in its sentence and in the briefing's table it quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from derisk.data.store import Store
from derisk.diagnose.dependency import dependency
from derisk.diagnose.summary import SCOPES, stage_summary
from derisk.forecast.run import forecast
from derisk.forecast.scenario import MAGNET_ELEMENTS, load_scenario
from derisk.forecast.summary import CRMA
from derisk.report.findings import milestone_findings
from derisk.report.tables import Sources, short_publisher


def _row(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for key, value in where.items():
        mask &= frame[key] == value
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


def test_each_stage_finding_is_the_newest_dated_share_of_its_stage(brief, session_store) -> None:
    summary = stage_summary(session_store)
    dated = summary[summary["china_share"].notna()]
    found = [f for f in brief.today if f.kind == "stage_share"]
    assert [f.figures[0].locator["stage"] for f in found] == list(dict.fromkeys(dated["stage"]))
    for f in found:
        (fig,) = f.figures
        row = _row(summary, stage=fig.locator["stage"], group=fig.locator["group"])
        assert fig.value == row["china_share"]
        assert f.year == row["year"] == max(dated.loc[dated["stage"] == row["stage"], "year"])
        assert set(f.source_ids) == set(row["sources"].split(";"))


def test_each_bloc_has_its_dependency_at_its_top_chokepoint(brief, session_store) -> None:
    found = [f for f in brief.today if f.kind == "dependency"]
    assert [f.figures[0].locator["bloc"] for f in found] == list(brief.deps)
    for f in found:
        (fig,) = f.figures
        loc = fig.locator
        row = _row(dependency(session_store, loc["bloc"]), stage=loc["stage"], group=loc["group"])
        assert (fig.low, fig.high) == (row["dependency_low"], row["dependency_high"])
        assert f.year == row["year"]
        top = brief.chokes[loc["bloc"]].iloc[0]
        assert (top["stage"], top["group"]) == (loc["stage"], loc["group"])


def _check_forecast_figure(kind: str, fig, summary: dict) -> None:
    loc = fig.locator
    if kind == "headline_share":
        q = summary["headline_share"][loc["element"]][loc["year"]]
        assert (fig.value, fig.low, fig.high) == (q["p50"], q["p10"], q["p90"])
    elif kind == "shortfall":
        worst = summary["worst_shortfall"]
        assert fig.value == worst[loc["element"]]["share_of_demand_p50_pct"]
        assert loc["year"] == worst[loc["element"]]["year_of_largest_p50"]
        assert fig.value == max(worst[e]["share_of_demand_p50_pct"] for e in MAGNET_ELEMENTS)
    elif fig.value is None:  # milestone / crma_65 not reached by any magnet element
        assert all(summary["milestones"][e][loc["milestone"]]["p50"] is None
                   for e in loc["elements"])  # fmt: skip
    else:
        rec = summary["milestones"][loc["element"]][loc["milestone"]]
        assert (fig.value, fig.low, fig.high) == (rec["p50"], rec["p10"], rec["p90"])


def test_each_forecast_finding_quotes_the_forecast(
    brief, briefing_runs, session_store: Store
) -> None:
    summaries = {
        (r.scenario, r.bloc): forecast(
            session_store, load_scenario(r.scenario), bloc=r.bloc, draws=r.draws, seed=r.seed
        ).attrs["summary"]
        for r in briefing_runs
    }
    kinds = {f.kind for f in brief.outlook}
    assert kinds == {"headline_share", "shortfall", "milestone", "crma_65"}
    quoted = set()
    for f in brief.outlook:
        for fig in f.figures:
            if fig.field == "value":  # the CRMA benchmark, from the benchmarks table
                bench = session_store.table("benchmarks")
                row = _row(bench, source_id=fig.locator["source_id"], value=fig.value)
                assert row["value"] == CRMA["max_single_third_country_pct"]
                assert row["deadline_year"] == fig.locator["deadline_year"]
                continue
            key = (fig.locator["scenario"], fig.locator["bloc"])
            _check_forecast_figure(f.kind, fig, summaries[key])
            quoted.add(key)
    assert quoted == set(summaries)


def test_each_figure_is_written_in_its_sentence(brief) -> None:
    for f in brief.findings:
        assert f.figures and f.citations, f.text
        for fig in f.figures:
            assert fig.text in f.text
        assert f.url == next(c.url for c in f.citations if c.url)


def _section(md: str, start: str, end: str = "\n## ") -> str:
    return md.split(start, 1)[1].split(end, 1)[0]


def _table_row(section: str, *cells: str) -> str:
    """The one table line of ``section`` that has every one of ``cells``."""
    lines = [ln for ln in section.splitlines() if all(f"| {c} |" in ln for c in cells)]
    assert len(lines) == 1, cells
    return lines[0]


def test_each_diagnosis_figure_is_the_one_its_table_shows(brief, brief_files) -> None:
    md = brief_files[1].read_text(encoding="utf-8")
    for f in brief.today:
        (fig,) = f.figures
        loc = fig.locator
        stage, scope = str(loc["stage"]).capitalize(), SCOPES[str(loc["group"])]
        if f.kind == "stage_share":
            section = _section(md, "### China's share by stage", "\n### ")
            row = _table_row(section, stage, str(f.year))
            assert scope in row and f"| {fig.text} |" in row
        else:
            section = _section(md, f"### {loc['bloc']}: dependency on China", "\n### ")
            row = _table_row(section, stage, scope)
            low, high = fig.text.split("–")
            assert f"| {low} | {high} |" in row


def _md_rows(section: str) -> list[dict[str, str]]:
    """The first Markdown table of ``section`` as one dict (header -> cell) per row."""
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    split = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]
    header, body = split[0], split[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


def test_each_forecast_share_is_the_one_its_table_shows(brief, brief_files) -> None:
    md = brief_files[1].read_text(encoding="utf-8")
    for f in (f for f in brief.outlook if f.kind == "headline_share"):
        for fig in f.figures:
            loc = fig.locator
            section = _section(md, f"### {loc['scenario']} | {loc['bloc']}", "\n### ")
            rows = _md_rows(_section(section, "#### China-free share of demand"))
            (row,) = [r for r in rows if r["Element"].endswith(f"({loc['element']})")]
            cell = row[f"{loc['year']}: China-free share of demand (%)"]
            low, high = cell.split(" (")[1].rstrip(")").split("–")
            assert cell.startswith(f"{fig.text} (")
            assert (float(low), float(high)) == (round(fig.low, 1), round(fig.high, 1))


def test_citations_name_the_publisher_and_year_and_link_the_store_url(brief, session_store) -> None:
    table = session_store.table("sources").set_index("source_id")
    for f in brief.findings:
        for c in f.citations:
            row = table.loc[c.source_id]
            assert c.url == row["url"]
            assert c.label.endswith(str(row["date"])[:4])
    assert short_publisher("International Energy Agency (CC BY 4.0)") == "IEA"
    assert short_publisher("U.S. Geological Survey") == "USGS"
    assert short_publisher("Morning Overview (blog)") == "Morning Overview"


@dataclass
class _Run:
    """A forecast result as findings read it, with a summary written by hand."""

    scenario: str
    summary: dict
    bloc: str = "US"
    draws: int = 10
    seed: int = 1
    end_year: int = 2050
    inputs: dict = field(default_factory=dict)


def _milestones(reached: dict[str, dict]) -> dict:
    never = {"p10": None, "p50": None, "p90": None}
    return {
        "milestones": {
            e: {k: reached.get(e, {}).get(k, never) for k in ("10", "25")} for e in MAGNET_ELEMENTS
        }
    }


def test_scenarios_with_one_outcome_share_one_sentence() -> None:
    pr = {"Pr": {"10": {"p10": 2029, "p50": 2031, "p90": None}}}
    runs = [_Run("a", _milestones(pr)), _Run("b", _milestones(pr)), _Run("c", _milestones({}))]
    found = milestone_findings(runs, {"Pr": "Praseodymium"}, Sources(pd.DataFrame(
        columns=["source_id", "publisher", "date", "url"])))  # fmt: skip
    assert [f.text for f in found] == [
        "In the a and b scenarios, praseodymium is the first magnet rare earth whose "
        "China-free supply covers 10% of US demand for good, from 2031 (P10–P90 2029–after "
        "2050); none reaches 25% by 2050",
        "In the c scenario, no magnet rare earth (Nd, Pr, Dy, Tb) has China-free supply "
        "covering even 10% of US demand for good: not by 2050 (P50)",
    ]
    assert [fig.locator["scenario"] for fig in found[0].figures] == ["a", "b"]
    assert found[0].year == 2031 and found[1].year is None


def test_no_finding_says_never(brief, briefing_runs) -> None:
    text = " ".join(f.text for f in brief.findings)
    assert all(r.scenario in text for r in briefing_runs) and "never" not in text

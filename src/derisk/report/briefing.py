"""The briefing: diagnosis, prognosis for chosen blocs and scenarios, and sources.

`derisk report --out DIR` writes it twice: a self-contained HTML file (plotly.js and
every chart embedded, opens offline) and a Markdown version with the same tables for
pasting into documents. Every figure comes from derisk.diagnose or derisk.forecast;
this module only lays them out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.offline

from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.summary import stage_summary
from derisk.forecast.scenario import MAGNET_ELEMENTS
from derisk.forecast.summary import STABLE_DRAWS
from derisk.report import charts
from derisk.report.forecast_charts import fan_chart
from derisk.report.html import STYLE, cited_ids, figure_html, table_html
from derisk.vocabulary import HEADLINE_BLOCS

DEFAULT_BLOCS = HEADLINE_BLOCS
DEFAULT_SCENARIOS = ("baseline", "export-controls-2025")
#: Enough draws that a P50 year or share is stable between seeds (summary.STABLE_DRAWS).
DEFAULT_DRAWS = STABLE_DRAWS


@dataclass
class Prognosis:
    scenario: str
    bloc: str
    table: pd.DataFrame
    figure_html: str
    source_ids: set[str]
    summary: dict  # the forecast's summary (year_derisked, worst_shortfall per element)


def forecast_source_ids(sources: str) -> set[str]:
    """Source ids from a forecast's `sources` attribute ("demand: A, B; facilities: C")."""
    ids: set[str] = set()
    for part in sources.split(";"):
        _, _, listed = part.partition(":")
        ids |= {s.strip() for s in listed.split(",") if s.strip()}
    return ids


def years_range(v: dict) -> str:
    """A year de-risked as 'P50 (P10-P90)', 'never' when not reached."""

    def fmt(y: object) -> str:
        return "never" if y is None else str(y)

    return f"{fmt(v['p50'])} ({fmt(v['p10'])}-{fmt(v['p90'])})"


def prognosis(
    store: object,
    scenario_name: str,
    bloc: str,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Prognosis:
    """Year de-risked and worst shortfall per magnet rare earth, and a fan chart."""
    from derisk.forecast.run import forecast
    from derisk.forecast.scenario import load_scenario
    from derisk.forecast.summary import ratio_quantiles

    ds = forecast(store, load_scenario(scenario_name), bloc=bloc, draws=draws, seed=seed,
                  progress=progress)  # fmt: skip
    summary = ds.attrs["summary"]
    rows = []
    for element in MAGNET_ELEMENTS:
        v = summary["year_derisked"][element]
        w = summary["worst_shortfall"][element]
        rows.append(
            {
                "element": element,
                "year de-risked P50 (P10-P90)": years_range(v),
                f"P(de-risked by {ds['year'].values[-1]})": v["prob_by"][
                    int(ds["year"].values[-1])
                ],
                "worst shortfall P50 t (P10-P90)": f"{w['p50_t']:,.0f} "
                f"({w['p10_t']:,.0f}-{w['p90_t']:,.0f})",
                "worst shortfall % of demand (P50)": w["share_of_demand_p50_pct"],
                "year of largest shortfall": w["year_of_largest_p50"],
            }
        )
    ids = forecast_source_ids(ds.attrs["sources"])
    figure = fan_chart(
        ratio_quantiles(ds.sel(element=list(MAGNET_ELEMENTS)), "china_free_supply", "demand"),
        MAGNET_ELEMENTS,
        f"{scenario_name} | {bloc}: China-free supply as % of demand (P10-P90, P50)",
        "% of the bloc's demand",
        ";".join(sorted(ids)),
    )
    div = f"fan-{re.sub(r'[^a-z0-9]+', '-', (scenario_name + '-' + bloc).lower())}"
    return Prognosis(
        scenario_name, bloc, pd.DataFrame(rows), figure_html(figure, div), ids, summary
    )


def _md_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
            return ""
        if isinstance(value, float):
            value = f"{value:.0f}" if value.is_integer() else f"{value:,.2f}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])


def write_briefing(
    store: object,
    out_dir: Path,
    blocs: tuple[str, ...] = DEFAULT_BLOCS,
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    prognoses: list[Prognosis] | None = None,
) -> tuple[Path, Path]:
    """Write briefing.html and briefing.md into out_dir; return both paths.

    `prognoses` may be passed in when the caller has already run them (make demo prints
    them too); otherwise every scenario x bloc is run here.
    """
    summary = stage_summary(store)
    conc = concentration(store)
    deps = {bloc: dependency(store, bloc) for bloc in blocs}
    chokes = chokepoints(store, bloc=blocs[0])
    if prognoses is None:
        prognoses = [
            prognosis(store, s, b, draws=draws, seed=seed, progress=progress)
            for s in scenarios
            for b in blocs
        ]
    cited = cited_ids(summary, conc, chokes, *deps.values())
    for p in prognoses:
        cited |= p.source_ids
    sources = store.sources(sorted(cited))[  # type: ignore[attr-defined]
        ["source_id", "title", "publisher", "date", "url"]
    ]
    meta = store.meta()  # type: ignore[attr-defined]
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    intro = (
        f"Dataset {meta['dataset_version']}; generated {stamp}. Shares are per cent of world "
        "output; mining is t REO of all rare earths, other stages as each source scopes them. "
        f"Prognosis: {draws} Monte Carlo draws, seed {seed}; 'never' = not by the end year."
    )

    parts = [
        "<h1>derisk briefing: dependence on China today, and how fast it can fall</h1>",
        f"<p class='note'>{html.escape(intro)}</p>",
        "<h2>1. Diagnosis</h2><h3>China's share by stage</h3>",
        table_html(summary),
        figure_html(charts.china_share_by_stage(summary), "chart-stage-share"),
        "<h3>Mining concentration over time</h3>",
        figure_html(charts.mining_over_time(conc), "chart-mining-time"),
    ]
    md = [
        "# derisk briefing: dependence on China today, and how fast it can fall",
        "",
        f"*{intro}*",
        "",
        "Charts are in the HTML version of this briefing.",
        "",
        "## 1. Diagnosis",
        "",
        "### China's share by stage",
        "",
        _md_table(summary),
        "",
    ]
    for bloc, dep in deps.items():
        parts += [
            f"<h3>{html.escape(bloc)}: dependency on China by stage</h3>",
            table_html(dep.drop(columns=["sources"])),
            figure_html(charts.dependency_bounds(dep, bloc), f"chart-dependency-{bloc}"),
        ]
        md += [f"### {bloc}: dependency on China by stage", "", _md_table(dep), ""]
    parts += [f"<h3>Chokepoints ({html.escape(blocs[0])} view)</h3>", table_html(chokes)]
    md += [f"### Chokepoints ({blocs[0]} view)", "", _md_table(chokes), ""]
    parts.append("<h2>2. Prognosis to 2050</h2>")
    md += ["## 2. Prognosis to 2050", ""]
    for p in prognoses:
        parts += [
            f"<h3>{html.escape(p.scenario)} | {html.escape(p.bloc)}</h3>",
            table_html(p.table),
            p.figure_html,
        ]
        md += [f"### {p.scenario} | {p.bloc}", "", _md_table(p.table), ""]
    parts += ["<h2>3. Sources</h2>", table_html(sources)]
    md += ["## 3. Sources", "", _md_table(sources), ""]

    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>derisk briefing</title><style>{STYLE}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / "briefing.html", out_dir / "briefing.md"
    html_path.write_text(page, encoding="utf-8")
    md_path.write_text("\n".join(md), encoding="utf-8")
    return html_path, md_path

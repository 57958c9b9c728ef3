"""The briefing: key findings, diagnosis, prognosis for chosen blocs and scenarios, sources.

`derisk report --out DIR` writes it as a self-contained HTML file (plotly.js and every
chart embedded, opens offline) and a Markdown version with the same findings and tables
for pasting into documents; `--format pdf` adds a PDF printed from the HTML by headless
Chromium. The first page is the key findings (derisk.report.findings), so a reader who
stops there has the figures, their years and their sources. Every figure comes from
derisk.diagnose or derisk.forecast; this module only gathers and lays them out.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.offline

from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.summary import SCOPES, stage_summary
from derisk.errors import DeriskError
from derisk.forecast.scenario import MAGNET_ELEMENTS
from derisk.forecast.summary import STABLE_DRAWS
from derisk.report import charts
from derisk.report.findings import DIAGNOSIS_KINDS, Finding, key_findings
from derisk.report.forecast_charts import fan_chart, milestone_table, share_table
from derisk.report.html import STYLE, cited_ids, figure_html
from derisk.report.tables import (
    Cell,
    Citation,
    Column,
    Sources,
    Table,
    from_frame,
    links_html,
    links_md,
    table_html,
    table_md,
)
from derisk.vocabulary import HEADLINE_BLOCS

DEFAULT_BLOCS = HEADLINE_BLOCS
DEFAULT_SCENARIOS = ("baseline", "export-controls-2025")
#: Enough draws that a P50 year or share is stable between seeds (summary.STABLE_DRAWS).
DEFAULT_DRAWS = STABLE_DRAWS
#: The forecast inputs a fan chart names under itself; the Sources section lists all.
CHART_INPUTS = ("demand", "mining_base", "refining_base")
#: `derisk report --format`: html writes HTML and Markdown; pdf prints a PDF as well.
BRIEFING_FORMATS = ("html", "pdf")
TITLE = "derisk briefing: dependence on China today, and how fast it can fall"


@dataclass
class Prognosis:
    """One forecast (scenario x bloc) as the briefing shows it."""

    scenario: str
    bloc: str
    summary: dict  # the forecast's summary (milestones, headline_share, worst_shortfall ...)
    figure_html: str
    source_ids: set[str]
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    draws: int = DEFAULT_DRAWS
    seed: int = 1
    end_year: int = 2050


def forecast_inputs(sources: str) -> dict[str, tuple[str, ...]]:
    """A forecast's `sources` attribute ("demand: A, B; facilities: C;D, E") by input.

    Ids are separated by commas, and a facility citing several sources joins them with
    ";" - the same character that separates inputs - so an input starts only where a
    label ("facilities:") follows.
    """
    parts = re.split(r"(?:^|;)\s*([A-Za-z_]+):", sources)
    out: dict[str, tuple[str, ...]] = {}
    for label, listed in zip(parts[1::2], parts[2::2], strict=True):
        ids = [s.strip() for s in re.split(r"[,;]", listed) if s.strip()]
        out[label] = tuple(dict.fromkeys([*out.get(label, ()), *ids]))
    return out


def forecast_source_ids(sources: str) -> set[str]:
    """Every source id a forecast's `sources` attribute names."""
    return {s for ids in forecast_inputs(sources).values() for s in ids}


def prognosis(
    store: object,
    scenario_name: str,
    bloc: str,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Prognosis:
    """Run one forecast; keep its summary, its inputs' sources and a fan chart."""
    from derisk.forecast.run import forecast
    from derisk.forecast.scenario import load_scenario
    from derisk.forecast.summary import ratio_quantiles

    ds = forecast(store, load_scenario(scenario_name), bloc=bloc, draws=draws, seed=seed,
                  progress=progress)  # fmt: skip
    inputs = forecast_inputs(ds.attrs["sources"])
    charted = sorted({s for key in CHART_INPUTS for s in inputs.get(key, ())})
    figure = fan_chart(
        ratio_quantiles(ds.sel(element=list(MAGNET_ELEMENTS)), "china_free_supply", "demand"),
        MAGNET_ELEMENTS,
        f"{scenario_name} | {bloc}: China-free supply as % of demand (P10-P90, P50)",
        "% of the bloc's demand",
        ";".join(charted),
    )
    div = f"fan-{re.sub(r'[^a-z0-9]+', '-', (scenario_name + '-' + bloc).lower())}"
    return Prognosis(
        scenario_name,
        bloc,
        ds.attrs["summary"],
        figure_html(figure, div),
        forecast_source_ids(ds.attrs["sources"]),
        inputs,
        draws,
        seed,
        int(ds["year"].values[-1]),
    )


@dataclass
class Briefing:
    """Everything the briefing shows, gathered once, so HTML, Markdown and the demo agree."""

    summary: pd.DataFrame
    concentration: pd.DataFrame
    deps: dict[str, pd.DataFrame]
    chokes: dict[str, pd.DataFrame]
    prognoses: list[Prognosis]
    findings: list[Finding]
    sources: Sources
    cited: pd.DataFrame  # the sources table rows the briefing cites
    intro: str
    names: dict[str, str]

    @property
    def today(self) -> list[Finding]:
        """Findings from the diagnosis: where China stands now."""
        return [f for f in self.findings if f.kind in DIAGNOSIS_KINDS]

    @property
    def outlook(self) -> list[Finding]:
        """Findings from the forecasts: how fast that can change."""
        return [f for f in self.findings if f.kind not in DIAGNOSIS_KINDS]


def gather(
    store: object,
    blocs: tuple[str, ...] = DEFAULT_BLOCS,
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    prognoses: list[Prognosis] | None = None,
) -> Briefing:
    """Run the diagnosis (and each scenario x bloc unless ``prognoses`` are given)."""
    summary = stage_summary(store)
    conc = concentration(store)
    deps = {bloc: dependency(store, bloc) for bloc in blocs}
    chokes = {bloc: chokepoints(store, bloc=bloc) for bloc in blocs}
    if prognoses is None:
        prognoses = [
            prognosis(store, s, b, draws=draws, seed=seed, progress=progress)
            for s in scenarios
            for b in blocs
        ]
    findings = key_findings(summary, deps, chokes, prognoses, store)
    cited = cited_ids(summary, *chokes.values(), *deps.values())
    cited |= {s for p in prognoses for s in p.source_ids}
    cited |= {s for f in findings for s in f.source_ids}
    table = store.table("sources")  # type: ignore[attr-defined]
    elements = store.table("elements")  # type: ignore[attr-defined]
    meta = store.meta()  # type: ignore[attr-defined]
    runs = (
        f"{prognoses[0].draws:,} Monte Carlo draws, seed {prognoses[0].seed}" if prognoses else ""
    )
    intro = (
        f"Dataset {meta['dataset_version']}; generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "Shares are per cent of world output; mining is t REO of all rare earths, other "
        "stages as each source scopes them."
        + (f" Prognosis: {runs}; P50 = the median run, P10–P90 = the middle 80%." if runs else "")
    )
    return Briefing(
        summary,
        conc,
        deps,
        chokes,
        prognoses,
        findings,
        Sources(table),
        table[table["source_id"].isin(cited)].sort_values("source_id"),
        intro,
        dict(zip(elements["symbol"], elements["name"], strict=True)),
    )


def _stage(value: object) -> str:
    """A stage as a table shows it ("Separation"): a header word, not a code."""
    return str(value).capitalize()


def _scope(value: object) -> str:
    """A group code in words ("magnet rare earths (Nd, Pr, Dy, Tb)"), as the summary says it."""
    return SCOPES.get(str(value), str(value))


WORDS = {"stage": _stage, "group": _scope}
SUMMARY_COLUMNS = [
    Column("stage", "Stage"),
    Column("coverage", "Scope"),
    Column("year", "Year"),
    Column("china_share", "China's share (%)"),
    Column("hhi", "HHI (0-10,000)"),
    Column("top3_share", "Top three producers' share (%)"),
    Column("as_of", "Date of record"),
    Column("basis", "Basis"),
    Column("sources", "Source"),
]


def summary_table(b: Briefing) -> Table:
    """China's newest dated share per stage and scope; what is missing goes under it."""
    table = from_frame(b.summary, SUMMARY_COLUMNS, b.sources, WORDS)
    gaps = b.summary[b.summary["missing"].notna()]
    table.notes = [f"{_stage(r.stage)}: {r.missing}." for r in gaps.itertuples()]
    table.notes.append("HHI: Herfindahl-Hirschman index of the producers' shares; 10,000 = one.")
    return table


def dependency_table(b: Briefing, bloc: str) -> Table:
    """A bloc's dependency on China by stage; stages without a China share are noted."""
    dep = b.deps[bloc]
    measured = dep[dep["year"].notna()]
    columns = [
        Column("stage", "Stage"),
        Column("group", "Scope"),
        Column("year", "Year"),
        Column("china_share_world", "China's share of world output (%)"),
        Column("bloc_share_world", f"{bloc}'s share of world output (%)"),
        Column("direct_china_share", "Bought directly from China (%)"),
        Column("dependency_low", "Dependency on China, low bound (%)", "%"),
        Column("dependency_high", "Dependency on China, high bound (%)", "%"),
        Column("direct_basis", "Basis of the direct share"),
        Column("sources", "Source"),
    ]
    table = from_frame(measured, columns, b.sources, WORDS)
    missing = dep[dep["year"].isna()]
    if len(missing):
        table.notes.append(
            "No China share on record for: "
            + "; ".join(f"{r.stage} ({_scope(r.group)})" for r in missing.itertuples())
            + "."
        )
    notes = {str(m) for m in measured["missing"] if m}
    table.notes += [f"{n[0].upper()}{n[1:]}." for n in sorted(notes)]
    table.notes.append(
        "Low bound: non-Chinese processors use non-Chinese feed first; high bound: every "
        "processor buys feed at the world mix (docs/METHODS.md)."
    )
    return table


def chokepoint_table(b: Briefing, bloc: str) -> Table:
    """Ranked chokepoints for a bloc with the three figures behind each score."""
    columns = [
        Column("rank", "Rank"),
        Column("stage", "Stage"),
        Column("group", "Scope"),
        Column("year", "Year"),
        Column("china_share", "China's share (%)"),
        Column("hhi", "HHI (0-10,000)"),
        Column("dependency_low", f"{bloc} dependency, low bound (%)", "%"),
        Column("dependency_high", f"{bloc} dependency, high bound (%)", "%"),
        Column("score", "Score (0-1)"),
        Column("sources", "Source"),
    ]
    table = from_frame(b.chokes[bloc], columns, b.sources, WORDS)
    table.notes.append(
        "Score: the mean of China's share, HHI / 10,000 and the low-bound dependency, each 0-1."
    )
    return table


def sources_table(b: Briefing) -> Table:
    """Every source the briefing cites, its title linked to where it can be read."""
    rows = []
    for r in b.cited.itertuples(index=False):
        url = r.url if isinstance(r.url, str) and r.url.startswith("http") else None
        rows.append(
            [
                Cell(str(r.source_id)),
                Cell(links=(Citation(r.source_id, str(r.title), url),)),
                Cell(str(r.publisher)),
                Cell("" if pd.isna(r.date) else str(r.date)),
            ]
        )
    return Table(["Source id", "Title", "Publisher", "Date"], rows)


def _finding_html(f: Finding, note: bool = True) -> str:
    """One finding as a list item: sentence, linked sources, then its basis in small print."""
    cites = f" ({links_html(f.citations)})" if f.citations else ""
    detail = f"<br><span class='note'>{html.escape(f.note)}</span>" if note and f.note else ""
    return f"<li>{html.escape(f.text)}{cites}.{detail}</li>"


def _finding_md(f: Finding, note: bool = True) -> str:
    """One finding as a Markdown bullet, its basis on a second line in italics."""
    cites = f" ({links_md(f.citations)})" if f.citations else ""
    detail = f"  \n  *{f.note}*" if note and f.note else ""
    return f"- {f.text}{cites}.{detail}"


def _shared_note(findings: list[Finding]) -> str | None:
    """The note every finding of a list shares (the forecast's draws), to say it once."""
    notes = {f.note for f in findings}
    return notes.pop() if len(notes) == 1 else None


def findings_html(b: Briefing) -> list[str]:
    """The first page: key findings, today then the outlook."""
    parts = ["<section class='findings'><h2>Key findings</h2><h3>Today</h3><ul>"]
    parts += [_finding_html(f) for f in b.today] + ["</ul>"]
    gaps = b.summary["missing"].dropna()
    if len(gaps):
        text = "; ".join(str(g).split(";")[0] for g in gaps)
        parts.append(f"<p class='note'>Not on record: {html.escape(text)}.</p>")
    if b.outlook:
        end = b.prognoses[0].end_year
        shared = _shared_note(b.outlook)
        parts.append(f"<h3>Outlook to {end}</h3>")
        parts += [f"<p class='note'>{html.escape(shared)}</p>"] if shared else []
        parts += ["<ul>", *(_finding_html(f, not shared) for f in b.outlook), "</ul>"]
    return [*parts, "</section>"]


def findings_md(b: Briefing) -> list[str]:
    """The key findings in Markdown, as findings_html lays them out."""
    md = ["## Key findings", "", "### Today", "", *(_finding_md(f) for f in b.today), ""]
    gaps = b.summary["missing"].dropna()
    if len(gaps):
        md += ["Not on record: " + "; ".join(str(g).split(";")[0] for g in gaps) + ".", ""]
    if b.outlook:
        shared = _shared_note(b.outlook)
        md += [f"### Outlook to {b.prognoses[0].end_year}", ""]
        md += [f"*{shared}*", ""] if shared else []
        md += [*(_finding_md(f, not shared) for f in b.outlook), ""]
    return md


def _diagnosis(b: Briefing) -> tuple[list[str], list[str]]:
    """Section 1 as (HTML parts, Markdown lines)."""
    parts = [
        "<section class='page'><h2>1. Diagnosis</h2><h3>China's share by stage</h3>",
        table_html(summary_table(b)),
        figure_html(charts.china_share_by_stage(b.summary), "chart-stage-share"),
        "<h3>Mining concentration over time</h3>",
        figure_html(charts.mining_over_time(b.concentration), "chart-mining-time"),
    ]
    md = ["## 1. Diagnosis", "", "### China's share by stage", "", table_md(summary_table(b)), ""]
    for bloc, dep in b.deps.items():
        title = f"{bloc}: dependency on China by stage"
        parts += [
            f"<h3>{html.escape(title)}</h3>",
            table_html(dependency_table(b, bloc)),
            figure_html(charts.dependency_bounds(dep, bloc), f"chart-dependency-{bloc}"),
        ]
        md += [f"### {title}", "", table_md(dependency_table(b, bloc)), ""]
    for bloc in b.chokes:
        parts += [f"<h3>Chokepoints ({html.escape(bloc)} view)</h3>"]
        parts += [table_html(chokepoint_table(b, bloc))]
        md += [f"### Chokepoints ({bloc} view)", "", table_md(chokepoint_table(b, bloc)), ""]
    return [*parts, "</section>"], md


MILESTONES_TITLE = "Milestones: year China-free supply covers each share of demand"
SHARES_TITLE = "China-free share of demand, and the largest shortfall"


def _prognosis(b: Briefing) -> tuple[list[str], list[str]]:
    """Section 2 as (HTML parts, Markdown lines): milestones, shares and a fan chart each."""
    end = b.prognoses[0].end_year if b.prognoses else 2050
    parts = [f"<section class='page'><h2>2. Prognosis to {end}</h2>"]
    md = [f"## 2. Prognosis to {end}", ""]
    for p in b.prognoses:
        title = f"{p.scenario} | {p.bloc}"
        milestones = milestone_table(p.summary, MAGNET_ELEMENTS, p.end_year, b.names)
        shares = share_table(p.summary, MAGNET_ELEMENTS, b.names)
        parts += [
            f"<div class='prognosis'><h3>{html.escape(title)}</h3>",
            f"<h4>{MILESTONES_TITLE}</h4>",
            table_html(milestones),
            f"<h4>{SHARES_TITLE}</h4>",
            table_html(shares),
            p.figure_html,
            "</div>",
        ]
        md += [f"### {title}", "", f"#### {MILESTONES_TITLE}", "", table_md(milestones), ""]
        md += [f"#### {SHARES_TITLE}", "", table_md(shares), ""]
    return [*parts, "</section>"], md


#: Print layout: the findings fill the first page; each section starts a new page. The
#: page is drawn PRINT_WIDTH_PX wide (charts keep their screen layout) and printed at
#: PRINT_SCALE, so the print sizes below are about 70% of the size on paper.
PRINT_STYLE = """
a{color:#1a5276} .findings li{margin:.6em 0;line-height:1.4;font-size:1.05em}
.findings li .note{font-size:.85em} h4{margin:1.2em 0 .3em}
@media print{body{max-width:none;margin:0;padding:0;font-size:15px} .note{font-size:13px}
 section.page{break-before:page} table{font-size:12.5px} tr,.plotly-graph-div{break-inside:avoid}
 h2,h3,h4{break-after:avoid} .prognosis{break-inside:avoid-page}}
"""


def page_html(b: Briefing) -> str:
    """The whole briefing as one offline HTML page (plotly.js inlined once)."""
    diagnosis, _ = _diagnosis(b)
    outlook, _ = _prognosis(b)
    body = [
        f"<h1>{html.escape(TITLE)}</h1>",
        f"<p class='note'>{html.escape(b.intro)}</p>",
        *findings_html(b),
        *diagnosis,
        *outlook,
        "<section class='page'><h2>3. Sources</h2>",
        table_html(sources_table(b)),
        "</section>",
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>derisk briefing</title><style>{STYLE}{PRINT_STYLE}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def page_md(b: Briefing) -> str:
    """The whole briefing as Markdown: the same findings and tables, charts left out."""
    _, diagnosis = _diagnosis(b)
    _, outlook = _prognosis(b)
    md = [f"# {TITLE}", "", f"*{b.intro}*", "", *findings_md(b)]
    md += ["Charts are in the HTML version of this briefing.", "", *diagnosis, *outlook]
    md += ["## 3. Sources", "", table_md(sources_table(b)), ""]
    return "\n".join(md)


def write_briefing(
    store: object,
    out_dir: Path,
    blocs: tuple[str, ...] = DEFAULT_BLOCS,
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    prognoses: list[Prognosis] | None = None,
    briefing: Briefing | None = None,
) -> tuple[Path, Path]:
    """Write briefing.html and briefing.md into out_dir; return both paths.

    ``briefing`` (or ``prognoses``) may be passed in when the caller has already run them
    (make demo prints them too); otherwise every scenario x bloc is run here.
    """
    b = briefing or gather(store, blocs, scenarios, draws, seed, progress, prognoses)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / "briefing.html", out_dir / "briefing.md"
    html_path.write_text(page_html(b), encoding="utf-8")
    md_path.write_text(page_md(b), encoding="utf-8")
    return html_path, md_path


#: Chromium's command-line switches for printing: no sandbox (containers), no network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]
#: The page is drawn this wide (CSS px), as on a screen, so the charts keep their layout,
#: and printed at PRINT_SCALE to fit A4 less 12 mm margins (186 mm = 703 px).
PRINT_WIDTH_PX = 1000
PRINT_SCALE = 0.7


def chromium_path() -> str:
    """The Chromium the PDF is printed with: $DERISK_CHROMIUM, else Debian's."""
    return os.environ.get("DERISK_CHROMIUM", "/usr/bin/chromium")


def check_pdf() -> str:
    """The Chromium to print with; DeriskError, saying how to fix it, when one is missing.

    Playwright is a development dependency, so a missing one is an error that says how
    to get it, not a traceback.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise DeriskError(
            "--format pdf needs Playwright: pip install playwright (it drives the Chromium "
            "at $DERISK_CHROMIUM or /usr/bin/chromium, no browser download needed)"
        ) from None
    exe = chromium_path()
    if not Path(exe).exists():
        raise DeriskError(f"--format pdf needs Chromium at {exe} (set DERISK_CHROMIUM)")
    return exe


def write_pdf(html_path: Path, pdf_path: Path | None = None, timeout_ms: int = 60_000) -> Path:
    """Print the HTML briefing to PDF in headless Chromium (Playwright); return its path.

    The page is loaded from disk with every network request refused, and printed once
    every chart has been drawn.
    """
    exe = check_pdf()
    from playwright.sync_api import sync_playwright

    html_path = Path(html_path)
    pdf_path = Path(pdf_path or html_path.with_suffix(".pdf"))
    charts_drawn = html_path.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    margin = dict.fromkeys(("top", "right", "bottom", "left"), "12mm")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1100})
            page.route("**/*", _offline)
            page.emulate_media(media="print")
            page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
            page.wait_for_function(CHARTS_DRAWN, arg=charts_drawn, timeout=timeout_ms)
            page.pdf(
                path=str(pdf_path),
                format="A4",
                print_background=True,
                scale=PRINT_SCALE,
                margin=margin,
            )
        finally:
            browser.close()
    return pdf_path


#: True once n Plotly charts have drawn their SVG.
CHARTS_DRAWN = (
    "n => [...document.querySelectorAll('.plotly-graph-div')]"
    ".filter(d => d.querySelector('.main-svg')).length >= n"
)


def _offline(route: object) -> None:
    """Let the page read its own file; refuse anything else (the briefing needs no network)."""
    if route.request.url.startswith("file:"):  # type: ignore[attr-defined]
        route.continue_()  # type: ignore[attr-defined]
    else:
        route.abort()  # type: ignore[attr-defined]

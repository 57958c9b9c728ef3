"""`make demo`: build the store, print the diagnosis, the prognosis and the key findings,
and write the briefing (HTML and Markdown).

Uses ./out/derisk.duckdb unless DERISK_DB is set, so a demo never touches a
user's own store.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from derisk.data.store import Store
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.summary import stage_summary
from derisk.forecast.summary import STABLE_DRAWS
from derisk.report.briefing import (
    DEFAULT_SCENARIOS,
    Briefing,
    Prognosis,
    gather,
    prognosis,
    write_briefing,
)
from derisk.report.findings import Finding
from derisk.report.forecast_charts import milestone_line
from derisk.report.numbers import format_column, format_number
from derisk.vocabulary import HEADLINE_BLOCS

OUT = Path("out")


def _pct(value: object) -> str:
    return "no data" if value is None or value != value else f"{value:.1f}%"


def run(console: Console | None = None) -> Path:
    """The demo end to end; returns the briefing's HTML path."""
    console = console or Console()
    db = Path(os.environ.get("DERISK_DB", OUT / "derisk.duckdb"))
    store = Store(db)
    with console.status("building the store from the packaged dataset"):
        counts = store.build()
    console.print(
        f"[bold]store[/] {db} ({sum(counts.values()):,} curated rows, "
        f"{len(counts)} tables, dataset {store.meta()['dataset_version']})"
    )

    summary = stage_summary(store)
    table = Table(title="China's share of world output and market concentration, by stage")
    for col in ("stage", "scope", "year", "as of", "China share", "HHI", "sources"):
        table.add_column(col, overflow="fold")
    for r in summary.itertuples():
        table.add_row(
            r.stage,
            r.coverage,
            "" if r.year is None or r.year != r.year else str(int(r.year)),
            "" if r.as_of is None or r.as_of != r.as_of else str(r.as_of),
            _pct(r.china_share),
            "" if r.hhi is None or r.hhi != r.hhi else f"{r.hhi:,.0f}",
            r.sources,
        )
    console.print(table)

    chokes = chokepoints(store, bloc="US", top=5)
    table = Table(title="Top chokepoints (US view)")
    for col in ("rank", "group", "stage", "year", "China share", "US dependency", "sources"):
        table.add_column(col, overflow="fold")
    for r in chokes.itertuples():
        table.add_row(
            str(r.rank),
            r.group,
            r.stage,
            str(r.year),
            _pct(r.china_share),
            f"{r.dependency_low:.0f}-{r.dependency_high:.0f}%",
            r.sources,
        )
    console.print(table)

    prognoses = print_prognosis(store, console)
    briefing = gather(store, draws=DEMO_DRAWS, seed=DEMO_SEED, prognoses=prognoses)
    print_findings(briefing, console)
    html_path, md_path = write_briefing(store, OUT / "briefing", briefing=briefing)
    console.print(f"[bold]briefing[/] {html_path.resolve()}")
    console.print(f"[bold]briefing[/] {md_path.resolve()} (Markdown)")
    review_sample(store, console)
    return html_path


SAMPLE_ARTICLE = Path(__file__).parent / "review" / "samples" / "sample-article.md"


def review_sample(store: Store, console: Console) -> list[Path]:
    """Review the bundled sample article; write Markdown and HTML next to the report."""
    from derisk.report.review import render
    from derisk.review.reading.text import read_article
    from derisk.review.writing.critique import Reviewer

    critique = Reviewer(store).review(read_article(SAMPLE_ARTICLE))
    paths = []
    for fmt in ("md", "html"):
        path = OUT / f"sample-article.review.{fmt}"
        path.write_text(render(critique, fmt), encoding="utf-8")
        paths.append(path)
    verdicts = [v.verdict for v in critique.claims]
    console.print(
        f"[bold]review[/] of the bundled sample article: "
        f"{verdicts.count('supported')} supported, {verdicts.count('contradicted')} "
        f"contradicted, {verdicts.count('outdated')} outdated, "
        f"{verdicts.count('opinion')} opinion; ratings "
        + ", ".join(f"{k.replace('_', ' ')} {r.level}" for k, r in critique.ratings.items())
    )
    for path in paths:
        console.print(f"[bold]review[/] {path.resolve()}")
    return paths


DEMO_DRAWS = STABLE_DRAWS  # stable P50s between seeds (see its measurement)
DEMO_SEED = 1


def print_prognosis(store: Store, console: Console) -> list[Prognosis]:
    """The default scenarios for the headline blocs: milestones, 2030 share, worst gap."""
    from derisk.forecast.scenario import MAGNET_ELEMENTS
    from derisk.forecast.summary import HEADLINE_YEARS

    year = HEADLINE_YEARS[0]
    table = Table(
        title=f"Prognosis to 2050 ({DEMO_DRAWS:,} draws, seed {DEMO_SEED}): year China-free "
        "supply covers each share of demand for good, P50 (P10–P90); China-free share of "
        f"demand in {year}; worst yearly shortfall, P50 (P10–P90)"
    )
    for col in (
        "scenario",
        "bloc",
        "element",
        "milestones",
        f"China-free share {year}",
        "worst shortfall t",
        "worst shortfall % of demand",
    ):
        table.add_column(col, overflow="fold")
    prognoses = []
    for name in DEFAULT_SCENARIOS:
        for bloc in HEADLINE_BLOCS:
            with console.status(f"forecast {name} / {bloc}"):
                p = prognosis(store, name, bloc, draws=DEMO_DRAWS, seed=DEMO_SEED)
            prognoses.append(p)
            for element in MAGNET_ELEMENTS:  # the sourced demand; co-products are in the JSON
                table.add_row(name, bloc, element, *_prognosis_cells(p, element, year))
    console.print(table)
    return prognoses


def _prognosis_cells(p: Prognosis, element: str, year: int) -> list[str]:
    """Milestones, the headline year's share and the worst shortfall of one element."""
    share = p.summary["headline_share"][element].get(year, {})
    w = p.summary["worst_shortfall"][element]

    return [
        milestone_line(p.summary["milestones"][element], p.end_year),
        _range((share.get("p50"), share.get("p10"), share.get("p90")), "share", "%"),
        _range((w["p50_t"], w["p10_t"], w["p90_t"]), "shortfall_t", "t"),
        format_number(w["share_of_demand_p50_pct"], "share") + "%",
    ]


def _range(values: tuple, column: str, unit: str) -> str:
    """P50 (P10–P90) at one precision (numbers.format_column); a % sign on each share."""
    if values[0] is None:
        return "no data"
    p50, p10, p90 = format_column(list(values), column, [unit] * 3)
    sign = "%" if unit == "%" else ""
    return f"{p50}{sign} ({p10}–{p90}{sign})"


def _finding_line(f: Finding) -> str:
    """A finding for the terminal: the sentence, then its sources as links."""
    cites = "; ".join(
        f"[link={escape(c.url)}]{escape(c.label)}[/link]" if c.url else escape(c.label)
        for c in f.citations
    )
    return f"- {escape(f.text)}" + (f" ({cites})." if cites else ".")


def print_findings(briefing: Briefing, console: Console) -> None:
    """The briefing's first page in the terminal: key findings with year and source."""
    console.print("[bold]Key findings[/] (the briefing's first page)")
    console.print("[bold]Today[/]")
    for f in briefing.today:
        console.print(_finding_line(f), highlight=False)
    if briefing.outlook:
        console.print(f"[bold]Outlook to {briefing.prognoses[0].end_year}[/]")
        for f in briefing.outlook:
            console.print(_finding_line(f), highlight=False)


if __name__ == "__main__":
    run()

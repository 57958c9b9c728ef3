"""`make demo`: build the store, print the diagnosis, write the HTML report.

Uses ./out/derisk.duckdb unless DERISK_DB is set, so a demo never touches a
user's own store.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from derisk.data.store import Store
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.summary import stage_summary
from derisk.forecast.summary import STABLE_DRAWS
from derisk.report.briefing import Prognosis, prognosis, write_briefing, years_range
from derisk.vocabulary import HEADLINE_BLOCS

OUT = Path("out")


def _pct(value: object) -> str:
    return "no data" if value is None or value != value else f"{value:.1f}%"


def run(console: Console | None = None) -> Path:
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
    html_path, md_path = write_briefing(
        store, OUT / "briefing", draws=DEMO_DRAWS, seed=DEMO_SEED, prognoses=prognoses
    )
    console.print(f"[bold]briefing[/] {html_path.resolve()}")
    console.print(f"[bold]briefing[/] {md_path.resolve()} (Markdown)")
    review_sample(store, console)
    return html_path


SAMPLE_ARTICLE = Path(__file__).parent / "review" / "samples" / "sample-article.md"


def review_sample(store: Store, console: Console) -> list[Path]:
    """Review the bundled sample article; write Markdown and HTML next to the report."""
    from derisk.report.review import render
    from derisk.review.critique import Reviewer
    from derisk.review.text import read_article

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
    """Baseline and export-controls-2025 for the US and the EU: year de-risked, worst gap."""
    from derisk.forecast.scenario import MAGNET_ELEMENTS

    table = Table(
        title=f"Prognosis to 2050 ({DEMO_DRAWS} draws, seed {DEMO_SEED}): year "
        "de-risked P50 (P10-P90), 'never' = not by 2050; worst shortfall P50 (P10-P90)"
    )
    for col in (
        "scenario",
        "bloc",
        "element",
        "year de-risked",
        "worst shortfall t",
        "worst shortfall % of demand",
    ):
        table.add_column(col, overflow="fold")
    prognoses = []
    for name in ("baseline", "export-controls-2025"):
        for bloc in HEADLINE_BLOCS:
            with console.status(f"forecast {name} / {bloc}"):
                p = prognosis(store, name, bloc, draws=DEMO_DRAWS, seed=DEMO_SEED)
            prognoses.append(p)
            for element in MAGNET_ELEMENTS:  # the sourced demand; co-products are in the JSON
                v = p.summary["year_derisked"][element]
                w = p.summary["worst_shortfall"][element]
                table.add_row(
                    name,
                    bloc,
                    element,
                    years_range(v),
                    f"{w['p50_t']:,.0f} ({w['p10_t']:,.0f}-{w['p90_t']:,.0f})",
                    f"{w['share_of_demand_p50_pct']:.0f}%",
                )
    console.print(table)
    return prognoses


if __name__ == "__main__":
    run()

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
from derisk.report.html import write_report

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
    for col in ("stage", "scope", "year", "China share", "HHI", "sources"):
        table.add_column(col, overflow="fold")
    for r in summary.itertuples():
        table.add_row(
            r.stage,
            r.coverage,
            "" if r.year is None or r.year != r.year else str(int(r.year)),
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

    report = write_report(store, OUT / "derisk-report.html", bloc="US")
    console.print(f"[bold]report[/] {report.resolve()}")
    return report


if __name__ == "__main__":
    run()

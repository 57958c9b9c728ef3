"""A self-contained HTML report: charts, tables and every source, usable offline.

plotly.js is embedded once in the page, so the file opens without a network.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.summary import stage_summary
from derisk.report import charts

#: Layout: the page is at most 1100 px wide and never wider than the window; a table wider
#: than the page scrolls inside its own box (.table-wrap) and a long cell wraps, so the
#: page itself never scrolls sideways (a 16-column table made the report 1,600 px wide).
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em;
overflow-wrap:break-word}
.table-wrap{overflow-x:auto;max-width:100%;margin:1em 0}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;max-width:28em;
overflow-wrap:anywhere}
th{background:#f4f4f4} .note{color:#555;font-size:13px} h2{margin-top:2em}
.plotly-graph-div,img,svg{max-width:100%}
"""


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        text = f"{value:.0f}" if "year" in column and value.is_integer() else f"{value:,.2f}"
    else:
        text = str(value)
    return html.escape(text)


def table_html(frame: pd.DataFrame) -> str:
    """An escaped HTML table."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(f"<td>{_cell(v, c)}</td>" for v, c in zip(row, frame.columns, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figure_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def cited_ids(*frames: pd.DataFrame) -> set[str]:
    ids: set[str] = set()
    for frame in frames:
        for value in frame.get("sources", pd.Series(dtype=str)).dropna():
            ids |= {s for s in str(value).split(";") if s}
    return ids


def write_report(store: object, out: Path, bloc: str = "US") -> Path:
    """Write the diagnosis report for ``bloc`` to ``out`` and return its path."""
    summary = stage_summary(store)
    conc = concentration(store)
    dep = dependency(store, bloc)
    chokes = chokepoints(store, bloc=bloc)
    meta = store.meta()  # type: ignore[attr-defined]
    cited = cited_ids(summary, conc, dep, chokes)
    sources = store.sources(sorted(cited))[  # type: ignore[attr-defined]
        ["source_id", "title", "publisher", "date", "url"]
    ]
    parts = [
        f"<h1>derisk: where the world depends on China ({html.escape(bloc)} view)</h1>",
        f"<p class='note'>Dataset {html.escape(meta['dataset_version'])}; report generated "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Shares are per cent of world output; "
        "mining is t REO of all rare earths, other stages as each source scopes them "
        "(see the coverage column).</p>",
        "<h2>China's share by stage</h2>",
        table_html(summary),
        figure_html(charts.china_share_by_stage(summary), "chart-stage-share"),
        "<h2>Mining concentration over time</h2>",
        figure_html(charts.mining_over_time(conc), "chart-mining-time"),
        f"<h2>{html.escape(bloc)} dependency on China</h2>",
        "<p class='note'>Low bound: non-Chinese processors use non-Chinese feed first. "
        "High bound: feed bought at the world mix. See docs/METHODS.md.</p>",
        table_html(dep.drop(columns=["sources"])),
        figure_html(charts.dependency_bounds(dep, bloc), "chart-dependency"),
        "<h2>Chokepoints</h2>",
        table_html(chokes.drop(columns=["sources"])),
        "<h2>All concentration records</h2>",
        table_html(conc),
    ]
    notes = conc.attrs.get("notes", [])
    if notes:
        parts += ["<h2>Data notes</h2><ul>"]
        parts += [f"<li>{html.escape(n)}</li>" for n in notes] + ["</ul>"]
    parts += ["<h2>Sources</h2>", table_html(sources)]
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>derisk report ({html.escape(bloc)})</title><style>{STYLE}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out

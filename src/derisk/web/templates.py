"""HTML building helpers for the dashboard: a page shell, tables, charts and source links.

Every dynamic string goes through :func:`esc` (``html.escape``) before it reaches the
page. Charts are Plotly figures serialised to JSON inside ``<script type=
"application/json">`` blocks that /static/app.js draws; no inline script runs, so the
pages can carry a strict Content-Security-Policy (see :data:`CSP`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd

#: Nothing leaves the machine: scripts, styles, fetches and images come from this server.
#: Plotly sets inline styles on its SVG, hence 'unsafe-inline' for styles only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: Headers every dashboard page is sent with.
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

NAV = (
    ("/", "Overview"),
    ("/element/Nd", "Elements"),
    ("/bloc/US", "Blocs"),
    ("/scenarios", "Scenarios"),
    ("/review", "Review"),
    ("/data", "Data & sources"),
    ("/docs", "API"),
)

NO_DATA = "no data in the dataset"


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; None and NaN become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):  # pandas NA / NaT
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def url(path: str, **query: object) -> str:
    """A local URL with a quoted path segment and query (already safe for attributes)."""
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return esc(path + (f"?{urlencode(q)}" if q else ""))


def source_url(source_id: str) -> str:
    return "/sources/" + quote(source_id.strip(), safe="")


def split_ids(value: object) -> list[str]:
    """Source ids of a cell: 'a;b', 'a; b' or 'a, b' (forecast attributes) -> ['a', 'b']."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    text = str(value)
    parts = [p.strip() for p in text.replace(",", ";").split(";")]
    return [p for p in parts if p]


def source_links(value: object) -> str:
    """Each source id of a cell as a link to /sources/ID."""
    ids = split_ids(value)
    return "; ".join(f'<a class="src" href="{esc(source_url(s))}">{esc(s)}</a>' for s in ids)


def fmt(value: object, column: str = "", unit: str | None = None) -> str:
    """A cell as text, by the rules every interface shares (derisk.report.numbers).

    Pass the row's ``unit`` so an amount of money reads ``EUR 110 million``.
    """
    from derisk.report.numbers import format_number

    return format_number(value, column, unit)


SOURCE_COLUMNS = ("source_id", "sources")


def table(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    links: dict[str, Callable[[object], str | None]] | None = None,
    table_id: str | None = None,
    empty: str = NO_DATA,
    caption: str | None = None,
    headings: dict[str, str] | None = None,
) -> str:
    """An HTML table; source-id columns link to /sources/ID, ``links`` adds other links.

    ``headings`` replaces a column's header text with HTML (already escaped): the data
    browser's sort links.
    """
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    if frame.empty:
        return f'<p class="no-data">{esc(empty)}</p>'
    links = links or {}
    headings = headings or {}
    head = "".join(f'<th scope="col">{headings.get(c, esc(c))}</th>' for c in cols)
    body = []
    for record in frame[cols].to_dict("records"):
        cells = []
        for c in cols:
            value = record[c]
            if c in SOURCE_COLUMNS:
                cells.append(f'<td class="sources">{source_links(value)}</td>')
                continue
            text = esc(fmt(value, c))
            href = links[c](value) if c in links and text else None
            cells.append(
                f'<td><a href="{esc(href)}">{text}</a></td>' if href else f"<td>{text}</td>"
            )
        body.append(f"<tr>{''.join(cells)}</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table class="data"{ident}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def json_for_script(payload: str) -> str:
    """JSON safe inside <script>: '<', '>' and '&' only occur in strings, so escape them."""
    return payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def rows_table(frame: pd.DataFrame, columns: Sequence[str] | None = None, *, open_below: int = 12,
               summary: str = "rows", **kwargs: Any) -> str:  # fmt: skip
    """A table, folded into <details> when it has more than ``open_below`` rows."""
    html_table = table(frame, columns, **kwargs)
    if len(frame) <= open_below:
        return html_table
    return (
        f"<details class='rows'><summary>Show the {len(frame):,} {esc(summary)}</summary>"
        f"{html_table}</details>"
    )


def json_block(block_id: str, payload: object) -> str:
    """Data for a page script, as a non-executed JSON block."""
    return (
        f'<script type="application/json" id="{esc(block_id)}">'
        f"{json_for_script(json.dumps(payload, default=str))}</script>"
    )


def no_data(what: str = "") -> str:
    text = f"{what}: {NO_DATA}" if what else NO_DATA
    return f'<p class="no-data">{esc(text)}</p>'


def note(text: str) -> str:
    """A muted paragraph of plain text (escaped here)."""
    return f'<p class="note">{esc(text)}</p>'


def notes(items: Iterable[str]) -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def page(
    title: str,
    body: str,
    *,
    active: str = "",
    charts: bool = False,
    scripts: Sequence[str] = (),
    subtitle: str = "",
) -> str:
    """The page shell: header with navigation, main content, local scripts only."""
    nav = "".join(
        f'<a href="{esc(href)}"{" class=active" if label == active else ""}>{esc(label)}</a>'
        for href, label in NAV
    )
    js = []
    if charts:
        js.append('<script defer src="/static/plotly.min.js"></script>')
    js.append('<script defer src="/static/app.js"></script>')
    if charts:
        js.append('<script defer src="/static/grapher.js"></script>')
    js.extend(f'<script defer src="/static/{esc(s)}"></script>' for s in scripts)
    sub = f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)} · derisk</title>"
        "<link rel='icon' href='/static/favicon.svg' type='image/svg+xml'>"
        "<link rel='stylesheet' href='/static/style.css'>"
        f"{''.join(js)}</head><body>"
        f"<header class='top'><a class='brand' href='/'>derisk</a><nav>{nav}</nav></header>"
        f"<main><h1>{esc(title)}</h1>{sub}{body}</main>"
        "<footer>derisk · rare-earth supply-chain risk · every figure links to its source "
        "· served locally, nothing leaves this machine</footer>"
        "</body></html>"
    )


def error_body(status: int, message: str, hint: str = "") -> str:
    """An error message (escaped here) and an optional hint that is already HTML."""
    extra = f"<p>{hint}</p>" if hint else ""
    return f'<p class="error" data-status="{status}">{esc(message)}</p>{extra}'

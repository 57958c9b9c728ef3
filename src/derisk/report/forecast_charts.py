"""How a forecast is shown: fan charts, and milestone and share tables a reader can paste.

A prognosis is a distribution, so every year is given as P50 with its P10-P90 range. A
milestone that is never reached reads "not by 2050" (the horizon), said once for a row
rather than once per quantile: "never (never-never)" told a reader nothing three times.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from derisk.forecast.summary import CRMA, CRMA_MILESTONE, MILESTONE_THRESHOLDS
from derisk.report.charts import _source_note
from derisk.report.numbers import format_column, format_number
from derisk.report.tables import Cell, Table

PALETTE = ("#c0392b", "#2471a3", "#7d3c98", "#117a65", "#b9770e", "#566573")


def fan_chart(
    quantiles: xr.DataArray,
    elements: tuple[str, ...],
    title: str,
    units: str,
    sources: str,
    thresholds: tuple[int, ...] = MILESTONE_THRESHOLDS,
) -> go.Figure:
    """quantiles: (quantile[0.1, 0.5, 0.9], element, year) as from summary.ratio_quantiles.

    Milestone lines are drawn up to the first one above every band, so the chart shows
    how far the nearest milestone is without flattening the bands against the axis.
    """
    years = quantiles["year"].values
    fig = go.Figure()
    for i, element in enumerate(elements):
        q = quantiles.sel(element=element)
        colour = PALETTE[i % len(PALETTE)]
        p10, p50, p90 = (q.sel(quantile=v).values for v in (0.1, 0.5, 0.9))
        fig.add_trace(
            go.Scatter(
                x=list(years) + list(years[::-1]),
                y=list(p90) + list(p10[::-1]),
                fill="toself",
                fillcolor=colour,
                opacity=0.18,
                line={"width": 0},
                hoverinfo="skip",
                name=f"{element} P10-P90",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(x=years, y=p50, name=f"{element} P50", line={"color": colour, "width": 2})
        )
    top = float(quantiles.sel(element=list(elements)).max(skipna=True).fillna(0))
    for t in thresholds:
        fig.add_hline(
            y=t,
            line={"dash": "dot", "color": "#888", "width": 1},
            annotation_text=f"{t}% milestone",
            annotation_position="top left",
        )
        if t > top:
            break
    fig.update_layout(title=title, yaxis={"title": units}, xaxis={"title": "year"}, height=430)
    return _source_note(fig, pd.Series([sources]))


def year_span(record: Mapping, end_year: int) -> str:
    """P10–P90 years as "2031–2040"; a quantile not reached reads "after <end_year>"."""

    def year(value: object) -> str:
        """A year, or "after <end_year>" for a quantile past the horizon."""
        return f"after {end_year}" if value is None else format_number(value, "year")

    return f"{year(record['p10'])}–{year(record['p90'])}"


def milestone_text(record: Mapping, end_year: int) -> str:
    """A milestone year: "2035 (2031–2040)" (P50, P10–P90), or "not by 2050".

    When the P50 is not reached but the earliest runs reach it, their P10 year is kept:
    "not by 2050 (P10 2046)".
    """
    p10, p50, p90 = record["p10"], record["p50"], record["p90"]
    if p50 is None:
        tail = "" if p10 is None else f" (P10 {format_number(p10, 'year')})"
        return f"not by {end_year}{tail}"
    if p10 == p50 == p90:
        return format_number(p50, "year")
    return f"{format_number(p50, 'year')} ({year_span(record, end_year)})"


def _unreached(record: Mapping) -> bool:
    """No quantile reaches the milestone: the whole range lies after the horizon."""
    return all(record[q] is None for q in ("p10", "p50", "p90"))


def _reached_count(records: list[Mapping]) -> int:
    """How many milestones lead before the unreached tail (P10, P50, P90 all after the
    horizon). Milestones are nested (covering 25% implies covering 10%), so what is
    never reached is always a tail."""
    reached = len(records)
    while reached and _unreached(records[reached - 1]):
        reached -= 1
    return reached


def _milestone_cells(records: list[Mapping], end_year: int) -> list[Cell]:
    """One cell per milestone; the unreached tail becomes one cell spanning it, so
    "not by 2050" is said once per row."""
    reached = _reached_count(records)
    cells = [Cell(milestone_text(r, end_year)) for r in records[:reached]]
    if reached < len(records):
        cells.append(Cell(f"not by {end_year}", span=len(records) - reached))
    return cells


def milestone_line(milestones: Mapping[str, Mapping], end_year: int) -> str:
    """An element's milestones on one line: "10%: 2031 (2029–2034); 25–100%: not by 2050".

    For a terminal (make demo), where a table has no spanning cells.
    """
    keys = sorted((k for k in milestones if k.isdigit()), key=int)
    records = [milestones[k] for k in keys]
    reached = _reached_count(records)
    parts = [
        f"{k}%: {milestone_text(r, end_year)}"
        for k, r in zip(keys[:reached], records[:reached], strict=True)
    ]
    rest = keys[reached:]
    if rest:
        label = f"{rest[0]}%" if len(rest) == 1 else f"{rest[0]}–{rest[-1]}%"
        parts.append(f"{label}: not by {end_year}")
    return "; ".join(parts)


def milestone_table(
    summary: dict, elements: tuple[str, ...], end_year: int, names: Mapping[str, str]
) -> Table:
    """Per element: the year China-free supply covers each share of demand for good.

    For the EU, a last column gives the CRMA check: the first year from which at most
    65 % of the bloc's supply comes from China.
    """
    milestones = summary["milestones"]
    some = next(iter(milestones.values()), {})
    keys = sorted((k for k in some if k.isdigit()), key=int)
    crma = CRMA_MILESTONE in some
    cap = format_number(CRMA["max_single_third_country_pct"], "share")
    headers = ["Element", *(f"{k}% of demand" for k in keys)]
    headers += [f"At most {cap}% from China (CRMA)"] if crma else []
    rows = []
    for element in elements:
        name = f"{names.get(element, element)} ({element})"
        found = milestones.get(element)
        if found is None:
            note = summary["year_derisked"].get(element, {}).get("note", "no forecast")
            rows.append([Cell(name), Cell(note, span=len(headers) - 1)])
            continue
        row = [Cell(name), *_milestone_cells([found[k] for k in keys], end_year)]
        if crma:
            row.append(Cell(milestone_text(found[CRMA_MILESTONE], end_year)))
        rows.append(row)
    notes = [
        f"Year from which China-free supply covers the share of the bloc's demand in every "
        f"later year: P50 (P10–P90). 'not by {end_year}': not reached by the horizon in the "
        "median run nor in the earliest 10% of runs."
    ]
    return Table(headers, rows, notes)


def _quantiles(q: Mapping, column: str) -> str:
    """P50 (P10–P90) of a share, each written as a share."""
    if q.get("p50") is None:
        return "no demand"
    fmt = [format_number(q[k], column) for k in ("p50", "p10", "p90")]
    return f"{fmt[0]} ({fmt[1]}–{fmt[2]})"


def _shortfalls(worst: list[dict]) -> list[str]:
    """Largest shortfalls in t as P50 (P10–P90), every tonnage of the column at one
    precision (numbers.format_column)."""
    keys = ("p50_t", "p10_t", "p90_t")
    values = [w[k] for w in worst for k in keys]
    texts = format_column(values, "shortfall_t", ["t"] * len(values))
    return [f"{a} ({b}–{c})" for a, b, c in zip(texts[::3], texts[1::3], texts[2::3], strict=True)]


def share_table(summary: dict, elements: tuple[str, ...], names: Mapping[str, str]) -> Table:
    """Per element: China-free share of demand in the headline years, and the worst gap."""
    shares = summary["headline_share"]
    years = sorted({y for e in elements for y in shares.get(e, {})})
    headers = ["Element", *(f"{y}: China-free share of demand (%)" for y in years)]
    headers += ["Largest yearly shortfall (t)", "Largest shortfall (% of demand, P50)", "In year"]
    forecast = [e for e in elements if e in shares]
    worst_t = _shortfalls([summary["worst_shortfall"][e] for e in forecast])
    tonnes = dict(zip(forecast, worst_t, strict=True))
    rows = []
    for element in elements:
        name = f"{names.get(element, element)} ({element})"
        if element not in shares:
            note = summary["year_derisked"].get(element, {}).get("note", "no forecast")
            rows.append([Cell(name), Cell(note, span=len(headers) - 1)])
            continue
        worst = summary["worst_shortfall"][element]
        rows.append(
            [
                Cell(name),
                *(Cell(_quantiles(shares[element][y], "share")) for y in years),
                Cell(tonnes[element]),
                Cell(format_number(worst["share_of_demand_p50_pct"], "share")),
                Cell(format_number(worst["year_of_largest_p50"], "year")),
            ]
        )
    notes = ["P50 (P10–P90) over the Monte Carlo runs; shares are of the bloc's own demand."]
    return Table(headers, rows, notes)

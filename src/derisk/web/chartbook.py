"""Every dashboard chart by id: what it asks, what it needs, which selector it offers.

A page and the chart's download URL (/api/charts/ID) build a chart through the same
:func:`build`, from the same parameters, so the CSV a reader downloads holds the
numbers of the figure on the page. A chart's *context* is the page it belongs to (an
element symbol, a bloc code); its *params* are the selectors a reader changes (which
element's prices, which demand scenario, which measure). Each param's first choice is
its default unless the spec says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from derisk.data.blocs import blocs, resolve_bloc
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.elements import ElementScope, element_scope
from derisk.diagnose.summary import stage_summary
from derisk.errors import InputError
from derisk.report import charts, dashboard_charts
from derisk.web import selection
from derisk.web.cache import derived

Choices = list[tuple[str, str]]
#: Countries the production chart always names, however small their output: China,
#: which dominates it, and the United States and Australia, the largest producers
#: outside China whose output a reader looks for (issue 13).
ALWAYS_NAMED = ("CHN", "USA", "AUS")
WORLD, OTHER = "WLD", "OTH"
#: The context a chart gets when a request names none: the pages /element and /bloc open on.
DEFAULT_CONTEXT = {"symbol": "Nd", "bloc": "US"}


@dataclass(frozen=True)
class Param:
    """A selector: a query parameter, its label, and the values the store offers."""

    name: str
    label: str
    choices: Callable[[Any, Mapping[str, str]], Choices]
    default: Callable[[Any, Mapping[str, str], Choices], str] | None = None


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its id, its question, its page context and selectors, its builder."""

    id: str
    question: str
    draw: Callable[[Any, Mapping[str, str]], go.Figure | None]
    context: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.context + tuple(p.name for p in self.params)


@dataclass
class Chart:
    """A built chart: the figure and the values (context and selectors) it was built for."""

    spec: ChartSpec
    figure: go.Figure
    values: dict[str, str]
    choices: dict[str, Choices] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        meta = self.figure.layout.meta
        return list(meta.get("sources", [])) if isinstance(meta, dict) else []


# -- context ------------------------------------------------------------------------------
def _context(store: Any, name: str, value: str | None) -> str:
    """A page's own parameter, checked: an element symbol or a bloc code."""
    if not value:  # only a context without a default
        raise InputError("missing parameter", column=name, expected=f"a {name}")
    if name == "symbol":
        element = selection.find_element(store, value)
        if element is None:
            known = ", ".join(store.table("elements")["symbol"])
            raise InputError("unknown element", column=name, expected=known, found=value[:80])
        return element.symbol
    return resolve_bloc(store, value)


# -- the charts ---------------------------------------------------------------------------
def _stage_share(store: Any, v: Mapping[str, str]) -> go.Figure:
    return charts.china_share_by_stage(derived(store, stage_summary))


def _heatmap(store: Any, v: Mapping[str, str]) -> go.Figure:
    return dashboard_charts.concentration_heatmap(derived(store, concentration), v["measure"])


def _producers(store: Any, v: Mapping[str, str]) -> Choices:
    mine = store.table("mine_production")
    mine = mine[(mine["value"].fillna(0) > 0) & ~mine["country"].isin((WORLD, OTHER))]
    names = selection.country_names(store)
    codes = sorted(set(mine["country"]), key=lambda c: names.get(c, c))
    return [("", "the largest producers")] + [(c, names.get(c, c)) for c in codes]


def _production(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    mine = store.table("mine_production")
    if not mine["value"].notna().any():
        return None
    return dashboard_charts.production_by_country(
        mine, selection.country_names(store), always=ALWAYS_NAMED,
        extra=v.get("country") or None, world=WORLD, other=OTHER,
    )  # fmt: skip


def _chokepoints(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    chokes = derived(store, chokepoints, bloc=v["bloc"])
    return None if chokes.empty else dashboard_charts.chokepoint_scores(chokes, v["bloc"])


def element_shares(store: Any, symbol: str) -> tuple[ElementScope, pd.DataFrame, bool, list[str]]:
    """The element's scope, the concentration rows for its groups (its own included when
    the dataset has any), whether it has its own, and the groups shown."""
    scope = element_scope(store, symbol)
    conc = derived(store, concentration)
    own = derived(store, concentration, group=symbol)
    conc_all = pd.concat([conc, own], ignore_index=True) if not own.empty else conc
    shown = [g for g in scope.groups if g != symbol or not own.empty]
    return scope, conc_all, not own.empty, shown


def _element_shares(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    scope, conc, _, shown = element_shares(store, v["symbol"])
    rows = conc[conc["group"].isin(shown) & conc["china_share"].notna()]
    if not scope.mined or rows.empty:
        return None
    return dashboard_charts.element_stage_shares(conc, v["symbol"], shown)


def _price_choices(store: Any, v: Mapping[str, str]) -> Choices:
    return [(e, e) for e in selection.price_labels(store, v["symbol"])]


def _prices(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    prices = store.table("prices")
    prices = prices[prices["element"] == v["prices"]]
    return None if prices.empty else dashboard_charts.price_history(prices, v["prices"])


def _own_demand(store: Any, symbol: str) -> pd.DataFrame:
    element = selection.find_element(store, symbol)
    return selection.own_demand(store, element) if element else pd.DataFrame()


def _scenario_choices(store: Any, v: Mapping[str, str]) -> Choices:
    rows = _own_demand(store, v["symbol"])
    if rows.empty:
        return []
    projected = rows[rows["year"] > rows["base_year"]]
    return [(s, s) for s in sorted(projected["scenario"].unique())]


def _baseline_path(store: Any, v: Mapping[str, str], choices: Choices) -> str:
    """The demand path of the forecast's baseline preset, when the element has it."""
    from derisk.forecast.scenario import load_scenario

    path = load_scenario("baseline").demand.path
    values = [c for c, _ in choices]
    return path if path in values else (values[0] if values else "")


def _demand(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    rows = _own_demand(store, v["symbol"])
    if rows.empty or not v.get("scenario"):
        return None
    return dashboard_charts.demand_projection(rows, v["symbol"], v["scenario"])


def _dependency(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    try:
        dep = derived(store, dependency, v["bloc"])
    except InputError:  # a bloc that includes China has no dependency on China
        return None
    if dep["dependency_low"].notna().any():
        return charts.dependency_bounds(dep, v["bloc"])
    return None


def _facilities(store: Any, v: Mapping[str, str]) -> go.Figure | None:
    dated = selection.dated_facilities(store, v["bloc"])
    return None if dated.empty else dashboard_charts.facilities_timeline(dated, v["bloc"])


def _measures(store: Any, v: Mapping[str, str]) -> Choices:
    return [(k, label) for k, (label, _, _) in dashboard_charts.MEASURES.items()]


def _bloc_choices(store: Any, v: Mapping[str, str]) -> Choices:
    return [(b, b) for b in blocs(store)]


def _first_bloc(store: Any, v: Mapping[str, str], choices: Choices) -> str:
    """US, the bloc the dashboard opens on, when the store has it."""
    values = [c for c, _ in choices]
    return "US" if "US" in values else values[0]


SPECS: dict[str, ChartSpec] = {
    s.id: s
    for s in (
        ChartSpec("stage-share", "How much of each supply-chain stage does China hold?",
                  _stage_share),
        ChartSpec("heatmap", "Where is supply most concentrated, by stage and element group?",
                  _heatmap, params=(Param("measure", "Measure", _measures),)),
        ChartSpec("production", "Who mines the world's rare earths?", _production,
                  params=(Param("country", "Also name", _producers),)),
        ChartSpec("chokepoints", "Which stages are a bloc's worst chokepoints?", _chokepoints,
                  params=(Param("bloc", "Bloc", _bloc_choices, _first_bloc),)),
        ChartSpec("element-shares", "How much of each stage does China hold for this element?",
                  _element_shares, context=("symbol",)),
        ChartSpec("element-prices", "What has this element cost, market by market?", _prices,
                  context=("symbol",), params=(Param("prices", "Element", _price_choices),)),
        ChartSpec("element-demand", "How much of this element will clean technologies need?",
                  _demand, context=("symbol",),
                  params=(Param("scenario", "Scenario", _scenario_choices, _baseline_path),)),
        ChartSpec("dependency", "How much of the bloc's supply depends on China?",
                  _dependency, context=("bloc",)),
        ChartSpec("facilities", "Are the bloc's new plants starting when announced?",
                  _facilities, context=("bloc",)),
    )
}  # fmt: skip


def _param_value(store: Any, param: Param, values: Mapping[str, str],
                 given: str | None) -> tuple[str, Choices]:  # fmt: skip
    choices = param.choices(store, values)
    allowed = [c for c, _ in choices]
    if given is None or (given == "" and "" not in allowed):
        if param.default is not None:
            return param.default(store, values, choices), choices
        return (allowed[0] if allowed else ""), choices
    if given not in allowed:
        raise InputError(
            f"unknown {param.label.lower()}", column=param.name,
            expected=", ".join(a or "(blank)" for a in allowed), found=given[:80],
        )  # fmt: skip
    return given, choices


def build(store: Any, chart_id: str, query: Mapping[str, str]) -> Chart | None:
    """The chart ``chart_id`` for the context and selections in ``query``; None when the
    store has nothing to draw. Unknown ids, elements, blocs or choices are InputErrors."""
    spec = SPECS.get(chart_id)
    if spec is None:
        raise InputError("unknown chart", column="chart", expected=", ".join(SPECS),
                         found=chart_id[:80])  # fmt: skip
    values = {
        name: _context(store, name, query.get(name) or DEFAULT_CONTEXT.get(name))
        for name in spec.context
    }
    choices: dict[str, Choices] = {}
    for param in spec.params:
        values[param.name], choices[param.name] = _param_value(
            store, param, values, query.get(param.name)
        )
    figure = spec.draw(store, values)
    return None if figure is None else Chart(spec, figure, values, choices)

"""The dashboard's charts answer one question each (derisk.web.chartbook): few series,
the ones a reader looks for named, the rest reachable through a selector. Each check
recomputes what the chart should hold from the store's rows, not from the chart."""

from __future__ import annotations

from collections import defaultdict

import pytest

from derisk.errors import InputError
from derisk.report.dashboard_charts import OTHER_MARKET, PRICE_MARKETS, REST_OF_WORLD
from derisk.web import chartbook, selection
from derisk.web.chartbook import ALWAYS_NAMED, OTHER, WORLD, build

MAX_SERIES = 9  # a legend a reader can take in at a glance, and that never scrolls


def traces(chart: chartbook.Chart) -> dict[str, dict[object, float]]:
    """{series: {x: y}} of a chart's traces."""
    return {t.name: dict(zip(list(t.x), [float(v) for v in t.y], strict=True))
            for t in chart.figure.data}  # fmt: skip


@pytest.mark.parametrize("chart_id", list(chartbook.SPECS))
def test_every_chart_builds_with_its_defaults_and_few_series(store, chart_id) -> None:
    chart = build(store, chart_id, {})
    assert chart is not None, f"{chart_id} draws nothing for its default selection"
    assert 0 < len(chart.figure.data) <= MAX_SERIES
    assert chart.sources, f"{chart_id} cites no source"
    assert chart.figure.layout.title.text


def test_production_names_the_big_producers_and_sums_the_rest(store) -> None:
    chart = build(store, "production", {})
    names = selection.country_names(store)
    series = traces(chart)
    for code in ALWAYS_NAMED:
        assert names[code] in series, f"{names[code]} is not named"
    mine = store.table("mine_production")
    mine = mine[mine["value"].notna()]
    named = {code for code, name in names.items() if name in series}
    rest = mine[(mine["country"] != WORLD) & ~mine["country"].isin(named)]
    expected = rest.groupby("year")["value"].sum()
    assert series[REST_OF_WORLD] == pytest.approx({int(y): v for y, v in expected.items()})
    assert OTHER in set(rest["country"])  # the source's 'other countries' row is in the rest
    # every country's tonnes are drawn once: the stack adds up to the rows' total
    drawn: dict[int, float] = defaultdict(float)
    for name, points in series.items():
        if name != "World total (as reported)":
            for year, value in points.items():
                drawn[int(year)] += value
    countries = mine[mine["country"] != WORLD].groupby("year")["value"].sum()
    assert dict(drawn) == pytest.approx({int(y): v for y, v in countries.items() if v})


def test_production_names_a_country_the_reader_picks(store) -> None:
    default = traces(build(store, "production", {}))
    names = selection.country_names(store)
    small = next(c for c, _ in build(store, "production", {}).choices["country"]
                 if c and names.get(c, c) not in default)  # fmt: skip
    picked = traces(build(store, "production", {"country": small}))
    assert names.get(small, small) in picked
    assert sum(picked[REST_OF_WORLD].values()) < sum(default[REST_OF_WORLD].values())


def test_prices_show_one_element_with_a_line_per_market(store) -> None:
    markets = {m for _, m in PRICE_MARKETS} | {OTHER_MARKET}
    labels = selection.price_labels(store, "Nd")
    assert labels[0] == "Nd" and "Nd+Pr" in labels
    prices = store.table("prices")
    for label in labels:
        chart = build(store, "element-prices", {"symbol": "Nd", "prices": label})
        assert label in chart.figure.layout.title.text
        assert {t.name for t in chart.figure.data} <= markets
        rows = prices[prices["element"] == label]
        drawn = rows["value"].notna() | (rows["value_low"].notna() & rows["value_high"].notna())
        assert sum(len(t.x) for t in chart.figure.data) == int(drawn.sum())


def test_demand_shows_one_scenario_from_its_base_year(store) -> None:
    element = selection.find_element(store, "Nd")
    rows = selection.own_demand(store, element)
    seen = {}
    for scenario, _ in build(store, "element-demand", {"symbol": "Nd"}).choices["scenario"]:
        chart = build(store, "element-demand", {"symbol": "Nd", "scenario": scenario})
        assert scenario in chart.figure.layout.title.text
        for trace in chart.figure.data:
            part = rows[rows["element_or_group"] == trace.name]
            own = part[(part["scenario"] == scenario) | (part["year"] == part["base_year"])]
            assert list(trace.y) == pytest.approx(list(own.sort_values("year")["value"]))
        seen[scenario] = traces(chart)
    assert len(seen) > 1 and len({str(v) for v in seen.values()}) == len(seen)


def test_default_demand_scenario_is_the_baseline_path(store) -> None:
    from derisk.forecast.scenario import load_scenario

    chart = build(store, "element-demand", {"symbol": "Nd"})
    assert chart.values["scenario"] == load_scenario("baseline").demand.path


def test_heatmap_draws_one_measure_at_a_time(store) -> None:
    conc = chartbook.concentration(store)
    latest = conc[conc["china_share"].notna()].sort_values("year").groupby(["stage", "group"])
    latest = latest.tail(1)
    for measure in ("china_share", "hhi"):
        chart = build(store, "heatmap", {"measure": measure})
        (trace,) = chart.figure.data
        cells = {(y, x): z for y, row in zip(trace.y, trace.z, strict=True)
                 for x, z in zip(trace.x, row, strict=True) if z is not None}  # fmt: skip
        expected = {(r.stage, r.group): float(getattr(r, measure)) for r in latest.itertuples()}
        assert cells == pytest.approx(expected)


@pytest.mark.parametrize(
    ("chart_id", "query", "column"),
    [
        ("nope", {}, "chart"),
        ("heatmap", {"measure": "colour"}, "measure"),
        ("element-prices", {"symbol": "Xx"}, "symbol"),
        ("element-prices", {"symbol": "Nd", "prices": "Dy"}, "prices"),
        ("chokepoints", {"bloc": "ZZ"}, "bloc"),
    ],
)
def test_bad_selections_name_what_is_offered(store, chart_id, query, column) -> None:
    with pytest.raises(InputError) as err:
        build(store, chart_id, query)
    assert err.value.column == column and err.value.expected


def test_an_element_with_nothing_to_draw_has_no_chart(store) -> None:
    assert store.table("prices", filters={"element": "Pm"}).empty
    assert build(store, "element-prices", {"symbol": "Pm"}) is None
    assert build(store, "element-shares", {"symbol": "Pm"}) is None  # not mined

"""Key findings: the briefing's first page, as sentences an analyst would send.

A reader who stops after the first page should still leave with the right numbers, each
with its year and source. So each finding is a plain sentence built from a result (a
diagnosis row, a forecast summary), kept structured beside its text: every figure with
the field and row it quotes, the year it is for, and its sources with their links. Tests
check each figure against the result it quotes, so a sentence cannot drift from the
tables that follow it. Nothing here computes a figure: this module only chooses which
figures to quote and words them; numbers are written by derisk.report.numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from derisk.diagnose.summary import SCOPES
from derisk.forecast.scenario import MAGNET_ELEMENTS
from derisk.forecast.summary import CRMA, CRMA_MILESTONE, HEADLINE_YEARS
from derisk.report.forecast_charts import year_span
from derisk.report.numbers import format_number
from derisk.report.tables import Citation, Sources

#: The element a headline share quotes: neodymium is most of magnet rare-earth tonnage.
HEADLINE_ELEMENT = MAGNET_ELEMENTS[0]


@dataclass(frozen=True)
class Figure:
    """One number of a sentence, with where it comes from so a test can look it up.

    ``value`` is the result's own value (None: a milestone not reached); ``field`` the
    column or summary key it quotes and ``where`` the row ((key, value) pairs); ``low``
    and ``high`` a range quoted with it (P10-P90, or a dependency's two bounds).
    """

    value: float | None
    unit: str
    field: str
    where: tuple[tuple[str, object], ...]
    text: str
    low: float | None = None
    high: float | None = None

    @property
    def locator(self) -> dict[str, object]:
        """``where`` as a dict, to look the row up."""
        return dict(self.where)


@dataclass(frozen=True)
class Finding:
    """A sentence, its figures, the year it is about and the sources behind it."""

    kind: str
    text: str
    year: int | None
    figures: tuple[Figure, ...]
    citations: tuple[Citation, ...]
    note: str = ""

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The cited ids, in citation order."""
        return tuple(c.source_id for c in self.citations)

    @property
    def url(self) -> str | None:
        """The first source's link (the one a pasted sentence keeps)."""
        return next((c.url for c in self.citations if c.url), None)


class ForecastResult(Protocol):
    """What a finding needs from a prognosis (derisk.report.briefing.Prognosis)."""

    scenario: str
    bloc: str
    summary: dict
    draws: int
    seed: int
    end_year: int
    inputs: dict[str, tuple[str, ...]]


def _pct(value: float, field: str) -> str:
    """A per-cent figure written as the tables write that field (numbers.format_number)."""
    return format_number(value, field, "%")


def _scope(stage: str, group: str) -> str:
    """The words after "output" for a group; none when the stage names it (magnets)."""
    return "" if group == stage else f" of {SCOPES.get(group, group)}"


def stage_findings(summary: pd.DataFrame, sources: Sources) -> list[Finding]:
    """Per stage, China's newest dated share of world output (stage_summary's headline).

    A stage has one row per scope; the newest year is quoted (on a tie, the scope listed
    later: magnet rare earths, the briefing's subject). Stages without a dated share are
    left to gaps().
    """
    out = []
    dated = summary[summary["china_share"].notna()]
    for stage, rows in dated.groupby("stage", sort=False):
        row = rows.assign(_y=rows["year"].astype(int)).sort_values("_y", kind="stable").iloc[-1]
        value, where = float(row["china_share"]), (("stage", stage), ("group", row["group"]))
        share = Figure(value, "%", "china_share", where, _pct(value, "china_share"))
        text = (
            f"China produced {share.text}% of the world's {stage} output"
            f"{_scope(str(stage), row['group'])} in {row['year']}"
        )
        note = f"Basis: {row['basis']}; date of record {row['as_of']}."
        if row["low_reliability"]:
            note += " The reference marks this source low reliability."
        cited = sources.cite(row["sources"])
        out.append(Finding("stage_share", text, int(row["year"]), (share,), cited, note))
    return out


def gaps(summary: pd.DataFrame) -> list[str]:
    """What the diagnosis cannot say: each stage or scope without a dated share."""
    missing = summary["missing"].dropna()
    return [str(m).split(";")[0] for m in missing]


def dependency_findings(
    deps: Mapping[str, pd.DataFrame],
    chokes: Mapping[str, pd.DataFrame],
    sources: Sources,
    low_reliability: frozenset[tuple[str, str]] = frozenset(),
) -> list[Finding]:
    """Per bloc, its dependency on China at its top-ranked chokepoint (both bounds).

    ``low_reliability``: (stage, group) whose China share rests on a source the reference
    marks low reliability (stage_summary); the note says so, as the stage finding does.
    """
    out = []
    for bloc, dep in deps.items():
        ranked = chokes.get(bloc)
        if ranked is None or ranked.empty:
            continue
        top = ranked.iloc[0]
        rows = dep[(dep["stage"] == top["stage"]) & (dep["group"] == top["group"])]
        if rows.empty or pd.isna(rows["dependency_low"].iloc[0]):
            continue
        row = rows.iloc[0]
        where = (("bloc", bloc), ("stage", row["stage"]), ("group", row["group"]))
        low, high = float(row["dependency_low"]), float(row["dependency_high"])
        text = f"{_pct(low, 'dependency_low')}–{_pct(high, 'dependency_high')}"
        bounds = Figure(low, "%", "dependency_low", where, text, low, high)
        text = (
            f"The tightest chokepoint for the {bloc} is the {row['stage']} stage"
            f"{_scope(str(row['stage']), row['group'])}: {bounds.text}% of its supply there "
            f"depends on China ({int(row['year'])}; ranked first of {len(ranked)} chokepoints)"
        )
        note = (
            "Low bound: non-Chinese processors use non-Chinese feed first; high bound: feed "
            f"bought at the world mix. Direct share: {row['direct_basis']}."
        )
        if row["missing"]:
            note += f" {_sentence(str(row['missing']))}"
        if (row["stage"], row["group"]) in low_reliability:
            note += " China's share here rests on a source marked low reliability."
        cited = sources.cite(row["sources"])
        out.append(Finding("dependency", text, int(row["year"]), (bounds,), cited, note))
    return out


def _sentence(text: str) -> str:
    """A clause as a sentence: capital first letter (the rest kept), full stop."""
    return f"{text[:1].upper()}{text[1:].rstrip('.')}."


def _scenarios(names: list[str]) -> str:
    """ "the baseline scenario" or "the a and b scenarios": scenarios named once, together."""
    if len(names) == 1:
        return f"the {names[0]} scenario"
    return "the " + ", ".join(names[:-1]) + f" and {names[-1]} scenarios"


def _forecast_note(results: list[ForecastResult]) -> str:
    """How the forecast figures were made (draws, seed, what P50 means), said once."""
    first = results[0]
    return (
        f"derisk forecast, {format_number(first.draws, 'draws')} Monte Carlo draws, seed "
        f"{first.seed}: P50 = the median run, P10–P90 = the middle 80% of runs. Every model "
        "input is listed under Sources."
    )


def _by_outcome(runs: list[ForecastResult], outcome: Callable) -> list[list[ForecastResult]]:
    """Runs grouped by ``outcome(run)`` (first seen first): equal outcomes share words."""
    groups: dict[object, list[ForecastResult]] = {}
    for r in runs:
        groups.setdefault(outcome(r), []).append(r)
    return list(groups.values())


def _blocs(results: list[ForecastResult]) -> list[list[ForecastResult]]:
    """The runs of each bloc, blocs in the order they were run."""
    return [[r for r in results if r.bloc == b] for b in dict.fromkeys(r.bloc for r in results)]


def headline_findings(
    results: list[ForecastResult], names: Mapping[str, str], sources: Sources
) -> list[Finding]:
    """Per bloc, the China-free share of neodymium demand in the first headline year.

    Scenarios with the same P10/P50/P90 are named together, so a figure is said once.
    """
    out = []
    for runs in _blocs(results):
        year = _headline_year(runs)
        if year is None:
            continue
        bloc, element = runs[0].bloc, HEADLINE_ELEMENT
        figures, parts = [], []
        for group in _by_outcome(runs, lambda r, y=year: _headline_q(r, y)):
            p50, p10, p90 = _headline_q(group[0], year)
            if p50 is None:
                continue
            text = _pct(p50, "share")
            figures += [
                Figure(p50, "%", "p50", _at(r, element, year=year), text, p10, p90) for r in group
            ]
            span = f"P10–P90 {_pct(p10, 'share')}–{_pct(p90, 'share')}%"
            parts.append(f"{text}% in {_scenarios([r.scenario for r in group])} ({span})")
        if not figures:
            continue
        name = names.get(element, element).lower()
        share, _, rest = _join(parts).partition(" in ")
        text = f"In {year}, China-free supply would cover {share} of {bloc} {name} demand in {rest}"
        cited = sources.cite(runs[0].inputs.get("demand", ()))
        note = _forecast_note(runs)
        out.append(Finding("headline_share", text, year, tuple(figures), cited, note))
    return out


def _headline_q(run: ForecastResult, year: int) -> tuple:
    """P50, P10, P90 of the China-free share of neodymium demand in ``year``."""
    q = run.summary["headline_share"][HEADLINE_ELEMENT][year]
    return q["p50"], q["p10"], q["p90"]


def _worst(run: ForecastResult) -> tuple:
    """(element, % of demand, year) of the magnet element with the largest shortfall (P50)."""
    found = [(e, w) for e, w in run.summary["worst_shortfall"].items() if e in MAGNET_ELEMENTS]
    if not found:
        return None, None, None
    element, w = max(found, key=lambda t: t[1]["share_of_demand_p50_pct"])
    return element, w["share_of_demand_p50_pct"], w["year_of_largest_p50"]


def _at(run: ForecastResult, element: str, **more: object) -> tuple:
    """The locator of a forecast figure: scenario, bloc, element and any more keys."""
    where = (("scenario", run.scenario), ("bloc", run.bloc), ("element", element))
    return (*where, *more.items())


def shortfall_findings(
    results: list[ForecastResult], names: Mapping[str, str], sources: Sources
) -> list[Finding]:
    """Per bloc, the largest yearly shortfall of any magnet rare earth, as % of demand.

    Per scenario, the element whose worst year (P50) falls furthest short of demand:
    where export controls bite, this is the figure that moves.
    """
    out = []
    for runs in _blocs(results):
        figures, parts = [], []
        for group in _by_outcome(runs, _worst):
            element, pct, year = _worst(group[0])
            if element is None:
                continue
            text = _pct(pct, "share_of_demand_p50_pct")
            figures += [
                Figure(pct, "%", "share_of_demand_p50_pct", _at(r, element, year=year), text)
                for r in group
            ]
            name = names.get(element, element).lower()
            parts.append(
                f"{text}% of {runs[0].bloc} {name} demand in {year} in "
                f"{_scenarios([r.scenario for r in group])}"
            )
        if figures:
            text = f"The largest yearly shortfall (P50) would be {_join(parts)}"
            cited = sources.cite(runs[0].inputs.get("demand", ()))
            year = int(figures[0].locator["year"])  # type: ignore[call-overload]
            note = _forecast_note(runs)
            out.append(Finding("shortfall", text, year, tuple(figures), cited, note))
    return out


def _headline_year(runs: list[ForecastResult]) -> int | None:
    """The first headline year every run has a China-free share of neodymium demand for."""
    for year in HEADLINE_YEARS:
        if all(year in r.summary["headline_share"].get(HEADLINE_ELEMENT, {}) for r in runs):
            return year
    return None


def _join(parts: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _furthest(summary: dict, keys: tuple[str, ...]) -> tuple[str, str, dict] | None:
    """(key, element, record) of the furthest milestone any magnet element reaches (P50).

    ``keys`` run from the nearest milestone to the furthest; among elements reaching the
    furthest, the earliest P50 year wins (ties: MAGNET_ELEMENTS order).
    """
    for key in reversed(keys):
        reached = [
            (rec["p50"], i, e, rec)
            for i, e in enumerate(MAGNET_ELEMENTS)
            if (rec := summary["milestones"].get(e, {}).get(key)) and rec["p50"] is not None
        ]
        if reached:
            _, _, element, record = min(reached, key=lambda t: (t[0], t[1]))
            return key, element, record
    return None


def milestone_findings(
    results: list[ForecastResult], names: Mapping[str, str], sources: Sources
) -> list[Finding]:
    """Per bloc, the furthest China-free milestone a magnet rare earth reaches by the end.

    Scenarios with the same outcome share one sentence, so "not by 2050" is said once.
    """
    out = []
    for runs in _blocs(results):
        keys = _threshold_keys(runs[0].summary)
        if keys:
            groups = _by_outcome(runs, lambda r, k=keys: _signature(_furthest(r.summary, k)))
            out += [_milestone_finding(g, keys, names, sources) for g in groups]
    return out


def _signature(hit: tuple[str, str, dict] | None) -> tuple | None:
    """What makes two scenarios' milestone outcomes the same sentence."""
    if hit is None:
        return None
    key, element, rec = hit
    return key, element, rec["p10"], rec["p50"], rec["p90"]


def _threshold_keys(summary: dict) -> tuple[str, ...]:
    """The per-cent milestones of a summary ("10" ... "100"), nearest first."""
    some = next(iter(summary.get("milestones", {}).values()), {})
    return tuple(sorted((k for k in some if k.isdigit()), key=int))


def _where(run: ForecastResult, element: str | tuple[str, ...], milestone: str) -> tuple:
    """The locator of a milestone figure; a tuple of elements: "none of these reached"."""
    key = "elements" if isinstance(element, tuple) else "element"
    return (
        ("scenario", run.scenario),
        ("bloc", run.bloc),
        (key, element),
        ("milestone", milestone),
    )


def _reached(runs: list[ForecastResult], element: str, key: str, rec: dict) -> tuple[Figure, ...]:
    """One figure per scenario (they share the record): the P50 year with P10-P90."""
    text = format_number(rec["p50"], "year")
    return tuple(
        Figure(rec["p50"], "year", "p50", _where(r, element, key), text, rec["p10"], rec["p90"])
        for r in runs
    )


def _not_reached(runs: list[ForecastResult], key: str, words: str = "not by") -> tuple[Figure, ...]:
    """One figure per scenario: no magnet element reaches ``key`` by the end (P50)."""
    return tuple(
        Figure(None, "year", "p50", _where(r, MAGNET_ELEMENTS, key), f"{words} {r.end_year}")
        for r in runs
    )


def _milestone_finding(
    runs: list[ForecastResult], keys: tuple[str, ...], names: Mapping[str, str], sources: Sources
) -> Finding:
    """The milestone sentence for scenarios sharing one outcome (see milestone_findings)."""
    first, end, bloc = runs[0], runs[0].end_year, runs[0].bloc
    hit = _furthest(first.summary, keys)
    scen = _scenarios([r.scenario for r in runs])
    if hit is None:
        figures, year = _not_reached(runs, keys[0]), None
        text = (
            f"In {scen}, no magnet rare earth ({', '.join(MAGNET_ELEMENTS)}) has China-free "
            f"supply covering even {keys[0]}% of {bloc} demand for good: {figures[0].text} (P50)"
        )
    else:
        key, element, rec = hit
        figures, year = _reached(runs, element, key, rec), int(rec["p50"])
        text = (
            f"In {scen}, {names.get(element, element).lower()} is the first magnet rare earth "
            f"whose China-free supply covers {key}% of {bloc} demand for good, from "
            f"{figures[0].text} (P10–P90 {year_span(rec, end)})"
        )
        if key != keys[-1]:
            text += f"; none reaches {keys[keys.index(key) + 1]}% by {end}"
    cited = sources.cite(first.inputs.get("demand", ()))
    return Finding("milestone", text, year, figures, cited, _forecast_note(runs))


def crma_findings(
    results: list[ForecastResult], benchmarks: pd.DataFrame, sources: Sources
) -> list[Finding]:
    """EU only: when the bloc's magnet rare-earth supply is at most 65% Chinese (CRMA).

    Only forecasts whose summary has the CRMA milestone (EU27) are quoted; the benchmark
    itself is cited from the store's benchmarks row that states the cap.
    """
    cap = CRMA["max_single_third_country_pct"]
    rows = benchmarks[(benchmarks["value"] == cap) & (benchmarks["unit"] == "%")]
    runs = [r for r in results if _has_crma(r.summary)]
    if rows.empty or not runs:
        return []
    out = []
    for bloc_runs in _blocs(runs):
        groups = _by_outcome(bloc_runs, _crma_outcome)
        out += [_crma_finding(g, rows.iloc[0], cap, sources) for g in groups]
    return out


def _crma_outcome(run: ForecastResult) -> tuple | None:
    """What makes two scenarios' CRMA outcomes the same sentence."""
    return _signature(_furthest(run.summary, (CRMA_MILESTONE,)))


def _has_crma(summary: dict) -> bool:
    """Whether a summary has the CRMA milestone (forecast.summary adds it for the EU27)."""
    return any(CRMA_MILESTONE in rec for rec in summary.get("milestones", {}).values())


def _crma_finding(
    runs: list[ForecastResult], bench: pd.Series, cap: float, sources: Sources
) -> Finding:
    """The CRMA sentence for scenarios sharing one outcome, citing the benchmark row."""
    first, end = runs[0], runs[0].end_year
    hit = _furthest(first.summary, (CRMA_MILESTONE,))
    cap_text = format_number(cap, "share")
    deadline = int(bench["deadline_year"])
    where = (("source_id", bench["source_id"]), ("deadline_year", deadline))
    bench_fig = Figure(cap, "%", "value", where, cap_text)
    scen = _scenarios([r.scenario for r in runs])
    if hit is None:
        figures, year = _not_reached(runs, CRMA_MILESTONE, "not met by"), None
        text = (
            f"In {scen}, more than {cap_text}% of {first.bloc} supply of each magnet rare "
            f"earth comes from China to the horizon: the CRMA benchmark of at most {cap_text}% "
            f"from one third country, due by {deadline}, is {figures[0].text} (P50)"
        )
    else:
        _, element, rec = hit
        figures, year = _reached(runs, element, CRMA_MILESTONE, rec), int(rec["p50"])
        text = (
            f"In {scen}, {element} is the first magnet rare earth whose {first.bloc} supply "
            f"is at most {cap_text}% Chinese for good, from {figures[0].text} (P10–P90 "
            f"{year_span(rec, end)}); the CRMA benchmark asks for it by {deadline}"
        )
    cited = sources.cite([bench["source_id"], *first.inputs.get("demand", ())])
    return Finding("crma_65", text, year, (bench_fig, *figures), cited, _forecast_note(runs))


def _low_reliability(summary: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """(stage, group) of the headline rows whose source is marked low reliability."""
    rows = summary[summary["low_reliability"].eq(True)]
    return frozenset(zip(rows["stage"], rows["group"], strict=True))


#: Kinds that come from the diagnosis (today); the others from the forecast (outlook).
DIAGNOSIS_KINDS = ("stage_share", "dependency")


def key_findings(
    summary: pd.DataFrame,
    deps: Mapping[str, pd.DataFrame],
    chokes: Mapping[str, pd.DataFrame],
    results: list[ForecastResult],
    store: object,
) -> list[Finding]:
    """Every key finding, diagnosis first, each citing the store's sources."""
    sources = Sources(store.table("sources"))  # type: ignore[attr-defined]
    elements = store.table("elements")  # type: ignore[attr-defined]
    names = dict(zip(elements["symbol"], elements["name"], strict=True))
    benchmarks = store.table("benchmarks")  # type: ignore[attr-defined]
    return [
        *stage_findings(summary, sources),
        *dependency_findings(deps, chokes, sources, _low_reliability(summary)),
        *headline_findings(results, names, sources),
        *shortfall_findings(results, names, sources),
        *milestone_findings(results, names, sources),
        *crma_findings(results, benchmarks, sources),
    ]

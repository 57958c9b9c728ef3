"""Predictions against the prognosis: forward-looking claims checked against the forecast.

review.claims marks "will", "expected to" ... as speculative and review.verify never
checks them, yet derisk has a forecast that can. A prediction about a bloc's
self-sufficiency (China-free supply), a China-free share, a processing or recycling
target, a supply gap closing, or a plant starting is mapped to a bloc, elements, a
plant and a year, and compared with the forecast (review.outlook: one run of the
baseline scenario per bloc) or with the plant's slippage (forecast.inputs.delay_table).
The verdict says where the claim sits against the forecast's middle half:

- ``optimistic``: earlier than the P25 year, or a share above the P75;
- ``pessimistic``: later than the P75 year, or a share below the P25;
- ``consistent``: in between.

A claim that does not map to a bloc the forecast covers, to elements with demand, to a
single plant in the store, or to a year in the horizon keeps the verdict it had: the
reviewer never guesses a mapping. Verdicts that verify.py reached on the record
(supported, contradicted, outdated) are never replaced.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from derisk.review.checking import outlook as ol
from derisk.review.checking.checks.plants import facility_rows
from derisk.review.checking.evidence import Evidence, SourceIndex
from derisk.review.checking.verify import Verdict
from derisk.vocabulary import (
    BLOC_REGIONS,
    CHECKED_VERDICTS,
    FALLBACK_GROUP,
    GROUP_KEY,
    GROUP_TERMS,
)

_I = re.IGNORECASE
_CHINA = r"(?:China|Chinese|Beijing)"
#: Self-sufficiency, China-free supply, or an end to the reliance on China.
SELF = re.compile(
    r"self[- ]suffici\w*|self[- ]reliant|\b(?:free|independen\w*)\s+(?:of|from)\s+"
    + _CHINA
    + r"|\bChina[- ]free\b|\b(?:end|break|eliminat|shed|cut)\w*\s+(?:\w+\s+){0,2}?"
    r"(?:reliance|dependence|dependency)\s+on\s+" + _CHINA + r"|\bno\s+longer\s+(?:\w+\s+)?"
    r"(?:depend\w*|rel(?:y|ies|iant))\s+on\s+" + _CHINA + r"|\bde-?risked\b",
    _I,
)
#: "will remain dependent on China until 2035": self-sufficiency denied.
DEPENDENT = re.compile(
    r"\b(?:remain|stay|still|continue)\w*\s+(?:\w+\s+){0,2}?(?:dependent|reliant|"
    r"depend\w*|rel(?:y|ies))\s+on\s+" + _CHINA,
    _I,
)
#: A share of supply from outside China ("50% ... from outside China").
OUTSIDE = re.compile(
    r"\boutside\s+(?:of\s+)?China\b|\bChina[- ]free\b|\bnon-Chinese\b|\bex-China\b|"
    r"\bwithout\s+(?:Chinese|China)\b|\bfree\s+of\s+" + _CHINA,
    _I,
)
#: A processing or recycling target (the CRMA's benchmarks are the EU's).
TARGET = re.compile(
    r"\b(?P<kind>processing|refining|separation|recycling)\s+(?:target|benchmark|goal)", _I
)
GAP = re.compile(r"\bshortages?\b|\bshortfalls?\b|\bsupply\s+gaps?\b|\bsupply\s+crunch\b", _I)
GAP_CLOSED = re.compile(
    r"\b(?:problem|thing)\s+of\s+the\s+past\b|\b(?:is|are)\s+over\b|\bbehind\s+us\b|"
    r"\b(?:end|eas|clos|disappear|vanish|resolv|solv|eliminat)\w*\b|\bno\s+longer\b",
    _I,
)
GAP_PERSISTS = re.compile(r"\b(?:persist|remain|continu|last|linger|worsen|deepen)\w*\b", _I)
PLANT_START = re.compile(
    r"\b(?:start|begin|began|commenc|enter|resum)\w*\s+(?:up\b|(?:commercial\s+)?"
    r"(?:production|operations?|operating|producing|output|service))|\bcome\s+"
    r"(?:online|on[- ]?stream|on[- ]line)|\b(?:be|go|going)\s+(?:online|operational|"
    r"on[- ]?stream|commissioned)|\bfirst\s+(?:production|output|oxide|metal|magnets?)\b|"
    r"\bcommission(?:ed|ing)\b|\b(?:will|to)\s+(?:start|open|begin)\b|"
    # "will be producing NdPr oxide in 2025": producing by a year means started by then
    r"\b(?:will|to|should)\s+be\s+(?:producing|making|operating|in\s+(?:commercial\s+)?"
    r"production)\b",
    _I,
)
NEGATION = re.compile(
    r"\b(?:not|never|won't|cannot|can't|unlikely|far\s+from|fail\w*\s+to|miss\w*)\b", _I
)
NO_LONGER = re.compile(r"\bno\s+longer\b", _I)
BEFORE = re.compile(r"\bbefore\s+(?:the\s+end\s+of\s+)?(?:19|20)\d\d\b", _I)
MAGNET = re.compile(r"\bmagnets?\b", _I)
_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a few": 3}  # fmt: skip
WITHIN = re.compile(
    r"\b(?:within|in|over)\s+(?:the\s+next\s+)?(?P<n>\d{1,2}|a\s+few|an?|one|two|three|"
    r"four|five|six|seven|eight|nine|ten)\s+(?P<unit>years?|decades?)\b",
    _I,
)
DECADE_END = re.compile(r"\bby\s+the\s+end\s+of\s+(?:the|this)\s+decade\b", _I)
NEXT_YEAR = re.compile(r"\bnext\s+year\b", _I)
#: What makes a sentence worth a closer look: one search, so reviews without any
#: prediction pay almost nothing.
TRIGGER = re.compile(
    "|".join(p.pattern for p in (SELF, DEPENDENT, OUTSIDE, TARGET, GAP, PLANT_START)), _I
)


#: Lower-case substrings one of which every TRIGGER match contains: ``in`` tests are
#: far cheaper than the regular expression, which runs only when one is present.
HINTS = ("suffici", "self", "free", "independen", "relian", "depend", "rely", "relies",
         "de-risk", "derisk", "outside", "chinese", "ex-china", "without", "target",
         "benchmark", "goal", "shortage", "shortfall", "gap", "crunch", "start", "begin",
         "began", "commenc", "enter", "resum", "online", "on-line", "on line", "stream",
         "operational", "commission", "first ", "open", "be producing", "be making",
         "be operating", "in production", "in commercial production")  # fmt: skip
#: Entity kinds a prediction is about (with China only the supplier, never the subject).
SUBJECTS = ("facility", "bloc", "country")


def is_candidate(claim: object) -> bool:
    """Whether a claim may be a prediction: a plant, bloc or country other than China, or
    a supply gap, and one of the trigger phrases. Cheap tests first: this runs on every
    claim of every article."""
    text = claim.text  # type: ignore[attr-defined]
    subject = any(
        e.kind in SUBJECTS and e.key not in ("CHN", "CN") for e in getattr(claim, "entities", ())
    )
    low = text.lower()
    if not subject and not any(w in low for w in ("shortage", "shortfall", "gap", "crunch")):
        return False
    return any(h in low for h in HINTS) and TRIGGER.search(text) is not None


@dataclass(frozen=True)
class Prediction:
    """A claim mapped onto the forecast: what is predicted, for whom, about what, when."""

    kind: str  # "derisk" | "share" | "target" | "gap" | "plant"
    year: int
    blocs: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    scope: str = ""  # how the explanation names the elements
    negated: bool = False
    value: float | None = None  # a share in %
    target: str = ""  # "processing" | "recycling"
    facility: str = ""
    #: the claim's stage: which of a site's rows ("Nolans": mine or separation) it means
    stage: str = ""
    #: "meet its 40% target", "at least 50%": a floor, which a higher forecast satisfies.
    at_least: bool = False


# -- mapping a claim ---------------------------------------------------------------------
def claimed_year(claim: object, article_date: dt.date | None, present: bool) -> int | None:
    """The year a prediction is about: "by 2030", "within five years" of the article's
    date, "by the end of the decade"; the article's year for a present-tense claim."""
    text = claim.text  # type: ignore[attr-defined]
    base = article_date.year if article_date else None
    m = WITHIN.search(text)
    if m and base is not None:
        raw = m["n"].lower()
        n = int(raw) if raw.isdigit() else _COUNT.get(re.sub(r"\s+", " ", raw), 0)
        return base + n * (10 if m["unit"].lower().startswith("decade") else 1)
    if DECADE_END.search(text) and base is not None:
        return (base // 10 + 1) * 10
    if NEXT_YEAR.search(text) and base is not None:
        return base + 1
    year = getattr(claim, "year", None)
    if year is not None:
        return int(year) - (1 if BEFORE.search(text) else 0)
    return base if present else None


def _blocs(claim: object) -> tuple[str, ...]:
    """Blocs the claim names: a bloc, or a country that is a bloc of its own (the US);
    China is the supplier in these sentences, never the subject."""
    found: list[str] = []
    for e in getattr(claim, "entities", ()):
        if e.kind == "bloc" and e.key != "CN":
            found.append(e.key)
        elif e.kind == "country":
            found += [b for b, regions in BLOC_REGIONS.items() if regions == (e.key,)]
    return tuple(dict.fromkeys(found))


def _elements(
    claim: object, rows: pd.DataFrame, default: str | None = None
) -> tuple[tuple[str, ...], str]:
    """The elements a claim is about, and how to name them; () when it names none and
    no ``default`` group is given."""
    named = [e.key for e in getattr(claim, "entities", ()) if e.kind == "element"]
    if named:
        return tuple(named), ", ".join(named)
    table = list(zip(rows["symbol"], rows["ree_group"], rows["magnet_ree"], strict=True))
    groups = [e.key for e in getattr(claim, "entities", ()) if e.kind == "group"]
    specific = [g for g in groups if g != FALLBACK_GROUP]
    if not specific and MAGNET.search(claim.text):  # type: ignore[attr-defined]
        specific = [GROUP_KEY["magnet"]]
    # a default (the magnet group for a CRMA target) stands in for a bare "rare earths"
    key = specific[0] if specific else (default or (groups[0] if groups else None))
    term = next((g for g in GROUP_TERMS if g.key == key), None)
    if term is None:
        return (), ""
    return term.members_of(table), (term.aliases[0] if term.aliases else term.key)


def _facility(claim: object) -> str | None:
    """The one plant a sentence names; two plants make the start year ambiguous."""
    keys = {e.key for e in getattr(claim, "entities", ()) if e.kind == "facility"}
    return next(iter(keys)) if len(keys) == 1 else None


def parse_prediction(
    claim: object, article_date: dt.date | None, elements: Callable[[], pd.DataFrame]
) -> Prediction | None:
    """The prediction a claim makes, or None when it makes none the forecast can test.

    ``elements`` gives the store's elements table; it is read only for a claim that has
    a kind, a year and a bloc, so sentences that merely share a word pay nothing.
    """
    text = claim.text  # type: ignore[attr-defined]
    if getattr(claim, "hedge", "") == "opinion" or not is_candidate(claim):
        return None
    negated = bool(NEGATION.search(NO_LONGER.sub(" ", text)))
    facility = _facility(claim)
    if facility and PLANT_START.search(text):
        year = claimed_year(claim, article_date, present=False)
        stage = getattr(claim, "stage", None) or ""
        if year is None:
            return None
        return Prediction("plant", year, facility=facility, stage=stage, negated=negated)
    blocs = _blocs(claim)
    if GAP.search(text) and (GAP_CLOSED.search(text) or GAP_PERSISTS.search(text)):
        present = not re.search(r"\bwill\b", text, _I)
        year = claimed_year(claim, article_date, present=present)
        persists = bool(GAP_PERSISTS.search(text)) and not GAP_CLOSED.search(text)
        kind, negated = "gap", persists or negated
    else:
        year = claimed_year(claim, article_date, present=False)
        kind = _kind(claim, text)
    if kind is None or year is None or (kind != "gap" and len(blocs) != 1):
        return None
    # The CRMA's benchmarks cover the strategic rare earths, i.e. the magnet ones, the
    # only rare earths with sourced demand in the forecast: a bare target means them.
    default = GROUP_KEY["magnet"] if kind == "target" else None
    members, scope = _elements(claim, elements(), default)
    if not members:
        return None
    q = getattr(claim, "quantity", None)
    value = q.value if q is not None and q.unit == "percent" else None
    target = m["kind"].lower() if kind == "target" and (m := TARGET.search(text)) else ""
    if target in ("refining", "separation"):
        target = "processing"
    at_least = kind == "target" or getattr(q, "bound", None) == "at_least"
    return Prediction(kind, year, blocs, members, scope, negated, value, target, at_least=at_least)


def _kind(claim: object, text: str) -> str | None:
    """A target or a China-free share needs a percentage; self-sufficiency needs none."""
    q = getattr(claim, "quantity", None)
    percent = q is not None and q.unit == "percent"
    if percent and TARGET.search(text):
        return "target"
    if percent and OUTSIDE.search(text):
        return "share"
    if SELF.search(text) or DEPENDENT.search(text):
        return "derisk"
    return None


# -- judging against the forecast ---------------------------------------------------------
@dataclass
class _Context:
    """What the judgements read from the store, loaded on the first prediction only."""

    store: object
    #: the article's date: the explanation says when the stored schedule is newer
    article_date: dt.date | None = None
    #: tables read once per batch, not once per article (a Reviewer passes its own);
    #: they depend on the store only, never on the article
    shared: dict = field(default_factory=dict)
    _sources: SourceIndex | None = None
    _known: set[str] | None = None
    _facilities: pd.DataFrame | None = None
    _delays: pd.DataFrame | None = None
    _elements: pd.DataFrame | None = None

    @property
    def sources(self) -> SourceIndex:
        """URLs for evidence, and the known ids (a scenario's source text names some)."""
        if self._sources is None:
            if "sources" not in self.shared:
                self.shared["sources"] = SourceIndex(self.store)
                self.shared["known"] = set(self.store.table("sources")["source_id"].astype(str))  # type: ignore[attr-defined]
            self._sources, self._known = self.shared["sources"], self.shared["known"]
        return self._sources

    @property
    def known(self) -> set[str]:
        """Every source id in the store."""
        _ = self.sources
        return self._known or set()

    def elements(self) -> pd.DataFrame:
        """The elements table: group membership for a claim's "heavy rare earths"."""
        if self._elements is None:
            if "elements" not in self.shared:
                self.shared["elements"] = self.store.table("elements")  # type: ignore[attr-defined]
            self._elements = self.shared["elements"]
        return self._elements

    @property
    def facilities(self) -> pd.DataFrame:
        """The facilities table, user rows included, as the forecast reads it."""
        if self._facilities is None:
            if "facilities" not in self.shared:
                self.shared["facilities"] = self.store.table("facilities")  # type: ignore[attr-defined]
            self._facilities = self.shared["facilities"]
        return self._facilities

    @property
    def delays(self) -> pd.DataFrame:
        """The empirical slippage the forecast samples (forecast.inputs.delay_table)."""
        if self._delays is None:
            from derisk.forecast.inputs import delay_table

            if "delays" not in self.shared:
                self.shared["delays"] = delay_table(self.store)
            self._delays = self.shared["delays"]
        return self._delays


def _run_evidence(ctx: _Context, out: ol.Outlook, key: str, value: str) -> list[Evidence]:
    """The forecast run (demand: IEA) and the source of the bloc's share of world demand."""
    from derisk.forecast.inputs import IEA

    run = ctx.sources.evidence(
        "forecast",
        f"scenario={out.scenario}, bloc={out.bloc}, draws={out.draws}, seed={out.seed}, {key}",
        value,
        IEA,
        "derisk.forecast.run.forecast; demand from the IEA path of the scenario",
    )
    ids = ol.source_ids(out.share_source, ctx.known)
    share = [
        ctx.sources.evidence(
            "scenario", f"{out.scenario}: demand.bloc_share.{out.bloc}", out.share_source,
            "; ".join(ids), "the bloc's share of world demand",
        )
    ] if ids else []  # fmt: skip
    return [run, *share]


def _years_judgement(years: np.ndarray, p: Prediction) -> tuple[str, float, float, float]:
    """Verdict, P(by the year), P25 and P75 of per-draw years (inf: not in the horizon)."""
    prob = float(np.mean(years <= p.year))
    low, high = ol.year_quantile(years, ol.LOW_Q), ol.year_quantile(years, ol.HIGH_Q)
    if p.negated:  # "not by Y": only a forecast that expects it by then disagrees
        verdict = "pessimistic" if prob > ol.HIGH_Q / 100 else "consistent"
    else:
        verdict = ol.place(p.year, low, high)
    return verdict, prob, low, high


def judge_derisk(p: Prediction, ctx: _Context) -> tuple | None:
    """Self-sufficiency by a year: the year from which China-free supply covers demand."""
    out = ol.outlook(ctx.store, p.blocs[0])
    if out is None or out.year_index(p.year) is None:
        return None
    elements = out.with_demand(p.elements)
    if not elements:
        return None
    years = out.derisked[:, out.index(elements)].max(axis=1)  # every element must be
    verdict, prob, low, high = _years_judgement(years, p)
    what = f"{out.bloc} de-risked in {p.scope}"
    explanation = (
        f"P({what} by {p.year}) = {prob:.2f} ({out.run}); the forecast's P25-P75 year is "
        f"{ol.year_text(low)}-{ol.year_text(high)} (China-free supply >= "
        f"{out.threshold:g} x demand in every later year)"
    )
    value = (
        f"P(by {p.year}) = {prob:.2f}; year de-risked P25/P50/P75 = {ol.year_text(low)}/"
        f"{ol.year_text(ol.year_quantile(years, 50))}/{ol.year_text(high)}"
    )
    key = f"elements={','.join(elements)}, metric=year_derisked"
    return verdict, _run_evidence(ctx, out, key, value), explanation


def _ratio(out: ol.Outlook, top: np.ndarray, elements: tuple[str, ...], year: int) -> np.ndarray:
    """Per-draw share (%) of the elements' demand in ``year`` that ``top`` covers."""
    idx, j = out.index(elements), out.year_index(year)
    den = out.demand[:, idx, j].sum(axis=1)
    return 100 * top[:, idx, j].sum(axis=1) / np.where(den > 0, den, np.nan)


def judge_share(p: Prediction, ctx: _Context) -> tuple | None:
    """A China-free share, or the EU's processing or recycling share, reaching X % by Y."""
    out = ol.outlook(ctx.store, p.blocs[0])
    if out is None or p.value is None or out.year_index(p.year) is None:
        return None
    elements = out.with_demand(p.elements)
    if p.kind == "target":
        if not BLOC_REGIONS.get(out.bloc) or p.target not in ("processing", "recycling"):
            return None
        top = out.own_separation if p.target == "processing" else out.recycled
        metric = f"{p.target} in {out.bloc} as % of its demand"
    else:
        top, metric = out.china_free, "China-free supply as % of demand"
    if not elements:
        return None
    shares = _ratio(out, top, elements, p.year)
    low, mid, high = np.nanpercentile(shares, [ol.LOW_Q, 50.0, ol.HIGH_Q])
    prob = float(np.nanmean(shares >= p.value))
    if p.negated:
        verdict = "pessimistic" if prob > ol.HIGH_Q / 100 else "consistent"
    elif p.at_least:  # a floor: only a forecast that rarely reaches it disagrees
        verdict = "optimistic" if prob < ol.LOW_Q / 100 else "consistent"
    else:  # a share above the P75 is ahead of the forecast: negate to reuse place()
        verdict = ol.place(-p.value, -high, -low)
    explanation = (
        f"P({metric} >= {p.value:g}% in {p.year}, {p.scope}) = {prob:.2f} ({out.run}); "
        f"the forecast's P25/P50/P75 is {low:.1f}/{mid:.1f}/{high:.1f}%"
    )
    value = f"P25/P50/P75 = {low:.1f}/{mid:.1f}/{high:.1f}%; P(>= {p.value:g}%) = {prob:.2f}"
    key = f"elements={','.join(elements)}, year={p.year}, metric={metric}"
    return verdict, _run_evidence(ctx, out, key, value), explanation


def judge_gap(p: Prediction, ctx: _Context) -> tuple | None:
    """A supply gap closed by a year, for the bloc named or, if none, every bloc the
    forecast covers: the claim is unqualified, so one bloc still short makes it optimistic."""
    blocs = p.blocs or ol.forecast_blocs()
    results = []
    for bloc in blocs:
        out = ol.outlook(ctx.store, bloc)
        if out is None or out.year_index(p.year) is None or not out.with_demand(p.elements):
            return None
        elements = out.with_demand(p.elements)
        years = out.gap_closed[:, out.index(elements)].max(axis=1)
        results.append((out, elements, *_years_judgement(years, p)))
    if not results:
        return None
    verdicts = {r[2] for r in results}
    # One bloc still short makes the unqualified claim optimistic; all ahead: pessimistic.
    verdict = "optimistic" if "optimistic" in verdicts else "consistent"
    if verdicts == {"pessimistic"}:
        verdict = "pessimistic"
    parts, evidence = [], []
    for out, elements, _, prob, low, high in results:
        parts.append(
            f"P({out.bloc}'s {p.scope} supply covers demand by {p.year}) = {prob:.2f} "
            f"({out.run}; P25-P75 year {ol.year_text(low)}-{ol.year_text(high)})"
        )
        key = f"elements={','.join(elements)}, metric=year supply_available >= demand"
        evidence += _run_evidence(ctx, out, key, f"P(by {p.year}) = {prob:.2f}")
    return verdict, evidence, "; ".join(parts)


def judge_plant(p: Prediction, ctx: _Context) -> tuple | None:
    """A plant's start year against its announced start plus the empirical slippage."""
    # The lexicon's key, not a row's name: "Nolans" stands for the mine and the separation
    # plant, and the claim's stage ("producing NdPr oxide": separation) picks one.
    rows = facility_rows(ctx.facilities, p.facility, p.stage or None)
    if len(rows) != 1:
        return None
    row = rows.iloc[0]
    spec = ol._scenario(ol.SCENARIO)
    success = spec.pipeline.success_probability.get(str(row["status"]), 0.0)  # type: ignore[attr-defined]
    starts, basis = _start_years(row, ctx.delays, spec.start_year)  # type: ignore[attr-defined]
    if starts is None:
        return None
    low, high = np.percentile(starts, [ol.LOW_Q, ol.HIGH_Q])
    prob = float(np.mean(starts <= p.year))
    if success == 0:
        verdict = "consistent" if p.negated else "optimistic"
        explanation = f"{p.facility} is {row['status']}: {ol.SCENARIO} gives it no chance to start"
    else:
        if p.negated:
            verdict = "pessimistic" if prob > ol.HIGH_Q / 100 else "consistent"
        else:
            verdict = ol.place(p.year, float(low), float(high))
        explanation = (
            f"expected start P25-P75 {low:.0f}-{high:.0f} ({basis}); P(started by {p.year}) "
            f"= {prob * success:.2f} with the {ol.SCENARIO} chance of {success:.2f} that a "
            f"{row['status']} plant starts at all"
        )
    return verdict, _plant_evidence(ctx, row, low, high), explanation + _printed_after(ctx, row)


def _printed_after(ctx: _Context, row: pd.Series) -> str:
    """A note when the plant's stored schedule comes from sources dated after the article:
    the verdict reads the schedule as it stands now, which the author could not know."""
    if ctx.article_date is None:
        return ""
    from derisk.data.record import source_dates

    dates = source_dates(ctx.store)
    later = []
    for sid in (s.strip() for s in str(row["source_id"]).split(";") if s.strip()):
        date = dates.get(sid)
        if date is not None and date.start > ctx.article_date:
            later.append(f"{sid}, dated {date.text}")
    if not later:
        return ""
    return (
        f"; the stored schedule was printed after the article ({ctx.article_date.isoformat()}"
        f"): {'; '.join(later)}"
    )


def _start_years(row: pd.Series, delays: pd.DataFrame, start_year: int) -> tuple:
    """Possible start years, as the forecast draws them: an actual start is final; else
    the first announced start (not before the scenario's start) plus each observed
    slippage, and never before the latest announced date."""
    if pd.notna(row["actual_start_year"]):
        return np.array([float(row["actual_start_year"])]), "started"
    first = row["announced_start_first_year"]
    if pd.isna(first) or delays.empty:
        return None, ""
    latest = row["announced_start_latest_year"]
    floor = float(latest) if pd.notna(latest) else float(first)
    slips = delays["delay_years"].to_numpy(float)
    starts = np.maximum(max(float(first), float(start_year)) + slips, floor)
    basis = f"first announced {int(first)}, latest {int(floor)}, + slippage of {len(slips)} plants"
    return starts, basis


def _plant_evidence(ctx: _Context, row: pd.Series, low: float, high: float) -> list[Evidence]:
    """The plant's row and the slippage record, citing the sources of every plant in it:
    the expected start rests on all of them, not on the plant's own source."""

    def year(col: str) -> str:
        return "none" if pd.isna(row[col]) else str(int(row[col]))

    facility = ctx.sources.evidence(
        "facilities",
        f"name={row['name']}",
        f"status={row['status']}; announced first {year('announced_start_first_year')}, "
        f"latest {year('announced_start_latest_year')}; actual {year('actual_start_year')}",
        str(row["source_id"]),
    )
    d = ctx.delays
    q = np.percentile(d["delay_years"], [ol.LOW_Q, 50, ol.HIGH_Q]) if len(d) else [0, 0, 0]
    ids = "; ".join(sorted({s.strip() for v in d["source_id"] for s in str(v).split(";")}))
    slippage = ctx.sources.evidence(
        "facilities",
        "delay_table (derisk forecast-delays)",
        f"slippage over {len(d)} plants P25/P50/P75 = {q[0]:g}/{q[1]:g}/{q[2]:g} years; "
        f"expected start P25-P75 {low:.0f}-{high:.0f}",
        ids,
        "actual or latest start minus first announced start (derisk.forecast.inputs)",
    )
    return [facility, slippage]


JUDGES = {"derisk": judge_derisk, "share": judge_share, "target": judge_share,
          "gap": judge_gap, "plant": judge_plant}  # fmt: skip


# -- the hook -----------------------------------------------------------------------------
def _replaceable(verdict: Verdict | None) -> bool:
    """Only claims verify.py could not check: speculation (opinion) or no rows on record."""
    return verdict is None or verdict.verdict not in CHECKED_VERDICTS


def check_predictions(
    claims: list,
    verdicts: list[Verdict],
    store: object,
    article_date: dt.date | None,
    shared: dict | None = None,
) -> list[Verdict]:
    """``verdicts`` with each testable prediction judged against the forecast.

    Claims that make no prediction keep their verdict; a prediction among the claims
    verify() skipped (no verdict at all) gets one, in the claims' order.
    """
    candidates = [c for c in claims if getattr(c, "part", 0) == 0 and is_candidate(c)]
    if not candidates:
        return verdicts
    by_claim = {id(v.claim): v for v in verdicts}
    ctx = _Context(store, article_date, {} if shared is None else shared)
    judged: dict[int, Verdict] = {}
    for claim in candidates:
        old = by_claim.get(id(claim))
        if not _replaceable(old):
            continue
        p = parse_prediction(claim, article_date, ctx.elements)
        result = JUDGES[p.kind](p, ctx) if p else None
        if result is not None:
            verdict, evidence, explanation = result
            judged[id(claim)] = Verdict(claim, verdict, tuple(evidence), f"forecast: {explanation}")
    if not judged:
        return verdicts
    out = []
    for claim in claims:
        v = judged.get(id(claim), by_claim.get(id(claim)))
        if v is not None:
            out.append(v)
    return out

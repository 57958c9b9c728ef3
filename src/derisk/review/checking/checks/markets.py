"""Market sizes and deposit composition: figures that are not a country's mine output.

"China produced 300,000 tonnes of NdFeB magnets in 2024" is a tonnage of magnets, not of
rare-earth oxide: compared with mine production it was "supported" by 270,000 t REO.
A market figure is compared only with `market_sizes` rows of the same measure (sintered
or all magnets, magnet rare earths, REO consumption, market value, EV sales), the same
scope (world, China, US, Japan), unit, year and kind (a projection only with
projections). A figure for a plant or company is not a market figure and is left to the
plant checker.

A deposit's composition ("dysprosium is 7.5% of the rare earths at Longnan") is compared
with `deposit_composition` (per cent of TREO, USGS) or `deposit_profiles` (LREE/HREE
split, grades) only for a named deposit, or an ore type that is one deposit in the
table. USGS "NA" is unknown, never zero, so it refutes nothing. The table's basis is
per cent of TREO: a sentence that says "of the ore", or no basis at all, may be
confirmed by a matching value but is never contradicted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.facts import Candidate, FactBase
from derisk.review.checking.match import (
    AMOUNT_TOLERANCE,
    Result,
    agrees,
    distance,
    entity_keys,
    explain,
    judge,
    on_record,
    unmatched,
)

_I = re.IGNORECASE

# == market sizes ========================================================================


@dataclass(frozen=True)
class Measure:
    """One market measure: the words that name it in a sentence and in `market_sizes`.

    ``claim`` must match the sentence and ``unless`` must not (REO consumption is not a
    sentence about magnets); ``rows`` matches the row's metric; ``units`` are the claim
    units it is stated in; ``metrics`` the claim metrics it may be typed as (a
    production sentence that mentions demand is still about production)."""

    name: str
    claim: re.Pattern[str]
    rows: re.Pattern[str]
    units: tuple[str, ...]
    metrics: tuple[str, ...]
    unless: re.Pattern[str] | None = None


def _re(pattern: str) -> re.Pattern[str]:
    """Case-insensitive: articles write "NdFeB", "ndfeb" and "NDFEB" alike."""
    return re.compile(pattern, _I)


def _either(a: str, b: str) -> re.Pattern[str]:
    """Both words in either order."""
    return _re(rf"\b{a}\b.*\b{b}\b|\b{b}\b.*\b{a}\b")


_MAGNET = (
    r"(?:NdFeB|neodymium(?:[- ]iron[- ]boron)?\s+magnets?|(?:permanent|rare[- ]earth)\s+"
    r"magnets?|magnets?)"
)
_MAKE = r"(?:produc\w*|output|made|makes?|manufactur\w*)"
_USE = r"(?:demand|consum\w*)"
_MAGNET_REE = r"(?:magnet\s+(?:rare[- ]earths?|REEs?|metals|elements)|NdPr|Nd\+Pr)"
_OXIDE = r"(?:REO|rare[- ]earth\s+oxides?)\b"
_EV = r"(?:electric\s+(?:cars?|vehicles?)|EVs?)"
_OUTPUT = ("production", "market_size", "other")
_DEMAND = ("demand", "market_size", "other")
_VALUE = ("market_size", "other")

#: Most specific first: the first measure whose words the sentence has decides.
MEASURES: tuple[Measure, ...] = (
    Measure("recycled REO output", _re(r"\brecycl\w*|\bscrap\b"),
            _re(r"^REO produced from NdFeB magnet scrap"), ("t",), _OUTPUT),
    Measure("sintered magnet output", _either("sintered", _MAKE),
            _re(r"^sintered NdFeB (?:\(semi-finished\) |blank )?production$"), ("t",), _OUTPUT),
    Measure("bonded magnet output", _either("bonded", _MAKE),
            _re(r"^bonded NdFeB (?:powder )?production$"), ("t",), _OUTPUT),
    Measure("magnet alloy output", _either(r"NdFeB\s+(?:alloy|powder)s?", _MAKE),
            _re(r"^NdFeB alloy\+powder production$"), ("t",), _OUTPUT),
    Measure("magnet rare-earth demand", _either(_MAGNET_REE, _USE),
            _re(r"^magnet REE demand"), ("t",), _DEMAND),
    Measure("magnet REO value", _re(rf"\b{_MAGNET_REE}|\bmagnet\s+{_OXIDE}"),
            _re(r"^value of magnet REO consumption$"), ("USD",), _VALUE),
    Measure("magnet market value", _re(rf"\b{_MAGNET}\s+market\b|\bmarket\s+for\s+{_MAGNET}"),
            _re(r"^$"), ("USD",), _VALUE),
    Measure("magnet output", _either(_MAGNET, _MAKE),
            _re(r"^(?:rare-earth permanent magnet|permanent magnet|NdFeB|NdFeB magnetic material)"
                r" production(?: \(sintered\+bonded NdFeB\+SmCo\))?$"), ("t",), _OUTPUT,
            _re(rf"\bT?REO\b|\boxides?\b|{_MAGNET_REE}")),
    Measure("REO consumption", _re(rf"\b{_USE}\b"),
            _re(r"^(?:REE market \(consumption\)|REO demand|US REE (?:apparent )?consumption"
                r"|domestic rare earth demand)"), ("t",), _DEMAND, _re(rf"\b{_MAGNET}")),
    Measure("rare-earth market value", _re(r"\bmarket\b"),
            _re(r"^REE market value"), ("USD",), _VALUE, _re(rf"\b{_MAGNET}")),
    Measure("electric car stock", _either(_EV, r"(?:stock|fleet|on\s+the\s+road)"),
            _re(r"^electric car stock$"), ("number", "count"), _VALUE),
    Measure("electric car sales", _either(_EV, r"(?:sales?|sold)"),
            _re(r"^(?:electric car|EV) sales$"), ("number", "count"), _VALUE),
)  # fmt: skip

#: A sentence about a month, a half or a quarter is not about a year's total.
_MONTHS = sorted((m for m in vocabulary.MONTH_NUMBER if m != "may"), key=len, reverse=True)
_SUB_ANNUAL = re.compile(
    r"\b(?:" + "|".join(m.capitalize() for m in _MONTHS) + r")\b|\b(?:first|second)\s+half\b|"
    r"\bH[12]\b|\bQ[1-4]\b|\bquarter\b|\bmonth(?:ly)?\b"
)
_PROJECTION = re.compile(
    r"\b(?:forecast\w*|project(?:s|ed|ion|ions)?|expect\w*|outlook|will|scenario|"
    r"by\s+20\d\d|estimated\s+to\s+reach)\b",
    _I,
)
_WORLD = re.compile(r"\b(?:world(?:'s|wide)?|global(?:ly)?|worldwide)\b", _I)
_EXPORTS = re.compile(r"\b(?:export\w*|import\w*|shipment\w*)\b", _I)
#: Country keys as the lexicon gives them -> the `market_sizes` scope.
_SCOPE = {"CHN": "China", "USA": "US", "JPN": "Japan"}
_UNIT_SCALE = {"kt": 1e3, "t": 1.0, "billion USD": 1e9, "million": 1e6}


def measure_of(claim: object) -> Measure | None:
    """The market measure a sentence names, or None when it names none."""
    text = claim.text  # type: ignore[attr-defined]
    q = claim.quantity  # type: ignore[attr-defined]
    metric = getattr(claim, "metric", None)
    for m in MEASURES:
        if q.unit not in m.units or metric not in m.metrics or not m.claim.search(text):
            continue
        if m.name in _MAGNET_TONNES and not _counts_magnets(text, q.text):
            continue
        if m.unless is None or not m.unless.search(text):
            return m
    return None


_MAGNET_TONNES = ("sintered magnet output", "bonded magnet output", "magnet alloy output",
                  "magnet output")  # fmt: skip
_BETWEEN = r"(?:(?!rare\s+earths?\b|oxides?\b|for\b|in\b|to\b|used\b)[\w-]+\s+)"
_AFTER = re.compile(rf"^\s*(?:of\s+)?{_BETWEEN}{{0,3}}?{_MAGNET}", _I)
_BEFORE = re.compile(
    rf"(?:{_MAGNET}\s+{_BETWEEN}{{0,2}}?{_MAKE}|{_MAKE}\s+of\s+{_BETWEEN}{{0,2}}?{_MAGNET})"
    r"\b[^.]{0,30}$",
    _I,
)


def _counts_magnets(text: str, figure: str) -> bool:
    """Whether the tonnage is of magnets ("300,000 tonnes of NdFeB magnets", "NdFeB
    output hit 29,599 tonnes"), not of rare earths that go into magnets."""
    at = text.find(figure)
    if at < 0:
        return False
    return bool(_AFTER.search(text[at + len(figure) :]) or _BEFORE.search(text[:at]))


def _nearest(pool: list[Candidate], year: int | None) -> list[Candidate]:
    """Context rows, the nearest year first."""
    return sorted(pool, key=lambda c: abs((c.year or 0) - (year or 0)))


def claim_scope(claim: object) -> tuple[str | None, bool]:
    """The scope a market figure is about and whether it is stated (not assumed).

    A world word before the figure and after any country makes it the world's; one
    country named before it makes it that country's; an unnamed scope is read as the
    world's but is not certain, so it never yields a contradiction."""
    text = claim.text  # type: ignore[attr-defined]
    q = claim.quantity  # type: ignore[attr-defined]
    at = text.find(q.text)
    before = text[:at] if at >= 0 else text
    named = [e for e in claim.entities if e.kind in ("country", "bloc")]  # type: ignore[attr-defined]
    last = max((before.rfind(e.name) for e in named), default=-1)
    world = [m.end() for m in _WORLD.finditer(before)]
    if world and world[-1] > last:
        return "world", True
    keys = {e.key for e in named}
    if len(keys) > 1:
        return None, False
    if keys:
        key = next(iter(keys))
        return _SCOPE.get(key, key), True
    return ("world", True) if _WORLD.search(text) else ("world", False)


def _soften(result: Result, why: str) -> Result:
    """A contradiction the claim's wording cannot bear becomes unverifiable, with why."""
    if result[0] != "contradicted":
        return result
    return "unverifiable", result[1], f"{why}; {result[2]}"


def check_market_size(claim: object, facts: FactBase, article_date: dt.date | None):
    """A market volume or value against `market_sizes`; None when it is no market figure.

    A plant's or company's figure, mine output in REO and a sentence naming no measure
    are left to the other checkers."""
    q = getattr(claim, "quantity", None)
    if q is None or entity_keys(claim, ("company", "facility")):
        return None
    measure = measure_of(claim)
    if measure is None:
        return None
    scope, certain = claim_scope(claim)
    if _EXPORTS.search(claim.text) and measure.units == ("t",):  # type: ignore[attr-defined]
        return unmatched((), f"{measure.name}: the sentence is about trade, not output")
    if scope is None:
        return unmatched((), f"{measure.name}: the sentence names several countries")
    projection = _is_projection(claim, article_date)
    pool, others = facts.memo(
        ("market", measure.name, scope, projection),
        lambda: _market_pool(facts, measure, scope, projection),
    )
    if _SUB_ANNUAL.search(claim.text):  # type: ignore[attr-defined]
        why = f"{measure.name}: the figure is for part of a year; market_sizes holds years"
        return unmatched(_nearest(pool or others, claim.year), why)  # type: ignore[attr-defined]
    pool = _fit_bounds(q, pool, AMOUNT_TOLERANCE * q.value)
    if not pool:
        if claim.metric == "demand" and scope == "world":  # type: ignore[attr-defined]
            return None  # world demand is also in demand_projections (check_demand)
        return unmatched(_nearest(others, claim.year), f"no {measure.name} for {scope} "
                         f"{'projected ' if projection else ''}in market_sizes")  # fmt: skip
    result = judge(claim, pool, article_date, lambda v: AMOUNT_TOLERANCE * v, measure.name)
    if getattr(q, "basis", None) == "REO" and measure.name.startswith("magnet rare-earth"):
        return _soften(result, "the article gives tonnes of oxide; the data tonnes of element")
    if not certain:
        return _soften(result, "the sentence does not say whose market (world or a country)")
    if projection:
        return _soften(
            result, "forecasts differ by source and scenario; one is not another's error"
        )
    if getattr(claim, "year", None) is None:
        return _soften(result, "the sentence gives no year, and market sizes change yearly")
    return result


def _is_projection(claim: object, article_date: dt.date | None) -> bool:
    """A forecast: a year after the article's, or forecast words around the figure."""
    year = getattr(claim, "year", None)
    if year is not None and article_date is not None and year > article_date.year:
        return True
    return bool(_PROJECTION.search(claim.text))  # type: ignore[attr-defined]


def _fit_bounds(q: object, pool: list[Candidate], tol: float) -> list[Candidate]:
    """Drop bound rows (">17 million") that cannot decide a value above them."""
    value = q.value  # type: ignore[attr-defined]
    return [c for c in pool if not (c.label.startswith(">") and value > c.value + tol)]


def _market_pool(
    facts: FactBase, measure: Measure, scope: str, projection: bool
) -> tuple[list[Candidate], list[Candidate]]:
    """Rows of the measure and scope (``pool``) and of the measure elsewhere (context).

    An estimate, a row whose basis is not stated and a low-reliability row may confirm a
    claim but never alone refute it (Candidate.weak)."""
    rows = facts.tables["market_sizes"]
    rows = rows[rows["metric"].astype(str).str.match(measure.rows)]
    pool, others = [], []
    for r in rows.itertuples():
        scale = _scale(str(r.unit))
        if scale is None or (str(r.kind) == "projection") != projection:
            continue
        year = facts.year_of(r.year, r.source_id)
        bound = ">" if str(r.qualifier) in (">", ">=") else ""
        label = f"{bound}{r.value_text} {r.unit}, {r.metric}, {r.scope} {year} ({r.kind})"
        ev = facts.ev("market_sizes", f"metric={r.metric}, scope={r.scope}, year={year}",
                      f"{r.value_text} {r.unit}", r.source_id)  # fmt: skip
        value = None if pd.isna(r.value) else float(r.value) * scale
        c = facts.candidate(r, year, ev, label, value)
        c.low = None if c.low is None else c.low * scale
        c.high = None if c.high is None else c.high * scale
        weak = str(r.estimate).lower() == "true" or str(r.kind) == "estimate"
        c.weak = c.weak or weak or str(r.basis) == "not_stated"
        (pool if str(r.scope) == scope else others).append(c)
    return pool, others


def _scale(unit: str) -> float | None:
    """The factor from a row's unit to the claim's (t, USD, a count); None if unknown."""
    head = unit.split(" (")[0].strip()
    if head in _UNIT_SCALE:
        return _UNIT_SCALE[head]
    return next((s for u, s in _UNIT_SCALE.items() if head.startswith(u + " ")), None)


# == deposit composition ================================================================

#: Per cent of TREO: the sentence states the table's basis.
_TREO_BASIS = re.compile(
    r"\bT?REO\b|\brare[- ]earth\s+(?:oxides?|content|contents|distribution|mix)\b|"
    r"\bof\s+(?:the\s+|its\s+|total\s+)*rare[- ]earths?\b|\btotal\s+rare[- ]earths?\b|"
    r"\b(?:its|the)\s+rare[- ]earths\b|'s\s+rare[- ]earths\b",
    _I,
)
_GRADE = re.compile(r"\bgrades?\b|\bgrading\b", _I)
#: Words of output, trade or ownership: the percentage is a share of something else.
_NOT_COMPOSITION = re.compile(
    r"\b(?:production|output|supply|supplies|supplied|market|mined|exports?|imports?|"
    r"stakes?|owns?|world|global|accounts?\s+for)\b",
    _I,
)
#: Ore types -> words of the tables' deposit and deposit_type columns.
_ORE_TYPES = (
    (re.compile(r"\bion(?:ic|-adsorption|\s+adsorption)\b|\bclays?\b", _I), "ion-adsorption"),
    (re.compile(r"\bxenotime\b", _I), "xenotime"),
    (re.compile(r"\bloparite\b", _I), "loparite"),
    (re.compile(r"\bbastn(?:ae|ä|a)site\b", _I), "bastnaesite"),
    (re.compile(r"\bmonazite\b", _I), "monazite"),
)
_HEAVY, _LIGHT = vocabulary.GROUP_KEY["HREE"], vocabulary.GROUP_KEY["LREE"]
_PROFILE_GROUP = {_HEAVY: "HREE share of total REO", _LIGHT: "LREE share of total REO"}
#: Per-cent-of-TREO figures differ between samples and sources by a point or a tenth.
COMPOSITION_TOLERANCE_PP = 1.0
COMPOSITION_TOLERANCE_REL = 0.10


def _alias(name: str) -> str:
    """ "Mountain Pass, California" and "Mountain Pass (California, US)" -> "Mountain Pass"."""
    head = re.split(r"[,(]", str(name))[0].strip()
    words = head.split()
    return " ".join(words[:2]) if len(words) > 2 else head


def _deposits(facts: FactBase) -> dict[str, set[str]]:
    """Each deposit's short name -> its names and types in both tables (for ore types)."""
    found: dict[str, set[str]] = {}
    for table in ("deposit_composition", "deposit_profiles"):
        rows = facts.tables[table]
        for name, kind in zip(rows["deposit"], rows["deposit_type"], strict=True):
            found.setdefault(_alias(name), set()).update({str(name), str(kind)})
    return found


def named_deposits(claim: object, facts: FactBase) -> tuple[list[str], bool]:
    """The deposits a sentence is about, and whether it names one (not an ore type)."""
    text = claim.text  # type: ignore[attr-defined]
    known = facts.memo(("deposits",), lambda: _deposits(facts))
    sites = [e.name for e in claim.entities if e.kind == "facility"]  # type: ignore[attr-defined]
    named = [
        a
        for a in known
        if re.search(rf"\b{re.escape(a)}\b", text) or any(a.startswith(n) for n in sites)
    ]
    if named:
        return named, True
    for pattern, word in _ORE_TYPES:
        if pattern.search(text):
            return [a for a, names in known.items() if any(word in n for n in names)], False
    return [], False


def check_deposit(claim: object, facts: FactBase, article_date: dt.date | None):
    """A deposit's element or heavy/light share or grade; None when it is not one."""
    q = getattr(claim, "quantity", None)
    if q is None or q.unit != "percent" or _NOT_COMPOSITION.search(claim.text):  # type: ignore[attr-defined]
        return None
    part = _claim_part(claim)
    if part is None:
        return None
    deposits, by_name = named_deposits(claim, facts)
    if not deposits:
        return None
    pool, context = _deposit_pool(facts, deposits, part)
    if len(deposits) > 1:
        why = f"the ore type is {len(deposits)} deposits in the data, which differ"
        return unmatched(pool + context, f"{why}; a figure for the type is not one deposit's")
    usable = [c for c in pool if not c.label.startswith("NA") and c.label[:1] != "<"]
    if not usable:
        why = "the data states no such figure for it"
        if pool:
            why = "USGS gives NA or only a bound (unknown, not zero)"
        return unmatched(pool + context, f"{part} at {deposits[0]}: {why}")
    refutable = by_name and (part == "grade" or bool(_TREO_BASIS.search(claim.text)))  # type: ignore[attr-defined]
    return _judge_property(q, usable, article_date, refutable, f"{part} at {deposits[0]}")


def _claim_part(claim: object) -> str | None:
    """What of a deposit the figure measures: an element, Nd+Pr, HREE/LREE or grade."""
    groups = entity_keys(claim, "group")
    elements = entity_keys(claim, "element")
    if "ndpr" in groups or {"Nd", "Pr"} <= set(elements):
        return "Nd+Pr"
    for key in (_HEAVY, _LIGHT):
        if key in groups:
            return key
    if len(set(elements)) == 1:
        return elements[0]
    if _GRADE.search(claim.text):  # type: ignore[attr-defined]
        return "grade"
    return None


def _deposit_pool(
    facts: FactBase, deposits: list[str], part: str
) -> tuple[list[Candidate], list[Candidate]]:
    """Rows that state the part for the deposits (NA rows kept, labelled "NA"), and
    context rows: a heavy/light share or grade is stated only in `deposit_profiles`;
    summing USGS elements would need one definition of HREE, which sources do not share.
    """
    comp = facts.tables["deposit_composition"]
    comp = comp[comp["deposit"].map(_alias).isin(deposits)]
    prof = facts.tables["deposit_profiles"]
    prof = prof[prof["deposit"].map(_alias).isin(deposits)]
    metric = _PROFILE_GROUP.get(part, "proven reserves grade" if part == "grade" else None)
    if metric is not None:
        pool = [
            _deposit_candidate(facts, "deposit_profiles", r, r.metric)
            for r in prof[prof["metric"] == metric].itertuples()
        ]
        shown = ("La", "Ce", "Nd") if part == _LIGHT else ("Dy", "Tb", "Y")
        context = [
            _deposit_candidate(facts, "deposit_composition", r, r.element)
            for r in comp[comp["element"].isin(shown)].itertuples()
        ]
        return pool, context
    wanted = comp[comp["element"] == part]
    pool = [_deposit_candidate(facts, "deposit_composition", r, r.element)
            for r in wanted.itertuples()]  # fmt: skip
    if part == "Nd+Pr" and wanted.empty:
        pool.extend(_ndpr_sum(facts, comp))
    return pool, []


def _deposit_candidate(facts: FactBase, table: str, r: object, what: str) -> Candidate:
    """A deposit row as a Candidate with no data year: a composition is a property of
    the deposit, dated only by when its source was printed (``recorded``)."""
    text = str(r.value_text)  # type: ignore[attr-defined]
    label = f"{text} {r.unit}, {what}, {r.deposit}"  # type: ignore[attr-defined]
    ev = facts.ev(table, f"deposit={r.deposit}, {what}", f"{text} {r.unit}", r.source_id)  # type: ignore[attr-defined]
    c = facts.candidate(r, None, ev, label)
    c.low = c.high = None
    return c


def _ndpr_sum(facts: FactBase, comp: pd.DataFrame) -> list[Candidate]:
    """Nd + Pr of one deposit when USGS gives both as plain numbers (no NA, no bound)."""
    out = []
    for deposit, rows in comp.groupby("deposit"):
        pair = rows[rows["element"].isin(("Nd", "Pr"))]
        if len(pair) != 2 or pair["value"].isna().any() or (pair["qualifier"] != "=").any():
            continue
        total = round(float(pair["value"].sum()), 2)
        r = pair.iloc[0]
        ev = facts.ev("deposit_composition", f"deposit={deposit}, Nd + Pr",
                      f"{total} {r['unit']} (Nd + Pr)", r["source_id"])  # fmt: skip
        recorded = r["record_start"] if isinstance(r["record_start"], dt.date) else None
        out.append(Candidate(total, None, ev, f"{total} {r['unit']}, Nd + Pr, {deposit}",
                             recorded, bool(r["weak_row"])))  # fmt: skip
    return out


def _judge_property(
    q: object, pool: list[Candidate], article_date: dt.date | None, refutable: bool, what: str
) -> Result:
    """A deposit's composition has no year: a stored value on record at the article's
    date settles it, if the sentence names the deposit and states the table's basis;
    otherwise a matching value confirms it and a different one leaves it unverifiable."""
    value, bound = q.value, getattr(q, "bound", None)  # type: ignore[attr-defined]
    tol = max(COMPOSITION_TOLERANCE_PP, COMPOSITION_TOLERANCE_REL * value)
    ok = [c for c in pool if agrees(value, c, bound, tol)]
    if ok:
        return "supported", tuple(c.evidence for c in ok[:3]), explain(q, ok[0], what)
    closest = sorted(pool, key=lambda c: distance(value, c))
    deciding = [c for c in closest if on_record(c, article_date) and not c.weak]
    if refutable and deciding:
        return (
            "contradicted",
            tuple(c.evidence for c in deciding[:3]),
            explain(q, deciding[0], what),
        )
    why = "no row on record at the article's date can refute it"
    if not refutable:
        why = "the sentence names an ore type or does not state the per-cent-of-TREO basis"
    return unmatched(closest, f"{why}: {explain(q, closest[0], what)}")

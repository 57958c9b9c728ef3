"""Slips of framing: statements that are not wrong figures but mislead against the data.

Critics flag more than wrong numbers. Two framing rules are checkable against the
store, and each slip they raise carries the rows that show the problem:

- (not a slip: "China dominates both mining and refining" is true when China holds
  more than half of each stage; `checks.dominance` supports it and notes how far the
  two shares differ, rather than calling a true sentence a slip);
- absolute dominance: "all", "entire", "complete control" or "monopoly" about China's
  rare-earth supply today with no figure, while the data's latest shares are below 100 %
  ("near-total", "almost all" and statements about an earlier year are not absolute);
- mining confused with processing: a share given for China's mining that is its
  separation share on record (or the reverse), while the two differ widely;
- light confused with heavy: the heavy rare-earth share (~100 %) given for all rare
  earths, or light elements (neodymium, praseodymium, lanthanum, cerium) called heavy
  (or dysprosium and terbium called light), against the elements table;
- understatement: a near-total share ("a considerable share of processing", while China
  separates about nine tenths) named with a modest word, which hides the asymmetry;
- a necessary step sold as sufficient: one mine, deposit, stockpile, deal or sum of money
  said to "end", "break" or "solve" dependence on China, in a sentence that names no
  separation, metal or magnet step, while China's separation share on record is high.

Each rule is a function over one sentence returning a Slip or None; ``framing_slips``
keeps the first slip per sentence, so no sentence is listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from derisk.review.checking.evidence import Evidence
from derisk.review.checking.verify import FactBase
from derisk.vocabulary import ELEMENT_CLASSES

ABSOLUTE = re.compile(
    r"\b(?:all of the world'?s|the entire|complete control|total control|monopoly|"
    r"monopolises|monopolizes|every (?:single )?(?:tonne|ton|magnet))\b",
    re.IGNORECASE,
)
NOT_ABSOLUTE = re.compile(
    r"\b(?:near|nearly|almost|virtually|practically|essentially|close to)[- ]"
    r"(?:total|complete|all|the entire|a monopoly|monopoly)",
    re.IGNORECASE,
)
HEAVY_WORD = re.compile(r"\b(?:heavy|heavies|hrees?|dysprosium|terbium|Dy|Tb|yttrium)\b")
SUFFICIENT = re.compile(
    r"\b(?:end|ends|ending|break|breaks|breaking|eliminat\w*|solv\w*|fix|fixes|"
    r"guarantee\w*|secur\w*|free\w*)\b[^.;]{0,60}?\b(?:dependen\w*|relian\w*|grip|"
    r"dominance|monopoly|stranglehold|independen\w*)|"
    r"\b(?:is|are|will be|would be) (?:enough|sufficient|all it takes) to\b|"
    r"\ball it takes\b",
    re.IGNORECASE,
)
ONE_STEP = re.compile(
    r"\b(?:mine|mines|mining|deposit|deposits|ore|stockpil\w*|deal|agreement|pact|"
    r"investment|funding|grant|loan|price floor|tariffs?|discovery)\b",
    re.IGNORECASE,
)
MIDSTREAM_WORD = re.compile(
    r"\b(?:separat\w*|refin\w*|process\w*|metal\w*|alloy\w*|magnet\w*|midstream)\b",
    re.IGNORECASE,
)
CHINA_WORD = re.compile(r"\b(?:China|Chinese|Beijing)\b")
ELEMENT_CLASS_TALK = re.compile(
    r"\b(?P<cls>heavy|light)(?:[- ]rare[- ]earths?(?: elements?)?|\s+REEs?)\b"
    r"[^.;]{0,20}?\b(?:such as|like|including|e\.g\.|namely|notably)\s+"
    r"(?P<names>[A-Za-z ,/()-]{3,80})",
    re.IGNORECASE,
)
ELEMENT_NAME = re.compile(
    r"\b(lanthanum|cerium|praseodymium|neodymium|promethium|samarium|europium|gadolinium|"
    r"terbium|dysprosium|holmium|erbium|thulium|ytterbium|lutetium|yttrium)\b",
    re.IGNORECASE,
)
#: Shares of mining and separation that differ by more than this can be confused.
LUMP_GAP_PP = 10.0
#: A stated share within this many points of a stage's share on record "is" that share.
MATCH_PP = 4.0
#: A heavy-REE share at or above this is the "~100 %" that is confused with all REEs.
HEAVY_SHARE_MIN = 95.0
#: A necessary step is "sold as sufficient" only where China's separation share is this high.
SUFFICIENT_SEPARATION_MIN = 50.0
#: A statement about a year this many years before the data's latest is history, not "now".
HISTORY_YEARS = 3


@dataclass(frozen=True)
class Slip:
    text: str
    why: str
    evidence: tuple[Evidence, ...]
    #: Which rule raised it (a key of KINDS), so the critique can name the problem.
    kind: str = "framing"


#: Rule -> how the bottom line names the problem.
KINDS = {
    "absolute": "overstates China's hold",
    "stage_swapped": "confuses mining with processing",
    "heavy_for_all": "confuses heavy with light rare earths",
    "misclassed": "misnames light and heavy elements",
    "sufficient": "sells one step as enough to end dependence",
    "understated": "downplays China's near-total share",
}


def _latest_share(facts: FactBase, stage: str, label: str) -> tuple[float, Evidence] | None:
    """China's latest share at a stage; undated statements count as of their source's year."""
    rows = facts.tables["stage_shares"]
    rows = rows[
        (rows["stage"] == stage)
        & (rows["country"] == "CHN")
        & (rows["unit"] == "percent")
        & rows["value"].notna()
        & rows["element_or_group"].astype(str).str.contains(label, regex=False)
        & ~rows["element_or_group"].astype(str).str.contains("outlook|capacity")
    ]
    dated = [(facts.year_of(r.year, r.source_id), r) for r in rows.itertuples()]
    dated = [(y, r) for y, r in dated if y is not None]
    if not dated:
        return None
    year, r = max(dated, key=lambda item: item[0])
    ev = facts.ev(
        "stage_shares",
        f"stage={stage}, country=CHN, element_or_group={r.element_or_group}, year={year}",
        f"{r.value_text} % ({year})",
        r.source_id,
    )
    return float(r.value), ev


def _stage_shares(facts: FactBase) -> tuple[tuple[float, Evidence], tuple[float, Evidence]] | None:
    mining = _latest_share(facts, "mining", "all REE (REO)")
    separation = _latest_share(facts, "separation", "all REE")
    if mining is None or separation is None:
        return None
    return mining, separation


def _china(claim: object) -> bool:
    return any(e.kind == "country" and e.key == "CHN" for e in getattr(claim, "entities", ()))


def _heavy_share(facts: FactBase) -> tuple[float, Evidence] | None:
    """China's heavy-REE separation share; undated rows count as of their source's year."""
    rows = facts.tables["stage_shares"]
    rows = rows[
        (rows["stage"] == "separation")
        & (rows["country"] == "CHN")
        & (rows["unit"] == "percent")
        & rows["value"].notna()
        & rows["element_or_group"].astype(str).str.contains("HREE", regex=False)
    ]
    if rows.empty:
        return None
    r = max(rows.itertuples(), key=lambda r: (facts.recorded_year(r.source_id) or 0, r.value))
    ev = facts.ev(
        "stage_shares",
        f"stage=separation, country=CHN, element_or_group={r.element_or_group}",
        f"{r.value_text} %",
        r.source_id,
    )
    return float(r.value), ev


def _element_classes(facts: FactBase) -> dict[str, tuple[str, Evidence]]:
    """Element name (lower case) -> (LREE | HREE, the elements row that says so).

    Read once per FactBase: every article of a batch asks again."""
    return facts.memo(("element_classes",), lambda: _read_element_classes(facts))


def _read_element_classes(facts: FactBase) -> dict[str, tuple[str, Evidence]]:
    try:
        rows = facts.store.table("elements")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an older store without the table: rule is off
        return {}
    out = {}
    for r in rows.itertuples():
        if str(r.ree_group) in ELEMENT_CLASSES:
            ev = facts.ev("elements", f"symbol={r.symbol}", f"{r.name}: {r.ree_group}", r.source_id)
            out[str(r.name).lower()] = (str(r.ree_group), ev)
    return out


@dataclass(frozen=True)
class _Context:
    """What the rules read from the store, once per FactBase."""

    mine: float
    mine_ev: Evidence
    sep: float
    sep_ev: Evidence
    heavy: tuple[float, Evidence] | None
    classes: dict[str, tuple[str, Evidence]]
    latest_year: int


def _context(facts: FactBase) -> _Context | None:
    shares = _stage_shares(facts)
    if shares is None:
        return None
    (mine, mine_ev), (sep, sep_ev) = shares
    return _Context(
        mine, mine_ev, sep, sep_ev, _heavy_share(facts), _element_classes(facts),
        facts.dataset_year,
    )  # fmt: skip


#: Metrics whose percentage is a share of supply. A tariff of 100 %, a stake, a growth
#: rate, a target or a quota change is a percentage too, but not a share of anything the
#: stage shares hold, so no share-based framing rule may read it.
SHARE_METRICS = frozenset({"share", "production", "other", None})


def _share_figure(claim: object) -> float | None:
    q = getattr(claim, "quantity", None)
    if getattr(claim, "metric", None) not in SHARE_METRICS:
        return None
    return float(q.value) if q is not None and q.unit == "percent" else None


def _has_percent(claim: object) -> bool:
    q = getattr(claim, "quantity", None)
    return q is not None and q.unit == "percent"


def _absolute(claim: object, ctx: _Context) -> Slip | None:
    text = claim.text  # type: ignore[attr-defined]
    year = getattr(claim, "year", None)
    history = year is not None and year <= ctx.latest_year - HISTORY_YEARS
    if (
        not _has_percent(claim)
        and not HEAVY_WORD.search(text)  # China does separate ~all heavy rare earths
        and ABSOLUTE.search(text)
        and not NOT_ABSOLUTE.search(text)
        and not history
        and max(ctx.mine, ctx.sep) < 100
    ):
        return Slip(
            text,
            f"absolute wording with no figure; the latest shares are {ctx.mine:g} % of "
            f"mining and {ctx.sep:g} % of separation, not all of it",
            (ctx.mine_ev, ctx.sep_ev),
            "absolute",
        )
    return None


def _stage_swapped(claim: object, ctx: _Context) -> Slip | None:
    """A mining share that is the separation share on record, or the reverse."""
    figure, text = _share_figure(claim), claim.text  # type: ignore[attr-defined]
    if figure is None or abs(ctx.sep - ctx.mine) <= LUMP_GAP_PP or HEAVY_WORD.search(text):
        return None
    stage = getattr(claim, "stage", None)
    near = lambda a, b: abs(a - b) <= MATCH_PP  # noqa: E731
    if stage == "mining" and near(figure, ctx.sep) and not near(figure, ctx.mine):
        why = (
            f"gives {figure:g} % for mining, which is China's separation share "
            f"({ctx.sep:g} %); its mining share is {ctx.mine:g} %: mining is confused "
            "with processing"
        )
    elif stage == "separation" and near(figure, ctx.mine) and not near(figure, ctx.sep):
        why = (
            f"gives {figure:g} % for refining, which is China's mining share "
            f"({ctx.mine:g} %); its separation share is {ctx.sep:g} %: processing is "
            "confused with mining"
        )
    else:
        return None
    return Slip(text, why, (ctx.mine_ev, ctx.sep_ev), "stage_swapped")


def _heavy_for_all(claim: object, ctx: _Context) -> Slip | None:
    """The heavy rare-earth share (~100 %) given for all rare earths."""
    figure, text = _share_figure(claim), claim.text  # type: ignore[attr-defined]
    if figure is None or ctx.heavy is None or HEAVY_WORD.search(text):
        return None
    heavy, heavy_ev = ctx.heavy
    if (
        figure >= HEAVY_SHARE_MIN
        and abs(figure - heavy) <= MATCH_PP
        and figure - max(ctx.sep, ctx.mine) > MATCH_PP
    ):
        return Slip(
            text,
            f"gives {figure:g} % for rare earths as a whole; that is China's share of "
            f"heavy rare earths ({heavy:g} %); of all rare earths it separates "
            f"{ctx.sep:g} %: light and heavy are confused",
            (heavy_ev, ctx.sep_ev),
            "heavy_for_all",
        )
    return None


def _misclassed(claim: object, ctx: _Context) -> Slip | None:
    """Light elements called heavy, or heavy ones called light, against the elements table."""
    text = claim.text  # type: ignore[attr-defined]
    m = ELEMENT_CLASS_TALK.search(text)
    if m is None or not ctx.classes:
        return None
    said = "HREE" if m.group("cls").lower() == "heavy" else "LREE"
    wrong = [
        (name.lower(), ctx.classes[name.lower()])
        for name in ELEMENT_NAME.findall(m.group("names"))
        if name.lower() in ctx.classes and ctx.classes[name.lower()][0] != said
    ]
    if not wrong:
        return None
    names = " and ".join(dict.fromkeys(n for n, _ in wrong))
    actual = "light" if said == "HREE" else "heavy"
    return Slip(
        text,
        f"calls {names} {m.group('cls').lower()} rare earths; they are {actual} rare "
        "earths, so the heavy-light distinction the argument needs is lost",
        tuple(dict.fromkeys(ev for _, (_, ev) in wrong)),
        "misclassed",
    )


def _sufficient(claim: object, ctx: _Context) -> Slip | None:
    """One step (a mine, a stockpile, a deal, money) said to end dependence on China."""
    text = claim.text  # type: ignore[attr-defined]
    if (
        SUFFICIENT.search(text)
        and ONE_STEP.search(text)
        and CHINA_WORD.search(text)
        and not MIDSTREAM_WORD.search(text)
        and ctx.sep >= SUFFICIENT_SEPARATION_MIN
    ):
        return Slip(
            text,
            "sells a necessary step as sufficient: ore, stockpiles or money alone do not "
            f"end dependence while China separates {ctx.sep:g} % of rare earths; "
            "separation, metal and magnet capacity are needed too",
            (ctx.sep_ev,),
            "sufficient",
        )
    return None


#: "a considerable share of processing": a modest word for a stage China nearly owns.
UNDERSTATED = re.compile(
    r"\b(?:a\s+)?(?:considerable|significant|sizeable|sizable|substantial|notable|certain|"
    r"meaningful|fair)\s+(?:share|portion|part|proportion|slice)\s+of\s+(?:the\s+)?"
    r"(?:world'?s\s+|global\s+)?(?:rare[- ]earths?\s+)?(?P<stage>mining|extraction|"
    r"refining|processing|separation)\b",
    re.IGNORECASE,
)
#: A share at or above this is near-total: calling it "considerable" downplays it.
NEAR_TOTAL = 85.0


def _understated(claim: object, ctx: _Context) -> Slip | None:
    """A near-total share called "considerable" or "significant": the asymmetry hidden."""
    text = claim.text  # type: ignore[attr-defined]
    m = UNDERSTATED.search(text)
    if m is None or _has_percent(claim):
        return None
    mining = m.group("stage").lower() in ("mining", "extraction")
    share, ev = (ctx.mine, ctx.mine_ev) if mining else (ctx.sep, ctx.sep_ev)
    if share < NEAR_TOTAL:
        return None
    return Slip(
        text,
        f"calls China's share of {m.group('stage').lower()} \"{m.group(0).strip()}\"; on "
        f"record it is {share:g} %, near-total, so the wording downplays the asymmetry",
        (ev,),
        "understated",
    )


#: The rules in the order they are tried; the first that fires names the sentence's slip.
RULES: tuple[Callable[[object, _Context], Slip | None], ...] = (
    _stage_swapped,
    _heavy_for_all,
    _misclassed,
    _understated,
    _absolute,
    _sufficient,
)


def framing_slips(claims: list, facts: FactBase) -> list[Slip]:
    """Framing slips over the article's claims (one per sentence at most)."""
    ctx = facts.memo(("framing_context",), lambda: _context(facts))
    out: list[Slip] = []
    seen: set[int] = set()
    if ctx is None:
        return out
    for claim in claims:
        if claim.sentence_index in seen:
            continue
        needs_china = _china(claim) or CHINA_WORD.search(claim.text)
        for rule in RULES:
            if not needs_china and rule is not _misclassed:
                continue
            if (slip := rule(claim, ctx)) is not None:
                out.append(slip)
                seen.add(claim.sentence_index)
                break
    return out


__all__ = ["KINDS", "RULES", "Slip", "framing_slips"]

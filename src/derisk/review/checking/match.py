"""Match before you judge: a claim is compared only with facts that answer it.

Tried on real articles, the reviewer's false "contradicted" verdicts came from comparing a
figure with whatever stored row shared its unit: a 7.7 % ownership stake with China's
mining share, a Europe dysprosium price with a US price floor, a plant's capacity with
another plant's. A wrong "contradicted" is the worst mistake the reviewer can make, so a
claim is compared with a stored fact only when subject, metric, stage, element or group,
basis, market and period all agree; anything else is `unverifiable`, with the nearest
facts cited as context and the reason they do not answer the claim.

This module holds what every checker shares: the claim's signature (its subject keys,
group, market), the tolerances, and `judge`, which compares a value with the matched
facts *as they were on record at the article's date* (derisk.data.record): a later
figure never makes an earlier claim wrong; at most it makes it `outdated`. A row marked
low-reliability may support a claim but never alone contradicts it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from derisk import vocabulary
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import Candidate

#: Percentage points a share may differ by and still agree (reported figures are
#: rounded and sources differ by a few points for the same year).
SHARE_TOLERANCE_PP = 4.0
#: Relative tolerance for tonnages, money and prices.
AMOUNT_TOLERANCE = 0.10
#: Money figures must match more tightly: awards are exact amounts.
MONEY_TOLERANCE = 0.03

Result = tuple[str, tuple[Evidence, ...], str]


# -- the claim's signature ----------------------------------------------------------------
def entity_keys(claim: object, kind: str | tuple[str, ...]) -> list[str]:
    kinds = (kind,) if isinstance(kind, str) else kind
    return [e.key for e in getattr(claim, "entities", ()) if e.kind in kinds]


def claim_group(claim: object) -> str:
    """all_ree, magnet_ree, heavy, light or an element symbol the claim is about."""
    groups = entity_keys(claim, "group")
    for key in vocabulary.GROUP_PRECEDENCE:
        if key in groups:
            return key
    elements = entity_keys(claim, "element")
    if elements:
        return elements[0]
    return vocabulary.FALLBACK_GROUP


_EUROPE = re.compile(r"\b(?:europe(?:an)?|eu|cif|rotterdam|ex-china|outside china)\b", re.I)
_CHINA_MARKET = re.compile(r"\b(?:fob|ex-works|domestic|in china|chinese price|china)\b", re.I)


def claim_market(text: str) -> str | None:
    """ "europe" or "china" when the sentence names the market a price is quoted in.

    Prices for one oxide differ several-fold between China (FOB, ex-works) and Europe
    (CIF, ex-China) since the 2025 controls, so a market stated must match the row's."""
    if _EUROPE.search(text):
        return "europe"
    if _CHINA_MARKET.search(text):
        return "china"
    return None


def row_market(product: str, basis: str = "") -> str:
    """The market a stored price is quoted in, from its product and price basis."""
    text = f"{product} {basis}".lower()
    if re.search(r"europe|cif|rotterdam", text):
        return "europe"
    if re.search(r"global|volume-weighted", text):
        return "global"
    return "china"


# -- comparing -----------------------------------------------------------------------------
def agrees(claimed: float, c: Candidate, bound: str | None, tolerance: float) -> bool:
    """Whether a claimed value agrees with a fact (a stored range counts as a whole)."""
    if c.low is not None and c.high is not None:
        if bound == "at_least":
            return c.high >= claimed - tolerance
        if bound == "at_most":
            return c.low <= claimed + tolerance
        return c.low - tolerance <= claimed <= c.high + tolerance
    return _agrees(claimed, c.value, bound, tolerance)


def _agrees(claimed: float, fact: float, bound: str | None, tolerance: float) -> bool:
    if bound == "at_least":
        return fact >= claimed - tolerance
    if bound == "at_most":
        return fact <= claimed + tolerance
    return abs(fact - claimed) <= tolerance


def on_record(c: Candidate, article_date: dt.date | None) -> bool:
    """Whether a row was on record when the article was written.

    Its date of record decides, from the first day of the printed period: a source
    dated only "2025" may have been out in January (USGS MCS is), so it counts for an
    article of mid-2025; derisk.data.record.on_record is the stricter, certain reading.
    A row whose sources are undated falls back to its data year: a figure for an earlier
    year counts, one for the article's year not.
    """
    if article_date is None:
        return True
    if c.year is not None and c.year > article_date.year:
        return False
    if c.recorded is not None:
        return c.recorded <= article_date
    return c.year is not None and c.year < article_date.year


def distance(value: float, c: Candidate) -> float:
    if c.low is not None and c.high is not None:
        return 0.0 if c.low <= value <= c.high else min(abs(value - c.low), abs(value - c.high))
    return abs(c.value - value)


def explain(q: object, c: Candidate, what: str) -> str:
    weak = "; low-reliability source" if c.weak else ""
    return f"article: {q.text}; data: {c.label} ({what}, {c.year or 'undated'}{weak})"  # type: ignore[attr-defined]


def unmatched(nearest: list[Candidate] | tuple[Evidence, ...], why: str) -> Result:
    """`unverifiable` with the nearest facts as context and why they do not answer."""
    items = list(nearest)[:3]
    evidence = tuple(c.evidence if isinstance(c, Candidate) else c for c in items)
    labels = [c.label for c in items if isinstance(c, Candidate) and c.label]
    context = f"; nearest on record: {labels[0]}" if labels else ""
    return "unverifiable", evidence, f"{why}{context}"


def _later_note(q: object, later: list[Candidate]) -> str:
    if not later:
        return ""
    c = min(later, key=lambda c: distance(q.value, c))  # type: ignore[attr-defined]
    return f"; later data: {c.label} ({c.year or 'undated'})"


def _refute(q: object, pool: list[Candidate], what: str, note: str = "") -> Result:
    """`contradicted` by the closest rows, unless only low-reliability rows disagree."""
    closest = sorted(pool, key=lambda c: distance(q.value, c))  # type: ignore[attr-defined]
    if all(c.weak for c in closest):
        return (
            "unverifiable",
            tuple(c.evidence for c in closest[:3]),
            f"only low-reliability rows disagree, which cannot alone refute it: "
            f"{explain(q, closest[0], what)}{note}",
        )
    strong = [c for c in closest if not c.weak]
    return "contradicted", tuple(c.evidence for c in strong[:3]), explain(q, strong[0], what) + note


def judge(
    claim: object,
    candidates: list[Candidate],
    article_date: dt.date | None,
    tolerance: Callable[[float], float],
    what: str,
) -> Result:
    """Compare with the rows on record when the article was written and with the latest."""
    q = claim.quantity  # type: ignore[attr-defined]
    claim_year = getattr(claim, "year", None)
    dated = [c for c in candidates if c.year is not None]
    if claim_year is not None and any(c.year == claim_year for c in dated):
        same = [c for c in dated if c.year == claim_year]
        return _judge_year(q, same, article_date, tolerance, what)
    if not candidates:
        return "unverifiable", (), f"no {what} on record"
    if claim_year is not None and dated:
        # the period must agree: a figure for another year never settles this one
        nearest = sorted(dated, key=lambda c: abs(c.year - claim_year))  # type: ignore[operator]
        return unmatched(nearest, f"no {what} for {claim_year} on record")
    if not dated:
        return judge_undated(q, getattr(q, "bound", None), candidates, tolerance, what)
    return _judge_latest(q, dated, article_date, tolerance, what)


def _judge_year(
    q: object,
    same: list[Candidate],
    article_date: dt.date | None,
    tolerance: Callable[[float], float],
    what: str,
) -> Result:
    """A claim about one year: the rows for that year on record at the article's date
    decide; rows printed later may confirm it or make it outdated, never refute it."""
    value, bound = q.value, getattr(q, "bound", None)  # type: ignore[attr-defined]
    tol = tolerance(value)
    then = [c for c in same if on_record(c, article_date)]
    later = [c for c in same if not on_record(c, article_date)]
    ok_then = [c for c in then if agrees(value, c, bound, tol)]
    ok_later = [c for c in later if agrees(value, c, bound, tol)]
    if ok_then:
        return "supported", tuple(c.evidence for c in ok_then[:3]), explain(q, ok_then[0], what)
    if not then:
        if ok_later:
            note = "; printed after the article's date (confirmed by later data)"
            return (
                "supported",
                tuple(c.evidence for c in ok_later[:3]),
                explain(q, ok_later[0], what) + note,
            )
        return unmatched(
            sorted(later, key=lambda c: distance(value, c)),
            f"nothing for {same[0].year} was on record at the article's date"
            + _later_note(q, later),
        )
    if ok_later:
        return _ahead_of_record(q, ok_later[0], then, what)
    return _refute(q, then, what, _later_note(q, later))


def _ahead_of_record(q: object, match: Candidate, then: list[Candidate], what: str) -> Result:
    """A claim that matches a figure printed after the article is not a slip: the writer
    had newer information (a preliminary figure, a company report) than the record.
    It is supported by the later figure, with what was on record then as context."""
    value = q.value  # type: ignore[attr-defined]
    closest = min(then, key=lambda c: distance(value, c))
    return (
        "supported",
        (match.evidence, closest.evidence),
        f"{explain(q, match, what)}; printed after the article's date (on record then: "
        f"{closest.label}, {closest.year})",
    )


def _judge_latest(
    q: object,
    dated: list[Candidate],
    article_date: dt.date | None,
    tolerance: Callable[[float], float],
    what: str,
) -> Result:
    """A claim with no year: the latest figure on record at the article's date decides;
    the latest figure now can make it outdated, but never contradicted."""
    value, bound = q.value, getattr(q, "bound", None)  # type: ignore[attr-defined]
    tol = tolerance(value)
    latest_year = max(c.year for c in dated)  # type: ignore[type-var]
    now = [c for c in dated if c.year == latest_year]
    then = now
    if article_date is not None:
        before = [c for c in dated if on_record(c, article_date)]
        if not before:
            return unmatched(
                sorted(now, key=lambda c: distance(value, c)),
                f"no {what} was on record at the article's date" + _later_note(q, now),
            )
        then_year = max(c.year for c in before)  # type: ignore[type-var]
        then = [c for c in before if c.year == then_year]
    ok_now = [c for c in now if agrees(value, c, bound, tol)]
    ok_then = [c for c in then if agrees(value, c, bound, tol)]
    if ok_now and (ok_then or then is now):
        return "supported", tuple(c.evidence for c in ok_now[:3]), explain(q, ok_now[0], what)
    if ok_then and not ok_now:
        closest = min(now, key=lambda c: distance(value, c))
        return (
            "outdated",
            (ok_then[0].evidence, closest.evidence),
            f"true when written ({explain(q, ok_then[0], what)}), but the latest record "
            f"is {closest.label} ({closest.year})",
        )
    if ok_now and not ok_then:
        return _ahead_of_record(q, ok_now[0], then, what)
    note = "" if then is now else _later_note(q, [c for c in now if c not in then])
    return _refute(q, then, what, note)


def judge_undated(
    q: object,
    bound: str | None,
    candidates: list[Candidate],
    tolerance: Callable[[float], float],
    what: str,
) -> Result:
    """Only undated figures on record: they may agree with a claim, never refute it.

    An undated figure cannot be placed before or after the claim's period, so treating
    it as the newest record would contradict claims about other years (issue 10).
    """
    value = q.value  # type: ignore[attr-defined]
    ok = [c for c in candidates if agrees(value, c, bound, tolerance(value))]
    if ok:
        return "supported", tuple(c.evidence for c in ok[:3]), explain(q, ok[0], what)
    closest = sorted(candidates, key=lambda c: distance(value, c))
    return (
        "unverifiable",
        tuple(c.evidence for c in closest[:3]),
        f"only undated figures on record, which cannot settle it: {explain(q, closest[0], what)}",
    )


#: Where a sentence's clauses part: "lent MP $150 million ..., and it will buy ...".
CLAUSE = re.compile(
    r"\s*[;:]\s+|,\s+(?=(?:and|but|while|which|although|though|whereas|so)\b)|\s+[—–]\s+"
)


def own_clause(claim: object) -> str:
    """The words of a sentence that belong to its figure: from the previous figure (or the
    clause start) up to the figure's end, so "the mining quota was 270,000 t and the
    smelting quota 254,000 t" reads "mining" for the first figure, "smelting" for the
    second."""
    text = claim.text  # type: ignore[attr-defined]
    q = getattr(claim, "quantity", None)
    at = text.find(q.text) if q is not None and q.text else -1
    if at < 0:
        return text
    start = 0
    for other in getattr(claim, "quantities", ()):
        pos = text.find(other.text)
        if other.text and 0 <= pos < at:
            start = max(start, pos + len(other.text))
    clause_start = max((m.end() for m in CLAUSE.finditer(text, 0, at)), default=0)
    return text[max(start, clause_start) : at + len(q.text) + 25]

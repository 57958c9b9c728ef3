"""China's export controls: how many elements, which, when, and whether still in force.

Counts of elements are their own metric: "seven of the 17 rare earths" is compared with
the number of elements an announcement controlled, never with a share or a tonnage, and
"of the 17" (the whole set) or "these two elements" (a reference back) is not a count
claim at all. Events have a status over time (announced, in force, suspended, lifted):
a sentence saying controls "remain in force" is judged against the status on record at
the article's date, so a suspension announced later makes it outdated, not wrong.

A month named without a year ("In April Beijing required licences for ...") is read in
the article's year (the year before, when that month is still to come): the event of
that month on record at the article's date decides; when none is, nothing is judged.

Named laws and announcements ("the Critical Raw Materials Act entered into force in May
2023", "Announcement No. 61 applies from 1 December") are dated steps: proposed,
adopted, announced, in force. A claimed date is compared only with the same law's same
step on record at the article's date: the date a law was proposed never refutes the
date it entered into force, and a law the events table does not name is unverifiable.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk import vocabulary
from derisk.data.record import parse_record_date
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import FactBase
from derisk.review.checking.match import Result, entity_keys, unmatched
from derisk.review.extraction.quantity_patterns import NOT_A_MODIFIER

_NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen" \
    r"|fourteen|fifteen|sixteen|seventeen)"  # fmt: skip
_COUNT = re.compile(
    r"(?<![\w-])(?P<before>(?:these|those|the|both|all|of the)\s+)?(?P<n>" + _NUM + r")"
    r"(?:\s+of\s+(?:the\s+)?(?:17|seventeen))?\s+(?:[\w/-]+\s+){0,3}?"
    r"(?:rare[- ]earths?|elements|REEs|metals|minerals)\b" + NOT_A_MODIFIER,
    re.I,
)
_IN_FORCE = re.compile(
    r"\b(?:remain(?:s|ed)?|still|stay(?:s|ed)?)\b[^.]{0,25}\b(?:in\s+force|in\s+effect|in\s+place"
    r"|apply|applies|effective)\b|\bstill\s+apply\b",
    re.I,
)
_PAUSED = re.compile(r"\b(?:suspend(?:s|ed)?|paus(?:e|es|ed)|lift(?:s|ed)?|rolled\s+back|"
                     r"scrap(?:s|ped)?|dropp(?:ed)?|withdr[ae]wn?)\b", re.I)  # fmt: skip
MONTH_WORD = re.compile(r"\b(" + "|".join(vocabulary.MONTHS) + r")\b")


def month_named(text: str) -> int | None:
    """The month a sentence names ("in April 2025"), capitalised as a month is."""
    found = MONTH_WORD.search(text)
    return vocabulary.month_number(found.group(1)) if found else None


def element_count(text: str) -> int | None:
    """The number of elements a sentence says were controlled, or None.

    "seven of the 17" is 7; "all 17", "the two", "these two elements" refer to a whole
    set or back to elements already named, and are not a count to check.
    """
    for m in _COUNT.finditer(text):
        if m["before"]:
            continue
        word = m["n"].lower()
        return int(word) if word.isdigit() else vocabulary_number(word)
    return None


def vocabulary_number(word: str) -> int | None:
    words = _NUM.replace("(?:", "").replace(")", "").split("|")[1:]
    return words.index(word) + 1 if word in words else None


def controls(facts: FactBase, year: int | None, month: int | None = None) -> pd.DataFrame:
    """China's element-specific export controls (in a year and month, if given).

    Read once per period for a whole batch: every claim about controls asks again."""
    return facts.memo(("controls", year, month), lambda: _controls(facts, year, month))


def _known_controls(facts: FactBase, article_date: dt.date | None) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        listed = controls(facts, None)
        return listed[[_known(r, article_date) for r in listed.itertuples()]]

    return facts.memo(("controls_known", article_date), build)


def _controls(facts: FactBase, year: int | None, month: int | None) -> pd.DataFrame:
    rows = facts.tables["events"]
    rows = rows[rows["type"].astype(str).str.contains("export_control")]
    rows = rows[rows["actor"].astype(str).str.contains("China")]
    rows = rows[~rows["elements_affected"].astype(str).str.contains("all|magnets|techn|dual")]
    if year is not None:
        rows = rows[rows["year"] == year]
    if month is not None:
        rows = rows[rows["date"].astype(str).str.startswith(f"{year}-{month:02d}")]
    return rows


def _ev(facts: FactBase, r: object) -> Evidence:
    return facts.ev(
        "events", f"date={r.date}, actor={r.actor}", f"{r.elements_affected}", r.source_id
    )  # type: ignore[attr-defined]


def _known(r: object, article_date: dt.date | None) -> bool:
    """Whether an event had happened and was on record by the article's date."""
    if article_date is None:
        return True
    happened = parse_record_date(r.date)  # type: ignore[attr-defined]
    recorded = r.record_start  # type: ignore[attr-defined]
    return (
        happened is not None and happened.start <= article_date
        and isinstance(recorded, dt.date) and recorded <= article_date
    )  # fmt: skip


_FUTURE = re.compile(r"\b(?:will|from|as\s+of|starting|due|scheduled)\b", re.I)
#: Present-tense verbs: the sentence says what the control list holds now, so a later
#: suspension of those elements makes it outdated ("The October package adds holmium").
_PRESENT = re.compile(
    r"\b(?:adds|puts|places|brings|extends|covers|requires|subjects|restricts|now)\b", re.I
)


def claimed_period(claim: object, article_date: dt.date | None) -> tuple[int | None, ...]:
    """The year and month a policy sentence is about, and whether the year was inferred.

    "In April" with no year is read in the article's year, or the year before when April
    is still to come at the article's date and the sentence does not look ahead: an
    article of November 2025 saying "In April Beijing required licences" means April 2025.
    """
    text = claim.text  # type: ignore[attr-defined]
    year = getattr(claim, "year", None)
    month = month_named(text)
    if year is not None:
        return year, month, False
    if month is None or article_date is None:
        return None, None, False
    year = article_date.year
    if month > article_date.month and not _FUTURE.search(text):
        year -= 1
    return year, month, True


def check_policy(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """Export controls and named laws: dated steps, status, number of elements, elements.

    A sentence may make several of these claims at once ("Announcement No. 18 took effect
    in April 2025, requiring licences for seven rare earths"): each is judged, and the
    worst verdict stands, so a wrong date is not hidden by a right count.
    """
    text = claim.text  # type: ignore[attr-defined]
    from derisk.review.checking.checks.laws import check_law_date  # laws builds on this module

    law = check_law_date(claim, facts, article_date)
    if law is not None and law[0] == "contradicted":
        return law
    if _IN_FORCE.search(text) or (_PAUSED.search(text) and "control" in text.lower()):
        status = check_status(claim, facts, article_date)
        if status is not None:
            return worst(law, status)
    from derisk.review.checking.checks.tariffs import check_tariff  # tariffs builds on this module

    tariff = check_tariff(claim, facts, article_date)
    if tariff is not None:
        return worst(law, tariff)
    return worst(law, _check_controls(claim, facts, article_date))


#: Severity order: the slips, then what holds, then what could not be checked.
_RANK = (
    *vocabulary.SLIP_VERDICTS,
    *vocabulary.HOLDING_VERDICTS,
    *(v for v in vocabulary.VERDICTS if v not in vocabulary.CHECKED_VERDICTS),
)


def worst(*results: Result | None) -> Result | None:
    """The result that matters most: a contradiction, then outdated, then support."""
    found = [r for r in results if r is not None]
    return min(found, key=lambda r: _RANK.index(r[0]) if r[0] in _RANK else 9, default=None)


def _check_controls(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """The number of elements controlled, or which elements, in the period named."""
    text = claim.text  # type: ignore[attr-defined]
    year, month, inferred = claimed_period(claim, article_date)
    listed = facts.memo(("policy", year, month), lambda: controls(facts, year, month))
    if inferred:
        # the year is read from the article's date: only events then on record count
        listed = listed[[_known(r, article_date) for r in listed.itertuples()]]
    n = element_count(text)
    if n is not None:
        return _check_count(claim, facts, n, listed, article_date, (year, month, inferred))
    elements = set(entity_keys(claim, "element"))
    if elements and year is not None and len(listed):
        return _check_elements(claim, facts, elements, listed, article_date, inferred)
    q = claim.quantity  # type: ignore[attr-defined]
    if q is not None and q.unit == "count":
        return unmatched((), f"{q.text} is not a count of controlled elements on record")
    return check_tightening(claim, facts, article_date)


#: "China expanded licensing requirements in 2025", "Beijing tightened export controls".
_TIGHTEN = re.compile(
    r"\b(?:expand\w*|extend\w*|tighten\w*|widen\w*|broaden\w*|impos\w*|introduc\w*)\b"
    r"[^.;:]{0,40}?\b(?:licen[cs]\w*|export\s+controls?|controls|restrictions|curbs)\b",
    re.I,
)
_CHINA = re.compile(r"\b(?:China|Chinese|Beijing|MOFCOM)\b")


def check_tightening(
    claim: object, facts: FactBase, article_date: dt.date | None
) -> Result | None:
    """China's controls widened in a named year or month: supported when a Chinese
    export-control step of that period is on record at the article's date.

    Only the clause saying so is judged; a figure elsewhere in the sentence ("September
    shipments fell 30%") is named as not checked, so support never covers it."""
    text = claim.text  # type: ignore[attr-defined]
    clause = next((c for c in re.split(r"\s*[;:]\s+", text) if _TIGHTEN.search(c)), None)
    if clause is None or not _CHINA.search(text):
        return None
    year, _, inferred = claimed_period(claim, article_date)
    month = month_named(clause)  # the clause's own month, not another clause's
    if year is None or (not inferred and str(year) not in clause):
        return None
    rows = facts.tables["events"]
    rows = rows[rows["type"].astype(str).str.contains("export_control")
                & rows["actor"].astype(str).str.contains("China")
                & rows["date"].astype(str).str.startswith(
                    f"{year}-{month:02d}" if month else f"{year}")]  # fmt: skip
    rows = rows[[_known(r, article_date) for r in rows.itertuples()]]
    when = _when(year, month)
    if rows.empty:
        return unmatched((), f"no Chinese export-control step on record in {when}")
    listed = sorted(rows.itertuples(), key=lambda r: str(r.date))
    steps = "; ".join(f"{r.date} ({r.elements_affected})" for r in listed[:3])
    steps += f" and {len(listed) - 3} more" if len(listed) > 3 else ""
    rest = [q.text for q in getattr(claim, "quantities", ()) if q.text not in clause]
    unchecked = f"; not checked: {', '.join(rest)} (no such figure on record)" if rest else ""
    evidence = tuple(_ev(facts, r) for r in listed[:3])
    why = f"China's export-control steps on record in {when}: {steps}{unchecked}"
    return "supported", evidence, why


def _when(year: int | None, month: int | None) -> str:
    """ "April 2025", "April (no year given)" or "2025", for explanations."""
    if month:
        return f"{vocabulary.MONTHS[month - 1]} {year or '(no year given)'}"
    return f"{year}"


def _check_elements(
    claim: object,
    facts: FactBase,
    elements: set[str],
    listed: pd.DataFrame,
    article_date: dt.date | None,
    inferred: bool,
) -> Result:
    """Controls on the elements named, in the period named. A present-tense sentence ("The
    October package adds holmium ... to the control list") is about the list as it stood:
    true when written if no suspension of those elements was on record then, outdated if
    one was recorded later."""
    year, month, _ = claimed_period(claim, article_date)
    when = _when(year, month)
    names = ", ".join(sorted(elements))
    hit = [r for r in listed.itertuples() if elements & set(str(r.elements_affected).split(";"))]
    if not hit:
        evidence = tuple(_ev(facts, r) for r in listed.itertuples())
        if inferred:
            # "In April" read in the article's year is a guess; a guess never refutes
            return unmatched(evidence, f"no control on {names} in {when} (the year is read "
                             "from the article's date)")  # fmt: skip
        return "contradicted", evidence[:3], f"no control on {names} in {year}"
    evidence = tuple(_ev(facts, r) for r in hit[:3])
    what = f"controls on {names} in {when}"
    # present tense ("adds ... to the control list"): the status then and since counts
    changes = suspensions(facts, elements, min(str(r.date) for r in hit))
    if not changes or not _PRESENT.search(claim.text):  # type: ignore[attr-defined]
        return "supported", evidence, what
    known = [r for r in changes if _known(r, article_date)]
    after = [r for r in changes if not _known(r, article_date)]
    evidence += tuple(_ev(facts, r) for r in changes[:2])
    then = _status(known)
    if then == "in force" and after:
        later = f"{_status(known + after[:1])} ({after[0].date}, {after[0].source_id})"
        return "outdated", evidence, f"{what}: in force at the article's date; later: {later}"
    since = f"; {then} since {known[-1].date} ({known[-1].source_id})" if known else ""
    return "supported", evidence, f"{what}{since}"


def _check_count(
    claim: object,
    facts: FactBase,
    n: int,
    listed: pd.DataFrame,
    article_date: dt.date | None,
    period: tuple[int | None, int | None, bool],
) -> Result | None:
    """A number of elements against the announcements of the period named.

    "In all" is the number of distinct elements (the April and October 2025 lists make
    12, not the sum of every row naming them); with no period, any announcement on
    record at the article's date may agree, none refutes.
    """
    text = claim.text  # type: ignore[attr-defined]
    year, month, inferred = period
    if not re.search(r"\bcontrol|\bexport|\brestrict|\blicen[cs]", text, re.I):
        return unmatched((), f"a count of elements ({n}); the data counts elements only for "
                         "China's export controls")  # fmt: skip
    key: tuple = ("period", year, month, inferred, article_date)
    if year is None or (inferred and listed.empty):
        year, key = None, ("known", article_date)
        listed = _known_controls(facts, article_date)
    counts, cumulative, evidence = facts.memo(
        ("control_counts", *key), lambda: _count_summary(facts, listed)
    )
    when = _when(year, month) if year is not None else "the record"
    read = " (the year is read from the article's date)" if inferred and year else ""
    if counts and (n in counts or n == cumulative):
        return (
            "supported",
            evidence[:3],
            f"article: {n} elements; data: export controls on {counts} elements "
            f"({cumulative} in all) in {when}{read}",
        )
    if counts and year is not None and (total := _cumulative(facts, n, article_date)):
        return total  # "Today licences are required for 12, after October's additions"
    if counts and year is not None:
        return (
            "contradicted",
            evidence[:3],
            f"article: {n} elements; data: {counts} elements per announcement in {when}{read}",
        )
    return unmatched(evidence, f"article: {n} elements; no announcement on record gives that count")


def _cumulative(facts: FactBase, n: int, article_date: dt.date | None) -> Result | None:
    """A count that is the whole control list at some point, not one announcement's:
    supported if it is the list's size at the article's date, outdated if a suspension
    on record by then had already shrunk it."""
    listed = _known_controls(facts, article_date)
    rows = sorted(listed.itertuples(), key=lambda r: str(r.date))
    held: set[str] = set()
    for r in rows:
        held |= set(str(r.elements_affected).split(";"))
        if len(held) != n:
            continue
        evidence = tuple(_ev(facts, x) for x in rows[-3:])
        paused = [x for x in suspensions(facts, held, str(r.date)) if _known(x, article_date)]
        if paused:
            x = paused[-1]
            return ("outdated", evidence + (_ev(facts, x),),
                    f"article: {n} elements; the control list reached {n} on {r.date}, but "
                    f"a suspension followed ({x.date}, {x.source_id})")  # fmt: skip
        return "supported", evidence, f"article: {n} elements; the control list since {r.date}"
    return None


def _count_summary(facts: FactBase, listed: pd.DataFrame) -> tuple[list[int], int, tuple]:
    """Elements per announcement, distinct elements in all, and the evidence rows."""
    rows = list(listed.itertuples())
    counts = [len(str(r.elements_affected).split(";")) for r in rows]
    union = {e for r in rows for e in str(r.elements_affected).split(";")}
    return counts, len(union), tuple(_ev(facts, r) for r in rows)


# -- status over time ----------------------------------------------------------------------
def check_status(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """ "The October 2025 controls remain in force": the status on record at the date."""
    text = claim.text  # type: ignore[attr-defined]
    year = getattr(claim, "year", None)
    if year is None:
        return None
    month = month_named(text)
    rows = facts.tables["events"]
    chinese = rows["actor"].astype(str).str.startswith("China")
    imposed = rows[chinese & (rows["type"] == "export_control") & (rows["year"] == year)]
    if month is not None:
        imposed = imposed[imposed["date"].astype(str).str.startswith(f"{year}-{month:02d}")]
    if imposed.empty:
        return None
    affected = {e for r in imposed.itertuples() for e in str(r.elements_affected).split(";")}
    changes = suspensions(facts, affected, str(imposed["date"].min()))
    said = "in force" if _IN_FORCE.search(text) else "suspended"
    then = _status([r for r in changes if _known(r, article_date)])
    now = _status(changes)
    base = tuple(_ev(facts, r) for r in imposed.itertuples())[:2]
    shown = tuple(_ev(facts, r) for r in changes)
    what = f"controls of {month and vocabulary.MONTHS[month - 1] or ''} {year}".replace("  ", " ")
    if then == "unknown":
        return unmatched(base + shown, f"the {what}: a suspension was due to end; the outcome is "
                         "not on record")  # fmt: skip
    if said == then:
        if now != then:
            after = [r for r in changes if not _known(r, article_date)]
            first = _status([r for r in changes if _known(r, article_date)] + after[:1])
            return (
                "outdated",
                base + shown,
                f"the {what} were {then} at the article's date; later data: {first} "
                f"({after[0].date}, {after[0].source_id})",
            )
        return (
            "supported",
            base + shown,
            f"the {what}: status on record at the article's date: {then}",
        )
    known = [r for r in changes if _known(r, article_date)]
    since = f" ({known[-1].date}, {known[-1].source_id})" if known else ""
    return (
        "contradicted",
        shown + base,
        f"article: {said}; on record at the article's date: {then}{since}",
    )


def suspensions(facts: FactBase, affected: set[str], since: str) -> list:
    """China's suspensions (and their scheduled ends) touching ``affected`` after ``since``."""
    rows = facts.tables["events"]
    chinese = rows["actor"].astype(str).str.startswith("China")
    found = [
        r
        for r in rows[chinese & (rows["type"] == "suspension")].itertuples()
        if affected & set(str(r.elements_affected).split(";")) and str(r.date) > since
    ]
    return sorted(found, key=lambda r: str(r.date))


def _status(changes: list) -> str:
    """In force, suspended, or unknown (a suspension's scheduled end whose outcome is not
    on record), from the suspension events that had happened, in date order."""
    status = "in force"
    for r in sorted(changes, key=lambda r: str(r.date)):
        summary = str(r.summary).lower()
        if "scheduled end" in summary or "outcome not found" in summary:
            status = "unknown"
        elif re.search(r"\blift|\bend(?:s|ed)\b|\brevok", summary):
            status = "in force" if "reimpos" in summary else "lifted"
        else:
            status = "suspended"
    return status

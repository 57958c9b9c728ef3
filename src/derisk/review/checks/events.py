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
from derisk.review.evidence import Evidence
from derisk.review.facts import FactBase
from derisk.review.match import Result, entity_keys, unmatched

_NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen" \
    r"|fourteen|fifteen|sixteen|seventeen)"  # fmt: skip
_COUNT = re.compile(
    r"(?<![\w-])(?P<before>(?:these|those|the|both|all|of the)\s+)?(?P<n>" + _NUM + r")"
    r"(?:\s+of\s+(?:the\s+)?(?:17|seventeen))?\s+(?:[\w/-]+\s+){0,3}?"
    r"(?:rare[- ]earths?|elements|REEs|metals|minerals)\b",
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
    """China's element-specific export controls (in a year and month, if given)."""
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
    law = check_law_date(claim, facts, article_date)
    if law is not None and law[0] == "contradicted":
        return law
    if _IN_FORCE.search(text) or (_PAUSED.search(text) and "control" in text.lower()):
        status = check_status(claim, facts, article_date)
        if status is not None:
            return worst(law, status)
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
    return None


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
    if year is None or (inferred and listed.empty):
        year = None
        listed = controls(facts, None)
        listed = listed[[_known(r, article_date) for r in listed.itertuples()]]
    counts = [len(str(r.elements_affected).split(";")) for r in listed.itertuples()]
    union = {e for r in listed.itertuples() for e in str(r.elements_affected).split(";")}
    evidence = tuple(_ev(facts, r) for r in listed.itertuples())
    cumulative = len(union)
    when = _when(year, month) if year is not None else "the record"
    read = " (the year is read from the article's date)" if inferred and year else ""
    if counts and (n in counts or n == cumulative):
        return (
            "supported",
            evidence[:3],
            f"article: {n} elements; data: export controls on {counts} elements "
            f"({cumulative} in all) in {when}{read}",
        )
    if counts and year is not None:
        return (
            "contradicted",
            evidence[:3],
            f"article: {n} elements; data: {counts} elements per announcement in {when}{read}",
        )
    return unmatched(evidence, f"article: {n} elements; no announcement on record gives that count")


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


# -- when a named law or announcement was proposed, adopted, announced, in force ----------
_MONTHS = "|".join(vocabulary.MONTHS)
#: Laws and plans the events table names, spelt as sentences and row summaries spell them.
LAWS: tuple[tuple[str, str], ...] = (
    ("the Critical Raw Materials Act", r"\bCRMA\b|Critical\s+Raw\s+Materials\s+Act"),
    ("the Rare Earth Management Regulations", r"Rare[- ]Earths?\s+Management\s+Regulations?"),
    ("EO 14241", r"\bEO\s*14241\b|Executive\s+Order\s+(?:No\.\s*)?14241\b"),
    ("Proclamation 11001", r"\bProclamation\s+(?:No\.\s*)?11001\b"),
    ("the One Big Beautiful Bill Act", r"\bOne\s+Big\s+Beautiful\s+Bill\b"),
    ("the Critical Minerals Action Plan", r"\bCritical\s+Minerals\s+Action\s+Plan\b"),
    ("the Geology and Minerals Law", r"\bGeology\s+and\s+Minerals?\s+Law\b"),
)
#: Event types a law's steps are recorded under (a funding row naming the CRMA's
#: strategic projects is not a step of the Act).
LAW_TYPES = ("law", "export_control", "suspension", "tariff")
_ANNOUNCEMENT = re.compile(r"\bAnnouncement\s+No\.?\s*(\d{1,3})(?:\s+of\s+((?:19|20)\d\d))?", re.I)
#: A row is about an announcement when its summary, or a clause of it, opens with it
#: ("...; No.56 controls ..."), not when it mentions one ("Scheduled end of No.70 ...").
_ROW_ANNOUNCEMENT = re.compile(
    r"(?:^|;\s*)(?:MOFCOM\s+)?(?:Announcement\s+)?No\.\s?(\d{1,3})(?:\s+of\s+((?:19|20)\d\d))?"
)
_SUSPENDS = re.compile(r"\bsuspends?\s+Announcements?\s+([\d\s,–-]+?)(?=\s+[a-z]|$)", re.I)
_OTHER_LAW = re.compile(r"\b(?:[A-Z][\w-]+\s+){1,6}(?:Act|Law|Regulations?|Directive|Decree)\b")
_KIND = re.compile(
    r"(?P<in_force>\b(?:enter(?:s|ed|ing)?|c[oa]mes?|coming|went|goes|go)\s+into\s+"
    r"(?:force|effect)\b|\bt(?:ook|akes?|aking)\s+effect\b|\beffective\b|"
    r"\bappl(?:y|ies|ied)\s+(?:from|as\s+of)\b|"
    rf"\b(?:from|as\s+of|starting)\s+(?=(?:\d{{1,2}}\s+)?(?:{_MONTHS})\b))"
    r"|(?P<proposed>\bpropos(?:ed|es|al)\b|\bdraft(?:ed)?\b)"
    r"|(?P<adopted>\badopt(?:ed|s|ion)\b|\benact(?:ed|s)\b|\bsigned\b|\bpassed\b)"
    r"|(?P<announced>\b(?:announc|issu|publish|unveil)(?:ed|es|s)\b)",
    re.I,
)
_DATE = re.compile(
    rf"(?:\d{{1,2}}\s+)?(?P<m>{_MONTHS})(?:\s+\d{{1,2}}(?!\d))?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"
    r"|(?<![\w/.-])(?P<lone>(?:19|20)\d\d)(?![\w/%])"
)
#: A date after these words is a deadline, an end or part of a name, not the step's date.
_NOT_THE_DATE = re.compile(r"\b(?:by|until|till|before|after|through|to|of)\s+$", re.I)
_RANGE_AFTER = re.compile(r"\s*(?:to|until|till|through|-|–)\s")
_RELATIVE = re.compile(r"\b(?:after|before|later|earlier|ago|following|since|prior)\b", re.I)
STEP_WORDS = {
    "in_force": "entry into force",
    "proposed": "proposal",
    "adopted": "adoption",
    "announced": "announcement",
}
#: What a row's summary says happened on its date.
_ROW_STEPS = (
    ("proposed", re.compile(r"\bpropos(?:es|ed)\b", re.I)),
    ("in_force", re.compile(r"\benters?\s+into\s+force\b|\btakes?\s+effect\b|immediately", re.I)),
    ("adopted", re.compile(r"\badopts?\b|\bsigned\b|\bpublished\b|\bissued\b", re.I)),
)
_EFFECTIVE_ON = re.compile(r"\beffective\s+(?:from\s+)?(\d{1,2})\s+([A-Z][a-z]{2,8})\.?\s+(\d{4})")


def named_law(text: str) -> tuple[str, object] | None:
    """The one law a sentence names, as (label, key), or None (none, or several).

    The key is a LAWS pattern or an announcement (number, year or None): MOFCOM numbers
    restart each year, so "No. 1 of 2026" is not 2025's No. 1.
    """
    found: list[tuple[str, object]] = [
        (label, pattern) for label, pattern in LAWS if re.search(pattern, text, re.I)
    ]
    for m in _ANNOUNCEMENT.finditer(text):
        label = f"Announcement No. {m[1]}" + (f" of {m[2]}" if m[2] else "")
        found.append((label, (int(m[1]), int(m[2]) if m[2] else None)))
    return found[0] if len({str(k) for _, k in found}) == 1 else None


def _about(r: object, key: object) -> bool:
    """Whether an events row records a step of the law ``key``."""
    summary = str(r.summary)  # type: ignore[attr-defined]
    if isinstance(key, str):
        return bool(re.search(key, summary, re.I))
    number, year = key  # type: ignore[misc]
    return any(
        int(m[1]) == number and year in (None, int(m[2] or r.year))  # type: ignore[attr-defined]
        for m in _ROW_ANNOUNCEMENT.finditer(summary)
    )


def row_steps(r: object, key: object) -> list[tuple[str, str]]:
    """The steps an events row dates: [(step, ISO date, year-month or year)].

    An announcement's row dates its issue (announced and adopted at once); "effective 1
    Dec 2025" in a summary dates its entry into force, which may be later than the row.
    """
    summary, date = str(r.summary), str(r.date)  # type: ignore[attr-defined]
    steps = [(step, date) for step, pattern in _ROW_STEPS if pattern.search(summary)]
    if not isinstance(key, str) or any(s == "adopted" for s, _ in steps):
        steps += [("adopted", date), ("announced", date)]
    on = _EFFECTIVE_ON.search(summary)
    month = vocabulary.month_number(on[2]) if on else None
    if on and month:
        steps.append(("in_force", f"{on[3]}-{month:02d}-{int(on[1]):02d}"))
    return list(dict.fromkeys(steps))


def claimed_steps(text: str) -> list[tuple[str, int | None, int | None]]:
    """(step, year, month) for each step a sentence dates: "entered into force in May 2023".

    A date belongs to a step when it follows the step's words closely (no comma between)
    or, with one step and one date, opens the sentence ("In March 2023, the Commission
    proposed ..."). Deadlines ("by 2030"), ranges and relative dates ("a year after it
    entered into force") are never a step's date: the sentence is then left unjudged.
    """
    kinds = list(_KIND.finditer(text))
    dates = [
        d
        for d in _DATE.finditer(text)
        if not _NOT_THE_DATE.search(text[: d.start()]) and not _RANGE_AFTER.match(text, d.end())
    ]
    pairs = []
    for k in kinds:
        near = [
            d
            for d in dates
            if 0 <= d.start() - k.end() <= 40 and not re.search(r"[,;:]", text[k.end() : d.start()])
        ]
        if not near and len(kinds) == len(dates) == 1 and dates[0].start() <= 12:
            near = [] if _RELATIVE.search(text) else dates
        if near:
            year = near[0]["y"] or near[0]["lone"]
            month = vocabulary.month_number(near[0]["m"]) if near[0]["m"] else None
            pairs.append((str(k.lastgroup), int(year) if year else None, month))
    return pairs


def _agrees(year: int | None, month: int | None, date: str) -> bool | None:
    """Whether a claimed year/month agrees with a stored date; None when the stored date
    is too coarse to tell (a month claimed, only the year on record)."""
    if year is not None and int(date[:4]) != year:
        return False
    if month is None:
        return True
    return None if len(date) < 7 else int(date[5:7]) == month


def check_law_date(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """A named law's or announcement's claimed date against the same step on record.

    Contradicted only when that law's same step (entry into force, proposal, adoption,
    announcement) was on record at the article's date with another date: the date a law
    was proposed never refutes the date it entered into force. A step not on record, or
    a law the events table does not name, is unverifiable; None when the sentence dates
    no step of a law.
    """
    text = claim.text  # type: ignore[attr-defined]
    steps = claimed_steps(text)
    law = named_law(text) if steps else None
    if not steps:
        return None
    if law is None:
        if _OTHER_LAW.search(text) or _ANNOUNCEMENT.search(text):
            why = "the sentence dates a law the events table does not name (or several laws)"
            return unmatched((), why)
        return None
    label, key = law
    rows = facts.tables["events"]
    about = [r for r in rows[rows["type"].isin(LAW_TYPES)].itertuples() if _about(r, key)]
    if not about:
        return unmatched((), f"no event of {label} on record")
    return worst(*(_judge_step(facts, label, key, about, s, article_date) for s in steps))


def _judge_step(
    facts: FactBase,
    label: str,
    key: object,
    about: list,
    step: tuple[str, int | None, int | None],
    article_date: dt.date | None,
) -> Result:
    """One claimed step against the rows that date the same step of the same law."""
    kind, year, month = step
    said = f"{label}: {STEP_WORDS[kind]} in {_when(year, month)}"
    same = [(r, date) for r in about for s, date in row_steps(r, key) if s == kind]
    if not same:
        others = sorted({f"{STEP_WORDS[s]} {d}" for r in about for s, d in row_steps(r, key)})
        why = f"{said}; no {STEP_WORDS[kind]} on record (on record: {', '.join(others)})"
        return unmatched(tuple(_ev(facts, r) for r in about[:3]), why)
    then = [(r, d) for r, d in same if _known(r, article_date)]
    fits = [(r, d) for r, d in then if _agrees(year, month, d)]
    halt = _halted(facts, key, kind, then)
    if halt is not None:
        return _halted_verdict(facts, said, then[0], halt, bool(fits), article_date)
    if fits:
        r, d = fits[0]
        return "supported", (_ev(facts, r),), f"{said}; on record: {d} ({r.source_id})"
    evidence = tuple(_ev(facts, r) for r, _ in (then or same)[:3])
    if then and all(_agrees(year, month, d) is False for _, d in then):
        shown = ", ".join(f"{d} ({r.source_id})" for r, d in then[:2])
        return "contradicted", evidence, f"article: {said}; on record then: {shown}"
    later = [(r, d) for r, d in same if _agrees(year, month, d)]
    if later and not then:
        note = f"on record only after the article's date: {later[0][1]}"
        return "supported", evidence, f"{said}; {note} ({later[0][0].source_id})"
    return unmatched(evidence, f"{said}; the record cannot settle it at the article's date")


def _halted(facts: FactBase, key: object, kind: str, then: list) -> object | None:
    """The suspension of an announcement issued after it and before its scheduled entry
    into force ("Announcement No.70 suspends Announcements 55-58, 61, 62"), or None."""
    if kind != "in_force" or isinstance(key, str) or not then:
        return None
    issued, scheduled = max(str(r.date) for r, _ in then), max(d for _, d in then)
    rows = facts.tables["events"]
    for r in rows[rows["type"] == "suspension"].itertuples():
        m = _SUSPENDS.search(str(r.summary))
        if m and key[0] in _numbers(m[1]) and issued < str(r.date) < scheduled:  # type: ignore[index]
            return r
    return None


def _numbers(listed: str) -> set[int]:
    """ "55-58, 61, 62" -> {55, 56, 57, 58, 61, 62}."""
    out: set[int] = set()
    for part in re.split(r"\s*,\s*|\s+and\s+", listed.strip()):
        ends = [int(x) for x in re.findall(r"\d+", part)]
        out.update(range(ends[0], ends[-1] + 1) if ends else ())
    return out


def _halted_verdict(
    facts: FactBase,
    said: str,
    scheduled: tuple,
    halt: object,
    fits: bool,
    article_date: dt.date | None,
) -> Result:
    """A scheduled entry into force that a suspension halted: true when written if the
    suspension came later (outdated); once the suspension is on record, the step never
    happened on that date, and the sentence is not judged (unverifiable)."""
    r, date = scheduled
    evidence = (_ev(facts, r), _ev(facts, halt))
    what = f"suspended on {halt.date} ({halt.source_id}): {halt.summary}"  # type: ignore[attr-defined]
    then = f"on record at the article's date: {date} ({r.source_id})"
    if _known(halt, article_date):
        return unmatched(evidence, f"{said}; scheduled for {date} ({r.source_id}) but {what}")
    if fits:
        return "outdated", evidence, f"{said}; {then}; later data: {what}"
    return "contradicted", evidence, f"article: {said}; {then}"

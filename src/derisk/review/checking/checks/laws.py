"""When a named law or announcement was proposed, adopted, announced or came into force.

Split from checks/events.py (controls and their status); a claim's date for a law is
compared only with the same law's same step on record at the article's date.
"""

from __future__ import annotations

import datetime as dt
import re

from derisk import vocabulary
from derisk.review.checking.checks.events import _ev, _known, _when, worst
from derisk.review.checking.facts import FactBase
from derisk.review.checking.match import Result, unmatched

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


_MONTHS = "|".join(vocabulary.MONTHS)
_DATED_FROM = re.compile(
    rf"\b(?:from|on|as\s+of|starting|effective)\s+(?:\d{{1,2}}\s+(?:{_MONTHS})|"
    rf"(?:{_MONTHS})\s+\d{{1,2}})\b",
    re.IGNORECASE,
)


def is_dated_rule(claim: object) -> bool:
    """Whether a future-tense sentence states a numbered announcement's dated rule.

    "From 1 December, exporters will need licences under Announcement No. 61" repeats a
    published rule and its start date: it is a checkable fact about the announcement,
    not a forecast, so its status on record (e.g. suspended since) can be judged.
    """
    text = getattr(claim, "text", "")
    return bool(_ANNOUNCEMENT.search(text) and _DATED_FROM.search(text))


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

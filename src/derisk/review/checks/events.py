"""China's export controls: how many elements, which, when, and whether still in force.

Counts of elements are their own metric: "seven of the 17 rare earths" is compared with
the number of elements an announcement controlled, never with a share or a tonnage, and
"of the 17" (the whole set) or "these two elements" (a reference back) is not a count
claim at all. Events have a status over time (announced, in force, suspended, lifted):
a sentence saying controls "remain in force" is judged against the status on record at
the article's date, so a suspension announced later makes it outdated, not wrong.
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


def check_policy(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    """Export controls: the status, the number of elements and the elements by year."""
    text = claim.text  # type: ignore[attr-defined]
    if _IN_FORCE.search(text) or (_PAUSED.search(text) and "control" in text.lower()):
        status = check_status(claim, facts, article_date)
        if status is not None:
            return status
    year = getattr(claim, "year", None)
    month = month_named(text) if year is not None else None
    listed = facts.memo(("policy", year, month), lambda: controls(facts, year, month))
    n = element_count(text)
    if n is not None:
        return _check_count(claim, facts, n, listed, article_date)
    q = claim.quantity  # type: ignore[attr-defined]
    if q is not None and q.unit == "count":
        return unmatched((), f"{q.text} is not a count of controlled elements on record")
    elements = set(entity_keys(claim, "element"))
    if elements and year is not None and len(listed):
        hit = [
            _ev(facts, r)
            for r in listed.itertuples()
            if elements & set(str(r.elements_affected).split(";"))
        ]
        if hit:
            return (
                "supported",
                tuple(hit[:3]),
                f"controls on {', '.join(sorted(elements))} in {year}",
            )
        evidence = tuple(_ev(facts, r) for r in listed.itertuples())
        return (
            "contradicted",
            evidence[:3],
            f"no control on {', '.join(sorted(elements))} in {year}",
        )
    return None


def _check_count(
    claim: object, facts: FactBase, n: int, listed: pd.DataFrame, article_date: dt.date | None
) -> Result | None:
    text = claim.text  # type: ignore[attr-defined]
    year = getattr(claim, "year", None)
    if not re.search(r"\bcontrol|\bexport|\brestrict|\blicen[cs]", text, re.I):
        return unmatched((), f"a count of elements ({n}); the data counts elements only for "
                         "China's export controls")  # fmt: skip
    if year is None:
        listed = controls(facts, None)
        listed = listed[[_known(r, article_date) for r in listed.itertuples()]]
    counts = [len(str(r.elements_affected).split(";")) for r in listed.itertuples()]
    evidence = tuple(_ev(facts, r) for r in listed.itertuples())
    cumulative = sum(counts)
    if counts and (n in counts or n == cumulative):
        return (
            "supported",
            evidence[:3],
            f"article: {n} elements; data: export controls on {counts} elements "
            f"({cumulative} in all) in {year or 'the record'}",
        )
    if counts and year is not None:
        return (
            "contradicted",
            evidence[:3],
            f"article: {n} elements; data: {counts} elements per announcement",
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
    changes = [
        r
        for r in rows[chinese & (rows["type"] == "suspension")].itertuples()
        if affected & set(str(r.elements_affected).split(";"))
        and str(r.date) > str(imposed["date"].min())
    ]
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

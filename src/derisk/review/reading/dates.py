"""Publication dates as articles and their metadata write them.

Split from review.text so the date rules (formats accepted, what is refused) live in
one small module that the text reader and the masthead reader (review.masthead) share.
A wrong date silently shifts which data a claim is checked against, so anything not
recognised is refused (parse_date) or ignored (lenient_date), never guessed.
"""

from __future__ import annotations

import datetime
import re
from email.utils import parsedate

from derisk import vocabulary
from derisk.errors import InputError

#: Month names and abbreviations, lower case ("sept", "september") -> month number.
_MONTHS = vocabulary.MONTH_NUMBER
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)
_SLASH_DATE = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_COMPACT_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})(?:\d{0,6}(?:Z|[+-]\d{2}'?\d{2}'?)?'?)?")
_MDY_DATE = re.compile(
    r"(?:[A-Za-z]+,?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"
)
_DMY_DATE = re.compile(
    r"(?:[A-Za-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b"
)
_DATE_EXPECTED = "a date such as 2025-07-10, 2025-07-10T08:00:00Z, July 10, 2025 or 10 July 2025"


def parse_date(value: str) -> datetime.date:
    """Parse the date formats articles and their metadata actually use.

    ISO dates and datetimes (the time and zone are ignored: we want the publication
    day as printed), "July 10, 2025", "Jul. 10 2025", "10 July 2025", RFC 2822 dates
    from feeds and PDF "D:20250710..." stamps. Anything else is an InputError rather
    than a guess, because a wrong date silently shifts which data a claim is checked
    against.
    """
    raw = value.strip() if isinstance(value, str) else ""
    year = month = day = None
    if m := _ISO_DATE.fullmatch(raw) or _SLASH_DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw):
        year, month, day = (int(g) for g in m.groups())
    elif m := _MDY_DATE.match(raw):
        month, day, year = _MONTHS.get(m.group(1).lower()), int(m.group(2)), int(m.group(3))
    elif m := _DMY_DATE.match(raw):
        day, month, year = int(m.group(1)), _MONTHS.get(m.group(2).lower()), int(m.group(3))
    elif (parts := parsedate(raw)) is not None:
        year, month, day = parts[:3]
    if year is not None and month is not None:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise InputError(
                "not a valid calendar date", expected=_DATE_EXPECTED, found=value
            ) from None
    raise InputError("unrecognised date", expected=_DATE_EXPECTED, found=str(value))


def lenient_date(value: object) -> datetime.date | None:
    """Metadata dates are optional: an unreadable one is ignored, not an error."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_date(value)
    except InputError:
        return None

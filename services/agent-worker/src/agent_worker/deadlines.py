"""Resolve the user's words for a deadline ("by Friday") into a date and time.

The model only copies the user's words; the date is computed here, in the
user's time zone, so it never depends on the model's sense of the calendar.
Rules: a weekday means its next occurrence after today ("Friday" said on a
Friday is a week later); a phrase without a time of day means the end of that
day (23:59 local); "end of the week" is the coming Sunday and "end of the
month" its last day; a bare month means its first day.
"""

import re
from calendar import monthrange
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

END_OF_DAY = time(23, 59)
LEADING_WORDS = re.compile(
    r"^(?:(?:due|by|before|until|till|no later than|on|at|for|latest|deadline(?: is)?)\s+)+",
    re.IGNORECASE,
)
TIME_OF_DAY = re.compile(
    r"\d{1,2}\s*(?:am|pm)\b|\d{1,2}:\d{2}|\b(?:morning|noon|afternoon|evening|tonight|"
    r"night|midnight|hours?|minutes?|mins?)\b",
    re.IGNORECASE,
)
END_OF_WEEK = re.compile(r"^(?:the\s+)?end of (?:the|this) week$", re.IGNORECASE)
END_OF_MONTH = re.compile(r"^(?:the\s+)?end of (?:the|this) month$", re.IGNORECASE)
WEEKEND = re.compile(r"^(?:this\s+|the\s+)?weekend$", re.IGNORECASE)


class DeadlineResolver:
    """Turn deadline phrases into timezone-aware datetimes.

    dateparser loads its language data on first use, so the constructor
    parses once to pay that cost at start-up instead of in a job.
    """

    def __init__(self) -> None:
        dateparser.parse("tomorrow", languages=["en"])

    def resolve(self, phrase: str | None, now: datetime) -> datetime | None:
        """Return the deadline `phrase` names, relative to the aware datetime `now`.

        Returns None when the phrase names no date that dateparser or the
        rules above understand.
        """
        if not phrase or not phrase.strip():
            return None
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        text = LEADING_WORDS.sub("", phrase.strip().rstrip(".!?")).strip()
        special = self._special(text, now)
        if special is not None:
            return special
        return self._parse(text, now)

    def _special(self, text: str, now: datetime) -> datetime | None:
        today = now.date()
        if END_OF_WEEK.match(text):
            day = today + timedelta(days=(6 - today.weekday()) % 7)
        elif END_OF_MONTH.match(text):
            day = today.replace(day=monthrange(today.year, today.month)[1])
        elif WEEKEND.match(text):
            day = today + timedelta(days=(5 - today.weekday()) % 7)
        else:
            return None
        return datetime.combine(day, END_OF_DAY, tzinfo=now.tzinfo)

    def _parse(self, text: str, now: datetime) -> datetime | None:
        zone = now.tzinfo
        zone_name = zone.key if isinstance(zone, ZoneInfo) else "UTC"
        local_now = now.astimezone(zone)
        settings = {
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "first",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "TIMEZONE": zone_name,
            "RETURN_AS_TIMEZONE_AWARE": True,
        }
        parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
        if parsed is None:
            return None
        parsed = parsed.astimezone(zone)
        if not TIME_OF_DAY.search(text):
            parsed = datetime.combine(parsed.date(), END_OF_DAY, tzinfo=zone)
        return parsed

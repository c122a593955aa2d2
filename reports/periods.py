"""The period a dashboard covers, from what an organizer types after /report: today,
yesterday, week, campaign, one date or a range of dates, in French or English. Days are cut in
the campaign's time zone; a date range includes its last day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reports.dashboard import Period

LONGEST_DAYS = 366
# A range without years whose first day falls after its last is read across New Year when
# that makes it at most this long.
WRAP_DAYS = 92
WORDS = {
    "today": ("today", "aujourdhui", "aujourd'hui", "aujourd’hui"),
    "yesterday": ("yesterday", "hier"),
    "week": ("week", "semaine"),
    "campaign": ("campaign", "campagne", "all", "tout"),
}
KIND_OF = {word: kind for kind, words in WORDS.items() for word in words}
_FRENCH_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2}|/\d{4})?"
_ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_RANGE = re.compile(
    rf"^(?P<first>{_FRENCH_DATE}|{_ISO_DATE})(?:(?:\.\.|[-–—_]|au|to)(?P<last>{_FRENCH_DATE}|{_ISO_DATE}))?$"
)


class PeriodError(ValueError):
    """What was typed is not a period; `reason` names the catalog message (dash.<reason>)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(reason)
        self.reason, self.text = reason, text


@dataclass(frozen=True)
class NamedPeriod:
    """A period and how to name it: `kind` is today, yesterday, week, campaign, day or range;
    `first` and `last` are the local days it covers (`first` None: since the start)."""

    period: Period
    kind: str
    first: date | None
    last: date


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The day's local midnight, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def _days(first: date, last: date, zone: ZoneInfo) -> Period:
    """From `first` 00:00 to the midnight after `last`, local time (DST-aware)."""
    return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone))


def looks_like_period(word: str) -> bool:
    return word.casefold() in KIND_OF or _RANGE.match(word) is not None


def _date(text: str, today: date, year: int | None) -> date:
    """dd/mm, dd/mm/yy, dd/mm/yyyy or yyyy-mm-dd; `year` for a date written without one."""
    try:
        if "-" in text:
            y, m, d = (int(part) for part in text.split("-"))
            return date(y, m, d)
        parts = [int(part) for part in text.split("/")]
        if len(parts) == 3:
            y = parts[2] + 2000 if parts[2] < 100 else parts[2]
            return date(y, parts[1], parts[0])
        return date(year or today.year, parts[1], parts[0])
    except ValueError:
        raise PeriodError("bad_date", text) from None


def _has_year(text: str) -> bool:
    return "-" in text or text.count("/") == 2


def parse_period(text: str | None, now: datetime, timezone: str) -> NamedPeriod:
    """The period named by `text` (None or empty: this week) relative to `now`."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    word = (text or "week").strip().casefold()
    kind = KIND_OF.get(word)
    if kind == "today":
        return NamedPeriod(_days(today, today, zone), kind, today, today)
    if kind == "yesterday":
        yesterday = today - timedelta(days=1)
        return NamedPeriod(_days(yesterday, yesterday, zone), kind, yesterday, yesterday)
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        sunday = monday + timedelta(days=6)
        return NamedPeriod(_days(monday, sunday, zone), kind, monday, sunday)
    if kind == "campaign":
        return NamedPeriod(
            Period(None, _midnight(today + timedelta(days=1), zone)), kind, None, today
        )
    found = _RANGE.match(word)
    if found is None:
        raise PeriodError("bad_word", text or "")
    first_text, last_text = found.group("first"), found.group("last")
    if last_text is None:
        day = _date(first_text, today, None)
        return NamedPeriod(_days(day, day, zone), "day", day, day)
    last = _date(last_text, today, None)
    first = _date(first_text, today, last.year)
    if not _has_year(first_text) and first > last:
        # "20/12-05/01" runs over New Year; "15/02-01/02" is just the wrong way round.
        before = _date(first_text, today, last.year - 1)
        first = before if (last - before).days <= WRAP_DAYS else first
    if first > last:
        raise PeriodError("reversed", text or "")
    if (last - first).days >= LONGEST_DAYS:
        raise PeriodError("too_long", text or "")
    return NamedPeriod(_days(first, last, zone), "range", first, last)


def previous_period(period: Period, timezone: str) -> Period | None:
    """The period of the same length just before (None for "since the start": nothing is
    before it). Whole local days are counted as days, so a week across a change of summer
    time is still Monday to Monday."""
    if period.start is None:
        return None
    zone = ZoneInfo(timezone)
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    if start.time() == end.time() == time(0, 0):
        days = (end.date() - start.date()).days
        return Period(_midnight(start.date() - timedelta(days=days), zone), period.start)
    return Period(period.start - (period.end - period.start), period.start)

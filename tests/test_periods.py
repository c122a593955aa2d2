"""Periods typed after /report, cut in the campaign's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.dashboard import Period
from reports.periods import PeriodError, looks_like_period, parse_period, previous_period

PARIS = "Europe/Paris"
# Wednesday 4 March 2026, 10:00 in Paris (winter time, UTC+1).
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize("word", ["today", "Aujourdhui", "aujourd'hui"])
def test_today(word: str) -> None:
    named = parse_period(word, NOW, PARIS)
    assert named.period == Period(utc(2026, 3, 3, 23), utc(2026, 3, 4, 23))
    assert (named.kind, named.first, named.last) == ("today", date(2026, 3, 4), date(2026, 3, 4))


def test_yesterday_and_the_day_before_it() -> None:
    named = parse_period("hier", NOW, PARIS)
    assert named.period == Period(utc(2026, 3, 2, 23), utc(2026, 3, 3, 23))
    assert previous_period(named.period, PARIS) == Period(utc(2026, 3, 1, 23), utc(2026, 3, 2, 23))


@pytest.mark.parametrize("word", [None, "", "week", "SEMAINE"])
def test_this_week_is_the_default(word: str | None) -> None:
    named = parse_period(word, NOW, PARIS)
    assert named.period == Period(utc(2026, 3, 1, 23), utc(2026, 3, 8, 23))
    assert (named.first, named.last) == (date(2026, 3, 2), date(2026, 3, 8))
    assert previous_period(named.period, PARIS) == Period(utc(2026, 2, 22, 23), utc(2026, 3, 1, 23))


def test_a_week_across_the_change_to_summer_time_stays_monday_to_monday() -> None:
    # Summer time starts on Sunday 29 March 2026: that week is 167 hours long.
    named = parse_period("week", utc(2026, 4, 1, 12), PARIS)
    assert named.period == Period(utc(2026, 3, 29, 22), utc(2026, 4, 5, 22))
    before = previous_period(named.period, PARIS)
    assert before == Period(utc(2026, 3, 22, 23), utc(2026, 3, 29, 22))


def test_the_campaign_runs_from_the_start_to_tonight() -> None:
    named = parse_period("campagne", NOW, PARIS)
    assert named.period == Period(None, utc(2026, 3, 4, 23))
    assert named.kind == "campaign" and previous_period(named.period, PARIS) is None


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("01/02-15/02", date(2026, 2, 1), date(2026, 2, 15)),
        ("1/2–15/2/2026", date(2026, 2, 1), date(2026, 2, 15)),
        ("2026-02-01..2026-02-15", date(2026, 2, 1), date(2026, 2, 15)),
        ("2026-02-01-2026-02-15", date(2026, 2, 1), date(2026, 2, 15)),
        ("20/12-05/01", date(2025, 12, 20), date(2026, 1, 5)),
        ("20/12/25-05/01/26", date(2025, 12, 20), date(2026, 1, 5)),
        ("14/02", date(2026, 2, 14), date(2026, 2, 14)),
    ],
)
def test_dates_and_ranges_include_their_last_day(text: str, first: date, last: date) -> None:
    named = parse_period(text, NOW, PARIS)
    assert (named.first, named.last) == (first, last)
    assert named.period.end - named.period.start == (last - first) + (
        utc(2026, 1, 2) - utc(2026, 1, 1)
    )  # type: ignore[operator]
    assert looks_like_period(text)


def test_a_range_is_compared_with_as_many_days_before() -> None:
    named = parse_period("10/02-12/02", NOW, PARIS)
    assert previous_period(named.period, PARIS) == Period(utc(2026, 2, 6, 23), utc(2026, 2, 9, 23))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02", "bad_date"),
        ("12/13-14/13", "bad_date"),
        ("15/02/2026-01/02/2026", "reversed"),
        ("15/02-01/02", "reversed"),
        ("01/09-05/01", "reversed"),
        ("01/01/2025-01/03/2026", "too_long"),
        ("tomorrow", "bad_word"),
        ("<b>", "bad_word"),
        ("9" * 5000, "bad_word"),
    ],
)
def test_what_is_not_a_period_says_why(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, NOW, PARIS)
    assert caught.value.reason == reason and caught.value.text in text  # the part at fault


def test_scope_words_are_not_periods() -> None:
    assert not looks_like_period("team") and not looks_like_period("29019")

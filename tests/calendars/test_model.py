"""The calendar value: what a date's hours are, how it keeps itself in order, and that a calendar
built in Python is checked like one parsed from a dict."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendars import (
    BusinessCalendar,
    ExtraWorkingDay,
    Holiday,
    WeeklyHours,
    WorkingInterval,
)
from domain.errors import InvalidInput
from tests.calendars.examples import china_2025

MORNING = WorkingInterval(9 * 60, 12 * 60)
AFTERNOON = WorkingInterval(13 * 60 + 30, 18 * 60)


def test_a_dates_hours_come_from_its_holiday_its_extra_day_or_else_its_weekday():
    # given China's 2025 calendar
    calendar = china_2025()
    # then a holiday has no hours, a make-up Sunday and an ordinary Monday have the office's
    assert calendar.hours_on(dt.date(2025, 10, 1)) == ()
    assert calendar.hours_on(dt.date(2025, 9, 28)) == (MORNING, AFTERNOON)
    assert calendar.hours_on(dt.date(2025, 9, 29)) == (MORNING, AFTERNOON)
    # and an ordinary Sunday has none
    assert calendar.hours_on(dt.date(2025, 10, 12)) == ()


def test_an_extra_working_day_replaces_its_weekdays_hours():
    # given a weekday shortened to a morning (a half day before a holiday)
    calendar = BusinessCalendar(
        "Europe/Berlin",
        WeeklyHours(wednesday=(MORNING, AFTERNOON)),
        extra_working_days=(ExtraWorkingDay(dt.date(2025, 12, 24), (MORNING,), "Heiligabend"),),
    )
    # then that Wednesday has the morning only
    assert calendar.hours_on(dt.date(2025, 12, 24)) == (MORNING,)
    assert calendar.hours_on(dt.date(2025, 12, 17)) == (MORNING, AFTERNOON)


def test_intervals_and_dates_are_kept_in_order_so_equal_calendars_compare_and_hash_equal():
    # given the same calendar written in two orders
    first = BusinessCalendar(
        "UTC",
        WeeklyHours(monday=(AFTERNOON, MORNING)),
        holidays=(Holiday(dt.date(2025, 12, 25)), Holiday(dt.date(2025, 1, 1))),
    )
    second = BusinessCalendar(
        "UTC",
        WeeklyHours(monday=(MORNING, AFTERNOON)),
        holidays=(Holiday(dt.date(2025, 1, 1)), Holiday(dt.date(2025, 12, 25))),
    )
    # then both are stored sorted, equal, and usable as one cache key
    assert first.weekly_hours.monday == (MORNING, AFTERNOON)
    assert [h.date for h in first.holidays] == [dt.date(2025, 1, 1), dt.date(2025, 12, 25)]
    assert first == second and hash(first) == hash(second)
    assert len({first, second}) == 1


def test_a_calendar_cannot_be_changed_after_it_is_built():
    calendar = china_2025()
    with pytest.raises(AttributeError):
        calendar.time_zone = "UTC"  # type: ignore[misc]


def test_twenty_four_seven_works_every_minute_of_every_day():
    calendar = BusinessCalendar.twenty_four_seven("Asia/Shanghai")
    assert calendar.time_zone == "Asia/Shanghai"
    assert all(day == (WorkingInterval(0, 24 * 60),) for day in calendar.weekly_hours.days)
    assert calendar.holidays == () and calendar.extra_working_days == ()
    assert BusinessCalendar.twenty_four_seven().time_zone == "UTC"


def test_a_calendar_built_in_python_is_checked_like_a_parsed_one():
    # when a calendar with overlapping hours, an unknown zone and a doubly listed date is built
    with pytest.raises(InvalidInput) as raised:
        BusinessCalendar(
            "Europe/Atlantis",
            WeeklyHours(monday=(MORNING, WorkingInterval(11 * 60, 14 * 60))),
            holidays=(Holiday(dt.date(2025, 5, 1)),),
            extra_working_days=(ExtraWorkingDay(dt.date(2025, 5, 1), (MORNING,)),),
        )
    # then every problem is reported with its path
    assert {(e.field, e.code) for e in raised.value.field_errors} == {
        ("timeZone", "INVALID_TIME_ZONE"),
        ("weeklyHours.monday.1", "OVERLAPPING_HOURS"),
        ("extraWorkingDays.0.date", "DUPLICATE_DATE"),
    }

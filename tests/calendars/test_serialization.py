"""The dict shape of a calendar (GraphQL inputs, the settings column): round trips, and every
kind of bad input reported as a field error with its path, all at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.calendars import (
    MAX_DATED_DAYS,
    MAX_INTERVALS_PER_DAY,
    BusinessCalendar,
    WorkingInterval,
    calendar_from_dict,
    calendar_to_dict,
)
from domain.errors import InvalidInput
from tests.calendars.examples import WITH_LUNCH, china_2025, hours, weekdays

NINE_TO_FIVE = hours("09:00-17:00")


def errors_of(data: Any) -> set[tuple[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        calendar_from_dict(data)
    return {(error.field, error.code) for error in raised.value.field_errors}


def valid(**changes: Any) -> dict[str, Any]:
    return {"timeZone": "Asia/Shanghai", "weeklyHours": weekdays(NINE_TO_FIVE), **changes}


def test_a_calendar_survives_a_round_trip_through_its_dict():
    # given China's 2025 calendar
    calendar = china_2025()
    # when it is written out and read back
    data = calendar_to_dict(calendar)
    # then it is the same calendar, and the dict is plain JSON-like data
    assert calendar_from_dict(data) == calendar
    assert data["timeZone"] == "Asia/Shanghai"
    assert data["weeklyHours"]["monday"] == WITH_LUNCH
    assert data["holidays"][0] == {"date": "2025-10-01", "name": "国庆节"}
    assert data["extraWorkingDays"][0] == {
        "date": "2025-09-28",
        "hours": WITH_LUNCH,
        "name": "国庆调休",
    }


def test_the_written_dict_lists_every_weekday_in_order_and_names_only_where_given():
    # given a calendar that leaves out the weekend, gives hours out of order and one unnamed holiday
    data = valid(
        weeklyHours={"monday": hours("13:00-17:00", "09:00-12:00")},
        holidays=[{"date": "2025-12-25"}, {"date": "2025-01-01", "name": "New Year"}],
    )
    # when it is read and written
    written = calendar_to_dict(calendar_from_dict(data))
    # then all seven days are there, hours and dates sorted, and no empty name appears
    assert written["weeklyHours"] == {
        "monday": hours("09:00-12:00", "13:00-17:00"),
        "tuesday": [],
        "wednesday": [],
        "thursday": [],
        "friday": [],
        "saturday": [],
        "sunday": [],
    }
    assert written["holidays"] == [
        {"date": "2025-01-01", "name": "New Year"},
        {"date": "2025-12-25"},
    ]
    assert written["extraWorkingDays"] == []


def test_an_interval_may_end_at_midnight_as_24_00():
    calendar = calendar_from_dict(valid(weeklyHours={"friday": hours("22:00-24:00")}))
    assert calendar.weekly_hours.friday == (WorkingInterval(22 * 60, 24 * 60),)
    assert calendar_to_dict(calendar)["weeklyHours"]["friday"] == hours("22:00-24:00")


def test_holidays_and_extra_working_days_may_be_null_or_left_out():
    assert calendar_from_dict(valid(holidays=None, extraWorkingDays=None)) == calendar_from_dict(
        valid()
    )


def test_a_missing_or_unknown_time_zone_is_reported():
    assert errors_of({"weeklyHours": weekdays(NINE_TO_FIVE)}) == {("timeZone", "REQUIRED")}
    for name in ("Mars/Olympus_Mons", "asia/shanghai", "../../etc/passwd", "", "+08:00"):
        assert errors_of(valid(timeZone=name)) == {("timeZone", "INVALID_TIME_ZONE")}, name
    assert errors_of(valid(timeZone=8)) == {("timeZone", "INVALID_TYPE")}


@pytest.mark.parametrize(
    "text", ["9:00", "09:0", "24:01", "25:00", "12:60", "0900", "09:00:00", "", None, 900]
)
def test_times_are_hh_mm_from_00_00_to_24_00(text):
    data = valid(weeklyHours={"monday": [{"start": text, "end": "17:00"}]})
    assert errors_of(data) == {("weeklyHours.monday.0.start", "INVALID_TIME")}


@pytest.mark.parametrize("span", ["17:00-09:00", "09:00-09:00", "24:00-24:00"])
def test_an_interval_must_start_before_it_ends(span):
    data = valid(weeklyHours={"tuesday": hours("06:00-07:00", span)})
    assert errors_of(data) == {("weeklyHours.tuesday.1", "INVALID_INTERVAL")}


def test_overlapping_intervals_are_reported_at_the_later_one_and_touching_ones_are_fine():
    # given a day whose third interval overlaps the first
    data = valid(weeklyHours={"monday": hours("09:00-12:00", "12:00-13:00", "11:30-14:00")})
    # then the third is named
    assert errors_of(data) == {("weeklyHours.monday.2", "OVERLAPPING_HOURS")}
    # and intervals that only touch are accepted
    calendar_from_dict(valid(weeklyHours={"monday": hours("09:00-12:00", "12:00-13:00")}))


def test_a_day_has_at_most_ten_intervals():
    spans = [f"{hour:02d}:00-{hour:02d}:30" for hour in range(MAX_INTERVALS_PER_DAY + 1)]
    assert errors_of(valid(weeklyHours={"monday": hours(*spans)})) == {
        ("weeklyHours.monday", "TOO_MANY")
    }
    calendar_from_dict(valid(weeklyHours={"monday": hours(*spans[:MAX_INTERVALS_PER_DAY])}))


@pytest.mark.parametrize(
    "text", ["2025-02-29", "2025-13-01", "2025/10/01", "20251001", "2025-W40-3", "", None]
)
def test_dates_are_real_yyyy_mm_dd_dates(text):
    assert errors_of(valid(holidays=[{"date": text}])) == {("holidays.0.date", "INVALID_DATE")}


def test_dates_outside_1900_to_2999_are_out_of_range():
    data = valid(
        holidays=[{"date": "1899-12-31"}],
        extraWorkingDays=[{"date": "3000-01-01", "hours": NINE_TO_FIVE}],
    )
    assert errors_of(data) == {
        ("holidays.0.date", "OUT_OF_RANGE"),
        ("extraWorkingDays.0.date", "OUT_OF_RANGE"),
    }


def test_a_date_is_listed_once_across_holidays_and_extra_working_days():
    data = valid(
        holidays=[{"date": "2025-10-01"}, {"date": "2025-10-02"}, {"date": "2025-10-01"}],
        extraWorkingDays=[{"date": "2025-10-02", "hours": NINE_TO_FIVE}],
    )
    assert errors_of(data) == {
        ("holidays.2.date", "DUPLICATE_DATE"),
        ("extraWorkingDays.0.date", "DUPLICATE_DATE"),
    }


def test_an_extra_working_day_needs_valid_hours():
    data = valid(
        extraWorkingDays=[
            {"date": "2025-09-28"},
            {"date": "2025-10-11", "hours": hours("09:00-12:00", "10:00-11:00")},
        ]
    )
    assert errors_of(data) == {
        ("extraWorkingDays.0.hours", "REQUIRED"),
        ("extraWorkingDays.1.hours.1", "OVERLAPPING_HOURS"),
    }


def test_at_most_a_thousand_dated_days_in_all():
    start = dt.date(2000, 1, 1)
    dates = [(start + dt.timedelta(days=n)).isoformat() for n in range(MAX_DATED_DAYS + 1)]
    # a list that alone is too long is refused before its items are read
    assert errors_of(valid(holidays=[{"date": d} for d in dates])) == {("holidays", "TOO_MANY")}
    # and so is a total over the limit
    split = valid(
        holidays=[{"date": d} for d in dates[:600]],
        extraWorkingDays=[{"date": d, "hours": NINE_TO_FIVE} for d in dates[600:]],
    )
    assert errors_of(split) == {("holidays", "TOO_MANY")}
    calendar_from_dict(valid(holidays=[{"date": d} for d in dates[:MAX_DATED_DAYS]]))


def test_names_are_short_text():
    data = valid(
        holidays=[
            {"date": "2025-10-01", "name": "x" * 101},
            {"date": "2025-10-02", "name": "a\x00b"},
        ],
        extraWorkingDays=[{"date": "2025-09-28", "hours": NINE_TO_FIVE, "name": 7}],
    )
    assert errors_of(data) == {
        ("holidays.0.name", "LENGTH"),
        ("holidays.1.name", "INVALID_TEXT"),
        ("extraWorkingDays.0.name", "INVALID_TYPE"),
    }


def test_unknown_keys_are_errors_so_typos_do_not_pass_silently():
    data = valid(
        timezone="UTC",
        weeklyHours={
            "monday": [{"start": "09:00", "end": "17:00", "break": "12:00"}],
            "mon": NINE_TO_FIVE,
        },
        holidays=[{"date": "2025-10-01", "day": "Wed"}],
    )
    assert errors_of(data) == {
        ("timezone", "UNKNOWN_FIELD"),
        ("weeklyHours.mon", "UNKNOWN_FIELD"),
        ("weeklyHours.monday.0.break", "UNKNOWN_FIELD"),
        ("holidays.0.day", "UNKNOWN_FIELD"),
    }


def test_wrong_shapes_are_reported_by_path():
    assert errors_of(["not", "an", "object"]) == {("", "INVALID_TYPE")}
    assert errors_of({"timeZone": "UTC"}) == {("weeklyHours", "REQUIRED")}
    assert errors_of(valid(weeklyHours=[NINE_TO_FIVE])) == {("weeklyHours", "INVALID_TYPE")}
    assert errors_of(valid(weeklyHours={"monday": "09:00-17:00"})) == {
        ("weeklyHours.monday", "INVALID_TYPE")
    }
    assert errors_of(valid(weeklyHours={"monday": ["09:00-17:00"]})) == {
        ("weeklyHours.monday.0", "INVALID_TYPE")
    }
    assert errors_of(valid(holidays={"date": "2025-10-01"})) == {("holidays", "INVALID_TYPE")}
    assert errors_of(valid(extraWorkingDays=["2025-09-28"])) == {
        ("extraWorkingDays.0", "INVALID_TYPE")
    }


def test_a_calendar_without_any_working_time_is_refused():
    assert errors_of(valid(weeklyHours={})) == {("weeklyHours", "NO_WORKING_TIME")}
    # while one that works only on listed dates is a calendar
    only_dated = calendar_from_dict(
        valid(weeklyHours={}, extraWorkingDays=[{"date": "2025-09-28", "hours": NINE_TO_FIVE}])
    )
    assert isinstance(only_dated, BusinessCalendar)


def test_every_error_is_reported_at_once_even_when_some_parts_do_not_parse():
    # given a bad zone, an unparsable time on Monday, an overlap on Tuesday and a duplicate date
    data = {
        "timeZone": "Nowhere/Special",
        "weeklyHours": {
            "monday": hours("9:00-17:00"),
            "tuesday": hours("09:00-12:00", "11:00-13:00"),
        },
        "holidays": [{"date": "2025-10-01"}, {"date": "2025-10-01"}],
    }
    # then all four are named in one answer
    assert errors_of(data) == {
        ("timeZone", "INVALID_TIME_ZONE"),
        ("weeklyHours.monday.0.start", "INVALID_TIME"),
        ("weeklyHours.tuesday.1", "OVERLAPPING_HOURS"),
        ("holidays.1.date", "DUPLICATE_DATE"),
    }

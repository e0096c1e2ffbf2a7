"""Business-time arithmetic with fixed clocks: weekends, holidays, make-up working days, lunch
breaks, starts inside and outside working time, midnight, year ends, long spans, and the errors
for naive datetimes and calendars that never work."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendars import (
    SEARCH_HORIZON,
    BusinessCalendar,
    NoWorkingTime,
    add_business_time,
    business_time_between,
    is_working_time,
    next_working_moment,
)
from domain.errors import Conflict
from tests.calendars.examples import (
    HOUR,
    MINUTE,
    at,
    calendar,
    china_2025,
    hours,
    office,
    shanghai,
    utc,
)

MICROSECOND = dt.timedelta(microseconds=1)


class TestChinasNationalDay2025:
    """Oct 1-8 off; Sunday Sep 28 and Saturday Oct 11 are worked; 09:00-12:00 and 13:30-18:00."""

    def test_make_up_days_are_worked_and_holidays_are_not(self):
        calendar = china_2025()
        assert is_working_time(calendar, shanghai(2025, 9, 28, 10))  # Sunday, made up
        assert not is_working_time(calendar, shanghai(2025, 10, 1, 10))  # Wednesday, National Day
        assert not is_working_time(calendar, shanghai(2025, 10, 8, 17))  # the holiday's last day
        assert is_working_time(calendar, shanghai(2025, 10, 9, 9))  # back at work
        assert is_working_time(calendar, shanghai(2025, 10, 11, 10))  # Saturday, made up
        assert not is_working_time(calendar, shanghai(2025, 10, 12, 10))  # an ordinary Sunday

    def test_the_clock_jumps_over_the_holiday(self):
        calendar = china_2025()
        # given a ticket at 16:00 on Tuesday Sep 30 with a 3-hour target
        # then 2 hours pass that day and the last one on Thursday Oct 9
        assert add_business_time(calendar, shanghai(2025, 9, 30, 16), 3 * HOUR) == shanghai(
            2025, 10, 9, 10
        )
        assert next_working_moment(calendar, shanghai(2025, 9, 30, 18)) == shanghai(2025, 10, 9, 9)

    def test_the_make_up_sunday_counts(self):
        # given 8 working hours from Friday Sep 26 17:00: 1 on Friday, none on Saturday
        due = add_business_time(china_2025(), shanghai(2025, 9, 26, 17), 8 * HOUR)
        # then Sunday Sep 28 supplies the rest: 3 in the morning, 4 after lunch
        assert due == shanghai(2025, 9, 28, 17, 30)

    def test_two_weeks_around_the_holiday_hold_five_working_days(self):
        # Mon Sep 29, Tue Sep 30, Thu Oct 9, Fri Oct 10 and Sat Oct 11, 7.5 hours each
        worked = business_time_between(china_2025(), shanghai(2025, 9, 29), shanghai(2025, 10, 13))
        assert worked == dt.timedelta(hours=37.5)


class TestLunchBreak:
    """Monday Sep 22 2025 in Shanghai, 09:00-12:00 and 13:30-18:00."""

    def test_the_break_does_not_count(self):
        calendar = china_2025()
        assert add_business_time(calendar, shanghai(2025, 9, 22, 11), 2 * HOUR) == shanghai(
            2025, 9, 22, 14, 30
        )
        assert (
            business_time_between(
                calendar, shanghai(2025, 9, 22, 11), shanghai(2025, 9, 22, 14, 30)
            )
            == 2 * HOUR
        )
        assert business_time_between(
            calendar, shanghai(2025, 9, 22, 12), shanghai(2025, 9, 22, 13, 30)
        ) == dt.timedelta(0)

    def test_a_start_inside_the_break_waits_for_the_afternoon(self):
        calendar = china_2025()
        assert add_business_time(calendar, shanghai(2025, 9, 22, 12, 30), HOUR) == shanghai(
            2025, 9, 22, 14, 30
        )
        assert next_working_moment(calendar, shanghai(2025, 9, 22, 12, 30)) == shanghai(
            2025, 9, 22, 13, 30
        )

    def test_a_duration_that_runs_out_at_the_break_ends_at_the_break(self):
        # 12:00, not 13:30: the target is met as the morning ends
        assert add_business_time(china_2025(), shanghai(2025, 9, 22, 11), HOUR) == shanghai(
            2025, 9, 22, 12
        )

    def test_intervals_include_their_start_and_exclude_their_end(self):
        calendar = china_2025()
        assert is_working_time(calendar, shanghai(2025, 9, 22, 9))
        assert is_working_time(calendar, shanghai(2025, 9, 22, 12) - MICROSECOND)
        assert not is_working_time(calendar, shanghai(2025, 9, 22, 12))
        assert is_working_time(calendar, shanghai(2025, 9, 22, 13, 30))
        assert not is_working_time(calendar, shanghai(2025, 9, 22, 18))


class TestStartsAndZeroDurations:
    def test_a_start_outside_working_time_starts_the_clock_at_the_next_working_moment(self):
        calendar = china_2025()
        assert add_business_time(calendar, shanghai(2025, 9, 20, 10), HOUR) == shanghai(
            2025, 9, 22, 10
        )  # Saturday
        assert add_business_time(calendar, shanghai(2025, 9, 19, 20), 30 * MINUTE) == shanghai(
            2025, 9, 22, 9, 30
        )

    def test_a_zero_duration_gives_the_start_when_working_and_the_next_working_moment_otherwise(
        self,
    ):
        calendar = china_2025()
        assert add_business_time(calendar, shanghai(2025, 9, 22, 10), dt.timedelta(0)) == shanghai(
            2025, 9, 22, 10
        )
        assert add_business_time(calendar, shanghai(2025, 9, 22, 12), dt.timedelta(0)) == shanghai(
            2025, 9, 22, 13, 30
        )
        assert (
            add_business_time(calendar, shanghai(2025, 9, 22, 12), MICROSECOND)
            == shanghai(2025, 9, 22, 13, 30) + MICROSECOND
        )

    def test_datetimes_of_any_zone_are_read_as_instants_and_results_are_utc(self):
        calendar = china_2025()
        # 01:00 UTC and 21:00 the day before in New York are both 09:00 in Shanghai
        for start in (utc(2025, 9, 22, 1), at("America/New_York", 2025, 9, 21, 21)):
            due = add_business_time(calendar, start, HOUR)
            assert due == shanghai(2025, 9, 22, 10)
            assert due.tzinfo is dt.UTC and due == utc(2025, 9, 22, 2)
        assert next_working_moment(calendar, utc(2025, 9, 22, 1, 30)).tzinfo is dt.UTC


class TestMidnightAndYearEnds:
    def test_a_night_shift_runs_through_midnight(self):
        # given a shift 22:00-24:00 and 00:00-06:00 every day
        night = calendar(
            "UTC",
            {
                day: hours("00:00-06:00", "22:00-24:00")
                for day in (
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                )
            },
        )
        # then the clock runs on through midnight and into the new year
        assert add_business_time(night, utc(2025, 12, 31, 23, 30), HOUR) == utc(2026, 1, 1, 0, 30)
        assert business_time_between(night, utc(2025, 12, 31, 21), utc(2026, 1, 1, 7)) == 8 * HOUR
        assert is_working_time(night, utc(2026, 1, 1))

    def test_the_turn_of_the_year_with_its_holidays(self):
        calendar = office(
            "UTC", holidays=[{"date": "2025-12-25"}, {"date": "2025-12-26"}, {"date": "2026-01-01"}]
        )
        # Wednesday Dec 24 16:00 + 2h: one hour left that day, the next on Monday Dec 29
        assert add_business_time(calendar, utc(2025, 12, 24, 16), 2 * HOUR) == utc(2025, 12, 29, 10)
        # Wednesday Dec 31 16:30 + 1h: New Year's Day is off, so Friday Jan 2
        assert add_business_time(calendar, utc(2025, 12, 31, 16, 30), HOUR) == utc(
            2026, 1, 2, 9, 30
        )
        # Dec 24, 29, 30, 31 and Jan 2 are worked
        assert business_time_between(calendar, utc(2025, 12, 24), utc(2026, 1, 5)) == 5 * 8 * HOUR


def _weekdays_between(first: dt.date, stop: dt.date) -> int:
    return sum(
        1 for n in range((stop - first).days) if (first + dt.timedelta(days=n)).weekday() < 5
    )


class TestLongSpans:
    def test_ten_thousand_working_hours_are_250_working_weeks(self):
        calendar = office("UTC")  # 40 hours a week
        start = utc(2025, 1, 6, 9)  # a Monday
        due = add_business_time(calendar, start, 10_000 * HOUR)
        # the 250th week ends on its Friday at 17:00
        assert due == start + dt.timedelta(weeks=249, days=4, hours=8)
        assert business_time_between(calendar, start, due) == 10_000 * HOUR

    @pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"])
    def test_a_decade_holds_eight_hours_per_weekday_whatever_the_daylight_saving(self, zone):
        worked = business_time_between(office(zone), at(zone, 2020, 1, 1), at(zone, 2030, 1, 1))
        assert worked == 8 * HOUR * _weekdays_between(dt.date(2020, 1, 1), dt.date(2030, 1, 1))

    def test_ten_thousand_hours_through_holidays_and_make_up_days_add_up(self):
        calendar = china_2025()
        start = shanghai(2025, 9, 26, 17)
        due = add_business_time(calendar, start, 10_000 * HOUR)
        assert business_time_between(calendar, start, due) == 10_000 * HOUR
        # the holiday takes six weekdays and the make-up days give back two: 4 x 7.5 hours fewer
        # than the same office without them, which therefore gets 30 hours further by then
        plain_office = office("Asia/Shanghai", "09:00-12:00", "13:30-18:00")
        assert add_business_time(plain_office, start, 10_030 * HOUR) == due


class TestBetween:
    def test_it_is_negative_when_end_is_before_start(self):
        calendar = china_2025()
        earlier, later = shanghai(2025, 9, 22, 10), shanghai(2025, 9, 23, 10)
        assert business_time_between(calendar, later, earlier) == -business_time_between(
            calendar, earlier, later
        )
        assert business_time_between(calendar, later, earlier) == dt.timedelta(hours=-7.5)
        assert business_time_between(calendar, earlier, earlier) == dt.timedelta(0)

    def test_it_counts_microseconds(self):
        start = shanghai(2025, 9, 22, 11, 59, 59, 999_999)
        assert (
            business_time_between(china_2025(), start, shanghai(2025, 9, 22, 13, 30, 0, 1))
            == 2 * MICROSECOND
        )


class TestRefusals:
    def test_naive_datetimes_are_refused(self):
        calendar, naive = china_2025(), dt.datetime(2025, 9, 22, 10)
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_time(calendar, naive, HOUR)
        with pytest.raises(ValueError, match="timezone-aware"):
            business_time_between(calendar, shanghai(2025, 9, 22, 9), naive)
        with pytest.raises(ValueError, match="timezone-aware"):
            is_working_time(calendar, naive)
        with pytest.raises(ValueError, match="timezone-aware"):
            next_working_moment(calendar, naive)

    def test_a_negative_duration_is_refused(self):
        with pytest.raises(ValueError, match="negative"):
            add_business_time(china_2025(), shanghai(2025, 9, 22, 10), -HOUR)

    def test_instants_beyond_the_supported_years_are_refused(self):
        with pytest.raises(ValueError):
            is_working_time(china_2025(), utc(9999, 1, 1))
        with pytest.raises(OverflowError):
            add_business_time(
                BusinessCalendar.twenty_four_seven(), utc(9000, 1, 1), dt.timedelta(days=400_000)
            )


class TestCalendarsThatNeverWork:
    def test_a_calendar_whose_working_days_are_past_fails_clearly_instead_of_searching_forever(
        self,
    ):
        # given a calendar that only ever worked on one day in 2020
        calendar = calendar_worked_only_on("2020-01-06")
        # then looking for working time after it is a clear error, a Conflict for the API
        with pytest.raises(
            NoWorkingTime, match="no working time in the 1098 days after 2025-01-01"
        ) as raised:
            next_working_moment(calendar, utc(2025, 1, 1))
        assert isinstance(raised.value, Conflict)
        with pytest.raises(NoWorkingTime):
            add_business_time(calendar, utc(2025, 1, 1), HOUR)
        # while measuring needs no search
        assert business_time_between(calendar, utc(2015, 1, 1), utc(2025, 1, 1)) == 8 * HOUR
        assert not is_working_time(calendar, utc(2025, 1, 1))

    def test_the_search_looks_three_years_ahead(self):
        assert SEARCH_HORIZON == dt.timedelta(days=1098)
        within = calendar_worked_only_on("2027-12-01")
        assert next_working_moment(within, utc(2025, 1, 1)) == utc(2027, 12, 1, 9)
        beyond = calendar_worked_only_on("2028-02-01")
        with pytest.raises(NoWorkingTime):
            next_working_moment(beyond, utc(2025, 1, 1))

    def test_weekly_hours_all_taken_by_holidays_fail_clearly_too(self):
        # given Mondays only, and the next thousand Mondays all holidays (about 19 years)
        first = dt.date(2025, 1, 6)
        mondays = [{"date": (first + dt.timedelta(weeks=n)).isoformat()} for n in range(1000)]
        calendar = calendar_for_mondays(mondays)
        with pytest.raises(NoWorkingTime):
            add_business_time(calendar, utc(2025, 1, 1), HOUR)


def calendar_worked_only_on(day: str) -> BusinessCalendar:
    return calendar("UTC", {}, extraWorkingDays=[{"date": day, "hours": hours("09:00-17:00")}])


def calendar_for_mondays(holidays: list[dict[str, str]]) -> BusinessCalendar:
    return calendar("UTC", {"monday": hours("09:00-17:00")}, holidays=holidays)

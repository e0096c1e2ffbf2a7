"""Working hours are wall-clock times, and business time is the real time elapsed inside them:
across daylight-saving changes in Berlin and New York, a clock put back across midnight (Goose
Bay, 2009), a skipped day (Apia, 2011) and half-hour changes (Lord Howe)."""

from __future__ import annotations

import datetime as dt

from domain.calendars import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    is_working_time,
    next_working_moment,
)
from tests.calendars.examples import HOUR, at, calendar, hours, office, utc

# 2025: Berlin springs forward on Sunday Mar 30 at 02:00 (to 03:00) and falls back on Sunday
# Oct 26 at 03:00 (to 02:00); New York on Sunday Mar 9 at 02:00 and Sunday Nov 2 at 02:00.
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
ALL_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def berlin(*fields: int, fold: int = 0) -> dt.datetime:
    return at(BERLIN, *fields, fold=fold)


def new_york(*fields: int, fold: int = 0) -> dt.datetime:
    return at(NEW_YORK, *fields, fold=fold)


class TestBerlin:
    def test_office_hours_keep_their_wall_clock_times_across_the_change(self):
        calendar = office(BERLIN)
        # Friday 16:00 CET + 2h: one hour on Friday, one from 09:00 CEST on Monday
        due = add_business_time(calendar, berlin(2025, 3, 28, 16), 2 * HOUR)
        assert due == berlin(2025, 3, 31, 10) and due == utc(2025, 3, 31, 8)
        assert (
            business_time_between(calendar, berlin(2025, 3, 28, 9), berlin(2025, 3, 31, 17))
            == 16 * HOUR
        )
        assert is_working_time(calendar, utc(2025, 3, 31, 7)) and not is_working_time(
            calendar, utc(2025, 3, 28, 7)
        )

    def test_a_night_shift_is_an_hour_shorter_in_spring_and_an_hour_longer_in_autumn(self):
        sundays = calendar(BERLIN, {"sunday": hours("00:00-06:00")})
        assert business_time_between(sundays, berlin(2025, 3, 29), berlin(2025, 3, 31)) == 5 * HOUR
        assert business_time_between(sundays, berlin(2025, 4, 5), berlin(2025, 4, 7)) == 6 * HOUR
        assert (
            business_time_between(sundays, berlin(2025, 10, 25), berlin(2025, 10, 27)) == 7 * HOUR
        )

    def test_time_added_through_the_repeated_hour_counts_it_twice(self):
        sundays = calendar(BERLIN, {"sunday": hours("00:00-06:00")})
        start = berlin(2025, 10, 26)
        # (a datetime in a repeated hour never equals one of another zone, by PEP 495: compare in UTC)
        two_cest, two_cet = berlin(2025, 10, 26, 2), berlin(2025, 10, 26, 2, fold=1)
        assert (
            add_business_time(sundays, start, 2 * HOUR)
            == two_cest.astimezone(dt.UTC)
            == utc(2025, 10, 26, 0)
        )
        assert (
            add_business_time(sundays, start, 3 * HOUR)
            == two_cet.astimezone(dt.UTC)
            == utc(2025, 10, 26, 1)
        )
        assert (
            add_business_time(sundays, start, 7 * HOUR)
            == berlin(2025, 10, 26, 6)
            == utc(2025, 10, 26, 5)
        )

    def test_time_added_through_the_skipped_hour_jumps_it(self):
        sundays = calendar(BERLIN, {"sunday": hours("00:00-06:00")})
        start = berlin(2025, 3, 30)
        assert (
            add_business_time(sundays, start, 2 * HOUR)
            == berlin(2025, 3, 30, 3)
            == utc(2025, 3, 30, 1)
        )
        assert add_business_time(sundays, start, 5 * HOUR) == berlin(2025, 3, 30, 6)

    def test_an_interval_inside_the_skipped_hour_never_happens_and_inside_the_repeated_hour_happens_twice(
        self,
    ):
        calendar_ = calendar(
            BERLIN, {"sunday": hours("02:00-03:00"), "monday": hours("09:00-17:00")}
        )
        assert business_time_between(
            calendar_, berlin(2025, 3, 29), berlin(2025, 3, 31)
        ) == dt.timedelta(0)
        assert next_working_moment(calendar_, berlin(2025, 3, 29, 12)) == berlin(2025, 3, 31, 9)
        assert (
            business_time_between(calendar_, berlin(2025, 10, 25), berlin(2025, 10, 27)) == 2 * HOUR
        )
        assert is_working_time(calendar_, berlin(2025, 10, 26, 2, 30, fold=0))
        assert is_working_time(calendar_, berlin(2025, 10, 26, 2, 30, fold=1))

    def test_a_24x7_calendar_is_elapsed_time(self):
        always = BusinessCalendar.twenty_four_seven(BERLIN)
        start = berlin(2025, 3, 29, 12)
        assert add_business_time(always, start, 48 * HOUR) == start.astimezone(dt.UTC) + 48 * HOUR
        assert business_time_between(always, berlin(2025, 3, 30), berlin(2025, 3, 31)) == 23 * HOUR
        assert (
            business_time_between(always, berlin(2025, 10, 26), berlin(2025, 10, 27)) == 25 * HOUR
        )

    def test_a_start_given_as_a_wall_time_that_never_happened_is_read_at_its_own_offset(self):
        # 02:30 on Mar 30 does not exist; with fold=0 Python reads it at the old offset, +01:00
        always = BusinessCalendar.twenty_four_seven(BERLIN)
        assert add_business_time(always, berlin(2025, 3, 30, 2, 30), dt.timedelta(0)) == utc(
            2025, 3, 30, 1, 30
        )
        assert add_business_time(
            always, berlin(2025, 3, 30, 2, 30, fold=1), dt.timedelta(0)
        ) == utc(2025, 3, 30, 0, 30)


class TestNewYork:
    def test_office_hours_after_the_spring_change_are_four_hours_from_utc(self):
        calendar = office(NEW_YORK, "08:00-20:00")
        due = add_business_time(calendar, new_york(2025, 3, 7, 19), 2 * HOUR)  # Friday 19:00 EST
        assert due == new_york(2025, 3, 10, 9) == utc(2025, 3, 10, 13)

    def test_the_day_of_the_change_is_23_or_25_hours_long(self):
        sundays = calendar(NEW_YORK, {"sunday": hours("00:00-24:00")})
        assert (
            business_time_between(sundays, new_york(2025, 3, 9), new_york(2025, 3, 10)) == 23 * HOUR
        )
        assert (
            business_time_between(sundays, new_york(2025, 11, 2), new_york(2025, 11, 3))
            == 25 * HOUR
        )

    def test_an_overnight_shift_through_the_autumn_change(self):
        nights = calendar(
            NEW_YORK, {"saturday": hours("22:00-24:00"), "sunday": hours("00:00-04:00")}
        )
        start = new_york(2025, 11, 1, 22)  # 02:00 UTC
        assert business_time_between(nights, start, new_york(2025, 11, 2, 4)) == 7 * HOUR
        assert (
            add_business_time(nights, start, 6 * HOUR)
            == new_york(2025, 11, 2, 3)
            == utc(2025, 11, 2, 8)
        )


class TestUnusualChanges:
    def test_a_clock_put_back_across_midnight_interleaves_two_days(self):
        # Goose Bay, Nov 1 2009: at 00:01 Sunday (03:01 UTC) clocks went back to 23:01 Saturday
        zone = "America/Goose_Bay"
        sunday = calendar(zone, {"sunday": hours("00:00-01:00")})
        # Sunday's first minute, then Saturday's repeated hour, then the rest of Sunday's first hour
        assert business_time_between(
            sunday, utc(2009, 10, 31, 12), utc(2009, 11, 2)
        ) == dt.timedelta(minutes=61)
        assert is_working_time(sunday, utc(2009, 11, 1, 3, 0, 30))
        assert next_working_moment(sunday, utc(2009, 11, 1, 3, 1)) == utc(2009, 11, 1, 4)
        saturday = calendar(zone, {"saturday": hours("23:00-24:00")})
        assert business_time_between(
            saturday, utc(2009, 10, 31, 12), utc(2009, 11, 2)
        ) == dt.timedelta(minutes=119)
        both = calendar(zone, {"saturday": hours("23:00-24:00"), "sunday": hours("00:00-01:00")})
        assert add_business_time(both, at(zone, 2009, 10, 31, 22), 3 * HOUR) == utc(2009, 11, 1, 5)

    def test_a_skipped_day_is_not_worked(self):
        # Apia moved across the date line: Thursday Dec 29 2011 was followed by Saturday Dec 31
        calendar_ = office("Pacific/Apia")
        assert (
            business_time_between(
                calendar_, at("Pacific/Apia", 2011, 12, 29), at("Pacific/Apia", 2012, 1, 2)
            )
            == 8 * HOUR
        )
        assert add_business_time(calendar_, at("Pacific/Apia", 2011, 12, 29, 16), 2 * HOUR) == at(
            "Pacific/Apia", 2012, 1, 2, 10
        )

    def test_half_hour_changes(self):
        always = BusinessCalendar.twenty_four_seven("Australia/Lord_Howe")
        day = dt.timedelta(days=1)
        assert (
            business_time_between(
                always, at("Australia/Lord_Howe", 2025, 4, 6), at("Australia/Lord_Howe", 2025, 4, 7)
            )
            == day + HOUR / 2
        )
        assert (
            business_time_between(
                always,
                at("Australia/Lord_Howe", 2025, 10, 5),
                at("Australia/Lord_Howe", 2025, 10, 6),
            )
            == day - HOUR / 2
        )


def test_shanghai_has_no_daylight_saving_so_every_day_is_the_same():
    calendar_ = calendar("Asia/Shanghai", {day: hours("00:00-24:00") for day in ALL_WEEK})
    for month in range(1, 13):
        start = at("Asia/Shanghai", 2025, month, 1)
        assert business_time_between(calendar_, start, start + dt.timedelta(days=1)) == 24 * HOUR

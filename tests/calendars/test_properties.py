"""Properties that hold for any calendar, start and duration, checked on random ones near
daylight-saving changes, a clock put back across midnight and a skipped day:
adding then measuring gives the duration back, measuring is additive, the engine agrees with the
wall-clock definition of working time, and a minute-by-minute count agrees with the measure."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.calendars import (
    BusinessCalendar,
    ExtraWorkingDay,
    Holiday,
    WeeklyHours,
    WorkingInterval,
    add_business_time,
    business_time_between,
    is_working_time,
    next_working_moment,
)

# Fixed examples, so that every run checks the same cases and leaves no database behind.
settings.register_profile(
    "calendars", derandomize=True, database=None, deadline=None, max_examples=100
)
settings.load_profile("calendars")

MICROSECOND = dt.timedelta(microseconds=1)
# A zone and dates where its clocks change, as (zone, dates near which to start).
ZONES = {
    "UTC": [dt.date(2025, 1, 1)],
    "Asia/Shanghai": [dt.date(2025, 10, 1)],
    "Europe/Berlin": [dt.date(2025, 3, 30), dt.date(2025, 10, 26)],
    "America/New_York": [dt.date(2025, 3, 9), dt.date(2025, 11, 2)],
    "Australia/Lord_Howe": [dt.date(2025, 4, 6), dt.date(2025, 10, 5)],
    "America/Goose_Bay": [dt.date(2009, 11, 1), dt.date(2010, 3, 14)],
    "Pacific/Apia": [dt.date(2011, 12, 30)],
}


@st.composite
def day_hours(draw: st.DrawFn, *, at_least_one: bool = False) -> tuple[WorkingInterval, ...]:
    """Up to three intervals on a quarter-hour grid, in order and apart."""
    count = draw(st.integers(1 if at_least_one else 0, 3))
    bounds = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    return tuple(
        WorkingInterval(bounds[i] * 15, bounds[i + 1] * 15) for i in range(0, len(bounds), 2)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[BusinessCalendar, dt.datetime]:
    """A random calendar and a start within a few days of one of its zone's clock changes."""
    zone = draw(st.sampled_from(sorted(ZONES)))
    anchor = draw(st.sampled_from(ZONES[zone]))
    week = WeeklyHours(*(draw(day_hours()) for _ in range(7)))
    near = st.integers(-10, 40).map(lambda days: anchor + dt.timedelta(days=days))
    dated = draw(st.lists(near, max_size=8, unique=True))
    split = draw(st.integers(0, len(dated)))
    holidays = tuple(Holiday(day) for day in dated[:split])
    extra = tuple(ExtraWorkingDay(day, draw(day_hours(at_least_one=True))) for day in dated[split:])
    if not any(week.days) and not extra:
        week = WeeklyHours(monday=(WorkingInterval(9 * 60, 17 * 60),))
    calendar = BusinessCalendar(zone, week, holidays, extra)
    midnight = dt.datetime.combine(anchor, dt.time(), tzinfo=dt.UTC)
    start = midnight + draw(st.timedeltas(dt.timedelta(days=-5), dt.timedelta(days=5)))
    return calendar, start.astimezone(calendar.zone)


def _case(
    zone: str, week: WeeklyHours, *wall: int, fold: int = 0
) -> tuple[BusinessCalendar, dt.datetime]:
    return BusinessCalendar(zone, week), dt.datetime(*wall, tzinfo=ZoneInfo(zone), fold=fold)


# Always checked besides the random cases: a start in Berlin's repeated hour, and Goose Bay's
# Saturday hour repeated after Sunday had begun.
IN_THE_REPEAT = _case(
    "Europe/Berlin", WeeklyHours(sunday=(WorkingInterval(0, 135),)), 2025, 10, 26, 2, 0
)
INTERLEAVED = _case(
    "America/Goose_Bay",
    WeeklyHours(saturday=(WorkingInterval(23 * 60, 24 * 60),), sunday=(WorkingInterval(0, 60),)),
    2009,
    10,
    31,
    22,
    30,
)

durations = st.one_of(
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=3)),
    st.timedeltas(dt.timedelta(0), dt.timedelta(hours=5000)),
    st.just(dt.timedelta(0)),
)


@given(scenarios(), durations)
@example(IN_THE_REPEAT, dt.timedelta(minutes=30))
@example(INTERLEAVED, dt.timedelta(minutes=90))
def test_measuring_what_was_added_gives_the_duration_back(scenario, duration):
    calendar, start = scenario
    due = add_business_time(calendar, start, duration)
    assert business_time_between(calendar, start, due) == duration
    if duration:
        # the last microsecond counted was working time, so the due time is as early as it can be
        assert is_working_time(calendar, due - MICROSECOND)
    else:
        assert due == next_working_moment(calendar, start)


@given(scenarios(), st.timedeltas(dt.timedelta(0), dt.timedelta(days=20)))
def test_adding_what_was_measured_reaches_the_end_or_the_last_working_moment_before_it(
    scenario, span
):
    calendar, start = scenario
    end = (start + span).astimezone(dt.UTC)
    reached = add_business_time(calendar, start, business_time_between(calendar, start, end))
    assert business_time_between(calendar, reached, end) == dt.timedelta(0)
    if span and is_working_time(calendar, end - MICROSECOND):
        assert reached == end
    assert reached <= max(end, next_working_moment(calendar, start))


@given(scenarios(), durations, durations)
def test_adding_more_never_ends_earlier(scenario, first, second):
    calendar, start = scenario
    shorter, longer = sorted((first, second))
    assert add_business_time(calendar, start, shorter) <= add_business_time(calendar, start, longer)


@given(
    scenarios(),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=20)),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=20)),
)
def test_measuring_is_additive_and_antisymmetric(scenario, first, second):
    calendar, a = scenario
    b, c = a + first, a + first + second
    assert business_time_between(calendar, a, b) + business_time_between(
        calendar, b, c
    ) == business_time_between(calendar, a, c)
    assert business_time_between(calendar, c, a) == -business_time_between(calendar, a, c)
    assert dt.timedelta(0) <= business_time_between(calendar, a, c) <= c - a


@given(scenarios(), st.timedeltas(dt.timedelta(0), dt.timedelta(days=4)))
@example(IN_THE_REPEAT, dt.timedelta(0))
@example(INTERLEAVED, dt.timedelta(minutes=90, seconds=30))
def test_the_next_working_moment_agrees_with_is_working_time(scenario, offset):
    calendar, start = scenario
    moment = (start + offset).astimezone(
        dt.UTC
    )  # PEP 495: a repeated wall time equals no other zone's
    following = next_working_moment(calendar, moment)
    assert (following == moment) == is_working_time(calendar, moment)
    assert is_working_time(calendar, following)
    assert business_time_between(calendar, moment, following) == dt.timedelta(0)


@settings(max_examples=40)
@given(scenarios(), st.integers(0, 2 * 24 * 60))
@example(IN_THE_REPEAT, 6 * 60)
@example(INTERLEAVED, 3 * 60)
def test_a_minute_by_minute_count_agrees_with_the_measure(scenario, minutes):
    # Intervals lie on a quarter-hour grid and these zones' offsets are whole minutes, so working
    # time is whole UTC minutes: counting them with is_working_time is an independent measure.
    calendar, start = scenario
    start = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    minute = dt.timedelta(minutes=1)
    counted = sum(is_working_time(calendar, start + n * minute) for n in range(minutes))
    assert business_time_between(calendar, start, start + minutes * minute) == counted * minute


@given(
    st.sampled_from(sorted(ZONES)),
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=800)),
)
def test_a_24x7_calendar_is_elapsed_time_in_any_zone(zone, start, duration):
    always = BusinessCalendar.twenty_four_seven(zone)
    assert add_business_time(always, start, duration) == start + duration
    assert business_time_between(always, start, start + duration) == duration

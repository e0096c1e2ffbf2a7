"""Business-time arithmetic: due times, elapsed working time, and whether work is going on.

Every function takes aware datetimes (any zone; naive ones are refused, since their instant is a
guess) and returns aware datetimes in UTC, because datetimes of one zoneinfo zone subtract and
compare by wall clock, which is an hour off across a daylight-saving change; UTC values are safe to
store, compare and subtract. The walk skips whole weeks of plain working time at once, so spans of
years cost a few hundred steps; a stretch of three years without working time is an error rather
than an endless search."""

from __future__ import annotations

import datetime as dt

from domain.calendars.model import BusinessCalendar
from domain.calendars.timeline import (
    DAY,
    MINUTE,
    SECOND,
    WEEK,
    Timeline,
    from_micros,
    to_micros,
)
from domain.errors import Conflict

SEARCH_HORIZON = dt.timedelta(days=3 * 366)
# The supported instants: far enough inside datetime's range for the walk's look-ahead.
EARLIEST = dt.datetime(2, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9998, 1, 1, tzinfo=dt.UTC)

_HORIZON = SEARCH_HORIZON // dt.timedelta(microseconds=1)
_EARLIEST = to_micros(EARLIEST)
_LATEST = to_micros(LATEST)


class NoWorkingTime(Conflict):
    """The calendar has no working time within the search horizon after a moment."""


def is_working_time(calendar: BusinessCalendar, at: dt.datetime) -> bool:
    """Whether `at` is working time: its wall-clock time in the calendar's zone lies in one of the
    intervals of its local date."""
    _instant(at, "at")
    local = at.astimezone(calendar.zone)
    wall = ((local.hour * 60 + local.minute) * 60 + local.second) * SECOND + local.microsecond
    hours = calendar.hours_on(local.date())
    return any(i.start_minute * MINUTE <= wall < i.end_minute * MINUTE for i in hours)


def next_working_moment(calendar: BusinessCalendar, at: dt.datetime) -> dt.datetime:
    """`at` itself if it is working time, else the start of the next working interval."""
    return from_micros(_next_working(Timeline(calendar), _instant(at, "at")))


def add_business_time(
    calendar: BusinessCalendar, start: dt.datetime, duration: dt.timedelta
) -> dt.datetime:
    """The moment at which `duration` of working time has passed since `start`.

    The clock starts at `next_working_moment(start)`, so a zero duration gives that moment. A
    duration that runs out exactly at the end of an interval gives that end (12:00 before a lunch
    break, not 13:30)."""
    if duration < dt.timedelta(0):
        raise ValueError("duration must not be negative")
    line = Timeline(calendar)
    remaining = duration // dt.timedelta(microseconds=1)
    cursor = _next_working(line, _instant(start, "start"))
    if cursor + remaining >= _LATEST:  # business time never runs faster than the clock
        raise OverflowError(f"business time is computed only before {LATEST:%Y-%m-%d}")
    last_work = cursor
    while remaining > 0:
        _check_reach(cursor, last_work)
        if remaining > line.weekly_total and line.is_plain_week(cursor):
            remaining -= line.weekly_total
            cursor += WEEK
            if line.weekly_total:
                last_work = cursor
            continue
        for lo, hi in line.ranges(cursor, cursor + DAY):
            if hi - lo >= remaining:
                return from_micros(lo + remaining)
            remaining -= hi - lo
            last_work = hi
        cursor += DAY
    return from_micros(cursor)


def business_time_between(
    calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    """The working time in [start, end); negative, -(working time in [end, start)), when end is
    before start, so that "business time left until a due time" needs no special case."""
    lo, hi = _instant(start, "start"), _instant(end, "end")
    if hi < lo:
        return -_between(Timeline(calendar), hi, lo)
    return _between(Timeline(calendar), lo, hi)


def _between(line: Timeline, start: int, end: int) -> dt.timedelta:
    total = 0
    cursor = start
    while cursor < end:
        if end - cursor >= WEEK and line.is_plain_week(cursor):
            total += line.weekly_total
            cursor += WEEK
            continue
        step = min(cursor + DAY, end)
        total += sum(hi - lo for lo, hi in line.ranges(cursor, step))
        cursor = step
    return dt.timedelta(microseconds=total)


def _next_working(line: Timeline, at: int) -> int:
    cursor = at
    while True:
        _check_reach(cursor, at)
        if line.weekly_total == 0 and line.is_plain_week(cursor):
            cursor += WEEK  # an empty week: nothing to look at day by day
            continue
        found = line.ranges(cursor, cursor + DAY)
        if found:
            return found[0][0]
        cursor += DAY


def _check_reach(cursor: int, last_work: int) -> None:
    if cursor - last_work > _HORIZON:
        since = from_micros(last_work)
        raise NoWorkingTime(
            f"the calendar has no working time in the {SEARCH_HORIZON.days} days after {since:%Y-%m-%d %H:%M} UTC"
        )
    if cursor >= _LATEST:
        raise OverflowError(f"business time is computed only before {LATEST:%Y-%m-%d}")


def _instant(at: dt.datetime, name: str) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    instant = to_micros(at)
    if not _EARLIEST <= instant < _LATEST:
        raise ValueError(f"{name} must be from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}")
    return instant

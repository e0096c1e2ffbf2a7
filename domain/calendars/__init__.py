"""Business calendars and business-time arithmetic: when a team works, and how much working time
lies between two moments. SLA targets, approval timeouts and automation offsets "in business
time" are all computed here, so they agree with each other to the microsecond.

The model
---------
A `BusinessCalendar` is a frozen value:

- `time_zone`: an IANA name (``Asia/Shanghai``, ``Europe/Berlin``). Working hours are wall-clock
  times in this zone, whatever zone the datetimes passed in are in.
- `weekly_hours`: per weekday, zero to ten `WorkingInterval`s, ``[start, end)`` in minutes after
  midnight (``09:00-12:00`` and ``13:30-18:00`` for a lunch break); an interval may end at 24:00,
  and 00:00-24:00 every day makes a 24x7 calendar (`BusinessCalendar.twenty_four_seven()`).
  Intervals of one day must not overlap; touching (12:00-13:00, 13:00-18:00) is fine.
- `holidays`: dates not worked, whatever their weekday.
- `extra_working_days`: dates worked with their own intervals, whatever their weekday. They
  replace the weekday's hours for that date, so they express both make-up working days on a
  weekend (调休: China's 2025 National Day holiday Oct 1-8 is paid for by working Sunday Sep 28
  and Saturday Oct 11) and shortened days (a half day on Dec 24).

A date is listed at most once across holidays and extra working days (DUPLICATE_DATE), at most
1000 of them in all, from 1900-01-01 to 2999-12-31; holidays and extra days may carry a name of up
to 100 characters. A calendar needs some working time (NO_WORKING_TIME). Building one checks all of
this and raises `domain.errors.InvalidInput`, every failing field at once, with paths in the dict
shape (``weeklyHours.monday.1``, ``holidays.3.date``); codes: REQUIRED, INVALID_TYPE,
UNKNOWN_FIELD, INVALID_TIME_ZONE, INVALID_TIME, INVALID_DATE, INVALID_INTERVAL, OVERLAPPING_HOURS,
DUPLICATE_DATE, OUT_OF_RANGE, TOO_MANY, LENGTH, INVALID_TEXT, NO_WORKING_TIME.

`calendar_from_dict` / `calendar_to_dict` convert from and to the dict that GraphQL inputs and
JSONB columns use (camelCase keys, times ``"HH:MM"`` up to ``"24:00"``, dates ``"YYYY-MM-DD"``;
see serialization.py for an example). `calendar_from_dict(calendar_to_dict(c)) == c`.

What counts as working time
---------------------------
An instant is working time when its wall-clock reading in the calendar's zone falls inside one of
the intervals of that reading's date (the date's holiday or extra-day hours, else its weekday's).
Business time is the real elapsed time of such instants. Across daylight-saving changes:

- Clocks go forward (a gap): wall times in the gap never happen, so they are never worked. Berlin
  09:00-17:00 is 8 hours every day; 00:00-06:00 on the last Sunday of March is 5 hours; an
  interval wholly inside the gap is worth nothing.
- Clocks go back (a repeat): wall times in the repeat happen twice, and both count. 00:00-06:00 on
  the last Sunday of October in Berlin is 7 hours. A 24x7 calendar therefore always equals
  elapsed time.
- Datetimes passed in are taken at their own UTC offset: a zoneinfo datetime in a repeat is the
  first occurrence with fold=0 and the second with fold=1 (PEP 495); one in a gap is read with the
  offset before the change (fold=0) or after it (fold=1), as Python itself does.

The arithmetic (all datetimes timezone-aware; naive ones raise ValueError; results in UTC)
-----------------------------------------------------------------------------------------
- `is_working_time(calendar, at) -> bool`.
- `next_working_moment(calendar, at) -> datetime`: `at` if it is working time, else the start of the
  next working interval.
- `add_business_time(calendar, start, duration) -> datetime`: when `duration` of working time has
  passed. The clock starts at `next_working_moment(start)`, so a zero duration gives that moment;
  a duration running out exactly at an interval's end gives that end (12:00, not 13:30 after
  lunch). Negative durations raise ValueError.
- `business_time_between(calendar, start, end) -> timedelta`: working time in ``[start, end)``;
  when end is before start it is the negative of the working time in ``[end, start)``.

`business_time_between(c, s, add_business_time(c, s, d)) == d` for every start and duration,
exactly (microseconds, as integers). The other way round, for `e` after `s`,
`add_business_time(c, s, business_time_between(c, s, e))` is the earliest moment with that much
working time since `s`: `e` itself when the moment just before `e` was working time, else the end
of the last working interval before `e` (or `next_working_moment(c, s)` if none lies between).

Results are UTC because datetimes of one zoneinfo zone compare and subtract by wall clock (an hour
off across a change); convert with `.astimezone(calendar.zone)` to show them.

Limits: searching for working time gives up after three years (`SEARCH_HORIZON`) with
`NoWorkingTime` (a `Conflict`) instead of looping forever; instants must lie between years 2 and
9998 (ValueError, or OverflowError when a result would pass 9998). Whole weeks without a holiday,
extra day or offset change are skipped in one step, so adding 10,000 working hours or measuring a
decade costs a few hundred steps.
"""

from domain.calendars.arithmetic import (
    SEARCH_HORIZON,
    NoWorkingTime,
    add_business_time,
    business_time_between,
    is_working_time,
    next_working_moment,
)
from domain.calendars.model import (
    MAX_DATED_DAYS,
    MAX_INTERVALS_PER_DAY,
    BusinessCalendar,
    ExtraWorkingDay,
    Holiday,
    Hours,
    WeeklyHours,
    WorkingInterval,
)
from domain.calendars.serialization import calendar_from_dict, calendar_to_dict

__all__ = [
    "MAX_DATED_DAYS",
    "MAX_INTERVALS_PER_DAY",
    "SEARCH_HORIZON",
    "BusinessCalendar",
    "ExtraWorkingDay",
    "Holiday",
    "Hours",
    "NoWorkingTime",
    "WeeklyHours",
    "WorkingInterval",
    "add_business_time",
    "business_time_between",
    "calendar_from_dict",
    "calendar_to_dict",
    "is_working_time",
    "next_working_moment",
]

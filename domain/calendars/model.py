"""The business calendar as a frozen value, and the invariants every calendar keeps.

A calendar is checked once, when it is built, so that the arithmetic can trust it: intervals in
order and apart, one entry per date, a known time zone. Being frozen and hashable, one calendar can
be cached per process and shared by every request that computes with it. The checks report field
paths in the calendar's dict shape (see serialization.py), so the parser and a caller building a
calendar in Python get the same errors."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from domain.errors import FieldError, InvalidInput

MINUTES_PER_DAY = 24 * 60
MAX_INTERVALS_PER_DAY = 10
MAX_DATED_DAYS = 1000  # holidays and extra working days together
MAX_NAME_LENGTH = 100
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class WorkingInterval:
    """Wall-clock working time within one day, [start, end) in minutes after midnight.

    `end_minute` may be 1440 (24:00): the interval runs to the end of the day."""

    start_minute: int
    end_minute: int

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


Hours = tuple[WorkingInterval, ...]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """The working intervals of each weekday; a day left empty is not worked."""

    monday: Hours = ()
    tuesday: Hours = ()
    wednesday: Hours = ()
    thursday: Hours = ()
    friday: Hours = ()
    saturday: Hours = ()
    sunday: Hours = ()

    @property
    def days(self) -> tuple[Hours, Hours, Hours, Hours, Hours, Hours, Hours]:
        """The seven days in `date.weekday()` order: Monday first."""
        return (
            self.monday,
            self.tuesday,
            self.wednesday,
            self.thursday,
            self.friday,
            self.saturday,
            self.sunday,
        )


@dataclass(frozen=True, slots=True)
class Holiday:
    """A date that is not worked, whatever its weekday."""

    date: dt.date
    name: str = ""


@dataclass(frozen=True, slots=True)
class ExtraWorkingDay:
    """A date worked with its own hours, whatever its weekday: a make-up working day on a weekend
    (调休), or a shortened weekday such as a half day before a holiday."""

    date: dt.date
    hours: Hours
    name: str = ""


@dataclass(frozen=True)
class BusinessCalendar:
    """When work happens, as wall-clock time in one IANA time zone.

    Building one checks every invariant and raises `InvalidInput` with all field errors at once;
    intervals, holidays and extra working days are then kept sorted."""

    time_zone: str
    weekly_hours: WeeklyHours
    holidays: tuple[Holiday, ...] = ()
    extra_working_days: tuple[ExtraWorkingDay, ...] = ()
    _dated: dict[dt.date, Hours] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        errors = calendar_errors(self)
        if errors:
            raise InvalidInput(errors, "Invalid business calendar")
        week = WeeklyHours(*(_sorted_hours(hours) for hours in self.weekly_hours.days))
        holidays = tuple(sorted(self.holidays, key=lambda holiday: holiday.date))
        extra = tuple(
            ExtraWorkingDay(day.date, _sorted_hours(day.hours), day.name)
            for day in sorted(self.extra_working_days, key=lambda day: day.date)
        )
        object.__setattr__(self, "weekly_hours", week)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "extra_working_days", extra)
        dated: dict[dt.date, Hours] = {holiday.date: () for holiday in holidays}
        dated.update((day.date, day.hours) for day in extra)
        object.__setattr__(self, "_dated", dated)

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """Every moment is working time: business time equals elapsed time."""
        whole_day = (WorkingInterval(0, MINUTES_PER_DAY),)
        return cls(time_zone, WeeklyHours(*([whole_day] * 7)))

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)  # ZoneInfo caches instances by name

    def hours_on(self, day: dt.date) -> Hours:
        """The working intervals of a local date: its holiday or extra working day, else its weekday's."""
        dated = self._dated.get(day)
        return dated if dated is not None else self.weekly_hours.days[day.weekday()]


def _sorted_hours(hours: Hours) -> Hours:
    return tuple(sorted(hours, key=lambda interval: interval.start_minute))


def calendar_errors(calendar: BusinessCalendar) -> list[FieldError]:
    """Every broken invariant of a calendar, with the field path of its dict shape."""
    errors = time_zone_errors(calendar.time_zone)
    for name, hours in zip(WEEKDAYS, calendar.weekly_hours.days, strict=True):
        errors += hours_errors(hours, f"weeklyHours.{name}")
    errors += dated_errors(calendar.holidays, calendar.extra_working_days)
    if not any(calendar.weekly_hours.days) and not calendar.extra_working_days:
        errors.append(
            FieldError("weeklyHours", "NO_WORKING_TIME", "at least one day needs working hours")
        )
    return errors


@lru_cache(maxsize=1)
def _known_time_zones() -> frozenset[str]:
    # Read once: the set lists the zone database's files (the system's, or the tzdata package's).
    return frozenset(zoneinfo.available_timezones())


def time_zone_errors(name: str, where: str = "timeZone") -> list[FieldError]:
    if name in _known_time_zones():
        return []
    return [FieldError(where, "INVALID_TIME_ZONE", "an IANA time zone name such as Asia/Shanghai")]


def hours_errors(hours: Sequence[WorkingInterval], where: str) -> list[FieldError]:
    """A day's intervals: each within the day and not empty, at most ten, none overlapping."""
    if len(hours) > MAX_INTERVALS_PER_DAY:
        return [FieldError(where, "TOO_MANY", f"at most {MAX_INTERVALS_PER_DAY} intervals per day")]
    errors: list[FieldError] = []
    valid: list[tuple[int, WorkingInterval]] = []
    for index, interval in enumerate(hours):
        if 0 <= interval.start_minute < interval.end_minute <= MINUTES_PER_DAY:
            valid.append((index, interval))
        else:
            message = "start must be before end, within 00:00-24:00"
            errors.append(FieldError(f"{where}.{index}", "INVALID_INTERVAL", message))
    for position, (index, interval) in enumerate(valid):
        # Report the later of two overlapping intervals, as given: that is the one to fix or remove.
        if any(_overlap(interval, earlier) for _, earlier in valid[:position]):
            message = "overlaps another interval of the day"
            errors.append(FieldError(f"{where}.{index}", "OVERLAPPING_HOURS", message))
    return errors


def _overlap(a: WorkingInterval, b: WorkingInterval) -> bool:
    return a.start_minute < b.end_minute and b.start_minute < a.end_minute


def dated_errors(
    holidays: Sequence[Holiday], extra_working_days: Sequence[ExtraWorkingDay]
) -> list[FieldError]:
    """Holidays and extra working days: within range, each date once across both lists."""
    if len(holidays) + len(extra_working_days) > MAX_DATED_DAYS:
        field_name = "holidays" if len(holidays) > len(extra_working_days) else "extraWorkingDays"
        message = f"at most {MAX_DATED_DAYS} holidays and extra working days together"
        return [FieldError(field_name, "TOO_MANY", message)]
    errors: list[FieldError] = []
    seen: set[dt.date] = set()
    dated = [(f"holidays.{i}", h.date, h.name) for i, h in enumerate(holidays)]
    dated += [(f"extraWorkingDays.{i}", d.date, d.name) for i, d in enumerate(extra_working_days)]
    for where, day, name in dated:
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            message = f"a date from {EARLIEST_DATE} to {LATEST_DATE}"
            errors.append(FieldError(f"{where}.date", "OUT_OF_RANGE", message))
        elif day in seen:
            errors.append(
                FieldError(f"{where}.date", "DUPLICATE_DATE", f"{day} is listed more than once")
            )
        seen.add(day)
        errors += name_errors(name, f"{where}.name")
    for index, extra in enumerate(extra_working_days):
        where = f"extraWorkingDays.{index}.hours"
        if extra.hours:
            errors += hours_errors(extra.hours, where)
        else:
            message = "an extra working day needs working hours (a day without is a holiday)"
            errors.append(FieldError(where, "REQUIRED", message))
    return errors


def name_errors(name: str, where: str) -> list[FieldError]:
    if len(name) > MAX_NAME_LENGTH:
        return [FieldError(where, "LENGTH", f"at most {MAX_NAME_LENGTH} characters")]
    if "\x00" in name:
        return [FieldError(where, "INVALID_TEXT", "must not contain NUL characters")]
    return []

"""A calendar as a plain dict, the shape of GraphQL inputs and of a JSONB column, and back.

    {"timeZone": "Asia/Shanghai",
     "weeklyHours": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}],
                     ...},                          # a day left out is not worked
     "holidays": [{"date": "2025-10-01", "name": "National Day"}],          # name optional
     "extraWorkingDays": [{"date": "2025-09-28", "hours": [{"start": "09:00", "end": "18:00"}]}]}

Parsing is strict (unknown keys, times that are not "HH:MM", dates that are not "YYYY-MM-DD" are
errors) because a typo silently ignored here would move every deadline computed with the calendar.
Field paths are relative to the calendar, e.g. `weeklyHours.monday.1.end`; the root is ""."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from domain.calendars.model import (
    MAX_DATED_DAYS,
    MAX_INTERVALS_PER_DAY,
    WEEKDAYS,
    BusinessCalendar,
    ExtraWorkingDay,
    Holiday,
    Hours,
    WeeklyHours,
    WorkingInterval,
    dated_errors,
    hours_errors,
    time_zone_errors,
)
from domain.errors import FieldError, InvalidInput

_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CALENDAR_KEYS = frozenset({"timeZone", "weeklyHours", "holidays", "extraWorkingDays"})
_INTERVAL_KEYS = frozenset({"start", "end"})
_HOLIDAY_KEYS = frozenset({"date", "name"})
_EXTRA_DAY_KEYS = frozenset({"date", "hours", "name"})

T = TypeVar("T")


def calendar_from_dict(data: object) -> BusinessCalendar:
    """The calendar a dict describes; `InvalidInput` names every failing field at once."""
    if not isinstance(data, Mapping):
        raise InvalidInput.single("", "INVALID_TYPE", "a calendar is an object")
    errors: list[FieldError] = []
    _unknown_keys(data, _CALENDAR_KEYS, "", errors)
    time_zone = _time_zone(data.get("timeZone"), errors)
    week = _weekly_hours(data.get("weeklyHours"), errors)
    holidays = _list(data.get("holidays"), "holidays", _holiday, errors)
    extra = _list(data.get("extraWorkingDays"), "extraWorkingDays", _extra_working_day, errors)
    if errors or time_zone is None or week is None or holidays is None or extra is None:
        # Still check the parts that did parse (the days of the week were, one by one), so that
        # one answer lists every error.
        if time_zone is not None:
            errors += time_zone_errors(time_zone)
        errors += dated_errors(
            holidays or [], extra or []
        )  # a list that did not parse counts as empty
        raise InvalidInput(errors, "Invalid business calendar")
    return BusinessCalendar(time_zone, week, tuple(holidays), tuple(extra))  # checks the invariants


def calendar_to_dict(calendar: BusinessCalendar) -> dict[str, Any]:
    """The dict `calendar_from_dict` reads back to an equal calendar: every weekday listed, dates
    in order, names only where given."""
    return {
        "timeZone": calendar.time_zone,
        "weeklyHours": {
            name: _hours_to_list(hours)
            for name, hours in zip(WEEKDAYS, calendar.weekly_hours.days, strict=True)
        },
        "holidays": [_named({"date": h.date.isoformat()}, h.name) for h in calendar.holidays],
        "extraWorkingDays": [
            _named({"date": d.date.isoformat(), "hours": _hours_to_list(d.hours)}, d.name)
            for d in calendar.extra_working_days
        ],
    }


def _named(entry: dict[str, Any], name: str) -> dict[str, Any]:
    return {**entry, "name": name} if name else entry


def _hours_to_list(hours: Hours) -> list[dict[str, str]]:
    return [
        {"start": _format_time(i.start_minute), "end": _format_time(i.end_minute)} for i in hours
    ]


def _format_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _unknown_keys(
    data: Mapping[Any, Any], known: frozenset[str], where: str, errors: list[FieldError]
) -> None:
    message = f"expected one of {', '.join(sorted(known))}"
    errors += [
        FieldError(_join(where, str(key)), "UNKNOWN_FIELD", message)
        for key in data
        if key not in known
    ]


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _time_zone(data: object, errors: list[FieldError]) -> str | None:
    if isinstance(data, str):
        return data
    if data is None:
        errors.append(
            FieldError("timeZone", "REQUIRED", "an IANA time zone name such as Asia/Shanghai")
        )
    else:
        errors.append(FieldError("timeZone", "INVALID_TYPE", "a string"))
    return None


def _weekly_hours(data: object, errors: list[FieldError]) -> WeeklyHours | None:
    if data is None:
        errors.append(FieldError("weeklyHours", "REQUIRED", "the working hours of each weekday"))
        return None
    if not isinstance(data, Mapping):
        errors.append(
            FieldError(
                "weeklyHours", "INVALID_TYPE", "an object keyed by weekday (monday...sunday)"
            )
        )
        return None
    _unknown_keys(data, frozenset(WEEKDAYS), "weeklyHours", errors)
    days: list[Hours] = []
    complete = True
    for name in WEEKDAYS:
        where = f"weeklyHours.{name}"
        hours = _hours(data.get(name, []), where, errors)
        if hours is None:
            complete = False
        else:
            errors += hours_errors(
                hours, where
            )  # here, so that one bad day does not hide another's
            days.append(hours)
    return WeeklyHours(*days) if complete else None


def _hours(data: object, where: str, errors: list[FieldError]) -> Hours | None:
    intervals = _list(data, where, _interval, errors, limit=MAX_INTERVALS_PER_DAY)
    return None if intervals is None else tuple(intervals)


def _list(
    data: object,
    where: str,
    parse_item: Callable[[object, str, list[FieldError]], T | None],
    errors: list[FieldError],
    *,
    limit: int = MAX_DATED_DAYS,
) -> list[T] | None:
    """Each item parsed, or None when the list or any item has an error (all of them reported)."""
    if data is None:
        return []
    if not isinstance(data, list):
        errors.append(FieldError(where, "INVALID_TYPE", "a list"))
        return None
    if len(data) > limit:  # checked before parsing, so a huge input costs nothing
        errors.append(FieldError(where, "TOO_MANY", f"at most {limit} entries"))
        return None
    items = [parse_item(item, f"{where}.{index}", errors) for index, item in enumerate(data)]
    parsed = [item for item in items if item is not None]
    return parsed if len(parsed) == len(items) else None


def _object(
    data: object, keys: frozenset[str], where: str, errors: list[FieldError]
) -> Mapping[Any, Any] | None:
    if not isinstance(data, Mapping):
        errors.append(FieldError(where, "INVALID_TYPE", "an object"))
        return None
    _unknown_keys(data, keys, where, errors)
    return data


def _interval(data: object, where: str, errors: list[FieldError]) -> WorkingInterval | None:
    entry = _object(data, _INTERVAL_KEYS, where, errors)
    if entry is None:
        return None
    start = _time(entry.get("start"), f"{where}.start", errors)
    end = _time(entry.get("end"), f"{where}.end", errors)
    return None if start is None or end is None else WorkingInterval(start, end)


def _time(data: object, where: str, errors: list[FieldError]) -> int | None:
    if not isinstance(data, str) or not _TIME.fullmatch(data):
        errors.append(FieldError(where, "INVALID_TIME", "a time HH:MM from 00:00 to 24:00"))
        return None
    hours, minutes = data.split(":")
    return int(hours) * 60 + int(minutes)


def _date(data: object, where: str, errors: list[FieldError]) -> dt.date | None:
    if isinstance(data, str) and _DATE.fullmatch(data):
        try:
            return dt.date.fromisoformat(data)
        except ValueError:
            pass
    errors.append(FieldError(where, "INVALID_DATE", "a date YYYY-MM-DD"))
    return None


def _name(data: object, where: str, errors: list[FieldError]) -> str | None:
    if data is None:
        return ""
    if not isinstance(data, str):
        errors.append(FieldError(where, "INVALID_TYPE", "a string"))
        return None
    return data


def _holiday(data: object, where: str, errors: list[FieldError]) -> Holiday | None:
    entry = _object(data, _HOLIDAY_KEYS, where, errors)
    if entry is None:
        return None
    day = _date(entry.get("date"), f"{where}.date", errors)
    name = _name(entry.get("name"), f"{where}.name", errors)
    return None if day is None or name is None else Holiday(day, name)


def _extra_working_day(
    data: object, where: str, errors: list[FieldError]
) -> ExtraWorkingDay | None:
    entry = _object(data, _EXTRA_DAY_KEYS, where, errors)
    if entry is None:
        return None
    day = _date(entry.get("date"), f"{where}.date", errors)
    hours = _hours(entry.get("hours"), f"{where}.hours", errors)
    name = _name(entry.get("name"), f"{where}.name", errors)
    if day is None or hours is None or name is None:
        return None
    return ExtraWorkingDay(day, hours, name)

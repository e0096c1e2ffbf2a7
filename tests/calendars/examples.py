"""Calendars and clock readings shared by the calendar tests, written the way tenants will write
them: as the dict that GraphQL inputs and the settings column carry."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from domain.calendars import BusinessCalendar, calendar_from_dict

WORKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
WITH_LUNCH = [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}]  # 7.5 hours


def hours(*spans: str) -> list[dict[str, str]]:
    """hours("09:00-12:00", "13:30-18:00") -> the intervals in dict shape."""
    return [dict(zip(("start", "end"), span.split("-"), strict=True)) for span in spans]


def weekdays(spans: list[dict[str, str]], days: tuple[str, ...] = WORKDAYS) -> dict[str, Any]:
    return {day: spans for day in days}


def calendar(time_zone: str, weekly: dict[str, Any], **dated: Any) -> BusinessCalendar:
    return calendar_from_dict({"timeZone": time_zone, "weeklyHours": weekly, **dated})


def china_2025() -> BusinessCalendar:
    """A Shanghai office with a lunch break and the 2025 National Day holiday: Oct 1-8 off, paid
    for by working Sunday Sep 28 and Saturday Oct 11 (调休)."""
    return calendar(
        "Asia/Shanghai",
        weekdays(WITH_LUNCH),
        holidays=[{"date": f"2025-10-0{day}", "name": "国庆节"} for day in range(1, 9)],
        extraWorkingDays=[
            {"date": "2025-09-28", "hours": WITH_LUNCH, "name": "国庆调休"},
            {"date": "2025-10-11", "hours": WITH_LUNCH, "name": "国庆调休"},
        ],
    )


def office(time_zone: str, *spans: str, **dated: Any) -> BusinessCalendar:
    """Monday to Friday with the given hours (09:00-17:00 unless told)."""
    return calendar(time_zone, weekdays(hours(*(spans or ("09:00-17:00",)))), **dated)


def at(zone: str, *fields: int, fold: int = 0) -> dt.datetime:
    """A wall-clock reading in a zone: at("Europe/Berlin", 2025, 3, 28, 16, 30)."""
    return dt.datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold)


def utc(*fields: int) -> dt.datetime:
    return dt.datetime(*fields, tzinfo=dt.UTC)


def shanghai(*fields: int) -> dt.datetime:
    return at("Asia/Shanghai", *fields)


HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)

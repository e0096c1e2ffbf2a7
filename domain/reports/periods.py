"""Relative date ranges (THIS_MONTH, LAST_QUARTER, LAST_N_DAYS...) turned into half-open
[start, end) bounds in the tenant's time zone, and the zone itself.

A range is read on the calendar of the tenant's zone: "this month" in Shanghai starts at
midnight of the 1st in Shanghai. Bounds are instants (UTC) for date-time fields and calendar
dates for date fields, so both compare with one index-friendly `>= start AND < end`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from domain.errors import FieldError
from domain.tenant_settings import current_settings

MAX_DAYS = 3660  # LAST_N_DAYS / NEXT_N_DAYS reach at most ten years


class Range(str, Enum):
    TODAY = "TODAY"
    YESTERDAY = "YESTERDAY"
    THIS_WEEK = "THIS_WEEK"
    LAST_WEEK = "LAST_WEEK"
    THIS_MONTH = "THIS_MONTH"
    LAST_MONTH = "LAST_MONTH"
    THIS_QUARTER = "THIS_QUARTER"
    LAST_QUARTER = "LAST_QUARTER"
    THIS_YEAR = "THIS_YEAR"
    LAST_YEAR = "LAST_YEAR"
    LAST_N_DAYS = "LAST_N_DAYS"  # the n days before today, today included
    NEXT_N_DAYS = "NEXT_N_DAYS"  # today and the n - 1 days after it


@dataclass(frozen=True)
class Period:
    field: str
    range: Range
    days: int | None = None


@dataclass(frozen=True)
class Calendar:
    """The tenant's zone and first day of the week, which buckets and relative ranges follow."""

    zone: ZoneInfo
    week_start: int = 0  # 0 = Monday ... 6 = Sunday


async def tenant_calendar() -> Calendar:
    settings = await current_settings()
    return Calendar(settings.zone(), settings.week_start)


def check_period(period: Period, where: str) -> list[FieldError]:
    needs_days = period.range in (Range.LAST_N_DAYS, Range.NEXT_N_DAYS)
    if needs_days and (period.days is None or not 1 <= period.days <= MAX_DAYS):
        return [
            FieldError(
                f"{where}.days",
                "OUT_OF_RANGE",
                f"{period.range.value} needs days between 1 and {MAX_DAYS}",
            )
        ]
    if not needs_days and period.days is not None:
        return [
            FieldError(
                f"{where}.days", "NOT_ALLOWED", "days applies only to LAST_N_DAYS and NEXT_N_DAYS"
            )
        ]
    return []


def date_bounds(
    range_: Range, today: date, days: int | None = None, week_start: int = 0
) -> tuple[date, date]:
    """[first day, day after the last) of `range_` seen from `today`."""
    if range_ is Range.TODAY:
        return today, today + timedelta(days=1)
    if range_ is Range.YESTERDAY:
        return today - timedelta(days=1), today
    if range_ in (Range.THIS_WEEK, Range.LAST_WEEK):
        start = today - timedelta(days=(today.weekday() - week_start) % 7)
        if range_ is Range.LAST_WEEK:
            start -= timedelta(days=7)
        return start, start + timedelta(days=7)
    if range_ in (Range.THIS_MONTH, Range.LAST_MONTH):
        start = today.replace(day=1)
        if range_ is Range.LAST_MONTH:
            start = (start - timedelta(days=1)).replace(day=1)
        return start, _add_months(start, 1)
    if range_ in (Range.THIS_QUARTER, Range.LAST_QUARTER):
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if range_ is Range.LAST_QUARTER:
            start = _add_months(start, -3)
        return start, _add_months(start, 3)
    if range_ in (Range.THIS_YEAR, Range.LAST_YEAR):
        year = today.year - (range_ is Range.LAST_YEAR)
        return date(year, 1, 1), date(year + 1, 1, 1)
    assert days is not None
    if range_ is Range.LAST_N_DAYS:
        return today - timedelta(days=days - 1), today + timedelta(days=1)
    return today, today + timedelta(days=days)


def instant_bounds(
    range_: Range, now: datetime, zone: ZoneInfo, days: int | None = None, week_start: int = 0
) -> tuple[datetime, datetime]:
    """The same range as instants: local midnights of the first and the day after the last (a
    day may be 23 or 25 hours long across a daylight-saving change)."""
    first, after = date_bounds(range_, now.astimezone(zone).date(), days, week_start)
    return _midnight(first, zone), _midnight(after, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)

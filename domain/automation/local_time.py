"""The clock of time-based rules: the tenant's time zone, and working days of a business calendar
for rules that count them (`"businessTime": true`, docs/automations.md).

With `businessTime`, a date rule's `offsetDays` counts working days (days with working hours in
the calendar: weekends, holidays and make-up working days as the calendar says), so the rule
fires on a working day: "2 working days before the contract ends" fires on Thursday for a
contract ending on Monday or on Sunday. An idle rule's `days` counts working days too: idle
since Friday 10:00 is one working day idle on Monday 10:00."""

from __future__ import annotations

import bisect
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from croniter import croniter

from domain.calendars import BusinessCalendar
from domain.tenant_settings import business_calendar, current_settings

HORIZON_DAYS = 3 * 366  # a calendar without working days this far around today fires nothing


async def zone() -> zoneinfo.ZoneInfo:
    return (await current_settings()).zone()


async def calendar_of(trigger: dict[str, Any]) -> BusinessCalendar | None:
    """The calendar a rule counts working days in; None for rules counting calendar days."""
    if not trigger.get("businessTime"):
        return None
    return await business_calendar(trigger.get("calendar"))


def _working(calendar: BusinessCalendar, day: date) -> bool:
    return bool(calendar.hours_on(day))


def working_days_around(calendar: BusinessCalendar, day: date, count: int) -> list[date]:
    """The working dates nearest `day`, in order: `count` + 1 before it, and `count` + 2 from it on
    (fewer where the horizon ends first)."""
    before: list[date] = []
    probe = day
    while len(before) < count + 1 and (day - probe).days < HORIZON_DAYS:
        probe -= timedelta(days=1)
        if _working(calendar, probe):
            before.append(probe)
    after: list[date] = []
    probe = day
    while len(after) < count + 2 and (probe - day).days < HORIZON_DAYS:
        if _working(calendar, probe):
            after.append(probe)
        probe += timedelta(days=1)
    return before[::-1] + after


def field_dates_firing(calendar: BusinessCalendar, fire_day: date, offset: int) -> list[date]:
    """The dates D a date field may hold for a rule with `offset` working days to fire on
    `fire_day`: D moved by `offset` working days is `fire_day` (offset 0: D's own date if worked,
    else the next working day). Nothing fires on a day that is not worked."""
    if not _working(calendar, fire_day):
        return []
    days = working_days_around(calendar, fire_day, abs(offset))
    j = days.index(fire_day)
    if offset <= 0:
        # D is worked-past by exactly j - offset working days: (days[i - 1], days[i]] for i = j - offset
        i = j - offset
        if i >= len(days) or i < 1:
            return []
        first, last = days[i - 1] + timedelta(days=1), days[i]
    else:
        # exactly k working days up to and including D: [days[k - 1], days[k]) for k = j - offset + 1
        k = j - offset + 1
        if k < 1 or k >= len(days):
            return []
        first, last = days[k - 1], days[k] - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def idle_cutoff(
    now: datetime, days: float, local: zoneinfo.ZoneInfo, calendar: BusinessCalendar | None
) -> datetime:
    """Records last active at or before this moment are idle: `days` ago, or with a calendar the
    same wall-clock time `days` working days back."""
    if calendar is None:
        return now - timedelta(days=float(days))
    wall = now.astimezone(local)
    count = int(days)
    worked = working_days_around(calendar, wall.date(), count)
    earlier = worked[: bisect.bisect_left(worked, wall.date())]
    if len(earlier) < count:
        return now - timedelta(days=HORIZON_DAYS)
    back = earlier[-count] if count else wall.date()
    return datetime.combine(
        back, time(wall.hour, wall.minute, wall.second, wall.microsecond), local
    )


def last_tick(cron: str, now: datetime, local: zoneinfo.ZoneInfo) -> datetime:
    """The latest tick of a cron expression at or before `now`, read on the tenant's wall clock."""
    tick: datetime = croniter(cron, now.astimezone(local)).get_prev(datetime)
    return tick

"""The business calendar step timeouts count in: the tenant's default calendar, or the named one
(tenant settings); a name the settings no longer have falls back to the default, so a request
never gets stuck on a deleted calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.calendars import BusinessCalendar, add_business_time
from domain.errors import NotFound
from domain.tenant_settings import business_calendar


async def _calendar(name: str | None) -> BusinessCalendar:
    try:
        return await business_calendar(name)
    except NotFound:
        return await business_calendar(None)


async def known_calendar(name: str) -> bool:
    try:
        await business_calendar(name)
    except NotFound:
        return False
    return True


async def after_business_hours(
    start: datetime, hours: float, calendar: str | None = None
) -> datetime:
    """The moment `hours` of working time after `start` in the named calendar (None: the default)."""
    return add_business_time(await _calendar(calendar), start, timedelta(hours=hours))

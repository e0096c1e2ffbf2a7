"""The business calendar step timeouts count in. The tenant's calendars come from tenant settings
(domain/tenant_settings, another area): until they are available this is the one place that
stands in for them, with 24x7 in UTC, so business hours are calendar hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.calendars import BusinessCalendar, add_business_time


async def _calendar(name: str | None) -> BusinessCalendar:
    return BusinessCalendar.twenty_four_seven()


async def after_business_hours(start: datetime, hours: float, calendar: str | None = None) -> datetime:
    """The moment `hours` of working time after `start` in the named calendar (None: the default)."""
    return add_business_time(await _calendar(calendar), start, timedelta(hours=hours))

"""The business calendar an SLA clock runs on, from the tenant settings (domain/tenant_settings):
a policy names one of the tenant's calendars, `default` for the tenant's default calendar (24x7
in the tenant's zone when it has none), or nothing for 24x7."""

from __future__ import annotations

from domain.calendars import BusinessCalendar
from domain.errors import NotFound
from domain.tenant_settings import business_calendar

DEFAULT = "default"


async def calendar_named(name: str | None) -> BusinessCalendar:
    """The calendar `name` of the tenant (NotFound when it has none of that name); 24x7 for None."""
    if name is None:
        return BusinessCalendar.twenty_four_seven()
    try:
        return await business_calendar(name)
    except NotFound:
        if name == DEFAULT:  # a calendar the tenant named "default" comes first
            return await business_calendar(None)
        raise

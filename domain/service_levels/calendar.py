"""The business calendar an SLA clock runs on: a named calendar of the tenant settings, or 24x7.

The tenant settings (domain/tenant_settings, `business_calendar(name)`) are not on main yet: until
they are, every name is unknown and clocks without a calendar run 24x7 in UTC. This module is the
one place to switch to the real call."""

from __future__ import annotations

from domain.calendars import BusinessCalendar
from domain.errors import NotFound


async def calendar_named(name: str | None) -> BusinessCalendar:
    """The calendar `name` of the tenant (NotFound when it has none of that name); 24x7 for None."""
    if name is None:
        return BusinessCalendar.twenty_four_seven()
    raise NotFound(f"no business calendar named {name!r} in the tenant settings")

"""The tenant's settings: display name, time zone, default currency, locale, week start, default
phone region and business calendars. Every time-based feature reads its zone and calendars here.

    settings = await current_settings()      # the tenant in context; cached (see service.py)
    settings.zone()                          # zoneinfo.ZoneInfo of settings.time_zone
    await business_calendar()                # the default calendar, 24x7 in the tenant's zone if none
    await business_calendar("Support CN")    # a named one (NotFound if the name is unknown)
    await calendar_for_team(team_id)         # the calendar listing the team, else the default
    await calendar_for_region("CN-GD")       # the calendar listing the region (or its country), else the default

A tenant that never changed its settings has the defaults: its registered name, UTC, USD, "en",
weeks starting on Monday, no phone region, no calendar (24x7). `update_settings` (admins) changes
the fields the input names against the settings' version; validation reports every bad field at
once with its path (docs/service-levels.md)."""

from domain.tenant_settings.model import LOCALES, NamedCalendar, TenantSettings
from domain.tenant_settings.service import (
    business_calendar,
    calendar_for_region,
    calendar_for_team,
    current_settings,
    update_settings,
)

__all__ = [
    "LOCALES",
    "NamedCalendar",
    "TenantSettings",
    "business_calendar",
    "calendar_for_region",
    "calendar_for_team",
    "current_settings",
    "update_settings",
]

"""The tenant's settings as a frozen value, with the defaults a tenant has before it changes any."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from domain.calendars import BusinessCalendar

LOCALES = ("en", "zh-CN")
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_CURRENCY = "USD"
DEFAULT_LOCALE = "en"
MAX_NAMED_CALENDARS = 50
MAX_DISPLAY_NAME = 200
MAX_CALENDAR_NAME = 100


@dataclass(frozen=True)
class NamedCalendar:
    """A calendar other than the default, used by the teams and regions it lists (and by whatever
    names it, such as an SLA policy)."""

    name: str
    calendar: BusinessCalendar
    team_ids: tuple[uuid.UUID, ...] = ()
    regions: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 countries or ISO 3166-2 subdivisions


@dataclass(frozen=True)
class TenantSettings:
    display_name: str
    time_zone: str = DEFAULT_TIME_ZONE  # IANA name
    default_currency: str = DEFAULT_CURRENCY  # ISO 4217
    locale: str = DEFAULT_LOCALE  # one of LOCALES
    week_start: int = 0  # 0 = Monday ... 6 = Sunday, as date.weekday()
    phone_region: str | None = None  # ISO 3166-1 alpha-2: how national phone numbers are read
    default_calendar: BusinessCalendar | None = None  # None: every moment is working time
    calendars: tuple[NamedCalendar, ...] = ()
    version: int = 0  # 0: never changed (no row yet)
    updated_at: dt.datetime | None = None

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def named(self, name: str) -> NamedCalendar | None:
        return next((named for named in self.calendars if named.name == name), None)

    def calendar(self) -> BusinessCalendar:
        """The default calendar; 24x7 in the tenant's zone when none is defined."""
        return self.default_calendar or BusinessCalendar.twenty_four_seven(self.time_zone)

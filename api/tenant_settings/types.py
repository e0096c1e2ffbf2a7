"""GraphQL types of the tenant's settings; calendars travel in the JSON shape of domain/calendars."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from domain.calendars import calendar_to_dict
from domain.tenant_settings import NamedCalendar, TenantSettings


@strawberry.type(
    name="NamedCalendar",
    description="A business calendar other than the default, followed by the teams "
    "and regions it lists",
)
class NamedCalendarType:
    name: str
    calendar: JSON = strawberry.field(
        description='{"timeZone", "weeklyHours", "holidays", "extraWorkingDays"} '
        "(docs/service-levels.md)"
    )
    team_ids: list[relay.GlobalID]
    regions: list[str] = strawberry.field(
        description="ISO 3166 codes: countries (CN) or subdivisions (CN-GD)"
    )

    @classmethod
    def of(cls, named: NamedCalendar) -> NamedCalendarType:
        return cls(
            name=named.name,
            calendar=JSON(calendar_to_dict(named.calendar)),
            team_ids=[relay.GlobalID("Team", str(team)) for team in named.team_ids],
            regions=list(named.regions),
        )


@strawberry.type(
    name="TenantSettings",
    description="How the tenant works: its zone, currency, language and calendars",
)
class TenantSettingsType:
    display_name: str
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Asia/Shanghai")
    default_currency: str = strawberry.field(description="ISO 4217 code")
    locale: str = strawberry.field(
        description='Language of messages when the user has none: "en" or "zh-CN"'
    )
    week_start: int = strawberry.field(
        description="First day of the week: 0 = Monday ... 6 = Sunday"
    )
    phone_region: str | None = strawberry.field(
        description="ISO 3166 alpha-2 region in which national phone numbers "
        "are read (CN: 13800138000 is +8613800138000)"
    )
    default_calendar: JSON | None = strawberry.field(
        description="The default business calendar; null: every moment "
        "is working time (24x7 in the tenant's zone)"
    )
    calendars: list[NamedCalendarType]
    version: int = strawberry.field(
        description="Send it back with updates; 0 until the first change"
    )
    updated_at: datetime | None

    @classmethod
    def of(cls, settings: TenantSettings) -> TenantSettingsType:
        default = settings.default_calendar
        return cls(
            display_name=settings.display_name,
            time_zone=settings.time_zone,
            default_currency=settings.default_currency,
            locale=settings.locale,
            week_start=settings.week_start,
            phone_region=settings.phone_region,
            default_calendar=None if default is None else JSON(calendar_to_dict(default)),
            calendars=[NamedCalendarType.of(named) for named in settings.calendars],
            version=settings.version,
            updated_at=settings.updated_at,
        )

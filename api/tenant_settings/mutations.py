"""Changing the tenant's settings (admins; the right is in api/mutation_rights.py)."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from api.given import given_fields
from api.permissions import principal_of
from api.records.ids import decode_id
from api.tenant_settings.types import TenantSettingsType
from domain.errors import FieldError, InvalidInput
from domain.tenant_settings import update_settings


@strawberry.input
class NamedCalendarInput:
    name: str
    calendar: JSON = strawberry.field(
        description="A calendar; without timeZone it takes the tenant's"
    )
    team_ids: list[strawberry.ID] | None = None
    regions: list[str] | None = None


@strawberry.input
class UpdateTenantSettingsInput:
    version: int = strawberry.field(description="The version read; a stale one is a CONFLICT")
    display_name: str | None = UNSET
    time_zone: str | None = UNSET
    default_currency: str | None = UNSET
    locale: str | None = UNSET
    week_start: int | None = UNSET
    phone_region: str | None = strawberry.field(
        default=UNSET, description="null: numbers must be international"
    )
    default_calendar: JSON | None = strawberry.field(default=UNSET, description="null: 24x7")
    calendars: list[NamedCalendarInput] | None = strawberry.field(
        default=UNSET, description="Replaces the named calendars"
    )


_SCALARS = (
    "display_name",
    "time_zone",
    "default_currency",
    "locale",
    "week_start",
    "phone_region",
    "default_calendar",
)


def _team_id(value: str, where: str, errors: list[FieldError]) -> uuid.UUID | None:
    try:
        return decode_id(value, expected="Team", field=where)
    except InvalidInput as exc:
        errors += exc.field_errors
        return None


def _calendars(
    items: list[NamedCalendarInput] | None, errors: list[FieldError]
) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [
        {
            "name": item.name,
            "calendar": item.calendar,
            "regions": item.regions or [],
            "team_ids": [
                _team_id(t, f"calendars.{i}.teamIds.{j}", errors)
                for j, t in enumerate(item.team_ids or [])
            ],
        }
        for i, item in enumerate(items)
    ]


@strawberry.type
class TenantSettingsMutations:
    @strawberry.mutation(
        description="Change the tenant's settings (admins); fields left out stay as they are"
    )
    async def update_tenant_settings(
        self, info: Info, input: UpdateTenantSettingsInput
    ) -> TenantSettingsType:
        errors: list[FieldError] = []
        given = given_fields(input, {name: name for name in _SCALARS})
        if input.calendars is not UNSET:
            given["calendars"] = _calendars(input.calendars, errors)
        settings = await update_settings(
            principal=principal_of(info), version=input.version, input=given, errors=errors
        )
        return TenantSettingsType.of(settings)

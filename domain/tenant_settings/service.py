"""Reading the tenant's settings (cached per process against the row's version, read once per
transaction) and changing them (admins, against the version, one audit entry and one event)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from domain.calendars import BusinessCalendar, calendar_from_dict, calendar_to_dict
from domain.config_cache import VersionedCache
from domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.audit import record_events
from domain.records.rights import READ_ONLY
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.tenant_settings.model import NamedCalendar, TenantSettings
from domain.tenant_settings.validation import (
    check_calendar,
    check_named_calendars,
    check_scalars,
)
from tenants.context import current_tenant_id, tenant_connection, transaction_cache

# For the audit trail and the `TenantSettings.updated` event (record id: the tenant's id).
SETTINGS_SPEC = RecordSpec(
    record_type="TenantSettings",
    table="tenant_settings",
    fields=(
        FieldSpec("display_name", "display_name", Kind.TEXT),
        FieldSpec("time_zone", "time_zone", Kind.TEXT),
        FieldSpec("default_currency", "default_currency", Kind.TEXT),
        FieldSpec("locale", "locale", Kind.TEXT),
        FieldSpec("week_start", "week_start", Kind.INT),
        FieldSpec("phone_region", "phone_region", Kind.TEXT),
        FieldSpec("default_calendar", "default_calendar", Kind.JSON),
        FieldSpec("calendars", "calendars", Kind.JSON),
    ),
    owned=False,
    soft_delete=False,
    scope_area="admin",
    rights={role: READ_ONLY for role in Role},
)
_COLUMNS = tuple(f.column for f in SETTINGS_SPEC.fields)
_TRANSACTION_KEY = "tenant_settings"


async def _load() -> TenantSettings:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM tenant_settings WHERE tenant_id = $1", [current_tenant_id()]
    )
    if not rows:
        names = await tenant_connection().execute_query_dict(
            "SELECT name FROM tenant WHERE id = $1", [current_tenant_id()]
        )
        return TenantSettings(display_name=names[0]["name"] if names else "")
    return _settings(rows[0])


def _settings(row: dict[str, Any]) -> TenantSettings:
    default = _json(row["default_calendar"])
    return TenantSettings(
        display_name=row["display_name"],
        time_zone=row["time_zone"],
        default_currency=row["default_currency"],
        locale=row["locale"],
        week_start=row["week_start"],
        phone_region=row["phone_region"],
        default_calendar=None if default is None else calendar_from_dict(default),
        calendars=tuple(_named(item) for item in _json(row["calendars"]) or ()),
        version=row["version"],
        updated_at=row["updated_at"],
    )


def _json(value: Any) -> Any:
    return (
        json.loads(value) if isinstance(value, str) else value
    )  # asyncpg hands jsonb over as text


def _named(item: dict[str, Any]) -> NamedCalendar:
    return NamedCalendar(
        item["name"],
        calendar_from_dict(item["calendar"]),
        tuple(uuid.UUID(t) for t in item.get("teamIds", ())),
        tuple(item.get("regions", ())),
    )


_CACHE = VersionedCache(_load)


async def current_settings() -> TenantSettings:
    """The settings of the tenant in context: read once per transaction, parsed once per process
    and version (a probe of the row's version is all a warm process reads)."""
    cache = transaction_cache()
    settings = cache.get(_TRANSACTION_KEY)
    if settings is None:
        rows = await tenant_connection().execute_query_dict(
            "SELECT version FROM tenant_settings WHERE tenant_id = $1", [current_tenant_id()]
        )
        settings = await _CACHE.get(rows[0]["version"] if rows else 0)
        cache[_TRANSACTION_KEY] = settings
    assert isinstance(settings, TenantSettings)
    return settings


async def business_calendar(name: str | None = None) -> BusinessCalendar:
    """The tenant's default calendar (24x7 in the tenant's zone when none is defined), or the
    named one; NotFound for a name the settings do not have."""
    settings = await current_settings()
    if name is None:
        return settings.calendar()
    named = settings.named(name)
    if named is None:
        raise NotFound(f"no business calendar is named {name!r}")
    return named.calendar


async def calendar_for_team(team_id: uuid.UUID | None) -> BusinessCalendar:
    """The calendar that lists the team, else the default one."""
    settings = await current_settings()
    named = next((named for named in settings.calendars if team_id in named.team_ids), None)
    return named.calendar if named else settings.calendar()


async def calendar_for_region(region: str | None) -> BusinessCalendar:
    """The calendar that lists the region (a subdivision such as CN-GD, else its country), else the default."""
    settings = await current_settings()
    for code in (region, (region or "").split("-")[0]):
        named = next(
            (named for named in settings.calendars if code and code in named.regions), None
        )
        if named:
            return named.calendar
    return settings.calendar()


async def update_settings(
    *,
    principal: Principal,
    version: int,
    input: dict[str, Any],
    errors: list[FieldError] | None = None,
) -> TenantSettings:
    """Change the settings the input names (admins), against `version`. `errors` are the caller's
    own findings (ids it could not read), reported together with the domain's."""
    if not principal.has_role(Role.ADMIN):
        raise Forbidden("Only admins change the tenant's settings")
    errors = list(errors or [])
    before = await _locked_row()
    values = check_scalars(input, errors)
    time_zone = (before or {}).get("time_zone") or "UTC"
    if values.get("time_zone") and not any(e.field == "timeZone" for e in errors):
        time_zone = values[
            "time_zone"
        ]  # calendars without a zone of their own take the new one; a bad one is reported once
    if "default_calendar" in input:
        calendar = input["default_calendar"]
        parsed = (
            None
            if calendar is None
            else check_calendar(calendar, "defaultCalendar", time_zone, errors)
        )
        values["default_calendar"] = (
            None if parsed is None else json.dumps(calendar_to_dict(parsed))
        )
    if "calendars" in input:
        named = check_named_calendars(input["calendars"], time_zone, await _team_ids(), errors)
        values["calendars"] = json.dumps([_named_dict(item) for item in named])
    if errors:
        raise InvalidInput(errors, "Invalid tenant settings")
    current = before["version"] if before else 0
    if version != current:
        raise Conflict(
            f"The settings changed since version {version} (now {current}); read them again"
        )
    old = before or _row_of(await current_settings())
    changed = {
        column: value
        for column, value in values.items()
        if _comparable_in(column, old[column]) != _comparable_in(column, value)
    }
    if changed:
        await _write(before is not None, {**old, **changed}, current + 1)
        diff = {
            column: (_comparable_in(column, old[column]), _comparable_in(column, value))
            for column, value in changed.items()
        }
        await record_events(
            SETTINGS_SPEC, [(current_tenant_id(), "updated", diff)], actor_id=principal.user_id
        )
        transaction_cache().pop(_TRANSACTION_KEY, None)
    return await current_settings()


_JSON_COLUMNS = frozenset(SETTINGS_SPEC.json_columns)


def _comparable_in(column: str, value: Any) -> Any:
    return _json(value) if column in _JSON_COLUMNS else value


def _named_dict(named: NamedCalendar) -> dict[str, Any]:
    return {
        "name": named.name,
        "calendar": calendar_to_dict(named.calendar),
        "teamIds": [str(team) for team in named.team_ids],
        "regions": list(named.regions),
    }


def _row_of(settings: TenantSettings) -> dict[str, Any]:
    return {
        "display_name": settings.display_name,
        "time_zone": settings.time_zone,
        "default_currency": settings.default_currency,
        "locale": settings.locale,
        "week_start": settings.week_start,
        "phone_region": settings.phone_region,
        "default_calendar": None,
        "calendars": "[]",
    }


async def _locked_row() -> dict[str, Any] | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM tenant_settings WHERE tenant_id = $1 FOR UPDATE", [current_tenant_id()]
    )
    return rows[0] if rows else None


async def _team_ids() -> set[uuid.UUID]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM team WHERE tenant_id = $1 AND deleted_at IS NULL", [current_tenant_id()]
    )
    return {row["id"] for row in rows}


async def _write(exists: bool, row: dict[str, Any], version: int) -> None:
    values = [
        current_tenant_id(),
        *(row[column] for column in _COLUMNS),
        version,
        dt.datetime.now(dt.UTC),
    ]
    if exists:
        assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(_COLUMNS))
        n = len(_COLUMNS)
        await tenant_connection().execute_query(
            f"UPDATE tenant_settings SET {assignments}, version = ${n + 2}, updated_at = ${n + 3} WHERE tenant_id = $1",
            values,
        )
    else:
        placeholders = ", ".join(f"${i + 1}" for i in range(len(values)))
        inserted = await tenant_connection().execute_query_dict(
            f"INSERT INTO tenant_settings (tenant_id, {', '.join(_COLUMNS)}, version, updated_at) VALUES ({placeholders}) "
            "ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id",
            values,
        )
        if (
            not inserted
        ):  # another first update committed meanwhile: ours was against a stale version
            raise Conflict("The settings changed since version 0 (now 1); read them again")

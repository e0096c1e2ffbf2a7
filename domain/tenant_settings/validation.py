"""Checking a settings change: every bad field reported at once, with its path in the input's
(GraphQL) shape: `timeZone`, `calendars.1.calendar.weeklyHours.monday.0`, `calendars.0.regions.2`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import phonenumbers
import pycountry

from domain.calendars import BusinessCalendar, calendar_from_dict
from domain.calendars.model import time_zone_errors
from domain.errors import FieldError, InvalidInput
from domain.records.currencies import CURRENCY_MESSAGE, is_currency
from domain.tenant_settings.model import (
    LOCALES,
    MAX_CALENDAR_NAME,
    MAX_DISPLAY_NAME,
    MAX_NAMED_CALENDARS,
    NamedCalendar,
)

PHONE_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


def check_text(value: object, where: str, max_length: int, errors: list[FieldError]) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    if not text or len(text) > max_length:
        errors.append(FieldError(where, "LENGTH", f"1 to {max_length} characters"))
        return None
    if "\x00" in text:
        errors.append(FieldError(where, "INVALID_TEXT", "must not contain NUL characters"))
        return None
    return text


def check_scalars(given: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """The plain settings the input carries, as column values."""
    values: dict[str, Any] = {}
    if "display_name" in given:
        values["display_name"] = check_text(
            given["display_name"], "displayName", MAX_DISPLAY_NAME, errors
        )
    if "time_zone" in given:
        zone = given["time_zone"]
        errors += time_zone_errors(zone if isinstance(zone, str) else "")
        values["time_zone"] = zone
    if "default_currency" in given:
        if not is_currency(given["default_currency"]):
            errors.append(FieldError("defaultCurrency", "INVALID_CURRENCY", CURRENCY_MESSAGE))
        values["default_currency"] = given["default_currency"]
    if "locale" in given:
        if given["locale"] not in LOCALES:
            errors.append(FieldError("locale", "INVALID_CHOICE", f"one of {', '.join(LOCALES)}"))
        values["locale"] = given["locale"]
    if "week_start" in given:
        day = given["week_start"]
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            errors.append(FieldError("weekStart", "OUT_OF_RANGE", "0 (Monday) to 6 (Sunday)"))
        values["week_start"] = day
    if "phone_region" in given:
        region = given["phone_region"]
        if region is not None and region not in PHONE_REGIONS:
            errors.append(
                FieldError(
                    "phoneRegion",
                    "INVALID_REGION",
                    "an ISO 3166 alpha-2 region code such as CN or US",
                )
            )
        values["phone_region"] = region
    for required in ("display_name", "time_zone", "default_currency", "locale", "week_start"):
        if (
            required in given
            and given[required] is None
            and not any(e.field == _path(required) for e in errors)
        ):
            errors.append(FieldError(_path(required), "REQUIRED", "cannot be cleared"))
    return values


def _path(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check_calendar(
    data: object, where: str, time_zone: str, errors: list[FieldError]
) -> BusinessCalendar | None:
    """A calendar in the dict shape of domain/calendars; without a timeZone it takes the tenant's."""
    if isinstance(data, Mapping) and "timeZone" not in data:
        data = {**data, "timeZone": time_zone}
    try:
        return calendar_from_dict(data)
    except InvalidInput as exc:
        errors += [
            FieldError(f"{where}.{e.field}" if e.field else where, e.code, e.message)
            for e in exc.field_errors
        ]
        return None


def is_region(code: object) -> bool:
    """An ISO 3166-1 alpha-2 country (CN) or an ISO 3166-2 subdivision (CN-GD)."""
    if not isinstance(code, str) or code != code.upper():
        return False
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code) is not None
    return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]


def check_named_calendars(
    items: object, time_zone: str, known_teams: set[uuid.UUID], errors: list[FieldError]
) -> tuple[NamedCalendar, ...]:
    """Named calendars: unique names, each team and each region in at most one calendar."""
    if not isinstance(items, list):
        errors.append(FieldError("calendars", "INVALID_TYPE", "a list of calendars"))
        return ()
    if len(items) > MAX_NAMED_CALENDARS:
        errors.append(
            FieldError("calendars", "TOO_MANY", f"at most {MAX_NAMED_CALENDARS} named calendars")
        )
        return ()
    named: list[NamedCalendar] = []
    names: set[str] = set()
    teams: set[uuid.UUID] = set()
    regions: set[str] = set()
    for index, item in enumerate(items):
        where = f"calendars.{index}"
        if not isinstance(item, Mapping):
            errors.append(FieldError(where, "INVALID_TYPE", "a calendar with a name"))
            continue
        before = len(errors)
        name = check_text(item.get("name"), f"{where}.name", MAX_CALENDAR_NAME, errors)
        if name is not None and name in names:
            errors.append(
                FieldError(f"{where}.name", "DUPLICATE_NAME", f"another calendar is named {name!r}")
            )
        names.add(name or "")
        calendar = check_calendar(item.get("calendar"), f"{where}.calendar", time_zone, errors)
        for position, team_id in enumerate(item.get("team_ids") or ()):
            path = f"{where}.teamIds.{position}"
            if team_id is None:  # an id the caller could not even spell; reported where it was read
                continue
            if team_id not in known_teams:
                errors.append(
                    FieldError(path, "UNKNOWN_TEAM", "the id of one of the tenant's teams")
                )
            elif team_id in teams:
                errors.append(FieldError(path, "DUPLICATE_TEAM", "a team follows one calendar"))
            teams.add(team_id)
        for position, region in enumerate(item.get("regions") or ()):
            path = f"{where}.regions.{position}"
            if not is_region(region):
                errors.append(
                    FieldError(path, "INVALID_REGION", "an ISO 3166 code such as CN or CN-GD")
                )
            elif region in regions:
                errors.append(FieldError(path, "DUPLICATE_REGION", "a region follows one calendar"))
            regions.add(region)
        if len(errors) == before and name is not None and calendar is not None:
            named.append(
                NamedCalendar(
                    name,
                    calendar,
                    tuple(dict.fromkeys(item.get("team_ids") or ())),
                    tuple(dict.fromkeys(item.get("regions") or ())),
                )
            )
    return tuple(named)

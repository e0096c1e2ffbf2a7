"""What the caller may know about themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import FieldError, InvalidInput, Unauthenticated
from domain.i18n.choice import set_user_locale
from domain.identity.principal import Principal
from tenants.context import tenant_connection

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Profile:
    user_id: uuid.UUID
    email: str
    name: str
    tenant_id: uuid.UUID
    tenant_slug: str
    tenant_name: str
    locale: str | None = (
        None  # the user's own language of messages; None follows the request and tenant
    )
    time_zone: str | None = None  # an IANA zone ("Europe/Paris"); None: the tenant's


async def get_profile(*, principal: Principal) -> Profile:
    """The calling user and the tenant their credential belongs to, in one query."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT u.email, u.name, u.locale, u.time_zone, t.slug, t.name AS tenant_name FROM app_user u, tenant t "
        "WHERE u.id = $1 AND t.id = $2",
        [principal.user_id, principal.tenant_id],
    )
    if not rows:
        raise Unauthenticated("Token is no longer valid")
    row = rows[0]
    return Profile(
        user_id=principal.user_id,
        email=row["email"],
        name=row["name"],
        tenant_id=principal.tenant_id,
        tenant_slug=row["slug"],
        tenant_name=row["tenant_name"],
        locale=row["locale"],
        time_zone=row["time_zone"],
    )


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


async def update_profile(*, principal: Principal, changes: dict[str, Any]) -> None:
    """Change the caller's own name, time zone and locale (only the keys given; None clears the
    time zone or locale). Users are global: the profile is the same in every tenant."""
    errors: list[FieldError] = []
    name = changes.get("name")
    if "name" in changes:
        if name is None or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
            errors.append(
                FieldError("name", "LENGTH", f"name must be 1-{MAX_NAME_LENGTH} characters")
            )
    zone = changes.get("time_zone")
    if zone is not None and (len(zone) > 64 or not _valid_zone(zone)):
        errors.append(
            FieldError("timeZone", "INVALID_CHOICE", "an IANA time zone, e.g. Europe/Paris")
        )
    if errors:
        raise InvalidInput(errors)
    conn = tenant_connection()
    if "name" in changes:
        assert name is not None  # checked above
        await conn.execute_query(
            "UPDATE app_user SET name = $2, updated_at = now() WHERE id = $1",
            [principal.user_id, name.strip()],
        )
    if "time_zone" in changes:
        await conn.execute_query(
            "UPDATE app_user SET time_zone = $2, updated_at = now() WHERE id = $1",
            [principal.user_id, zone],
        )
    if "locale" in changes:
        await set_user_locale(principal=principal, locale=changes["locale"])

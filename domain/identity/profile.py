"""What the caller may know about themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.errors import Unauthenticated
from domain.identity.principal import Principal
from tenants.context import tenant_connection


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


async def get_profile(*, principal: Principal) -> Profile:
    """The calling user and the tenant their credential belongs to, in one query."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT u.email, u.name, u.locale, t.slug, t.name AS tenant_name FROM app_user u, tenant t "
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
    )

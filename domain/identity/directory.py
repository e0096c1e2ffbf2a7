"""Looking up the tenant's members by id (owners, managers, actors shown next to records)."""

from __future__ import annotations

import uuid
from typing import Any

from tenants.context import current_tenant_id, tenant_connection


async def users_by_id(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Members of the current tenant among `user_ids`, with their role here (one query)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT u.id, u.email, u.name, m.role FROM membership m JOIN app_user u ON u.id = m.user_id "
        "WHERE m.tenant_id = $1 AND m.user_id = ANY($2::uuid[])",
        [current_tenant_id(), user_ids],
    )
    return {row["id"]: row for row in rows}


MAX_MEMBERS_PAGE = 500


async def list_members(
    *, search: str | None = None, role: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The tenant's active members by name (who gets notified, who may be assigned); `search`
    matches the start of the name or email, case-insensitively."""
    conditions = ["m.tenant_id = $1", "m.status = 'active'"]
    params: list[Any] = [current_tenant_id()]
    if search:
        params.append(
            search.strip().lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            + "%"
        )
        conditions.append(
            f"(lower(u.name) LIKE ${len(params)} OR lower(u.email) LIKE ${len(params)})"
        )
    if role:
        params.append(role)
        conditions.append(f"m.role = ${len(params)}")
    params.append(max(1, min(limit, MAX_MEMBERS_PAGE)))
    return await tenant_connection().execute_query_dict(
        "SELECT u.id, u.email, u.name, m.role FROM membership m JOIN app_user u ON u.id = m.user_id "
        f"WHERE {' AND '.join(conditions)} ORDER BY lower(u.name), u.id LIMIT ${len(params)}",
        params,
    )

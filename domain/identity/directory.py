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

"""Who approves a step of a request: the step's approver kinds resolved against the record and the
tenant's people when the step starts. A user's managers are the managers of the teams the user is
a member of (not counting teams the user manages); the manager chain goes up from there."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.targets import owner_field
from tenants.context import current_tenant_id, tenant_connection


async def managers_of(users: list[uuid.UUID]) -> list[uuid.UUID]:
    """The managers of the users' teams, in a stable order (one query)."""
    if not users:
        return []
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT t.manager_id FROM team t JOIN team_member m ON m.tenant_id = t.tenant_id AND m.team_id = t.id "
        "WHERE t.tenant_id = $1 AND m.user_id = ANY($2::uuid[]) AND t.deleted_at IS NULL AND t.manager_id IS NOT NULL "
        "AND t.manager_id <> m.user_id ORDER BY t.manager_id",
        [current_tenant_id(), users],
    )
    return [row["manager_id"] for row in rows]


async def manager_chain(user: uuid.UUID, levels: int) -> list[uuid.UUID]:
    """The managers of `user` up to `levels` levels, nearest first; a cycle in the org stops it."""
    seen, chain, current = {user}, [], [user]
    for _ in range(levels):
        current = [m for m in await managers_of(current) if m not in seen]
        if not current:
            break
        seen.update(current)
        chain += current
    return chain


async def resolve(
    step: dict[str, Any], record_type: str, values: dict[str, Any]
) -> list[uuid.UUID]:
    """The step's approvers for a record with `values`, members of the tenant only, each once,
    in the order the step names them."""
    found: list[uuid.UUID] = []
    owner = values.get(owner_field(record_type))
    owner_id = uuid.UUID(str(owner)) if owner else None
    conn = tenant_connection()
    for approver in step["approvers"]:
        kind = approver["kind"]
        if kind == "USERS":
            found += [uuid.UUID(str(u)) for u in approver["userIds"]]
        elif kind == "ROLE":
            rows = await conn.execute_query_dict(
                "SELECT user_id FROM membership WHERE tenant_id = $1 AND role = $2 ORDER BY created_at, user_id",
                [current_tenant_id(), approver["role"]],
            )
            found += [row["user_id"] for row in rows]
        elif kind == "TEAM":
            rows = await conn.execute_query_dict(
                "SELECT m.user_id FROM team_member m JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id "
                "WHERE m.tenant_id = $1 AND m.team_id = $2::uuid AND t.deleted_at IS NULL ORDER BY m.user_id",
                [current_tenant_id(), str(approver["teamId"])],
            )
            found += [row["user_id"] for row in rows]
        elif kind == "OWNER_MANAGER" and owner_id:
            found += await managers_of([owner_id])
        elif kind == "MANAGER_CHAIN" and owner_id:
            found += await manager_chain(owner_id, approver["levels"])
        elif kind == "USER_FIELD" and values.get(approver["field"]):
            try:
                found.append(uuid.UUID(str(values[approver["field"]])))
            except ValueError:
                continue
    return await _members(list(dict.fromkeys(found)))


async def _members(users: list[uuid.UUID]) -> list[uuid.UUID]:
    if not users:
        return []
    rows = await tenant_connection().execute_query_dict(
        "SELECT user_id FROM membership WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])",
        [current_tenant_id(), users],
    )
    members = {row["user_id"] for row in rows}
    return [u for u in users if u in members]


async def admins() -> list[uuid.UUID]:
    """The tenant's admins: who a step falls back to when its approvers are nobody any more."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT user_id FROM membership WHERE tenant_id = $1 AND role = 'admin' ORDER BY created_at, user_id",
        [current_tenant_id()],
    )
    return [row["user_id"] for row in rows]

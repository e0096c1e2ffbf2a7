"""The tenant's members as admins manage them: the list with each member's status, role changes,
deactivation and reactivation. The tenant always keeps an active admin."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from enum import Enum
from typing import Any

from domain.errors import InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.identity.sessions import revoke_member_sessions
from domain.records.listing import Listing
from tenants.context import current_tenant_id, tenant_connection


class MemberStatus(str, Enum):
    INVITED = "invited"  # has a pending invitation link, cannot sign in yet
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # every session and API token stopped; can be reactivated


MEMBER_SELECT = (
    "SELECT u.id, u.email, u.name, u.time_zone, u.locale, m.role, m.status, m.created_at, "
    "m.invited_at, m.deactivated_at FROM membership m JOIN app_user u ON u.id = m.user_id "
)
LAST_ADMIN = "LAST_ADMIN"


def _encode(row: dict[str, Any]) -> str:
    raw = json.dumps([row["name"].lower(), str(row["id"])]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str, field: str) -> tuple[str, uuid.UUID]:
    try:
        name, user_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(name), uuid.UUID(user_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput.single(field, "INVALID_CURSOR", "not a cursor of this list") from exc


async def list_members_page(
    *,
    principal: Principal,
    search: str | None = None,
    role: Role | None = None,
    statuses: list[MemberStatus] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Listing:
    """Members by name, paged both ways. Only admins see invited and deactivated members; every
    other caller sees the active ones (the people records can be assigned to)."""
    if not principal.has_role(Role.ADMIN):
        statuses = [MemberStatus.ACTIVE]
    conditions = ["m.tenant_id = $1"]
    params: list[Any] = [current_tenant_id()]

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    if search and search.strip():
        pattern = (
            search.strip().lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            + "%"
        )
        p = param(pattern)
        conditions.append(f"(lower(u.name) LIKE {p} OR lower(u.email) LIKE {p})")
    if role is not None:
        conditions.append(f"m.role = {param(role.value)}")
    if statuses:
        conditions.append(f"m.status = ANY({param([s.value for s in statuses])}::text[])")
    filtered = list(conditions)
    filtered_params = list(params)
    backward = last is not None and first is None
    size = (last if backward else first) or 50
    if after:
        name, user_id = _decode(after, "after")
        conditions.append(f"(lower(u.name), u.id) > ({param(name)}, {param(user_id)})")
    if before:
        name, user_id = _decode(before, "before")
        conditions.append(f"(lower(u.name), u.id) < ({param(name)}, {param(user_id)})")
    direction = "DESC" if backward else "ASC"
    rows = await tenant_connection().execute_query_dict(
        f"{MEMBER_SELECT} WHERE {' AND '.join(conditions)} "
        f"ORDER BY lower(u.name) {direction}, u.id {direction} LIMIT {param(size + 1)}",
        params,
    )
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()

    async def count() -> int:
        found = await tenant_connection().execute_query_dict(
            "SELECT count(*) AS n FROM membership m JOIN app_user u ON u.id = m.user_id "
            f"WHERE {' AND '.join(filtered)}",
            filtered_params,
        )
        return int(found[0]["n"])

    return Listing(
        rows=rows,
        cursor=_encode,
        has_next=more if not backward else before is not None,
        has_previous=more if backward else after is not None,
        count=count,
    )


async def get_members(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Members of the current tenant among `user_ids`, with their status (one query)."""
    rows = await tenant_connection().execute_query_dict(
        f"{MEMBER_SELECT} WHERE m.tenant_id = $1 AND m.user_id = ANY($2::uuid[])",
        [current_tenant_id(), user_ids],
    )
    return {row["id"]: row for row in rows}


async def get_member(user_id: uuid.UUID) -> dict[str, Any]:
    found = (await get_members([user_id])).get(user_id)
    if found is None:
        raise NotFound("Member not found")
    return found


async def _lock_members() -> None:
    """Serialise changes to the tenant's admins: two admins demoting each other at the same moment
    must not both succeed. The lock is the transaction's; the next statement sees what the other
    committed (READ COMMITTED takes a fresh snapshot per statement)."""
    await tenant_connection().execute_query(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        [f"tessera.members:{current_tenant_id()}"],
    )


async def _ensure_another_admin(user_id: uuid.UUID, field: str) -> None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT count(*) AS n FROM membership WHERE tenant_id = $1 AND role = 'admin' "
        "AND status = 'active' AND user_id <> $2",
        [current_tenant_id(), user_id],
    )
    if int(rows[0]["n"]) == 0:
        raise InvalidInput.single(
            field, LAST_ADMIN, "The tenant's last active admin cannot be demoted or deactivated"
        )


def _is_active_admin(member: dict[str, Any]) -> bool:
    return bool(member["role"] == Role.ADMIN.value and member["status"] == "active")


async def change_member_role(*, user_id: uuid.UUID, role: Role) -> dict[str, Any]:
    """Give a member another role; the last active admin keeps theirs."""
    await _lock_members()
    member = await get_member(user_id)
    if _is_active_admin(member) and role is not Role.ADMIN:
        await _ensure_another_admin(user_id, "role")
    await tenant_connection().execute_query(
        "UPDATE membership SET role = $3 WHERE tenant_id = $1 AND user_id = $2",
        [current_tenant_id(), user_id, role.value],
    )
    return await get_member(user_id)


async def deactivate_member(*, user_id: uuid.UUID) -> dict[str, Any]:
    """Stop a member at once: their sessions end and their API tokens are revoked (a request made
    with either fails from the next one on); pending links die. Records they own stay theirs."""
    await _lock_members()
    member = await get_member(user_id)
    if member["status"] == MemberStatus.DEACTIVATED.value:
        return member
    if _is_active_admin(member):
        await _ensure_another_admin(user_id, "id")
    conn = tenant_connection()
    tenant_id = current_tenant_id()
    await conn.execute_query(
        "UPDATE membership SET status = 'deactivated', deactivated_at = now() "
        "WHERE tenant_id = $1 AND user_id = $2",
        [tenant_id, user_id],
    )
    await revoke_member_sessions(user_id=user_id, reason="member deactivated")
    await conn.execute_query(
        "UPDATE api_token SET revoked_at = now() "
        "WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
        [tenant_id, user_id],
    )
    await conn.execute_query(
        "UPDATE account_link SET used_at = now() "
        "WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL",
        [tenant_id, user_id],
    )
    return await get_member(user_id)


async def reactivate_member(*, user_id: uuid.UUID) -> dict[str, Any]:
    """Let a deactivated member sign in again (with new sessions; old ones and tokens stay ended).
    A member who never accepted their invitation is invited again instead."""
    member = await get_member(user_id)
    if member["status"] != MemberStatus.DEACTIVATED.value:
        return member
    status = "active" if await _has_password(user_id) else "invited"
    await tenant_connection().execute_query(
        "UPDATE membership SET status = $3, deactivated_at = NULL "
        "WHERE tenant_id = $1 AND user_id = $2",
        [current_tenant_id(), user_id, status],
    )
    return await get_member(user_id)


async def _has_password(user_id: uuid.UUID) -> bool:
    rows = await tenant_connection().execute_query_dict(
        "SELECT password_hash IS NOT NULL AS has FROM app_user WHERE id = $1", [user_id]
    )
    return bool(rows and rows[0]["has"])

"""Standing delegation: a user hands their approvals to another for a stretch of time (out of
office). The delegate may decide the delegator's tasks during it; the decision records both
("approved by X on behalf of Y"). Delegation is not transitive: a delegate's own delegate does not
inherit the delegator's work."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.by_ids import rows_by_ids
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_DAYS = 366


async def create_delegation(
    *,
    principal: Principal,
    delegate_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    delegator_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The caller's own delegation (admins may set one up for someone else)."""
    delegator = delegator_id or principal.user_id
    if delegator != principal.user_id and not principal.has_role(Role.ADMIN):
        raise Forbidden("Only admins set up delegations for someone else")
    errors = []
    if delegate_id == delegator:
        errors.append(FieldError("delegateId", "SELF", "delegate to someone else"))
    if ends_at <= starts_at:
        errors.append(FieldError("endsAt", "OUT_OF_RANGE", "after startsAt"))
    elif (ends_at - starts_at).days > MAX_DAYS:
        errors.append(
            FieldError("endsAt", "OUT_OF_RANGE", f"at most {MAX_DAYS} days after startsAt")
        )
    members = await tenant_connection().execute_query_dict(
        "SELECT user_id FROM membership WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])",
        [current_tenant_id(), [delegate_id, delegator]],
    )
    found = {row["user_id"] for row in members}
    if delegate_id not in found:
        errors.append(FieldError("delegateId", "NOT_FOUND", "no such member"))
    if delegator not in found:
        errors.append(FieldError("delegatorId", "NOT_FOUND", "no such member"))
    if errors:
        raise InvalidInput(errors)
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO approval_delegation (tenant_id, id, delegator_id, delegate_id, starts_at, ends_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        [current_tenant_id(), new_id(), delegator, delegate_id, starts_at, ends_at],
    )
    return rows[0]


async def revoke_delegation(*, principal: Principal, delegation_id: uuid.UUID) -> dict[str, Any]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_delegation WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        [current_tenant_id(), delegation_id],
    )
    if not rows or (
        rows[0]["delegator_id"] != principal.user_id and not principal.has_role(Role.ADMIN)
    ):
        raise NotFound("delegation not found")
    updated = await tenant_connection().execute_query_dict(
        "UPDATE approval_delegation SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2 RETURNING *",
        [current_tenant_id(), delegation_id],
    )
    return updated[0]


async def delegations_of(*, principal: Principal) -> list[dict[str, Any]]:
    """Delegations the caller gave or received, not revoked, newest first."""
    return await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_delegation WHERE tenant_id = $1 AND revoked_at IS NULL AND (delegator_id = $2 OR delegate_id = $2) "
        "ORDER BY starts_at DESC, id LIMIT 200",
        [current_tenant_id(), principal.user_id],
    )


async def delegators_of(user_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
    """Whose approvals `user_id` may decide at `at`."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT delegator_id FROM approval_delegation WHERE tenant_id = $1 AND delegate_id = $2 AND revoked_at IS NULL "
        "AND starts_at <= $3 AND ends_at > $3",
        [current_tenant_id(), user_id, at],
    )
    return [row["delegator_id"] for row in rows]


async def delegates_of(user_ids: list[uuid.UUID], at: datetime) -> list[uuid.UUID]:
    """Who decides for `user_ids` at `at` (they are notified too)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT delegate_id FROM approval_delegation WHERE tenant_id = $1 AND delegator_id = ANY($2::uuid[]) "
        "AND revoked_at IS NULL AND starts_at <= $3 AND ends_at > $3",
        [current_tenant_id(), user_ids, at],
    )
    return [row["delegate_id"] for row in rows]


async def delegations_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The delegations among `ids` the caller gave or received, by id (revoked ones too)."""
    return await rows_by_ids(
        "approval_delegation",
        ids,
        where="delegator_id = $3 OR delegate_id = $3",
        params=[principal.user_id],
    )

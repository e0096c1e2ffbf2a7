"""What automations did: the run log (admins and managers) and each user's notifications."""

from __future__ import annotations

import json
import uuid
from typing import Any

from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.by_ids import rows_by_ids
from domain.records.rights import READ_ONLY, Action, Rights, require
from tenants.context import current_tenant_id, tenant_connection

MAX_PAGE = 200
# Runs show what rules did to any record of the tenant (values included), whoever may see it: only
# the roles that write rules read them. Rules act on every record with full rights, so a rule's
# author can reach any record anyway; the others would see past their record visibility.
RUN_LOG_RIGHTS: Rights = {Role.ADMIN: READ_ONLY, Role.MANAGER: READ_ONLY}


async def list_runs(
    *,
    principal: Principal,
    rule_id: uuid.UUID | None = None,
    status: str | None = None,
    record_id: uuid.UUID | None = None,
    first: int = 50,
) -> list[dict[str, Any]]:
    """The newest runs first, optionally of one rule, status or record."""
    require(principal, "AutomationRun", "admin", RUN_LOG_RIGHTS, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_run WHERE tenant_id = $1 AND ($2::uuid IS NULL OR rule_id = $2) "
        "AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR record_id = $4) "
        "ORDER BY started_at DESC, id DESC LIMIT $5",
        [current_tenant_id(), rule_id, status, record_id, min(first, MAX_PAGE)],
    )
    return [_decoded_run(row) for row in rows]


async def notifications_of(
    *, principal: Principal, unread_only: bool = False, first: int = 50
) -> list[dict[str, Any]]:
    """The caller's own notifications, newest first."""
    return await tenant_connection().execute_query_dict(
        "SELECT * FROM notification WHERE tenant_id = $1 AND user_id = $2 AND (NOT $3 OR read_at IS NULL) "
        "ORDER BY created_at DESC, id DESC LIMIT $4",
        [current_tenant_id(), principal.user_id, unread_only, min(first, MAX_PAGE)],
    )


async def mark_read(*, principal: Principal, ids: list[uuid.UUID] | None) -> int:
    """Mark the caller's notifications read (all when `ids` is None); returns how many changed."""
    rows = await tenant_connection().execute_query_dict(
        "UPDATE notification SET read_at = now() WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL "
        "AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[])) RETURNING id",
        [current_tenant_id(), principal.user_id, ids],
    )
    return len(rows)


async def runs_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The runs among `ids`, by id, for those who may read the run log."""
    require(principal, "AutomationRun", "admin", RUN_LOG_RIGHTS, Action.READ)
    return await rows_by_ids("automation_run", ids, decode=_decoded_run)


async def notifications_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The caller's own notifications among `ids`, by id (nobody reads another's)."""
    return await rows_by_ids("notification", ids, where="user_id = $3", params=[principal.user_id])


def _decoded_run(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "steps": json.loads(row["steps"]) if isinstance(row["steps"], str) else row["steps"],
    }

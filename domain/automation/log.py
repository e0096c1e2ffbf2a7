"""What automations did: the run log (admins and managers) and each user's notifications."""

from __future__ import annotations

import uuid
from typing import Any

from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.by_ids import rows_by_ids, spec_rows_by_ids
from domain.records.filters import Condition, Op
from domain.records.listing import Listing, list_records
from domain.records.ordering import Order
from domain.records.rights import READ_ONLY, Rights
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection

# Runs show what rules did to any record of the tenant (values included), whoever may see it: only
# the roles that write rules read them. Rules act on every record with full rights, so a rule's
# author can reach any record anyway; the others would see past their record visibility.
RUN_LOG_RIGHTS: Rights = {Role.ADMIN: READ_ONLY, Role.MANAGER: READ_ONLY}

# The run log and the notifications as lists pages them (keyset pages both ways), newest first.
RUN_SPEC = RecordSpec(
    record_type="AutomationRun",
    table="automation_run",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("rule_id", "rule_id", Kind.UUID),
        FieldSpec("rule_version", "rule_version", Kind.INT),
        FieldSpec("event_id", "event_id", Kind.UUID),
        FieldSpec("record_type", "record_type", Kind.TEXT),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("status", "status", Kind.TEXT),
        FieldSpec("attempts", "attempts", Kind.INT),
        FieldSpec("reason", "reason", Kind.TEXT),
        FieldSpec("steps", "steps", Kind.JSON, filterable=False),
        FieldSpec("depth", "depth", Kind.INT),
        FieldSpec("started_at", "started_at", Kind.DATETIME, sortable=True),
        FieldSpec("finished_at", "finished_at", Kind.DATETIME),
    ),
    owned=False,
    soft_delete=False,
    scope_area="admin",
    default_sort="started_at",
    rights=RUN_LOG_RIGHTS,
)
NOTIFICATION_SPEC = RecordSpec(
    record_type="Notification",
    table="notification",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("user_id", "user_id", Kind.UUID),
        FieldSpec("title", "title", Kind.TEXT),
        FieldSpec("body", "body", Kind.TEXT),
        FieldSpec("record_type", "record_type", Kind.TEXT),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("rule_id", "rule_id", Kind.UUID),
        FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
        FieldSpec("read_at", "read_at", Kind.DATETIME),
    ),
    owned=False,
    soft_delete=False,
    # Everyone reads their own (the list is pinned to the caller), whatever the token's scopes.
    scope_area=None,
    rights={role: READ_ONLY for role in Role},
)
NEWEST_FIRST = [Order("started_at", descending=True)]


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
    return await spec_rows_by_ids(RUN_SPEC, ids, principal=principal)


async def notifications_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The caller's own notifications among `ids`, by id (nobody reads another's)."""
    return await rows_by_ids("notification", ids, where="user_id = $3", params=[principal.user_id])


async def page_runs(
    *,
    principal: Principal,
    rule_id: uuid.UUID | None = None,
    status: str | None = None,
    record_id: uuid.UUID | None = None,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the run log, newest first, optionally of one rule, status or record."""
    scope = {
        column: value
        for column, value in (("rule_id", rule_id), ("status", status), ("record_id", record_id))
        if value is not None
    }
    return await list_records(
        RUN_SPEC,
        principal=principal,
        order=NEWEST_FIRST,
        scope=scope,
        first=first,
        after=after,
        before=before,
        backward=backward,
    )


async def page_notifications(
    *,
    principal: Principal,
    unread_only: bool = False,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the caller's own notifications, newest first."""
    return await list_records(
        NOTIFICATION_SPEC,
        principal=principal,
        filter=Condition("read_at", Op.IS_NULL, True) if unread_only else None,
        order=[Order("created_at", descending=True)],
        scope={"user_id": principal.user_id},
        first=first,
        after=after,
        before=before,
        backward=backward,
    )

"""Activities (notes, calls, emails, meetings, tasks) on any record, forming its timeline."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from domain.crm.tickets import ticket_replied
from domain.errors import InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.listing import get_records
from domain.records.rights import ALL, READ_ONLY, READ_WRITE, Action
from domain.records.spec import COMMON_FIELDS, OWNERSHIP_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.validation import Checker
from domain.records.writes import check_version, lock_record, update_record
from tenants.context import current_tenant_id, tenant_connection

KINDS = frozenset({"NOTE", "CALL", "EMAIL", "MEETING", "TASK"})
# Records that keep a last-activity time (used by "idle for N days" automations).
TRACKS_LAST_ACTIVITY = {"Lead": "lead", "Customer": "customer", "Opportunity": "opportunity"}

ACTIVITY_SPEC = RecordSpec(
    record_type="Activity",
    table="activity",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("kind", "kind", Kind.TEXT, sortable=True),
        FieldSpec("subject", "subject", Kind.TEXT, sortable=True),
        FieldSpec("body", "body", Kind.TEXT, filterable=False),
        FieldSpec("record_type", "record_type", Kind.TEXT),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("occurred_at", "occurred_at", Kind.DATETIME, sortable=True),
        FieldSpec("due_at", "due_at", Kind.DATETIME, sortable=True),
        FieldSpec("done_at", "done_at", Kind.DATETIME, sortable=True),
    ),
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_WRITE,
        Role.AGENT: READ_WRITE,
        Role.VIEWER: READ_ONLY,
    },
    default_sort="occurred_at",
)


def validate_activity(check: Checker) -> None:
    check.text("kind", required=True, choices=KINDS)
    check.text("subject", required=True, max_length=300)
    check.text("body", max_length=50_000)
    check.datetime("occurred_at")
    check.datetime("due_at")
    check.reference("owner_id")
    check.reference("team_id")


async def log_activity(
    *, principal: Principal, target: RecordSpec, record_id: Any, values: dict[str, Any]
) -> dict[str, Any]:
    """Add an activity to a record the caller can see; the record's last activity moves forward."""
    ACTIVITY_SPEC.require(principal, Action.CREATE)
    if not await get_records(target, [record_id], principal=principal):
        raise NotFound(f"{target.record_type} not found")
    if values.get("kind") != "TASK" and values.get("due_at") is not None:
        raise InvalidInput.single("due_at", "NOT_A_TASK", "only tasks have a due date")

    def validate(check: Checker) -> None:
        validate_activity(check)
        check.values["record_type"] = target.record_type
        check.values["record_id"] = record_id

    row = (await service.create(ACTIVITY_SPEC, [values], principal=principal, validate=validate))[0]
    table = TRACKS_LAST_ACTIVITY.get(target.record_type)
    if table:
        await tenant_connection().execute_query(
            f"UPDATE {table} SET last_activity_at = greatest(coalesce(last_activity_at, $3), $3) "
            "WHERE tenant_id = $1 AND id = $2",
            [current_tenant_id(), record_id, row["occurred_at"]],
        )
    if (
        target.record_type == "Ticket"
    ):  # a public reply may be the ticket's (first or next) response
        await ticket_replied(ticket_id=record_id, kind=row["kind"], principal=principal)
    return row


async def complete_task(
    *, principal: Principal, activity_id: Any, version: int, done: bool
) -> dict[str, Any]:
    """Mark a task done (or not done again)."""
    ACTIVITY_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(ACTIVITY_SPEC, activity_id, principal=principal)
    check_version(ACTIVITY_SPEC, row, version)
    if row["kind"] != "TASK":
        raise InvalidInput.single("id", "NOT_A_TASK", "only tasks can be completed")
    done_at = datetime.now(timezone.utc) if done else None
    if (row["done_at"] is not None) == done:
        return row
    return await update_record(ACTIVITY_SPEC, row, {"done_at": done_at}, principal=principal)


def _validate_change(check: Checker) -> None:
    check.text("subject", required=True, max_length=300)
    check.text("body", max_length=50_000)
    check.datetime("occurred_at")
    check.datetime("due_at")
    check.reference("owner_id")


async def update_activities(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[dict[str, Any]]:
    """Edit activities (their kind and record stay); a due date only on tasks."""
    for index, change in enumerate(changes):
        if change.values.get("due_at") is not None:
            row = await lock_record(ACTIVITY_SPEC, change.id, principal=principal)
            if row["kind"] != "TASK":
                raise InvalidInput.single(
                    f"items.{index}.due_at" if bulk else "due_at",
                    "NOT_A_TASK",
                    "only tasks have a due date",
                )
    return await service.update(
        ACTIVITY_SPEC, changes, principal=principal, validate=_validate_change, bulk=bulk
    )

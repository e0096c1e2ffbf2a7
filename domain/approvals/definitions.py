"""Defining approval processes: admins create, change, enable/disable and delete them. Like
automation rules, each change bumps the process's version; a request keeps a copy of the version it
started on (see requests.py), so changing a process never changes requests under way.

Saving checks everything at once and reports every problem with its field path."""

from __future__ import annotations

import uuid
from typing import Any

from domain.approvals.calendar import known_calendar
from domain.approvals.references import (
    check_approvers,
    check_condition,
    check_locked_fields,
    check_outcome,
)
from domain.approvals.steps import check_steps
from domain.automation.conditions import check_conditions
from domain.automation.outbound_actions import with_secrets
from domain.automation.targets import known_type
from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.rights import ALL, READ_ONLY, Action
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

START_MODES = (
    "MANUAL",
    "AUTOMATIC",
)  # MANUAL: people submit (and rules may); AUTOMATIC: only rules submit

PROCESS_SPEC = RecordSpec(
    record_type="ApprovalProcess",
    table="approval_process",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("object", "object", Kind.TEXT),
        FieldSpec("description", "description", Kind.TEXT),
        FieldSpec("entry_criteria", "entry_criteria", Kind.JSON),
        FieldSpec("start_mode", "start_mode", Kind.TEXT),
        FieldSpec("lock_all", "lock_all", Kind.BOOL),
        FieldSpec("locked_fields", "locked_fields", Kind.TEXT_ARRAY),
        FieldSpec("on_approved", "on_approved", Kind.JSON),
        FieldSpec("on_rejected", "on_rejected", Kind.JSON),
        FieldSpec("steps", "steps", Kind.JSON),
        FieldSpec("enabled", "enabled", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    unique={"approval_process_name_key": "name"},
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: READ_ONLY,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)

# Input name -> column, for what may be given on create and on update.
_COLUMNS = {
    "name": "name",
    "description": "description",
    "entryCriteria": "entry_criteria",
    "startMode": "start_mode",
    "lockAll": "lock_all",
    "lockedFields": "locked_fields",
    "onApproved": "on_approved",
    "onRejected": "on_rejected",
    "steps": "steps",
    "enabled": "enabled",
}


async def _check(
    input: dict[str, Any], *, current: dict[str, Any] | None, principal: Principal
) -> dict[str, Any]:
    """The columns to write; InvalidInput with every problem of the whole definition (as it will
    be after the change), each named by its path."""
    errors: list[FieldError] = []
    object_name = str(current["object"] if current else input.get("object"))
    if current is None and not await known_type(object_name):
        errors.append(
            FieldError(
                "object",
                "UNKNOWN_OBJECT",
                "a standard type (Lead, Customer, ...) or a custom object",
            )
        )
        raise InvalidInput(errors)
    merged = {name: (current or {}).get(column) for name, column in _COLUMNS.items()} | input
    if not 1 <= len(str(merged.get("name") or "").strip()) <= 200:
        errors.append(FieldError("name", "REQUIRED", "a name of 1 to 200 characters"))
    if merged.get("startMode") not in START_MODES:
        errors.append(FieldError("startMode", "INVALID_CHOICE", "MANUAL or AUTOMATIC"))
    if merged.get("entryCriteria") is not None:
        check_conditions(merged["entryCriteria"], errors, where="entryCriteria")
        await check_condition(
            object_name, merged["entryCriteria"], "entryCriteria", errors, principal
        )
    if not merged.get("lockAll"):
        await check_locked_fields(object_name, merged.get("lockedFields") or [], errors)
    for outcome in ("onApproved", "onRejected"):
        await check_outcome(object_name, merged.get(outcome) or [], outcome, errors, principal)
    check_steps(merged.get("steps"), errors)
    if isinstance(steps := merged.get("steps"), list):
        for index, step in enumerate(steps):
            if isinstance(step, dict) and step.get("condition") is not None:
                await check_condition(
                    object_name, step["condition"], f"steps.{index}.condition", errors, principal
                )
        await check_approvers(
            object_name, [s for s in steps if isinstance(s, dict)], errors, principal
        )
        for index, step in enumerate(steps):
            timeout = step.get("timeout") if isinstance(step, dict) else None
            if (
                isinstance(timeout, dict)
                and isinstance(timeout.get("calendar"), str)
                and not await known_calendar(timeout["calendar"])
            ):
                errors.append(
                    FieldError(
                        f"steps.{index}.timeout.calendar",
                        "UNKNOWN_CALENDAR",
                        "no business calendar has this name",
                    )
                )
    if errors:
        raise InvalidInput(errors)
    values = {_COLUMNS[name]: value for name, value in input.items() if name in _COLUMNS}
    if "name" in values:
        values["name"] = str(values["name"]).strip()
    if "steps" in values:
        values["steps"] = [_normalized(step) for step in values["steps"]]
    for outcome in ("on_approved", "on_rejected"):
        if outcome in values:
            values[outcome] = with_secrets(values[outcome] or [])
    if "locked_fields" in values:
        values["locked_fields"] = list(values["locked_fields"] or [])
    if current is None:
        values["object"] = object_name
    return values


def _normalized(step: dict[str, Any]) -> dict[str, Any]:
    """A step with its defaults written out, so requests read one shape."""
    timeout = step.get("timeout")
    return {
        "name": str(step["name"]).strip(),
        "approvers": step["approvers"],
        "mode": step["mode"],
        "condition": step.get("condition"),
        "onReject": step.get("onReject") or "REJECT",
        "timeout": None
        if timeout is None
        else {
            "hours": timeout["hours"],
            "remindAfterHours": timeout.get("remindAfterHours"),
            "action": timeout.get("action") or "NONE",
            "calendar": timeout.get("calendar"),
        },
    }


async def create_process(*, principal: Principal, input: dict[str, Any]) -> dict[str, Any]:
    """A new process, enabled unless the input says otherwise."""
    PROCESS_SPEC.require(principal, Action.CREATE)
    defaults = {
        "startMode": "MANUAL",
        "lockAll": True,
        "lockedFields": [],
        "onApproved": [],
        "onRejected": [],
        "enabled": True,
    }
    values = await _check(
        defaults
        | {
            k: v for k, v in input.items() if v is not None or k in ("entryCriteria", "description")
        },
        current=None,
        principal=principal,
    )
    return (await insert_records(PROCESS_SPEC, [values], principal=principal))[0]


async def update_process(
    *, principal: Principal, process_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    """Change a process against the version the caller saw; requests under way keep theirs."""
    PROCESS_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(PROCESS_SPEC, process_id, principal=principal)
    check_version(PROCESS_SPEC, row, version)
    return await update_record(
        PROCESS_SPEC,
        row,
        await _check(input, current=row, principal=principal),
        principal=principal,
    )


async def delete_process(*, principal: Principal, process_id: uuid.UUID) -> dict[str, Any]:
    """Delete a process; requests under way finish on their copy of it."""
    PROCESS_SPEC.require(principal, Action.DELETE)
    row = await lock_record(PROCESS_SPEC, process_id, principal=principal)
    return await set_deleted(PROCESS_SPEC, row, deleted=True, principal=principal)


async def list_processes(
    *, principal: Principal, object_name: str | None = None
) -> list[dict[str, Any]]:
    PROCESS_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_process WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR object = $2) "
        "ORDER BY created_at, id",
        [current_tenant_id(), object_name],
    )
    return [decode_row(PROCESS_SPEC, row) for row in rows]


async def get_process(
    process_id: uuid.UUID, *, principal: Principal | None = None
) -> dict[str, Any]:
    """One live process; NotFound for another tenant's, a deleted or an unknown one."""
    if principal is not None:
        PROCESS_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_process WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        [current_tenant_id(), process_id],
    )
    if not rows:
        raise NotFound("approval process not found")
    return decode_row(PROCESS_SPEC, rows[0])

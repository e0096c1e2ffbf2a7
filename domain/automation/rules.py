"""Defining rules: admins and managers create, change, enable/disable and delete them. Each change
bumps the rule's version; a run records the version it ran."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.actions import check_actions
from domain.automation.conditions import check_conditions
from domain.automation.outbound_actions import check_destinations, with_secrets
from domain.automation.references import check_rule_references
from domain.automation.related import check_related
from domain.automation.targets import known_type
from domain.automation.triggers import SLA_TRIGGERS, check_time_trigger, check_trigger_calendar
from domain.config_cache import VersionedCache
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

EVENT_TRIGGERS = (
    "created",
    "updated",
    "deleted",
    "restored",
    "converted",
    "stage_changed",
    "status_changed",
    "tags_changed",
    "webhook",  # webhook: a record written by an inbound endpoint (webhook or web form)
    # an approval request about the record (domain/approvals)
    "ApprovalRequest.submitted",
    "ApprovalRequest.step_completed",
    "ApprovalRequest.approved",
    "ApprovalRequest.rejected",
    "ApprovalRequest.recalled",
    "ApprovalRequest.escalated",
    "ApprovalRequest.cancelled",
    *SLA_TRIGGERS,
)  # a ticket's SLA warning, breach or escalation (domain/service_levels)
# Triggers whose changes can narrow them (fields that changed, values changed to).
CHANGE_TRIGGERS = ("updated", "stage_changed", "status_changed", "webhook")
TIME_TRIGGERS = ("date", "idle", "schedule")
TRIGGERS = EVENT_TRIGGERS + TIME_TRIGGERS

RULE_SPEC = RecordSpec(
    record_type="AutomationRule",
    table="automation_rule",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("object", "object", Kind.TEXT),
        FieldSpec("trigger", "trigger", Kind.JSON),
        FieldSpec("conditions", "conditions", Kind.JSON),
        FieldSpec("actions", "actions", Kind.JSON),
        FieldSpec("enabled", "enabled", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


def _check_trigger(trigger: Any, errors: list[FieldError]) -> None:
    if not isinstance(trigger, dict) or trigger.get("on") not in TRIGGERS:
        errors.append(FieldError("trigger.on", "INVALID_CHOICE", f"one of {', '.join(TRIGGERS)}"))
        return
    if trigger.get("fields") is not None and (
        not isinstance(trigger["fields"], list) or trigger.get("on") not in CHANGE_TRIGGERS
    ):
        errors.append(
            FieldError(
                "trigger.fields",
                "INVALID_TRIGGER",
                "fields (a list) narrow an updated or *_changed trigger",
            )
        )
    if trigger.get("to") is not None and (
        not isinstance(trigger["to"], dict) or trigger.get("on") not in CHANGE_TRIGGERS
    ):
        errors.append(
            FieldError(
                "trigger.to",
                "INVALID_TRIGGER",
                "to ({field: value}) narrows an updated or *_changed trigger",
            )
        )
    check_time_trigger(trigger, errors)


async def _check(
    input: dict[str, Any], creating: bool, principal: Principal, object_name: str | None = None
) -> dict[str, Any]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if creating or "name" in input:
        name = str(input.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            errors.append(FieldError("name", "REQUIRED", "a name of 1 to 200 characters"))
        values["name"] = name
    if creating:
        if not await known_type(str(input.get("object"))):
            errors.append(
                FieldError(
                    "object",
                    "UNKNOWN_OBJECT",
                    "a standard type (Lead, Customer, ...) or a custom object",
                )
            )
        values["object"] = input.get("object")
    if creating or "trigger" in input:
        _check_trigger(input.get("trigger"), errors)
        if isinstance(input.get("trigger"), dict):
            await check_trigger_calendar(input["trigger"], errors)
        values["trigger"] = input.get("trigger")
    if "conditions" in input:
        if input["conditions"] is not None:
            check_conditions(input["conditions"], errors)
            if not errors and await known_type(str(object_name or input.get("object"))):
                await check_related(
                    str(object_name or input.get("object")), input["conditions"], errors
                )
        values["conditions"] = input["conditions"]
    if creating or "actions" in input:
        check_actions(input.get("actions"), errors)
        await check_destinations(input.get("actions"), errors)
        values["actions"] = input.get("actions") if errors else with_secrets(input["actions"])
    if "enabled" in input:
        values["enabled"] = bool(input["enabled"])
    if await known_type(str(object_name or input.get("object"))):
        await check_rule_references(
            str(object_name or input.get("object")),
            input.get("conditions"),
            input.get("actions") if creating or "actions" in input else None,
            errors,
            principal=principal,
        )
    if errors:
        raise InvalidInput(errors)
    return values


async def create_rule(*, principal: Principal, input: dict[str, Any]) -> dict[str, Any]:
    """A new rule, enabled unless the input says otherwise."""
    RULE_SPEC.require(principal, Action.CREATE)
    return (
        await insert_records(
            RULE_SPEC,
            [await _check(input, creating=True, principal=principal)],
            principal=principal,
        )
    )[0]


async def update_rule(
    *, principal: Principal, rule_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    """Change a rule against the version the caller saw; runs already started keep theirs."""
    RULE_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(RULE_SPEC, rule_id, principal=principal)
    check_version(RULE_SPEC, row, version)
    return await update_record(
        RULE_SPEC,
        row,
        await _check(input, creating=False, principal=principal, object_name=row["object"]),
        principal=principal,
    )


async def delete_rule(*, principal: Principal, rule_id: uuid.UUID) -> dict[str, Any]:
    RULE_SPEC.require(principal, Action.DELETE)
    row = await lock_record(RULE_SPEC, rule_id, principal=principal)
    return await set_deleted(RULE_SPEC, row, deleted=True, principal=principal)


async def list_rules(
    *, principal: Principal, object_name: str | None = None
) -> list[dict[str, Any]]:
    RULE_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_rule WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR object = $2) "
        "ORDER BY created_at, id",
        [current_tenant_id(), object_name],
    )
    return [decode_row(RULE_SPEC, row) for row in rows]


async def _enabled_by_object() -> dict[str, list[dict[str, Any]]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_rule WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL ORDER BY created_at, id",
        [current_tenant_id()],
    )
    by_object: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_object.setdefault(row["object"], []).append(decode_row(RULE_SPEC, row))
    return by_object


_ENABLED = VersionedCache(_enabled_by_object)


async def enabled_rules(
    record_type: str, config_version: int | None = None
) -> list[dict[str, Any]]:
    """The tenant's enabled rules on `record_type`, oldest first; cached per process for a given
    delivery configuration version (see domain/config_cache.py)."""
    return (await _ENABLED.get(config_version)).get(record_type, [])


async def get_rule(*, principal: Principal, rule_id: uuid.UUID) -> dict[str, Any]:
    RULE_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_rule WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        [current_tenant_id(), rule_id],
    )
    if not rows:
        raise NotFound("rule not found")
    return decode_row(RULE_SPEC, rows[0])

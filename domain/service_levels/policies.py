"""SLA policies: what a ticket is promised. Admins keep an ordered list; the first enabled policy
whose conditions hold for a ticket is its policy (conditions as in automation rules, on the
ticket's fields, custom fields and related records such as `customer.tier`)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.conditions import check_conditions, evaluate
from domain.automation.related import check_related, with_related
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
from domain.service_levels.calendar import calendar_named
from domain.service_levels.escalations import check_escalations
from tenants.context import current_tenant_id, tenant_connection

TARGETS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
MAX_TARGET_MINUTES = 366 * 24 * 60  # a year
MAX_POLICIES = 200

SLA_POLICY_SPEC = RecordSpec(
    record_type="SlaPolicy",
    table="sla_policy",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("position", "position", Kind.INT, sortable=True),
        FieldSpec("conditions", "conditions", Kind.JSON),
        FieldSpec("calendar", "calendar", Kind.TEXT),
        FieldSpec("first_response_minutes", "first_response_minutes", Kind.INT),
        FieldSpec("next_response_minutes", "next_response_minutes", Kind.INT),
        FieldSpec("resolution_minutes", "resolution_minutes", Kind.INT),
        FieldSpec("warning_percent", "warning_percent", Kind.INT),
        FieldSpec("escalations", "escalations", Kind.JSON),
        FieldSpec("enabled", "enabled", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: READ_ONLY,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)
_COLUMNS = {field.name: field.column for field in SLA_POLICY_SPEC.fields}


async def _check(
    input: dict[str, Any], *, creating: bool, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The columns to write, or InvalidInput naming every failing field."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if creating or "name" in input:
        name = str(input.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            errors.append(FieldError("name", "REQUIRED", "a name of 1 to 200 characters"))
        values["name"] = name
    if "conditions" in input:
        if input["conditions"] is not None:
            check_conditions(input["conditions"], errors)
            if not errors:
                await check_related("Ticket", input["conditions"], errors)
        values["conditions"] = input["conditions"]
    if "calendar" in input:
        name = input["calendar"]
        if name is not None:
            try:
                await calendar_named(str(name))
            except NotFound:
                errors.append(
                    FieldError(
                        "calendar",
                        "UNKNOWN_CALENDAR",
                        f"no business calendar named {name!r} in the "
                        "tenant settings; leave it out for 24x7",
                    )
                )
        values["calendar"] = name
    for target in TARGETS:
        if target in input:
            minutes = input[target]
            if minutes is not None and (
                not isinstance(minutes, int)
                or isinstance(minutes, bool)
                or not 1 <= minutes <= MAX_TARGET_MINUTES
            ):
                errors.append(
                    FieldError(
                        target, "OUT_OF_RANGE", f"whole minutes from 1 to {MAX_TARGET_MINUTES}"
                    )
                )
            values[target] = minutes
    merged = {t: values.get(t, (current or {}).get(t)) for t in TARGETS}
    if all(merged[t] is None for t in TARGETS):
        errors.append(
            FieldError("resolution_minutes", "REQUIRED", "a policy sets at least one target")
        )
    if "warning_percent" in input:
        share = input["warning_percent"]
        if not isinstance(share, int) or isinstance(share, bool) or not 1 <= share <= 99:
            errors.append(
                FieldError(
                    "warning_percent", "OUT_OF_RANGE", "a share of the target from 1 to 99 (%)"
                )
            )
        values["warning_percent"] = share
    if "escalations" in input:
        check_escalations(input["escalations"], errors)
        values["escalations"] = input["escalations"] or []
    if "enabled" in input:
        values["enabled"] = bool(input["enabled"])
    if errors:
        raise InvalidInput(errors)
    return {_COLUMNS[name]: value for name, value in values.items()}


async def create_policy(*, principal: Principal, input: dict[str, Any]) -> dict[str, Any]:
    """A new policy, last in the order (so it never takes tickets an earlier one matches)."""
    SLA_POLICY_SPEC.require(principal, Action.CREATE)
    columns = await _check(input, creating=True)
    count, last = await _count_and_last()
    if count >= MAX_POLICIES:
        raise InvalidInput.single(
            "name", "TOO_MANY", f"a tenant has at most {MAX_POLICIES} SLA policies"
        )
    return (
        await insert_records(
            SLA_POLICY_SPEC, [{**columns, "position": last + 1}], principal=principal
        )
    )[0]


async def update_policy(
    *, principal: Principal, policy_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    """Change a policy against the version the caller saw. Running clocks keep the targets they
    started with until their ticket is re-targeted."""
    SLA_POLICY_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(SLA_POLICY_SPEC, policy_id, principal=principal)
    check_version(SLA_POLICY_SPEC, row, version)
    current = {name: row[column] for name, column in _COLUMNS.items()}
    return await update_record(
        SLA_POLICY_SPEC,
        row,
        await _check(input, creating=False, current=current),
        principal=principal,
    )


async def delete_policy(*, principal: Principal, policy_id: uuid.UUID) -> dict[str, Any]:
    SLA_POLICY_SPEC.require(principal, Action.DELETE)
    row = await lock_record(SLA_POLICY_SPEC, policy_id, principal=principal)
    return await set_deleted(SLA_POLICY_SPEC, row, deleted=True, principal=principal)


async def reorder_policies(*, principal: Principal, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Put the policies in the order given; the list names every policy exactly once."""
    SLA_POLICY_SPEC.require(principal, Action.UPDATE)
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM sla_policy WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY position FOR UPDATE",
        [current_tenant_id()],
    )
    existing = {row["id"] for row in rows}
    if len(set(ids)) != len(ids) or set(ids) != existing:
        raise InvalidInput.single("ids", "INCOMPLETE_ORDER", "name every SLA policy exactly once")
    for position, policy_id in enumerate(ids, start=1):
        row = await lock_record(SLA_POLICY_SPEC, policy_id, principal=principal)
        await update_record(SLA_POLICY_SPEC, row, {"position": position}, principal=principal)
    return await list_policies(principal=principal)


async def list_policies(*, principal: Principal) -> list[dict[str, Any]]:
    """Every policy, in the order they are tried."""
    SLA_POLICY_SPEC.require(principal, Action.READ)
    return await _policies(enabled_only=False)


async def _policies(*, enabled_only: bool) -> list[dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sla_policy WHERE tenant_id = $1 AND deleted_at IS NULL AND (enabled OR NOT $2) "
        "ORDER BY position, created_at, id",
        [current_tenant_id(), enabled_only],
    )
    return [decode_row(SLA_POLICY_SPEC, row) for row in rows]


async def _count_and_last() -> tuple[int, int]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT count(*) AS n, coalesce(max(position), 0) AS last FROM sla_policy WHERE tenant_id = $1 AND deleted_at IS NULL",
        [current_tenant_id()],
    )
    return rows[0]["n"], rows[0]["last"]


async def enabled_policies() -> list[dict[str, Any]]:
    """The enabled policies in order (read once per write that starts or re-targets clocks)."""
    return await _policies(enabled_only=True)


async def matching_policy(
    policies: list[dict[str, Any]], ticket: dict[str, Any]
) -> dict[str, Any] | None:
    """The first of `policies` whose conditions hold for the ticket's values (as rules see them)."""
    for policy in policies:
        current = await with_related("Ticket", ticket, policy["conditions"])
        if evaluate(policy["conditions"], current=current, previous={}, changed=set(), actor={}):
            return policy
    return None


async def policies_by_id(ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Policies by id, deleted ones included (a running clock may still name one)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sla_policy WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
        [current_tenant_id(), ids],
    )
    return {row["id"]: decode_row(SLA_POLICY_SPEC, row) for row in rows}

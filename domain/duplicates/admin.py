"""Admins' changes to duplicate rules: create, change, delete, list; the defaults every tenant
starts with. A rule that names a field (or a way of comparing it) no rule named before gets the
object's records keyed for it in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from domain.duplicates.keys import compared, rebuild_keys
from domain.duplicates.rules import (
    DEFAULT_RULES,
    DUPLICATE_RULE_SPEC,
    MAX_RULES_PER_OBJECT,
    active_rules,
    check_rule,
)
from domain.errors import InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection


async def create_rule(*, principal: Principal, input: dict[str, Any]) -> dict[str, Any]:
    """A new rule of `input.object`, active unless the input says otherwise."""
    DUPLICATE_RULE_SPEC.require(principal, Action.CREATE)
    record_type = str(input.get("object") or "")
    values = await check_rule(input, creating=True, record_type=record_type)
    count = await tenant_connection().execute_query_dict(
        "SELECT count(*) AS n FROM duplicate_rule WHERE tenant_id = $1 AND record_type = $2 AND deleted_at IS NULL",
        [current_tenant_id(), record_type],
    )
    if count[0]["n"] >= MAX_RULES_PER_OBJECT:
        raise InvalidInput.single(
            "object", "TOO_MANY", f"at most {MAX_RULES_PER_OBJECT} rules per object"
        )
    before = await _compared(record_type)
    row = (await insert_records(DUPLICATE_RULE_SPEC, [values], principal=principal))[0]
    await _catch_up(record_type, before)
    return row


async def update_rule(
    *, principal: Principal, rule_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    """Change a rule against the version the caller saw."""
    DUPLICATE_RULE_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(DUPLICATE_RULE_SPEC, rule_id, principal=principal)
    check_version(DUPLICATE_RULE_SPEC, row, version)
    values = await check_rule(input, creating=False, record_type=row["record_type"])
    before = await _compared(row["record_type"])
    updated = await update_record(DUPLICATE_RULE_SPEC, row, values, principal=principal)
    await _catch_up(row["record_type"], before)
    return updated


async def delete_rule(*, principal: Principal, rule_id: uuid.UUID) -> dict[str, Any]:
    DUPLICATE_RULE_SPEC.require(principal, Action.DELETE)
    row = await lock_record(DUPLICATE_RULE_SPEC, rule_id, principal=principal)
    return await set_deleted(DUPLICATE_RULE_SPEC, row, deleted=True, principal=principal)


async def list_rules(
    *, principal: Principal, record_type: str | None = None
) -> list[dict[str, Any]]:
    """The tenant's rules, optionally of one object, oldest first."""
    DUPLICATE_RULE_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM duplicate_rule WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR record_type = $2) "
        "ORDER BY created_at, id",
        [current_tenant_id(), record_type],
    )
    return [decode_row(DUPLICATE_RULE_SPEC, row) for row in rows]


async def get_rule(*, principal: Principal, rule_id: uuid.UUID) -> dict[str, Any]:
    DUPLICATE_RULE_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM duplicate_rule WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        [current_tenant_id(), rule_id],
    )
    if not rows:
        raise NotFound("duplicate rule not found")
    return decode_row(DUPLICATE_RULE_SPEC, rows[0])


async def create_default_rules(*, principal: Principal) -> None:
    """A new tenant's rules (domain.onboarding)."""
    await insert_records(
        DUPLICATE_RULE_SPEC,
        [
            {
                "record_type": r["object"],
                "name": r["name"],
                "action": r["action"],
                "conditions": r["conditions"],
            }
            for r in DEFAULT_RULES
        ],
        principal=principal,
    )


async def _compared(record_type: str) -> set[str]:
    return set(compared(await active_rules(record_type)))


async def _catch_up(record_type: str, before: set[str]) -> None:
    """Key the object's records again when the rules now compare a field (or compare it in a
    way) they did not before: a tenant's records, in batches, in this transaction."""
    if await _compared(record_type) - before:
        await rebuild_keys(record_type)

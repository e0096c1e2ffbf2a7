"""The create / update / delete / restore flow shared by every standard object: rights, validation
of every item before any write, reference checks in one query per referenced table, versioned
writes and the audit trail. Bulk calls are all-or-nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from domain import phones
from domain.errors import FieldError, InvalidInput, NotWired
from domain.identity.principal import Principal
from domain.records.field_access import Access, field_rules, locked_names, strip_hidden
from domain.records.rights import Action
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec, Reference
from domain.records.sql import Params
from domain.records.validation import Checker
from domain.records.visibility import owned_visibility_sql
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

MAX_BULK = 100

# Fills a Checker for one item; the same function serves create and update.
Validate = Callable[[Checker], None]


class CustomFieldValues(Protocol):
    """Checks and stores the `custom_fields` of standard records against the tenant's field
    definitions. domain.custom implements it; it depends on this module, so the composition root
    plugs it in (plug_custom_fields, tessera/domain_wiring.py) instead of it being imported here."""

    async def prepare(
        self,
        spec: RecordSpec,
        given: Any,
        current: dict[str, Any] | None,
        prefix: str,
    ) -> tuple[dict[str, Any] | None, dict[str, Any], list[FieldError]]:
        """The record's complete custom values after `given`, the built-in columns that field
        linkage fills ({column: value}), and the errors."""

    async def check(
        self, spec: RecordSpec, given: Any, *, creating: bool, prefix: str
    ) -> list[FieldError]:
        """The errors `prepare` would report, without assigning anything (auto-numbers)."""

    async def claim(
        self,
        spec: RecordSpec,
        record_id: uuid.UUID,
        values: dict[str, Any] | None,
        previous: dict[str, Any] | None,
        prefix: str,
    ) -> list[FieldError]:
        """Claim unique values; errors for values another record holds."""

    async def release(self, spec: RecordSpec, record_id: uuid.UUID) -> None:
        """Free a deleted record's unique values."""


_custom_fields: CustomFieldValues | None = None


def plug_custom_fields(handler: CustomFieldValues) -> None:
    global _custom_fields
    _custom_fields = handler


def _custom_checks(spec: RecordSpec) -> CustomFieldValues | None:
    """The custom-field checks when `spec` has custom fields; None when it has none."""
    if not spec.has("custom_fields"):
        return None
    if _custom_fields is None:
        raise NotWired(
            f"{spec.record_type} writes need the custom-field checks: call tessera.domain_wiring.wire_domain()"
        )
    return _custom_fields


@dataclass(frozen=True)
class Change:
    id: uuid.UUID
    version: int | None  # None: no version check (automation acts on the record as it is now)
    values: dict[str, Any]  # field name -> new value; absent fields stay as they are


async def create(
    spec: RecordSpec,
    items: list[dict[str, Any]],
    *,
    principal: Principal,
    validate: Validate,
    bulk: bool = False,
    limit: int = MAX_BULK,
) -> list[dict[str, Any]]:
    """Create records from API input; InvalidInput lists every bad field of every item. `limit`:
    the most items of a bulk call (imports write a larger batch at once)."""
    spec.require(principal, Action.CREATE)
    check_batch(items, bulk, limit)
    rules = await field_rules(principal, spec.record_type)
    await phones.load_region()  # national phone numbers are read in the tenant's region
    checked = [_check(spec, item, validate, creating=True) for item in items]
    errors = _collect(checked, bulk) + _locked(rules, items, bulk)
    if (custom := _custom_checks(spec)) is not None:
        for index, (item, c) in enumerate(zip(items, checked, strict=True)):
            values, fills, problems = await custom.prepare(
                spec, item.get("custom_fields"), None, _prefix(CUSTOM_FIELDS_PREFIX, index, bulk)
            )
            c.values["custom_fields"] = values
            _apply_fills(spec, item, c.values, fills)
            errors += problems
    errors += await check_references(spec, [c.values for c in checked], bulk, principal)
    if errors:
        raise InvalidInput(errors)
    rows = []
    for c in checked:
        if spec.owned and "owner_id" not in c.values:
            c.values["owner_id"] = principal.user_id  # records start with their creator as owner
        rows.append(c.values)
    created = await insert_records(spec, rows, principal=principal)
    if (custom := _custom_checks(spec)) is not None:
        for index, row in enumerate(created):
            errors += await custom.claim(
                spec,
                row["id"],
                row["custom_fields"],
                None,
                _prefix(CUSTOM_FIELDS_PREFIX, index, bulk),
            )
        if errors:
            raise InvalidInput(errors)  # the caller's transaction rolls back the whole batch
    return strip_hidden(spec, rules, created)


async def update(
    spec: RecordSpec,
    changes: list[Change],
    *,
    principal: Principal,
    validate: Validate,
    bulk: bool = False,
    action: str = "updated",
) -> list[dict[str, Any]]:
    """Apply changes that each carry the version they were made against; stale ones are CONFLICT.
    `action` names the change in the audit trail and its event (e.g. stage_changed)."""
    spec.require(principal, Action.UPDATE)
    check_batch(changes, bulk)
    rules = await field_rules(principal, spec.record_type)
    await phones.load_region()
    checked = [_check(spec, change.values, validate, creating=False) for change in changes]
    errors = _collect(checked, bulk) + _locked(rules, [change.values for change in changes], bulk)
    errors += await check_references(spec, [c.values for c in checked], bulk, principal)
    if errors:
        raise InvalidInput(errors)
    rows = []
    for index, (change, c) in enumerate(zip(changes, checked, strict=True)):
        row = await lock_record(spec, change.id, principal=principal)
        check_version(spec, row, change.version)
        if (custom := _custom_checks(spec)) is not None and "custom_fields" in change.values:
            prefix = _prefix(CUSTOM_FIELDS_PREFIX, index, bulk)
            values, fills, problems = await custom.prepare(
                spec, change.values["custom_fields"], row["custom_fields"], prefix
            )
            filled = _apply_fills(spec, change.values, c.values, fills)
            problems = problems or await check_references(spec, [filled], bulk, principal)
            problems = problems or await custom.claim(
                spec, row["id"], values, row["custom_fields"], prefix
            )
            if problems:
                errors += problems
                continue
            c.values["custom_fields"] = values
        rows.append(await update_record(spec, row, c.values, principal=principal, action=action))
    if errors:
        raise InvalidInput(errors)  # the caller's transaction rolls back the updates already made
    return strip_hidden(spec, rules, rows)


async def delete(
    spec: RecordSpec, record_id: uuid.UUID, version: int | None, *, principal: Principal
) -> dict[str, Any]:
    """Soft-delete: the record disappears from lists and lookups until restored."""
    spec.require(principal, Action.DELETE)
    row = await lock_record(spec, record_id, principal=principal)
    check_version(spec, row, version)
    if spec.delete_guard is not None:
        await spec.delete_guard(row)
    if (custom := _custom_checks(spec)) is not None:
        await custom.release(spec, record_id)
    deleted = await set_deleted(spec, row, deleted=True, principal=principal)
    return strip_hidden(spec, await field_rules(principal, spec.record_type), [deleted])[0]


async def restore(
    spec: RecordSpec, record_id: uuid.UUID, *, principal: Principal
) -> dict[str, Any]:
    """Bring back a soft-deleted record."""
    spec.require(principal, Action.DELETE)
    row = await lock_record(spec, record_id, principal=principal, deleted=True)
    if (custom := _custom_checks(spec)) is not None:
        problems = await custom.claim(
            spec, record_id, row["custom_fields"], None, CUSTOM_FIELDS_PREFIX
        )
        if problems:
            raise InvalidInput(problems)
    restored = await set_deleted(spec, row, deleted=False, principal=principal)
    return strip_hidden(spec, await field_rules(principal, spec.record_type), [restored])[0]


async def check_input(
    spec: RecordSpec,
    item: dict[str, Any],
    *,
    principal: Principal,
    validate: Validate,
    creating: bool,
) -> list[FieldError]:
    """The field errors a create (or an update) of `item` would meet, found without writing and
    regardless of the caller's rights: for configuration that writes records later (rule actions,
    inbound mappings), checked when it is saved. Names the type's validation never reads (ids,
    timestamps, unknown names) are READ_ONLY or UNKNOWN_FIELD instead of being silently dropped."""
    await phones.load_region()
    checker = _check(spec, item, validate, creating=creating)
    errors = list(checker.errors)
    for name in item:
        if name not in checker.read and name != "custom_fields":
            errors.append(
                FieldError(name, "READ_ONLY", f"{name} cannot be written here")
                if spec.has(name)
                else FieldError(name, "UNKNOWN_FIELD", f"{spec.record_type} has no field {name}")
            )
    if (custom := _custom_checks(spec)) is not None and (creating or "custom_fields" in item):
        errors += await custom.check(
            spec, item.get("custom_fields"), creating=creating, prefix=CUSTOM_FIELDS_PREFIX
        )
    return errors + await check_references(spec, [checker.values], False, principal)


def _apply_fills(
    spec: RecordSpec, item: dict[str, Any], values: dict[str, Any], fills: dict[str, Any]
) -> dict[str, Any]:
    """Columns (team, owner) that field linkage fills, unless the write sets them itself."""
    filled = {
        column: uuid.UUID(str(value))
        for column, value in fills.items()
        if spec.name_of(column) not in item
    }
    values.update(filled)
    return filled


def _locked(rules: dict[str, Access], items: list[dict[str, Any]], bulk: bool) -> list[FieldError]:
    return [
        FieldError(_prefix(name, index, bulk), "READ_ONLY", f"your role may not change {name}")
        for index, item in enumerate(items)
        for name in locked_names(rules, item)
    ]


def check_batch(items: list[Any], bulk: bool, limit: int = MAX_BULK) -> None:
    if bulk and not 1 <= len(items) <= limit:
        raise InvalidInput.single("items", "BATCH_SIZE", f"send between 1 and {limit} items")


def _check(
    spec: RecordSpec, item: dict[str, Any], validate: Validate, *, creating: bool
) -> Checker:
    checker = Checker(spec, item, creating=creating)
    validate(checker)
    return checker


def _prefix(field: str, index: int, bulk: bool) -> str:
    return f"items.{index}.{field}" if bulk else field


def _collect(checked: list[Checker], bulk: bool) -> list[FieldError]:
    return [error for index, c in enumerate(checked) for error in prefixed(c.errors, index, bulk)]


def prefixed(errors: list[FieldError], index: int, bulk: bool) -> list[FieldError]:
    """Errors of one item of a batch, named items.N.field in bulk calls."""
    return [
        FieldError(_prefix(error.field, index, bulk), error.code, error.message) for error in errors
    ]


async def check_references(
    spec: RecordSpec, items: list[dict[str, Any]], bulk: bool, principal: Principal
) -> list[FieldError]:
    """Every referenced owner, team, customer... must exist in this tenant, and owned ones must be
    visible to the caller (one query per field)."""
    errors = []
    for field in spec.fields:
        ref = field.references
        if ref is None:
            continue
        wanted = {values[field.column] for values in items if values.get(field.column) is not None}
        if not wanted:
            continue
        missing = wanted - await existing_references(ref, wanted, principal)
        for index, values in enumerate(items):
            if values.get(field.column) in missing:
                errors.append(
                    FieldError(
                        _prefix(field.name, index, bulk), "NOT_FOUND", f"no such {ref.label}"
                    )
                )
    return errors


async def existing_references(
    ref: Reference, ids: set[uuid.UUID], principal: Principal | None = None
) -> set[uuid.UUID]:
    """Which of `ids` name a live row `ref` points at in this tenant (and, for owned targets,
    one the principal may see); one query."""
    params = Params(current_tenant_id(), list(ids))
    conditions = ["t.tenant_id = $1", f"t.{ref.key} = ANY($2::uuid[])"]
    if ref.soft_delete:
        conditions.append("t.deleted_at IS NULL")
    visible = (
        owned_visibility_sql(principal, params) if ref.owned and principal is not None else None
    )
    if visible:
        conditions.append(visible)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.{ref.key} AS key FROM {ref.table} t WHERE {' AND '.join(conditions)}",
        params.values,
    )
    return {row["key"] for row in rows}


async def check_named_ids(
    named: list[tuple[str, Reference, Any]], principal: Principal | None = None
) -> list[FieldError]:
    """Errors for ids that tenant-defined configuration names, as (where, what it must be, value):
    INVALID_ID for a value that is no id, NOT_FOUND for one of nothing in this tenant (another
    tenant's included: the tenant's transaction cannot see it); one query per kind of target."""
    errors, parsed = [], []
    for where, ref, value in named:
        try:
            parsed.append(
                (where, ref, value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
            )
        except ValueError:
            errors.append(FieldError(where, "INVALID_ID", f"an id of a {ref.label}"))
    for ref in dict.fromkeys(ref for _, ref, _ in parsed):
        found = await existing_references(
            ref, {value for _, r, value in parsed if r == ref}, principal
        )
        errors += [
            FieldError(where, "NOT_FOUND", f"no such {ref.label}")
            for where, r, value in parsed
            if r == ref and value not in found
        ]
    return errors

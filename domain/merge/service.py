"""Merging duplicates into one survivor, and undoing a merge within 30 days.

A merge is all or nothing (one transaction). It locks the survivor and the merged records in id
order (so two merges of the same record serialise; the second finds the record merged and is a
CONFLICT), takes the field values `field_choices` picks from the merged records, moves what points
at the merged records to the survivor (domain/merge/moves.py), soft-deletes the merged records with
`merged_into`, and writes the audit trail and one event per record: `<Type>.merged` on the
survivor, `<Type>.merged_into` on each merged record. Rights: update on the survivor, delete on
the merged records; a record with a pending approval is not merged."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from domain.approvals.locks import pending_lock
from domain.custom.fieldtypes import FieldType
from domain.custom.metadata import STANDARD_OBJECTS, ObjectDef, load_objects, record_spec
from domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.merge.moves import move_all, undo_all
from domain.records.audit import record_events
from domain.records.by_ids import rows_by_ids
from domain.records.naming import domain_name
from domain.records.rights import Action
from domain.records.rows import decode_row, jsonable
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec
from domain.records.sql import Params
from domain.records.visibility import owned_visibility_sql
from domain.records.writes import SYSTEM_COLUMNS, update_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MERGEABLE_STANDARD = ("Customer", "Contact", "Lead")
MAX_MERGED = 10
UNMERGE_DAYS = 30
# Values computed by the system, never chosen from another record.
_COMPUTED = (FieldType.FORMULA, FieldType.ROLLUP, FieldType.AUTO_NUMBER)


async def _target(record_type: str) -> tuple[RecordSpec, ObjectDef | None]:
    if record_type in MERGEABLE_STANDARD:
        return STANDARD_OBJECTS[record_type], None
    for obj in await load_objects():
        if obj.api_name == record_type:
            return record_spec(obj), obj
    raise InvalidInput.single(
        "object", "UNKNOWN_OBJECT", "Customer, Contact, Lead or a custom object's api name"
    )


async def _lock(
    spec: RecordSpec, obj: ObjectDef | None, ids: list[uuid.UUID], principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The records, locked in id order, whether deleted or not, with `visible` for the principal."""
    params = Params(current_tenant_id(), sorted(ids))
    where = ["t.tenant_id = $1", "t.id = ANY($2::uuid[])"]
    if obj is not None:
        where.append(f"t.object_id = {params.add(obj.id)}")
    visible = owned_visibility_sql(principal, params)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.*, {visible or 'true'} AS visible FROM {spec.table} t WHERE {' AND '.join(where)} ORDER BY t.id FOR UPDATE OF t",
        params.values,
    )
    return {
        row["id"]: {
            **decode_row(spec, row),
            "visible": row["visible"],
            "merged_into": row["merged_into"],
        }
        for row in rows
    }


def _check_ids(survivor_id: uuid.UUID, merged_ids: list[uuid.UUID]) -> None:
    errors = []
    if not 1 <= len(merged_ids) <= MAX_MERGED:
        errors.append(
            FieldError("mergedIds", "BATCH_SIZE", f"merge 1 to {MAX_MERGED} records at once")
        )
    if survivor_id in merged_ids:
        errors.append(
            FieldError("mergedIds", "SURVIVOR_MERGED", "the survivor cannot be merged into itself")
        )
    if len(set(merged_ids)) != len(merged_ids):
        errors.append(FieldError("mergedIds", "REPEATED", "each record once"))
    if errors:
        raise InvalidInput(errors)


async def _check_records(
    rows: dict[uuid.UUID, dict[str, Any]],
    survivor_id: uuid.UUID,
    merged_ids: list[uuid.UUID],
    record_type: str,
) -> None:
    for where, record_id in [
        ("survivorId", survivor_id),
        *((f"mergedIds.{i}", m) for i, m in enumerate(merged_ids)),
    ]:
        row = rows.get(record_id)
        if row is None or not row["visible"]:
            raise NotFound(f"{record_type} not found ({where})")
        if row["merged_into"] is not None:
            raise Conflict(
                f"{record_type} {where} was merged already; reload", reason="ALREADY_MERGED"
            )
        if row["deleted_at"] is not None:
            raise Conflict(f"{record_type} {where} is deleted; restore it first", reason="DELETED")
        lock = await pending_lock(record_id)
        if lock is not None:
            raise Conflict(
                f"{record_type} {where} has a pending approval request and cannot be merged until it is decided",
                reason="RECORD_LOCKED",
                refs={"approvalRequestId": ("ApprovalRequest", lock["id"])},
            )


def _choices(
    spec: RecordSpec,
    obj: ObjectDef | None,
    rows: dict[uuid.UUID, dict[str, Any]],
    survivor: dict[str, Any],
    field_choices: dict[str, uuid.UUID],
) -> dict[str, Any]:
    """The survivor's changed columns: each chosen field's value taken from the chosen record."""
    changes: dict[str, Any] = {}
    errors = []
    for name, chosen_id in field_choices.items():
        chosen = rows.get(chosen_id)
        if chosen is None:
            errors.append(
                FieldError(
                    f"fieldChoices.{name}",
                    "NOT_IN_MERGE",
                    "the survivor or one of the merged records",
                )
            )
            continue
        if obj is not None:
            field = obj.field(name)
            if field is None or field.deleted or field.type in _COMPUTED:
                errors.append(
                    FieldError(
                        f"fieldChoices.{name}",
                        "UNKNOWN_FIELD",
                        f"not a field of {obj.api_name} that can be chosen",
                    )
                )
                continue
            data = changes.setdefault("data", dict(survivor["data"] or {}))
            _set(data, name, (chosen["data"] or {}).get(name))
        elif domain_name(name).startswith(CUSTOM_FIELDS_PREFIX) and spec.has("custom_fields"):
            key = domain_name(name)[len(CUSTOM_FIELDS_PREFIX) :]
            values = changes.setdefault("custom_fields", dict(survivor["custom_fields"] or {}))
            _set(values, key, (chosen["custom_fields"] or {}).get(key))
        elif (
            spec.has(domain_name(name))
            and spec.field(domain_name(name)).column not in SYSTEM_COLUMNS
            and spec.field(domain_name(name)).lookup is None
            and spec.field(domain_name(name)).column not in ("custom_fields", "data")
        ):
            column = spec.field(domain_name(name)).column
            changes[column] = chosen[column]
        else:
            errors.append(
                FieldError(
                    f"fieldChoices.{name}",
                    "UNKNOWN_FIELD",
                    f"not a field of {spec.record_type} that can be chosen",
                )
            )
    if errors:
        raise InvalidInput(errors)
    return changes


def _set(values: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        values.pop(key, None)
    else:
        values[key] = value


async def merge_records(
    *,
    principal: Principal,
    record_type: str,
    survivor_id: uuid.UUID,
    merged_ids: list[uuid.UUID],
    field_choices: dict[str, uuid.UUID] | None = None,
) -> dict[str, Any]:
    """Merge `merged_ids` into `survivor_id`; returns the merge (its id undoes it)."""
    spec, obj = await _target(record_type)
    spec.require(principal, Action.UPDATE)
    spec.require(principal, Action.DELETE)
    _check_ids(survivor_id, merged_ids)
    rows = await _lock(spec, obj, [survivor_id, *merged_ids], principal)
    await _check_records(rows, survivor_id, merged_ids, spec.record_type)
    survivor = rows[survivor_id]
    changes = _choices(spec, obj, rows, survivor, field_choices or {})
    conn, tenant = tenant_connection(), current_tenant_id()
    # The merged records go first: a BLOCK rule must not see them as duplicates of their survivor.
    await conn.execute_query(
        f"UPDATE {spec.table} SET deleted_at = now(), merged_into = $3, version = version + 1, updated_at = now(), "
        f"updated_by = $4 WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
        [tenant, merged_ids, survivor_id, principal.user_id],
    )
    await record_events(
        spec,
        [(m, "merged_into", {"merged_into": (None, survivor_id)}) for m in merged_ids],
        actor_id=principal.user_id,
    )
    before = {column: jsonable(survivor[column]) for column in changes}
    merged = {"merged_ids": (None, [str(m) for m in merged_ids])}
    if changes:
        await update_record(spec, _plain(survivor), changes, principal=principal, action="merged")
    else:
        await record_events(spec, [(survivor_id, "merged", merged)], actor_id=principal.user_id)
    # After the survivor's own change: moving children recomputes its rollups.
    moves = await move_all(spec.record_type, survivor_id, merged_ids)
    merge_id = new_id()
    await conn.execute_query(
        "INSERT INTO record_merge (tenant_id, id, record_type, survivor_id, merged_ids, survivor_before, moves, merged_by) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)",
        [
            tenant,
            merge_id,
            spec.record_type,
            survivor_id,
            merged_ids,
            orjson.dumps(before).decode(),
            orjson.dumps(moves).decode(),
            principal.user_id,
        ],
    )
    return await get_merge(principal=principal, merge_id=merge_id)


async def unmerge_records(
    *, principal: Principal, merge_id: uuid.UUID, now: datetime | None = None
) -> dict[str, Any]:
    """Undo a merge of the last 30 days: the merged records come back, what moved moves back (where
    it still points at the survivor), the survivor gets back the values the merge chose."""
    merge = await _merge_row(merge_id, lock=True)
    if merge["undone_at"] is not None:
        raise Conflict("This merge was undone already", reason="ALREADY_UNDONE")
    if merge["merged_at"] < (now or datetime.now(timezone.utc)) - timedelta(days=UNMERGE_DAYS):
        raise Conflict(
            f"Merges can be undone for {UNMERGE_DAYS} days; this one is older", reason="TOO_OLD"
        )
    spec, obj = await _target(merge["record_type"])
    spec.require(principal, Action.UPDATE)
    spec.require(principal, Action.DELETE)
    survivor_id, merged_ids = merge["survivor_id"], list(merge["merged_ids"])
    rows = await _lock(spec, obj, [survivor_id, *merged_ids], principal)
    for record_id in (survivor_id, *merged_ids):
        if record_id not in rows or not rows[record_id]["visible"]:
            raise NotFound(f"{spec.record_type} of the merge not found")
    survivor = rows[survivor_id]
    if survivor["deleted_at"] is not None:
        raise Conflict(f"The surviving {spec.record_type} is deleted; restore it first")
    conn, tenant = tenant_connection(), current_tenant_id()
    await conn.execute_query(
        f"UPDATE {spec.table} SET deleted_at = NULL, merged_into = NULL, version = version + 1, updated_at = now(), "
        f"updated_by = $4 WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND merged_into = $3",
        [tenant, merged_ids, survivor_id, principal.user_id],
    )
    await record_events(
        spec,
        [(m, "unmerged", {"merged_into": (survivor_id, None)}) for m in merged_ids],
        actor_id=principal.user_id,
    )
    before = _json(merge["survivor_before"])
    restored = {column: _stored(spec, survivor, column, value) for column, value in before.items()}
    if restored:
        await update_record(
            spec, _plain(survivor), restored, principal=principal, action="unmerged"
        )
    else:
        await record_events(
            spec,
            [(survivor_id, "unmerged", {"merged_ids": ([str(m) for m in merged_ids], None)})],
            actor_id=principal.user_id,
        )
    await undo_all(spec.record_type, survivor_id, _json(merge["moves"]))
    await conn.execute_query(
        "UPDATE record_merge SET undone_at = now(), undone_by = $3 WHERE tenant_id = $1 AND id = $2",
        [tenant, merge_id, principal.user_id],
    )
    return await get_merge(principal=principal, merge_id=merge_id)


async def get_merge(*, principal: Principal, merge_id: uuid.UUID) -> dict[str, Any]:
    """A merge, for anyone who may read its survivor's type."""
    merge = await _merge_row(merge_id)
    spec, _ = await _target(merge["record_type"])
    spec.require(principal, Action.READ)
    return {
        **merge,
        "moves": _json(merge["moves"]),
        "survivor_before": _json(merge["survivor_before"]),
    }


async def _merge_row(merge_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    rows = await tenant_connection().execute_query_dict(
        f"SELECT * FROM record_merge WHERE tenant_id = $1 AND id = $2{' FOR UPDATE' if lock else ''}",
        [current_tenant_id(), merge_id],
    )
    if not rows:
        raise NotFound("merge not found")
    return dict(rows[0])


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("visible", "merged_into")}


def _stored(spec: RecordSpec, survivor: dict[str, Any], column: str, value: Any) -> Any:
    """A value kept as JSON in the merge log, back in the form update_record compares."""
    current = survivor[column]
    if (
        value is None
        or isinstance(current, (dict, list, str, bool, int))
        or (current is None and isinstance(value, (dict, list)))
    ):
        return value
    return (
        type(current)(value) if not isinstance(current, datetime) else datetime.fromisoformat(value)
    )


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value


async def merges_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The merges among `ids`, by id, of the types the principal may read (as get_merge)."""
    found = {}
    for merge_id, merge in (await rows_by_ids("record_merge", ids)).items():
        try:
            spec, _ = await _target(merge["record_type"])
            spec.require(principal, Action.READ)
        except (Forbidden, InvalidInput):
            continue
        found[merge_id] = {
            **merge,
            "moves": _json(merge["moves"]),
            "survivor_before": _json(merge["survivor_before"]),
        }
    return found

"""Records of custom objects: create, update (versioned), soft delete, restore, list and get, with
the same rights, visibility, audit trail and events as standard records. Values live in one JSONB
column checked against the object's fields on every write."""

from __future__ import annotations

import uuid
from typing import Any

from domain import phones
from domain.custom.fieldtypes import FieldType
from domain.custom.files import CUSTOM_RECORD, check_files
from domain.custom.linkage import COLUMN_TARGETS
from domain.custom.lookups import with_lookups
from domain.custom.metadata import (
    ObjectDef,
    load_object,
    load_object_by_id,
    load_objects,
    record_spec,
)
from domain.custom.relations import check_relations
from domain.custom.rollups import refresh_rollups, with_empty_rollups
from domain.custom.values import (
    assign_auto_numbers,
    check_values,
    claim_unique,
    compute_formulas,
    raise_if,
    release_unique,
)
from domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records import service
from domain.records.field_access import field_rules, hidden, strip_hidden
from domain.records.filters import Filter, named_fields
from domain.records.listing import Listing, count_by, get_records, list_grouped, list_records
from domain.records.ordering import Order
from domain.records.rights import Action
from domain.records.validation import Checker
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

OWNERSHIP_NAMES = {column: name for name, column in COLUMN_TARGETS.items()}


def _prefix(index: int, bulk: bool) -> str:
    return f"items.{index}.values." if bulk else "values."


def _ownership(spec: Any, item: dict[str, Any], creating: bool) -> Checker:
    checker = Checker(
        spec, {k: v for k, v in item.items() if k in ("owner_id", "team_id")}, creating=creating
    )
    checker.reference("owner_id")
    checker.reference("team_id")
    return checker


def _apply_fills(checker: Checker, item: dict[str, Any], columns: dict[str, Any]) -> None:
    """Team or owner filled by field linkage, unless the write sets it itself."""
    for column, value in columns.items():
        if OWNERSHIP_NAMES[column] not in item:
            checker.values[column] = uuid.UUID(str(value))


async def create_records(
    *,
    principal: Principal,
    object_name: str,
    items: list[dict[str, Any]],
    bulk: bool = False,
    limit: int = service.MAX_BULK,
) -> tuple[ObjectDef, list[dict[str, Any]]]:
    """Create records of a custom object from items {values, ownerId?, teamId?}; all or nothing.
    `limit`: the most items of a bulk call (imports write a larger batch at once)."""
    obj = await load_object(object_name)
    spec = record_spec(obj)
    spec.require(principal, Action.CREATE)
    service.check_batch(items, bulk, limit)
    rules = await field_rules(principal, obj.api_name)
    await phones.load_region()  # national phone numbers are read in the tenant's region
    checked, errors, datas = [], [], []
    for index, item in enumerate(items):
        checker = _ownership(spec, item, creating=True)
        result = check_values(
            obj.fields,
            item.get("values"),
            current=None,
            prefix=_prefix(index, bulk),
            locked=frozenset(rules),
        )
        data, value_errors = result.values, result.errors
        _apply_fills(checker, item, result.columns)
        checked.append(checker)
        datas.append(data)
        errors += [*service.prefixed(checker.errors, index, bulk), *value_errors]
    errors += await service.check_references(spec, [c.values for c in checked], bulk, principal)
    errors += await check_relations(
        obj.fields, [(_prefix(i, bulk), d) for i, d in enumerate(datas)]
    )
    raise_if(errors)
    rows = []
    for checker, given in zip(checked, datas, strict=True):
        data = compute_formulas(
            obj.fields, with_empty_rollups(obj.fields, await assign_auto_numbers(obj.fields, given))
        )
        rows.append(
            {"object_id": obj.id, "owner_id": principal.user_id, **checker.values, "data": data}
        )
    created = await insert_records(spec, rows, principal=principal)
    for index, row in enumerate(created):
        errors += await check_files(
            obj.fields, CUSTOM_RECORD, row["id"], row["data"], None, prefix=_prefix(index, bulk)
        )
        errors += await claim_unique(
            obj.fields, row["id"], row["data"], None, prefix=_prefix(index, bulk)
        )
    raise_if(errors)  # the caller's transaction rolls back: nothing of the batch stays
    await refresh_rollups(obj, [], [row["data"] for row in created])
    return obj, strip_hidden(spec, rules, created)


async def check_input(
    *, principal: Principal, object_name: str, item: dict[str, Any], creating: bool
) -> list[FieldError]:
    """The field errors a create (or an update) of `item` ({values, ownerId?, teamId?}) would meet,
    found without writing and regardless of the caller's rights (see service.check_input); named
    by field (`region`, `ownerId`)."""
    obj = await load_object(object_name)
    spec = record_spec(obj)
    await phones.load_region()
    checker = _ownership(spec, item, creating=creating)
    result = check_values(
        obj.fields, item.get("values"), current=None if creating else {}, prefix=""
    )
    _apply_fills(checker, item, result.columns)
    errors = [*checker.errors, *result.errors]
    errors += await service.check_references(spec, [checker.values], False, principal)
    return errors + await check_relations(obj.fields, [("", result.values)])


async def update_records(
    *,
    principal: Principal,
    changes: list[tuple[uuid.UUID, int | None, dict[str, Any]]],
    bulk: bool = False,
) -> list[tuple[ObjectDef, dict[str, Any]]]:
    """Apply (id, version, {values?, ownerId?, teamId?}) changes; a stale version is CONFLICT."""
    service.check_batch(changes, bulk)
    await phones.load_region()
    results, errors = [], []
    for index, (record_id, version, item) in enumerate(changes):
        obj = await object_of(record_id)
        spec = record_spec(obj)
        spec.require(principal, Action.UPDATE)
        rules = await field_rules(principal, obj.api_name)
        row = await lock_record(spec, record_id, principal=principal)
        check_version(spec, row, version)
        checker = _ownership(spec, item, creating=False)
        prefix = _prefix(index, bulk)
        result = check_values(
            obj.fields,
            item.get("values"),
            current=row["data"],
            prefix=prefix,
            locked=frozenset(rules),
        )
        data, value_errors = result.values, result.errors
        _apply_fills(checker, item, result.columns)
        item_errors = [*service.prefixed(checker.errors, index, bulk), *value_errors]
        item_errors += await service.check_references(spec, [checker.values], False, principal)
        item_errors += await check_relations(obj.fields, [(prefix, data)])
        if item_errors:
            errors += item_errors
            continue
        data = compute_formulas(obj.fields, data)
        errors += await check_files(
            obj.fields, CUSTOM_RECORD, record_id, data, row["data"], prefix=prefix
        )
        errors += await claim_unique(obj.fields, record_id, data, row["data"], prefix=prefix)
        updated = await update_record(
            spec, row, {**checker.values, "data": data}, principal=principal
        )
        await refresh_rollups(obj, [row["data"]], [updated["data"]])
        results.append((obj, strip_hidden(spec, rules, [updated])[0]))
    raise_if(errors)
    return results


async def delete_record(
    *, principal: Principal, record_id: uuid.UUID, version: int | None
) -> tuple[ObjectDef, dict[str, Any]]:
    """Soft delete: gone from lists and lookups, unique values freed, until restored."""
    obj = await object_of(record_id)
    spec = record_spec(obj)
    spec.require(principal, Action.DELETE)
    row = await lock_record(spec, record_id, principal=principal)
    check_version(spec, row, version)
    await release_unique(record_id)
    deleted = await set_deleted(spec, row, deleted=True, principal=principal)
    await refresh_rollups(obj, [row["data"]], [])
    return obj, strip_hidden(spec, await field_rules(principal, obj.api_name), [deleted])[0]


async def restore_record(
    *, principal: Principal, record_id: uuid.UUID
) -> tuple[ObjectDef, dict[str, Any]]:
    """Bring a deleted record back; its unique values must still be free."""
    obj = await object_of(record_id)
    spec = record_spec(obj)
    spec.require(principal, Action.DELETE)
    row = await lock_record(spec, record_id, principal=principal, deleted=True)
    raise_if(await claim_unique(obj.fields, record_id, row["data"], None, prefix="values."))
    restored = await set_deleted(spec, row, deleted=False, principal=principal)
    await refresh_rollups(obj, [], [row["data"]])
    return obj, strip_hidden(spec, await field_rules(principal, obj.api_name), [restored])[0]


async def list_object_records(
    *,
    principal: Principal,
    obj: ObjectDef,
    filter: Filter | None,
    order: list[Order] | None,
    first: int,
    after: str | None,
    search: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of one object's records the caller may see; filters may reach one level into
    related records (`customer.tier`); `search` matches words in text values (searchable objects)."""
    spec = record_spec(obj)
    if filter is not None and any("." in name for name in named_fields(filter)):
        spec, filter = await with_lookups(spec, obj, principal, filter)
    return await list_records(
        spec,
        principal=principal,
        filter=filter,
        order=order,
        first=first,
        after=after,
        scope={"object_id": obj.id},
        search=search,
        before=before,
        backward=backward,
    )


async def search_records(
    *, principal: Principal, text: str, first: int
) -> list[tuple[ObjectDef, dict[str, Any]]]:
    """Records of every searchable object the caller may read that match `text`, newest first,
    at most `first` in all (one statement per object)."""
    found: list[tuple[ObjectDef, dict[str, Any]]] = []
    for obj in await load_objects():
        if not obj.searchable or len(found) >= first:
            continue
        try:
            listing = await list_records(
                record_spec(obj),
                principal=principal,
                search=text,
                first=first - len(found),
                order=[Order("created_at", descending=True)],
                scope={"object_id": obj.id},
            )
        except Forbidden:
            continue
        found += [(obj, row) for row in listing.rows]
    return found


async def count_records(
    *,
    principal: Principal,
    obj: ObjectDef,
    field: str,
    filter: Filter | None,
) -> list[tuple[Any, int]]:
    """Counts of one object's records per value of `field` (e.g. contracts per status)."""
    spec = record_spec(obj)
    if filter is not None and any("." in name for name in named_fields(filter)):
        spec, filter = await with_lookups(spec, obj, principal, filter)
    return await count_by(
        spec, principal=principal, field=field, filter=filter, scope={"object_id": obj.id}
    )


async def related_records(
    *,
    principal: Principal,
    object_name: str,
    field_name: str,
    parent_type: str,
    parent_ids: list[uuid.UUID],
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> tuple[ObjectDef, dict[uuid.UUID, Listing]]:
    """For each parent, a page of `object_name` records whose relation `field_name` points at
    it (the reverse one-to-many of a relation), in one statement."""
    obj = await load_object(object_name)
    field = obj.field(field_name)
    hidden_here = hidden(await field_rules(principal, obj.api_name))
    if (
        field is None
        or field.deleted
        or field.type is not FieldType.RELATION
        or field.setting("target") != parent_type
        or field_name in hidden_here
    ):
        raise InvalidInput.single(
            "field",
            "INVALID_RELATION",
            f"{field_name!r} is not a relation of {object_name} to {parent_type}",
        )
    spec = record_spec(obj)
    return obj, await list_grouped(
        spec,
        principal=principal,
        group_column=spec.field(field_name),
        group_ids=parent_ids,
        first=first,
        scope={"object_id": obj.id},
        after=after,
        before=before,
        backward=backward,
    )


async def get_custom_records(
    *, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[ObjectDef, dict[str, Any]]]:
    """Records by id across objects, as the caller may see them (one statement per object)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT object_id FROM custom_record WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
        [current_tenant_id(), ids],
    )
    found: dict[uuid.UUID, tuple[ObjectDef, dict[str, Any]]] = {}
    for row in rows:
        obj = await load_object_by_id(row["object_id"])
        if obj.deleted:
            continue
        try:
            records = await get_records(record_spec(obj), ids, principal=principal)
        except Forbidden:
            continue  # a role without read rights on this object simply sees none of its records
        found.update({record_id: (obj, record) for record_id, record in records.items()})
    return found


async def object_of(record_id: uuid.UUID) -> ObjectDef:
    """The (not deleted) object a record belongs to; NotFound if there is no such record."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT object_id FROM custom_record WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), record_id],
    )
    if not rows:
        raise NotFound("record not found")
    obj = await load_object_by_id(rows[0]["object_id"])
    if obj.deleted:
        raise NotFound("record not found")
    return obj

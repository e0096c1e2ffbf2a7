"""Indexes on custom objects' fields, asked for by admins and built by `tessera indexer`.

Values live in one JSONB column of a table all tenants share, so no index fits every query. An
admin declares the list a team uses, e.g. "contracts by region, newest signing first":
`fields: [{field: "region"}, {field: "signed_on", descending: true}]`. That becomes one B-tree
index on (tenant_id, object_id, region, signed_on DESC, id) over live records, whose expressions
are spelled exactly as list queries spell them, so PostgreSQL walks the index in the requested
order and stops after one page. Equality filters on the leading fields and the sort on the last
one are served by the index; other conditions are checked on the rows it yields.

Building an index on a shared table is DDL: the application role may not do it, and a plain
CREATE INDEX would block every tenant's writes. The indexer runs as the owner and builds with
CREATE INDEX CONCURRENTLY. Limits keep the write cost bounded."""

from __future__ import annotations

import json
from typing import Any

from domain.custom.fieldtypes import FieldDef
from domain.custom.metadata import custom_field_specs, load_object
from domain.custom.specs import OBJECT_SPEC
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.writes import insert_records, lock_record, update_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_FIELDS_PER_INDEX = 3
MAX_INDEXES_PER_OBJECT = 3
MAX_INDEXES_PER_TENANT = 10

INDEX_SPEC = RecordSpec(
    record_type="CustomIndex",
    table="custom_index",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("object_id", "object_id", Kind.UUID),
        FieldSpec("fields", "fields", Kind.JSON),
        FieldSpec("index_name", "index_name", Kind.TEXT),
        FieldSpec("status", "status", Kind.TEXT),
        FieldSpec("error", "error", Kind.TEXT),
    ),
    owned=False,
    soft_delete=False,
    scope_area="admin",
    rights=OBJECT_SPEC.rights,
)


def index_statement(index_name: str, fields: list[tuple[FieldDef, bool]]) -> str:
    """CREATE INDEX CONCURRENTLY for (field, descending) pairs. Names come from validated api
    names and a UUID, so the statement holds no client text."""
    specs = custom_field_specs(tuple(f for f, _ in fields), "data")
    # Each direction with PostgreSQL's default null placement (descending: nulls first), which is
    # what list queries use unless a client asks for another.
    parts = [
        f"{spec.sql('')} DESC" if descending else spec.sql("")
        for spec, (_, descending) in zip(specs, fields, strict=True)
    ]
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index_name} ON custom_record "
        f"(tenant_id, object_id, {', '.join(parts)}, id) WHERE deleted_at IS NULL"
    )


def new_index_name() -> str:
    """A fresh index name: "cri_" and 32 hex digits (the indexer accepts nothing else)."""
    return "cri_" + new_id().hex


async def create_index(
    *, principal: Principal, object_name: str, fields: list[dict[str, Any]]
) -> dict[str, Any]:
    """Ask for an index; the indexer builds it (status PENDING, then READY or FAILED)."""
    INDEX_SPEC.require(principal, Action.CREATE)
    obj = await load_object(object_name)
    errors: list[FieldError] = []
    if not 1 <= len(fields) <= MAX_FIELDS_PER_INDEX:
        errors.append(
            FieldError("fields", "OUT_OF_RANGE", f"an index has 1 to {MAX_FIELDS_PER_INDEX} fields")
        )
    chosen = []
    for index, entry in enumerate(fields):
        field = obj.field(str(entry.get("field")))
        if field is None or field.deleted:
            errors.append(
                FieldError(
                    f"fields.{index}.field",
                    "UNKNOWN_FIELD",
                    f"{object_name} has no field {entry.get('field')!r}",
                )
            )
        elif not field.sortable:
            errors.append(
                FieldError(
                    f"fields.{index}.field",
                    "NOT_INDEXABLE",
                    f"{field.type.value} fields cannot be indexed",
                )
            )
        else:
            chosen.append({"field": field.api_name, "descending": bool(entry.get("descending"))})
    if len({c["field"] for c in chosen}) != len(chosen):
        errors.append(FieldError("fields", "DUPLICATE", "each field once"))
    if errors:
        raise InvalidInput(errors)
    existing = await tenant_connection().execute_query_dict(
        "SELECT object_id, fields FROM custom_index WHERE tenant_id = $1 AND status <> 'DROPPING'",
        [current_tenant_id()],
    )
    if len(existing) >= MAX_INDEXES_PER_TENANT:
        raise InvalidInput.single(
            "fields", "LIMIT_REACHED", f"a tenant has at most {MAX_INDEXES_PER_TENANT} indexes"
        )
    same_object = [
        decode_row(INDEX_SPEC, row)["fields"] for row in existing if row["object_id"] == obj.id
    ]
    if len(same_object) >= MAX_INDEXES_PER_OBJECT:
        raise InvalidInput.single(
            "fields", "LIMIT_REACHED", f"an object has at most {MAX_INDEXES_PER_OBJECT} indexes"
        )
    if chosen in same_object:
        raise InvalidInput.single("fields", "DUPLICATE", "this index exists already")
    values = {
        "object_id": obj.id,
        "fields": chosen,
        "index_name": new_index_name(),
        "status": "PENDING",
    }
    return (await insert_records(INDEX_SPEC, [values], principal=principal))[0]


async def drop_index(*, principal: Principal, index_id: Any) -> dict[str, Any]:
    """Ask the indexer to drop an index (status DROPPING until it is gone)."""
    INDEX_SPEC.require(principal, Action.DELETE)
    row = await lock_record(INDEX_SPEC, index_id, principal=principal)
    return await update_record(INDEX_SPEC, row, {"status": "DROPPING"}, principal=principal)


async def list_indexes(*, principal: Principal, object_name: str) -> list[dict[str, Any]]:
    INDEX_SPEC.require(principal, Action.READ)
    obj = await load_object(object_name)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM custom_index WHERE tenant_id = $1 AND object_id = $2 ORDER BY created_at",
        [current_tenant_id(), obj.id],
    )
    return [decode_row(INDEX_SPEC, row) for row in rows]


def fields_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = (
        json.loads(row["fields"]) if isinstance(row["fields"], str) else row["fields"]
    )
    return fields

"""Purging what was deleted: a deleted field's values and definition, or a deleted object with its
records and fields, for good. Deleting only hides (a restore undoes it); purging cannot be undone,
so it is refused for anything still in use. The audit trail keeps the history."""

from __future__ import annotations

import uuid

from domain.custom.metadata import load_object, metadata_changed, values_table
from domain.custom.specs import FIELD_SPEC, OBJECT_SPEC
from domain.errors import InvalidInput, NotFound
from domain.files.store import delete_files
from domain.identity.principal import Principal
from domain.records.audit import record_events
from domain.records.rights import Action
from domain.records.spec import CUSTOM_FIELDS_PREFIX
from tenants.context import current_tenant_id, tenant_connection


async def purge_field(*, principal: Principal, field_id: uuid.UUID) -> None:
    """Remove a deleted field's values from every record, then the field itself."""
    FIELD_SPEC.require(principal, Action.DELETE)
    conn = tenant_connection()
    tenant = current_tenant_id()
    rows = await conn.execute_query_dict(
        "SELECT * FROM custom_field WHERE tenant_id = $1 AND id = $2 FOR UPDATE", [tenant, field_id]
    )
    if not rows:
        raise NotFound("field not found")
    field = rows[0]
    if field["deleted_at"] is None:
        raise InvalidInput.single(
            "id", "NOT_DELETED", "delete the field first; purging is for deleted fields"
        )
    table, column = values_table(field["object_id"], field["standard_object"])
    scope = " AND object_id = $3" if field["object_id"] else ""
    await conn.execute_query(
        f"UPDATE {table} SET {column} = {column} - $2 WHERE tenant_id = $1{scope} AND {column} ? $2",
        [tenant, field["api_name"], *([field["object_id"]] if field["object_id"] else [])],
    )
    await _forget_field(
        field_id,
        field["api_name"],
        field["standard_object"] or await _object_name(field["object_id"]),
    )
    await record_events(FIELD_SPEC, [(field_id, "purged", {})], actor_id=principal.user_id)
    await metadata_changed()


async def purge_object(*, principal: Principal, api_name: str) -> None:
    """Delete a deleted object's records, fields and definition for good."""
    OBJECT_SPEC.require(principal, Action.DELETE)
    obj = await load_object(api_name, include_deleted=True)
    if not obj.deleted:
        raise InvalidInput.single(
            "apiName", "NOT_DELETED", "delete the object first; purging is for deleted objects"
        )
    conn = tenant_connection()
    tenant = current_tenant_id()
    users = await conn.execute_query_dict(
        "SELECT api_name FROM custom_field WHERE tenant_id = $1 AND deleted_at IS NULL AND "
        "(config->>'target' = $2 OR (field_type = 'ROLLUP' AND config->>'childObject' = $2))",
        [tenant, api_name],
    )
    if users:
        raise InvalidInput.single(
            "apiName",
            "IN_USE",
            "relations or rollups use this object: "
            + ", ".join(sorted(r["api_name"] for r in users)),
        )
    if await conn.execute_query_dict(
        "SELECT 1 FROM custom_index WHERE tenant_id = $1 AND object_id = $2", [tenant, obj.id]
    ):
        raise InvalidInput.single(
            "apiName", "IN_USE", "drop the object's indexes first (dropIndex)"
        )
    await conn.execute_query(
        "DELETE FROM custom_unique_value WHERE tenant_id = $1 AND field_id IN "
        "(SELECT id FROM custom_field WHERE tenant_id = $1 AND object_id = $2)",
        [tenant, obj.id],
    )
    # The records' files (attachments, FILE and IMAGE values) go with them: rows now, stored
    # bytes once this transaction has committed.
    await delete_files(
        "record_type = 'CustomRecord' AND record_id IN "
        "(SELECT id FROM custom_record WHERE tenant_id = $1 AND object_id = $2)",
        [obj.id],
    )
    await conn.execute_query(
        "DELETE FROM custom_record WHERE tenant_id = $1 AND object_id = $2", [tenant, obj.id]
    )
    await conn.execute_query(
        "DELETE FROM record_tag WHERE tenant_id = $1 AND record_type = $2", [tenant, api_name]
    )
    await conn.execute_query(
        "DELETE FROM field_access WHERE tenant_id = $1 AND object = $2", [tenant, api_name]
    )
    await conn.execute_query(
        "DELETE FROM custom_field WHERE tenant_id = $1 AND object_id = $2", [tenant, obj.id]
    )
    await conn.execute_query(
        "DELETE FROM custom_object WHERE tenant_id = $1 AND id = $2", [tenant, obj.id]
    )
    await record_events(OBJECT_SPEC, [(obj.id, "purged", {})], actor_id=principal.user_id)
    await metadata_changed()


async def _forget_field(field_id: uuid.UUID, api_name: str, object_name: str) -> None:
    conn = tenant_connection()
    tenant = current_tenant_id()
    await conn.execute_query(
        "DELETE FROM field_access WHERE tenant_id = $1 AND object = $2 AND field IN ($3, $4)",
        [tenant, object_name, api_name, CUSTOM_FIELDS_PREFIX + api_name],
    )
    # Unique claims and the auto-number sequence go with the field (ON DELETE CASCADE).
    await conn.execute_query(
        "DELETE FROM custom_field WHERE tenant_id = $1 AND id = $2", [tenant, field_id]
    )


async def _object_name(object_id: uuid.UUID) -> str:
    rows = await tenant_connection().execute_query_dict(
        "SELECT api_name FROM custom_object WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), object_id],
    )
    name: str = rows[0]["api_name"]
    return name

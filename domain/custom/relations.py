"""Relation and user fields: the records they point at must exist in the tenant (one statement per
field, whatever the batch size), and reading many records' related display values costs one
statement per target."""

from __future__ import annotations

import uuid
from typing import Any

from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.metadata import STANDARD_OBJECTS
from domain.errors import FieldError
from tenants.context import current_tenant_id, tenant_connection

# What a standard record shows when another record points at it.
STANDARD_DISPLAY = {
    "Customer": "name",
    "Contact": "name",
    "Lead": "person_name",
    "Opportunity": "name",
    "Ticket": "subject",
}


def _target_sql(target: str) -> tuple[str, str]:
    """(FROM clause, display expression) for a relation target: standard type or custom api name."""
    if target in STANDARD_OBJECTS:
        spec = STANDARD_OBJECTS[target]
        return f"{spec.table} t", f"t.{STANDARD_DISPLAY[target]}::text"
    return (
        "custom_record t JOIN custom_object o ON o.tenant_id = t.tenant_id AND o.id = t.object_id "
        "AND o.api_name = $3",
        "(t.data #>> ARRAY[coalesce(o.display_field, '')])",
    )


async def check_relations(
    fields: tuple[FieldDef, ...],
    items: list[tuple[str, dict[str, Any]]],
) -> list[FieldError]:
    """Errors for relation/user values (in items of (error prefix, values)) that point nowhere."""
    errors = []
    for field in fields:
        if field.type not in (FieldType.RELATION, FieldType.USER) or field.deleted:
            continue
        wanted = {
            values[field.api_name] for _, values in items if values.get(field.api_name) is not None
        }
        if not wanted:
            continue
        found = await _existing(field, [uuid.UUID(v) for v in wanted])
        for prefix, values in items:
            if values.get(field.api_name) is not None and values[field.api_name] not in found:
                what = "member" if field.type is FieldType.USER else field.setting("target")
                errors.append(FieldError(prefix + field.api_name, "NOT_FOUND", f"no such {what}"))
    return errors


async def _existing(field: FieldDef, ids: list[uuid.UUID]) -> set[str]:
    conn = tenant_connection()
    if field.type is FieldType.USER:
        rows = await conn.execute_query_dict(
            "SELECT user_id AS id FROM membership WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])",
            [current_tenant_id(), ids],
        )
    else:
        target = field.setting("target")
        source, _ = _target_sql(target)
        params = [current_tenant_id(), ids] + ([] if target in STANDARD_OBJECTS else [target])
        rows = await conn.execute_query_dict(
            f"SELECT t.id FROM {source} WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[]) AND t.deleted_at IS NULL",
            params,
        )
    return {str(row["id"]) for row in rows}


async def display_values(target: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The display value of each related record of type `target` (one statement)."""
    source, display = _target_sql(target)
    params = [current_tenant_id(), ids] + ([] if target in STANDARD_OBJECTS else [target])
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id, {display} AS display FROM {source} WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[])",
        params,
    )
    return {row["id"]: row["display"] for row in rows}

"""Admins set field-level rights: per role, a field of a standard or custom object is HIDDEN or
READ_ONLY. Custom fields may be either; built-in fields of standard objects may be READ_ONLY (the
API always returns them, so they cannot be hidden)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.custom.metadata import STANDARD_OBJECTS, load_object, load_standard_fields
from domain.custom.specs import FIELD_SPEC
from domain.errors import InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.audit import record_events
from domain.records.field_access import Access, forget_field_rules
from domain.records.rights import Action
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec
from tenants.context import current_tenant_id, tenant_connection

# The audit trail keeps rule changes under this record type, one record per object field.
ACCESS_SPEC = RecordSpec(
    record_type="FieldAccess", table="field_access", fields=(), owned=False, soft_delete=False
)


async def _check_field(object_name: str, field: str, access: Access | None) -> None:
    if object_name in STANDARD_OBJECTS:
        spec = STANDARD_OBJECTS[object_name]
        if field.startswith(CUSTOM_FIELDS_PREFIX):
            name = field[len(CUSTOM_FIELDS_PREFIX) :]
            if not any(
                f.api_name == name and not f.deleted
                for f in await load_standard_fields(object_name)
            ):
                raise InvalidInput.single(
                    "field", "UNKNOWN_FIELD", f"{object_name} has no custom field {name!r}"
                )
            return
        if not spec.has(field) or field in (
            "id",
            "version",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
        ):
            raise InvalidInput.single(
                "field",
                "UNKNOWN_FIELD",
                f"{object_name} has no field {field!r} that rights apply to",
            )
        if access is Access.HIDDEN:
            raise InvalidInput.single(
                "access",
                "NOT_ALLOWED",
                "built-in fields are always returned; make it READ_ONLY instead",
            )
        return
    obj = await load_object(object_name)
    if (definition := obj.field(field)) is None or definition.deleted:
        raise InvalidInput.single("field", "UNKNOWN_FIELD", f"{object_name} has no field {field!r}")


async def set_field_access(
    *,
    principal: Principal,
    object_name: str,
    field: str,
    role: Role,
    access: Access | None,
) -> list[dict[str, Any]]:
    """Restrict (or with None free) one field for one role; returns the object's rules."""
    FIELD_SPEC.require(principal, Action.UPDATE)
    if role is Role.ADMIN:
        raise InvalidInput.single("role", "NOT_ALLOWED", "admins always see and change every field")
    await _check_field(object_name, field, access)
    conn = tenant_connection()
    key = [current_tenant_id(), role.value, object_name, field]
    before = await conn.execute_query_dict(
        "SELECT access FROM field_access WHERE tenant_id = $1 AND role = $2 AND object = $3 AND field = $4",
        key,
    )
    old = before[0]["access"] if before else None
    if access is None:
        await conn.execute_query(
            "DELETE FROM field_access WHERE tenant_id = $1 AND role = $2 AND object = $3 AND field = $4",
            key,
        )
    else:
        await conn.execute_query(
            "INSERT INTO field_access (tenant_id, role, object, field, access) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (tenant_id, role, object, field) DO UPDATE SET access = EXCLUDED.access",
            [*key, access.value],
        )
    new = None if access is None else access.value
    if old != new:
        record = uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:{object_name}.{field}")
        await record_events(
            ACCESS_SPEC,
            [(record, "updated", {f"{field}@{role.value}": (old, new)})],
            actor_id=principal.user_id,
        )
    forget_field_rules()
    return await list_field_access(object_name=object_name)


async def list_field_access(*, object_name: str) -> list[dict[str, Any]]:
    """The object's field rules, by field then role."""
    return await tenant_connection().execute_query_dict(
        "SELECT field, role, access FROM field_access WHERE tenant_id = $1 AND object = $2 ORDER BY field, role",
        [current_tenant_id(), object_name],
    )

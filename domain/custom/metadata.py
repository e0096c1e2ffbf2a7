"""Reading a tenant's object and field definitions, and turning them into RecordSpecs so custom
records list, filter, sort and page through the same machinery as standard ones.

Each process caches a tenant's definitions with the tenant's metadata version, which every
definition change bumps in its own transaction. A request reads the version (one indexed
statement) and reloads only when it moved, so a committed change is visible to every API process
and worker at their next request, with no invalidation message that could be lost or late."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.specs import FIELD_SPEC, OBJECT_SPEC
from domain.errors import NotFound
from domain.identity.roles import Role
from domain.records.rights import ALL, READ_ONLY, READ_WRITE, Action, Rights
from domain.records.rows import decode_row
from domain.records.spec import (
    COMMON_FIELDS,
    CUSTOM_FIELDS_PREFIX,
    OWNERSHIP_FIELDS,
    FieldSpec,
    Kind,
    RecordSpec,
)
from tenants.context import current_tenant_id, tenant_connection, transaction_cache

# Standard objects that take custom fields (in their `custom_fields` column), by type name.
STANDARD_OBJECTS: dict[str, RecordSpec] = {
    spec.record_type: spec
    for spec in (CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC, OPPORTUNITY_SPEC, TICKET_SPEC)
}
DEFAULT_RIGHTS: Rights = {
    Role.ADMIN: ALL,
    Role.MANAGER: ALL,
    Role.MEMBER: READ_WRITE,
    Role.AGENT: READ_ONLY,
    Role.VIEWER: READ_ONLY,
}


@dataclass(frozen=True)
class ObjectDef:
    id: uuid.UUID
    api_name: str
    label: str
    plural_label: str
    description: str | None
    display_field: str | None
    searchable: bool
    deprecated: bool
    deleted: bool
    rights: Rights
    version: int
    created_at: datetime
    updated_at: datetime
    fields: tuple[FieldDef, ...] = ()

    def field(self, api_name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.api_name == api_name), None)

    @property
    def live_fields(self) -> tuple[FieldDef, ...]:
        """Fields that take and show values (not deleted), in the admin's order."""
        return tuple(f for f in self.fields if not f.deleted)


def field_from_row(row: dict[str, Any]) -> FieldDef:
    """A FieldDef from a decoded custom_field row."""
    return FieldDef(
        id=row["id"],
        api_name=row["api_name"],
        label=row["label"],
        type=FieldType(row["field_type"]),
        required=row["required"],
        unique=row["is_unique"],
        read_only=row["read_only"],
        default=row["default_value"],
        help_text=row["help_text"],
        config=row["config"] or {},
        validation=row["validation"] or {},
        position=row["position"],
        deprecated=row["deprecated"],
        deleted=row["deleted_at"] is not None,
        version=row["version"],
    )


def object_from_row(row: dict[str, Any], fields: tuple[FieldDef, ...] = ()) -> ObjectDef:
    rights = row["rights"]
    return ObjectDef(
        id=row["id"],
        api_name=row["api_name"],
        label=row["label"],
        plural_label=row["plural_label"],
        description=row["description"],
        display_field=row["display_field"],
        searchable=row["searchable"],
        deprecated=row["deprecated"],
        deleted=row["deleted_at"] is not None,
        rights={
            Role(role): frozenset(Action(a) for a in actions) for role, actions in rights.items()
        }
        if rights
        else DEFAULT_RIGHTS,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        fields=fields,
    )


_FIELD_ORDER = "ORDER BY position, created_at, id"


@dataclass(frozen=True)
class _Snapshot:
    """All of a tenant's definitions at one metadata version."""

    version: int
    objects: tuple[ObjectDef, ...]  # deleted ones included, by api name
    standard: dict[str, tuple[FieldDef, ...]]


# Definitions per tenant, kept between requests while the tenant's metadata version stays the same.
_process_cache: OrderedDict[uuid.UUID, _Snapshot] = OrderedDict()
PROCESS_CACHE_TENANTS = 1000
_TX_SNAPSHOT, _TX_CHANGED = "custom_metadata", "custom_metadata_changed"


async def _snapshot() -> _Snapshot:
    """The tenant's definitions: from this transaction, else from the process cache if its version
    is current (one indexed read), else loaded (two statements)."""
    tx = transaction_cache()
    if _TX_SNAPSHOT in tx:
        cached: _Snapshot = tx[_TX_SNAPSHOT]
        return cached
    tenant = current_tenant_id()
    rows = await tenant_connection().execute_query_dict(
        "SELECT version FROM custom_metadata_version WHERE tenant_id = $1", [tenant]
    )
    version = rows[0]["version"] if rows else 0
    snapshot = None if tx.get(_TX_CHANGED) else _process_cache.get(tenant)
    if snapshot is None or snapshot.version != version:
        snapshot = await _load(version)
        if not tx.get(_TX_CHANGED):  # never share what this transaction changed and might roll back
            _process_cache[tenant] = snapshot
            _process_cache.move_to_end(tenant)
            while len(_process_cache) > PROCESS_CACHE_TENANTS:
                _process_cache.popitem(last=False)
    tx[_TX_SNAPSHOT] = snapshot
    return snapshot


async def _load(version: int) -> _Snapshot:
    conn = tenant_connection()
    tenant = current_tenant_id()
    objects = await conn.execute_query_dict(
        "SELECT * FROM custom_object WHERE tenant_id = $1 ORDER BY api_name", [tenant]
    )
    fields = await conn.execute_query_dict(
        f"SELECT * FROM custom_field WHERE tenant_id = $1 {_FIELD_ORDER}", [tenant]
    )
    by_object: dict[uuid.UUID, list[FieldDef]] = {}
    standard: dict[str, list[FieldDef]] = {}
    for row in fields:
        field = field_from_row(decode_row(FIELD_SPEC, row))
        if row["object_id"] is not None:
            by_object.setdefault(row["object_id"], []).append(field)
        else:
            standard.setdefault(row["standard_object"], []).append(field)
    return _Snapshot(
        version=version,
        objects=tuple(
            object_from_row(decode_row(OBJECT_SPEC, row), tuple(by_object.get(row["id"], [])))
            for row in objects
        ),
        standard={name: tuple(found) for name, found in standard.items()},
    )


async def metadata_changed() -> None:
    """Call in the transaction of every definition change: bumps the tenant's metadata version, so
    every process reloads on its next request once this commits."""
    await tenant_connection().execute_query(
        "INSERT INTO custom_metadata_version (tenant_id, version) VALUES ($1, 1) "
        "ON CONFLICT (tenant_id) DO UPDATE SET version = custom_metadata_version.version + 1",
        [current_tenant_id()],
    )
    tx = transaction_cache()
    tx.pop(_TX_SNAPSHOT, None)
    tx[_TX_CHANGED] = True


async def load_objects(*, include_deleted: bool = False) -> list[ObjectDef]:
    """Every object of the tenant with its fields, by api name."""
    return [obj for obj in (await _snapshot()).objects if include_deleted or not obj.deleted]


async def load_object(api_name: str, *, include_deleted: bool = False) -> ObjectDef:
    """One object with its fields; NotFound if the tenant has no such object."""
    for obj in (await _snapshot()).objects:
        if obj.api_name == api_name and (include_deleted or not obj.deleted):
            return obj
    raise NotFound(f"no object named {api_name!r}")


async def load_object_by_id(object_id: uuid.UUID) -> ObjectDef:
    for obj in (await _snapshot()).objects:
        if obj.id == object_id:
            return obj
    raise NotFound("no such object")


async def load_standard_fields(record_type: str) -> tuple[FieldDef, ...]:
    """The custom fields a tenant added to a standard object (deleted ones included)."""
    return (await _snapshot()).standard.get(record_type, ())


def values_table(object_id: uuid.UUID | None, standard_object: str | None) -> tuple[str, str]:
    """(table, JSONB column) holding the values of a custom object's or a standard object's custom fields."""
    if object_id is not None:
        return "custom_record", "data"
    assert standard_object is not None  # a field belongs to a custom object or to a standard one
    return STANDARD_OBJECTS[standard_object].table, "custom_fields"


def custom_field_specs(
    fields: tuple[FieldDef, ...], column: str, prefix: str = ""
) -> tuple[FieldSpec, ...]:
    """FieldSpecs for values kept in the JSONB `column`, named `prefix + api_name`."""
    return tuple(
        FieldSpec(
            prefix + f.api_name,
            column,
            f.kind,
            filterable=f.filterable,
            sortable=f.sortable,
            json_path=f.path,
        )
        for f in fields
        if not f.deleted
    )


def record_spec(obj: ObjectDef) -> RecordSpec:
    """The RecordSpec of a custom object's records (table custom_record, values in `data`)."""
    return RecordSpec(
        record_type=obj.api_name,
        table="custom_record",
        fields=(
            *COMMON_FIELDS,
            *OWNERSHIP_FIELDS,
            FieldSpec("object_id", "object_id", Kind.UUID, filterable=False),
            FieldSpec("data", "data", Kind.JSON, filterable=False),
            *custom_field_specs(obj.fields, "data"),
        ),
        rights=obj.rights,
        audit_by_key={"data": ""},
        searchable=obj.searchable,
        search_values="data",
        names_are_vocabulary=False,
    )


def standard_spec(record_type: str, fields: tuple[FieldDef, ...]) -> RecordSpec:
    """A standard object's spec extended with its custom fields (`customFields.<name>`)."""
    spec = STANDARD_OBJECTS[record_type]
    extra = custom_field_specs(fields, "custom_fields", CUSTOM_FIELDS_PREFIX)
    return replace(spec, fields=(*spec.fields, *extra)) if extra else spec

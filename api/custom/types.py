"""GraphQL types of custom objects, their fields and their records."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm import loaders
from api.crm.types import AuditEventType, Owned, Record, _history
from api.custom.values import CUSTOM_RECORD, fills_out, id_type, values_out
from api.pagination import Connection
from api.permissions import principal_of
from domain.custom.fieldtypes import FieldDef
from domain.custom.fieldtypes import FieldType as DomainFieldType
from domain.custom.metadata import ObjectDef, record_spec
from domain.custom.records import get_custom_records
from domain.custom.relations import display_values

FieldType = strawberry.enum(Enum("FieldType", {t.value: t.value for t in DomainFieldType}),
                            description="The value type of a custom field (see docs/custom-objects.md)")


@strawberry.type(name="CustomField", description="A field an admin added to a custom or standard object")
class CustomFieldType(relay.Node):
    node_id: relay.NodeID[str]
    api_name: str = strawberry.field(description="Immutable identifier used in values, filters and sorting")
    label: str
    type: FieldType  # type: ignore[valid-type]
    required: bool
    unique: bool
    read_only: bool
    default_value: JSON | None
    help_text: str | None
    config: JSON = strawberry.field(description="Per type: options, max, decimalPlaces, currency, prefix, digits, "
                                                "expression, resultType, target")
    validation: JSON = strawberry.field(description="min, max, minLength, maxLength, pattern, message")
    position: int
    deprecated: bool
    deleted: bool
    version: int

    @classmethod
    def from_def(cls, field: FieldDef) -> "CustomFieldType":
        return cls(node_id=str(field.id), api_name=field.api_name, label=field.label, type=FieldType(field.type.value),
                   required=field.required, unique=field.unique, read_only=field.read_only or field.computed,
                   default_value=field.default, help_text=field.help_text, config=fills_out(field.config or {}),
                   validation=field.validation or {}, position=field.position, deprecated=field.deprecated,
                   deleted=field.deleted, version=field.version)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return [None for _ in node_ids]  # fields are read through their object


@strawberry.type(name="CustomObject", description="An object a tenant's admins defined, with its fields")
class CustomObjectType:
    api_name: str = strawberry.field(description="Immutable identifier, e.g. contract")
    label: str
    plural_label: str
    description: str | None
    display_field: str | None = strawberry.field(description="The field that names a record (shown in relations)")
    searchable: bool
    deprecated: bool
    deleted: bool
    version: int
    created_at: datetime
    updated_at: datetime
    rights: JSON = strawberry.field(description="{role: [read, create, update, delete]}")
    field_defs: strawberry.Private[tuple[FieldDef, ...]]

    @classmethod
    def from_def(cls, obj: ObjectDef) -> "CustomObjectType":
        return cls(api_name=obj.api_name, label=obj.label, plural_label=obj.plural_label, description=obj.description,
                   display_field=obj.display_field, searchable=obj.searchable, deprecated=obj.deprecated,
                   deleted=obj.deleted, version=obj.version, created_at=obj.created_at, updated_at=obj.updated_at,
                   rights={role.value: sorted(a.value for a in actions) for role, actions in obj.rights.items()},
                   field_defs=obj.fields)

    @strawberry.field(description="The object's fields in display order")
    def fields(self, include_deleted: bool = False) -> list[CustomFieldType]:
        return [CustomFieldType.from_def(f) for f in self.field_defs if include_deleted or not f.deleted]


@strawberry.type
class IndexField:
    field: str
    descending: bool


@strawberry.type(name="CustomIndex", description="An index on a custom object's fields (see docs/custom-objects.md)")
class CustomIndexType:
    id: relay.GlobalID
    fields: list[IndexField]
    status: str = strawberry.field(description="PENDING until the indexer has built it, then READY (or FAILED with error); "
                                               "DROPPING after dropIndex")
    error: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "CustomIndexType":
        return cls(id=relay.GlobalID("CustomIndex", str(row["id"])), status=row["status"], error=row["error"],
                   created_at=row["created_at"], fields=[IndexField(field=f["field"], descending=f["descending"])
                                                         for f in row["fields"]])


@strawberry.type(description="How many records have one value of a field")
class ValueCount:
    value: JSON | None = strawberry.field(description="The value as stored (decimals as text); null for records without one")
    count: int


@strawberry.type(description="A role's restriction on one field")
class FieldAccessRule:
    field: str
    role: str
    access: str = strawberry.field(description="HIDDEN or READ_ONLY")


@strawberry.type(description="What a relation or user field points at, with its display value")
class RelatedRecord:
    field: str
    id: relay.GlobalID
    display: str | None


@strawberry.type(name="CustomRecord", description="A record of a custom object")
class CustomRecordType(relay.Node, Record, Owned):
    node_id: relay.NodeID[str]
    object: str = strawberry.field(description="The api name of the record's object")
    values: JSON = strawberry.field(description="{field api name: value}; relations and users as global ids")
    obj: strawberry.Private[ObjectDef]
    data: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, obj: ObjectDef, row: dict[str, Any]) -> "CustomRecordType":
        return cls(node_id=str(row["id"]), object=obj.api_name, values=values_out(obj.fields, row["data"]), obj=obj,
                   data=row["data"], owner_id=row["owner_id"], team_id=row["team_id"], version=row["version"],
                   created_at=row["created_at"], updated_at=row["updated_at"], deleted_at=row["deleted_at"])

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        wanted = [(node_id, _uuid_or_none(node_id)) for node_id in node_ids]
        found = await get_custom_records(principal=principal_of(info), ids=[i for _, i in wanted if i is not None])
        return [cls.from_row(*found[i]) if i in found else None for _, i in wanted]

    @strawberry.field(description="The value of the object's display field")
    def display(self) -> str | None:
        value = self.data.get(self.obj.display_field or "")
        return None if value is None else str(value)

    @strawberry.field(description="Relation and user values with the related record's display value (batched)")
    async def related(self, info: Info) -> list[RelatedRecord]:
        result = []
        for field in self.obj.fields:
            value = self.data.get(field.api_name)
            if field.deleted or value is None or field.type not in (DomainFieldType.RELATION, DomainFieldType.USER):
                continue
            target = id_type(field)
            display = await _displays(info, target).load(uuid.UUID(value))
            result.append(RelatedRecord(field=field.api_name, id=relay.GlobalID(target, value), display=display))
        return result

    @strawberry.field(description="Who changed what and when, oldest first")
    async def history(self, info: Info, first: int | None = None) -> Connection[AuditEventType]:
        return await _history(info, record_spec(self.obj), uuid.UUID(self.node_id), first)

    @strawberry.field(description="Tags (addTags / removeTags), alphabetically")
    async def tags(self, info: Info) -> list[str]:
        return await loaders.tag_names(info, record_spec(self.obj)).load(uuid.UUID(self.node_id))

    @strawberry.field(description="Records of a custom object whose relation `field` points at this record")
    async def related_records(
        self, info: Info, object: str, field: str, first: int | None = None,
    ) -> Connection[Annotated["CustomRecordType", strawberry.lazy("api.custom.types")]]:
        from api.custom.related import related_connection

        return await related_connection(info, self.obj.api_name, self.node_id, object, field, first)


def _displays(info: Info, target: str) -> Any:
    """Display values of one target type, batched across every record of the response."""
    if target == "User":
        async def users(ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
            found = await loaders.users(info).load_many(ids)
            return {i: (row["name"] if row else None) for i, row in zip(ids, found, strict=True)}
        return loaders.batched(info, ("display", target), users)
    if target == CUSTOM_RECORD:
        async def records(ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
            found = await get_custom_records(principal=principal_of(info), ids=ids)
            return {i: CustomRecordType.from_row(obj, row).display() for i, (obj, row) in found.items()}
        return loaders.batched(info, ("display", target), records)
    return loaders.batched(info, ("display", target), lambda ids: display_values(target, ids))


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None

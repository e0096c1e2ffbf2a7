"""GraphQL types of the data model: custom objects, their fields and indexes, field rights."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.custom.values import fills_out
from api.names import client_name
from api.records.nodes import load_spec_nodes
from domain.custom.fieldtypes import FieldDef
from domain.custom.fieldtypes import FieldType as DomainFieldType
from domain.custom.indexes import INDEX_SPEC
from domain.custom.metadata import STANDARD_OBJECTS, ObjectDef

FieldType = strawberry.enum(
    Enum("FieldType", {t.value: t.value for t in DomainFieldType}),  # type: ignore[call-overload]
    description="The value type of a custom field (see docs/custom-objects.md)",
)


@strawberry.type(
    name="CustomField", description="A field an admin added to a custom or standard object"
)
class CustomFieldType(relay.Node):
    node_id: relay.NodeID[str]
    api_name: str = strawberry.field(
        description="Immutable identifier used in values, filters and sorting"
    )
    label: str
    type: FieldType
    required: bool
    unique: bool
    read_only: bool
    default_value: JSON | None
    help_text: str | None
    config: JSON = strawberry.field(
        description="Per type: options, max, decimalPlaces, currency, prefix, digits, "
        "expression, resultType, target"
    )
    validation: JSON = strawberry.field(
        description="min, max, minLength, maxLength, pattern, message"
    )
    position: int
    deprecated: bool
    deleted: bool
    version: int

    @classmethod
    def from_def(cls, field: FieldDef) -> CustomFieldType:
        return cls(
            node_id=str(field.id),
            api_name=field.api_name,
            label=field.label,
            type=FieldType(field.type.value),
            required=field.required,
            unique=field.unique,
            read_only=field.read_only or field.computed,
            default_value=field.default,
            help_text=field.help_text,
            config=JSON(fills_out(field.config or {})),
            validation=JSON(field.validation or {}),
            position=field.position,
            deprecated=field.deprecated,
            deleted=field.deleted,
            version=field.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return [None for _ in node_ids]  # fields are read through their object


@strawberry.type(
    name="CustomObject", description="An object a tenant's admins defined, with its fields"
)
class CustomObjectType:
    api_name: str = strawberry.field(description="Immutable identifier, e.g. contract")
    label: str
    plural_label: str
    description: str | None
    display_field: str | None = strawberry.field(
        description="The field that names a record (shown in relations)"
    )
    searchable: bool
    deprecated: bool
    deleted: bool
    version: int
    created_at: datetime
    updated_at: datetime
    rights: JSON = strawberry.field(description="{role: [read, create, update, delete]}")
    field_defs: strawberry.Private[tuple[FieldDef, ...]]

    @classmethod
    def from_def(cls, obj: ObjectDef) -> CustomObjectType:
        return cls(
            api_name=obj.api_name,
            label=obj.label,
            plural_label=obj.plural_label,
            description=obj.description,
            display_field=obj.display_field,
            searchable=obj.searchable,
            deprecated=obj.deprecated,
            deleted=obj.deleted,
            version=obj.version,
            created_at=obj.created_at,
            updated_at=obj.updated_at,
            rights=JSON(
                {
                    role.value: sorted(a.value for a in actions)
                    for role, actions in obj.rights.items()
                }
            ),
            field_defs=obj.fields,
        )

    @strawberry.field(description="The object's fields in display order")
    def fields(self, include_deleted: bool = False) -> list[CustomFieldType]:
        return [
            CustomFieldType.from_def(f) for f in self.field_defs if include_deleted or not f.deleted
        ]


@strawberry.type
class IndexField:
    field: str
    descending: bool


@strawberry.type(
    name="CustomIndex",
    description="An index on a custom object's fields (see docs/custom-objects.md)",
)
class CustomIndexType(relay.Node):
    node_id: relay.NodeID[str]
    fields: list[IndexField]
    status: str = strawberry.field(
        description="PENDING until the indexer has built it, then READY (or FAILED with error); "
        "DROPPING after dropIndex"
    )
    error: str | None
    created_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, INDEX_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CustomIndexType:
        return cls(
            node_id=str(row["id"]),
            status=row["status"],
            error=row["error"],
            created_at=row["created_at"],
            fields=[
                IndexField(field=f["field"], descending=f["descending"]) for f in row["fields"]
            ],
        )


@strawberry.type(description="How many records have one value of a field")
class ValueCount:
    value: JSON | None = strawberry.field(
        description="The value as stored (decimals as text); null for records without one"
    )
    count: int


@strawberry.type(description="A role's restriction on one field")
class FieldAccessRule:
    field: str
    role: str
    access: str = strawberry.field(description="HIDDEN or READ_ONLY")

    @classmethod
    def of(cls, object_name: str, row: dict[str, Any]) -> FieldAccessRule:
        """A stored rule as clients name its field (a standard object's fields in camelCase; a
        custom object's are the tenant's api names, shown as they are)."""
        field = client_name(row["field"]) if object_name in STANDARD_OBJECTS else row["field"]
        return cls(field=field, role=row["role"], access=row["access"])

"""Mutations that define the data model (admins): objects, fields, field rights, indexes, purges."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.custom.inputs import (
    CreateFieldInput,
    CreateIndexInput,
    CreateObjectInput,
    DropIndexInput,
    FieldAccessLevel,
    FieldRefInput,
    ObjectRefInput,
    ReorderFieldsInput,
    SetFieldAccessInput,
    UpdateFieldInput,
    UpdateObjectInput,
)
from api.custom.types import CustomFieldType, CustomIndexType, CustomObjectType, FieldAccessRule
from api.custom.values import fills_in
from api.names import domain_field
from api.permissions import principal_of
from api.records.ids import decode_id
from domain.custom import access, fields, indexes, objects, purge
from domain.custom.metadata import STANDARD_OBJECTS
from domain.identity.roles import Role as DomainRole
from domain.records.field_access import Access


def _given(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """{name: value} of the input's attributes that were sent (UNSET ones left out)."""
    return {
        name: getattr(input, name) for name in names if getattr(input, name, UNSET) is not UNSET
    }


_OBJECT_FIELDS = (
    "api_name",
    "label",
    "plural_label",
    "description",
    "display_field",
    "searchable",
    "deprecated",
    "rights",
)
_FIELD_FIELDS = (
    "api_name",
    "label",
    "type",
    "required",
    "unique",
    "read_only",
    "default_value",
    "help_text",
    "config",
    "validation",
    "deprecated",
)


def _field_input(input: Any) -> dict[str, Any]:
    given = _given(input, _FIELD_FIELDS)
    if given.get("type") not in (None, UNSET):
        given["type"] = given["type"].value
    if "config" in given:
        given["config"] = fills_in(given["config"])
    return given


def _field_id(value: Any) -> Any:
    return decode_id(value, expected="CustomField", field="id")


@strawberry.type
class DefinitionMutations:
    @strawberry.mutation(description="Define a new object (admins)")
    async def create_object(self, info: Info, input: CreateObjectInput) -> CustomObjectType:
        obj = await objects.create_object(
            principal=principal_of(info), input=_given(input, _OBJECT_FIELDS)
        )
        return CustomObjectType.from_def(obj)

    @strawberry.mutation(
        description="Change an object's labels, display field, search, rights or deprecation (admins)"
    )
    async def update_object(self, info: Info, input: UpdateObjectInput) -> CustomObjectType:
        names = tuple(name for name in _OBJECT_FIELDS if name != "api_name")
        obj = await objects.update_object(
            principal=principal_of(info),
            api_name=input.api_name,
            version=input.version,
            input=_given(input, names),
        )
        return CustomObjectType.from_def(obj)

    @strawberry.mutation(description="Hide an object and its records until restored (admins)")
    async def delete_object(self, info: Info, input: ObjectRefInput) -> CustomObjectType:
        return CustomObjectType.from_def(
            await objects.delete_object(
                principal=principal_of(info), api_name=input.api_name, version=input.version
            )
        )

    @strawberry.mutation(description="Bring back a deleted object with its records (admins)")
    async def restore_object(self, info: Info, input: ObjectRefInput) -> CustomObjectType:
        return CustomObjectType.from_def(
            await objects.restore_object(principal=principal_of(info), api_name=input.api_name)
        )

    @strawberry.mutation(description="Add a field to a custom or standard object (admins)")
    async def create_field(self, info: Info, input: CreateFieldInput) -> CustomFieldType:
        field = await fields.create_field(
            principal=principal_of(info), object_name=input.object, input=_field_input(input)
        )
        return CustomFieldType.from_def(field)

    @strawberry.mutation(
        description="Change a field; type changes only where values convert safely (admins)"
    )
    async def update_field(self, info: Info, input: UpdateFieldInput) -> CustomFieldType:
        field = await fields.update_field(
            principal=principal_of(info),
            field_id=_field_id(input.id),
            version=input.version,
            input=_field_input(input),
        )
        return CustomFieldType.from_def(field)

    @strawberry.mutation(description="Hide a field; its values stay until purged (admins)")
    async def delete_field(self, info: Info, input: FieldRefInput) -> CustomFieldType:
        return CustomFieldType.from_def(
            await fields.delete_field(
                principal=principal_of(info), field_id=_field_id(input.id), version=input.version
            )
        )

    @strawberry.mutation(description="Bring back a deleted field with its values (admins)")
    async def restore_field(self, info: Info, input: FieldRefInput) -> CustomFieldType:
        return CustomFieldType.from_def(
            await fields.restore_field(principal=principal_of(info), field_id=_field_id(input.id))
        )

    @strawberry.mutation(
        description="Remove a deleted field's values and definition for good (admins); returns true"
    )
    async def purge_field(self, info: Info, input: FieldRefInput) -> bool:
        await purge.purge_field(principal=principal_of(info), field_id=_field_id(input.id))
        return True

    @strawberry.mutation(
        description="Remove a deleted object with its records and fields for good (admins); "
        "returns true"
    )
    async def purge_object(self, info: Info, input: ObjectRefInput) -> bool:
        await purge.purge_object(principal=principal_of(info), api_name=input.api_name)
        return True

    @strawberry.mutation(description="Set the fields' display order (admins)")
    async def reorder_fields(self, info: Info, input: ReorderFieldsInput) -> list[CustomFieldType]:
        ordered = await fields.reorder_fields(
            principal=principal_of(info), object_name=input.object, api_names=input.api_names
        )
        return [CustomFieldType.from_def(f) for f in ordered]

    @strawberry.mutation(
        description="Make a field hidden or read-only for a role, or editable again (admins)"
    )
    async def set_field_access(
        self, info: Info, input: SetFieldAccessInput
    ) -> list[FieldAccessRule]:
        level = None if input.access is FieldAccessLevel.EDITABLE else Access(input.access.value)
        rows = await access.set_field_access(
            principal=principal_of(info),
            object_name=input.object,
            field=domain_field(input.field) if input.object in STANDARD_OBJECTS else input.field,
            role=DomainRole(input.role.value),
            access=level,
        )
        return [FieldAccessRule.of(input.object, row) for row in rows]

    @strawberry.mutation(
        description="Ask for an index on a custom object's fields; the indexer builds it (admins)"
    )
    async def create_index(self, info: Info, input: CreateIndexInput) -> CustomIndexType:
        fields_ = [{"field": f.field, "descending": f.descending} for f in input.fields]
        return CustomIndexType.from_row(
            await indexes.create_index(
                principal=principal_of(info), object_name=input.object, fields=fields_
            )
        )

    @strawberry.mutation(description="Drop an index; the indexer removes it (admins)")
    async def drop_index(self, info: Info, input: DropIndexInput) -> CustomIndexType:
        index_id = decode_id(input.id, expected="CustomIndex", field="id")
        return CustomIndexType.from_row(
            await indexes.drop_index(principal=principal_of(info), index_id=index_id)
        )

"""Mutations of custom objects: definitions (admins) and records (per the object's rights)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.custom.inputs import (
    BulkCreateRecordsInput, CreateIndexInput, DropIndexInput, BulkUpdateRecordsInput, CreateFieldInput, CreateObjectInput, CreateRecordInput, FieldRefInput, ObjectRefInput,
    FieldAccessLevel, RecordRefInput, ReorderFieldsInput, SetFieldAccessInput, UpdateFieldInput, UpdateObjectInput, UpdateRecordInput, uuid_of,
)
from api.custom.types import CustomFieldType, CustomIndexType, CustomObjectType, CustomRecordType, FieldAccessRule
from api.custom.values import CUSTOM_RECORD, fills_in, values_in
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from domain.custom import access, fields, indexes, objects, purge, records
from domain.custom.metadata import load_object
from domain.errors import InvalidInput
from domain.identity.roles import Role as DomainRole
from domain.records.field_access import Access

AUTH = dict(permission_classes=[Authenticated])


def _given(input: Any, names: dict[str, str]) -> dict[str, Any]:
    """{api name: value} of the input's attributes that were sent (UNSET ones left out)."""
    return {api: getattr(input, attr) for attr, api in names.items() if getattr(input, attr, UNSET) is not UNSET}


_OBJECT_FIELDS = {"api_name": "apiName", "label": "label", "plural_label": "pluralLabel", "description": "description",
                  "display_field": "displayField", "searchable": "searchable", "deprecated": "deprecated", "rights": "rights"}
_FIELD_FIELDS = {"api_name": "apiName", "label": "label", "type": "type", "required": "required", "unique": "unique",
                 "read_only": "readOnly", "default_value": "defaultValue", "help_text": "helpText", "config": "config",
                 "validation": "validation", "deprecated": "deprecated"}


def _field_input(input: Any) -> dict[str, Any]:
    given = _given(input, _FIELD_FIELDS)
    if given.get("type") not in (None, UNSET):
        given["type"] = given["type"].value
    if "config" in given:
        given["config"] = fills_in(given["config"])
    return given


def _field_id(value: Any) -> Any:
    return decode_id(value, expected="CustomField", field="id")


def _record_id(value: Any) -> Any:
    return decode_id(value, expected=CUSTOM_RECORD, field="id")


def _ownership(input: Any) -> dict[str, Any]:
    given = {}
    if input.owner_id is not UNSET:
        given["ownerId"] = uuid_of(input.owner_id, "User", "ownerId")
    if input.team_id is not UNSET:
        given["teamId"] = uuid_of(input.team_id, "Team", "teamId")
    return given


async def _change(input: UpdateRecordInput, *, prefix: str) -> tuple[Any, int, dict[str, Any]]:
    record_id = _record_id(input.id)
    item = _ownership(input)
    if input.values is not UNSET:
        item["values"] = values_in((await records.object_of(record_id)).fields, input.values, prefix=prefix)
    return record_id, input.version, item


@strawberry.type
class CustomMutations:
    @strawberry.mutation(**AUTH, description="Define a new object (admins)")
    async def create_object(self, info: Info, input: CreateObjectInput) -> CustomObjectType:
        obj = await objects.create_object(principal=principal_of(info), input=_given(input, _OBJECT_FIELDS))
        return CustomObjectType.from_def(obj)

    @strawberry.mutation(**AUTH, description="Change an object's labels, display field, search, rights or deprecation (admins)")
    async def update_object(self, info: Info, input: UpdateObjectInput) -> CustomObjectType:
        names = {k: v for k, v in _OBJECT_FIELDS.items() if k != "api_name"}
        obj = await objects.update_object(principal=principal_of(info), api_name=input.api_name, version=input.version,
                                          input=_given(input, names))
        return CustomObjectType.from_def(obj)

    @strawberry.mutation(**AUTH, description="Hide an object and its records until restored (admins)")
    async def delete_object(self, info: Info, input: ObjectRefInput) -> CustomObjectType:
        return CustomObjectType.from_def(
            await objects.delete_object(principal=principal_of(info), api_name=input.api_name, version=input.version))

    @strawberry.mutation(**AUTH, description="Bring back a deleted object with its records (admins)")
    async def restore_object(self, info: Info, input: ObjectRefInput) -> CustomObjectType:
        return CustomObjectType.from_def(await objects.restore_object(principal=principal_of(info), api_name=input.api_name))

    @strawberry.mutation(**AUTH, description="Add a field to a custom or standard object (admins)")
    async def create_field(self, info: Info, input: CreateFieldInput) -> CustomFieldType:
        field = await fields.create_field(principal=principal_of(info), object_name=input.object, input=_field_input(input))
        return CustomFieldType.from_def(field)

    @strawberry.mutation(**AUTH, description="Change a field; type changes only where values convert safely (admins)")
    async def update_field(self, info: Info, input: UpdateFieldInput) -> CustomFieldType:
        field = await fields.update_field(principal=principal_of(info), field_id=_field_id(input.id), version=input.version,
                                          input=_field_input(input))
        return CustomFieldType.from_def(field)

    @strawberry.mutation(**AUTH, description="Hide a field; its values stay until purged (admins)")
    async def delete_field(self, info: Info, input: FieldRefInput) -> CustomFieldType:
        return CustomFieldType.from_def(
            await fields.delete_field(principal=principal_of(info), field_id=_field_id(input.id), version=input.version))

    @strawberry.mutation(**AUTH, description="Bring back a deleted field with its values (admins)")
    async def restore_field(self, info: Info, input: FieldRefInput) -> CustomFieldType:
        return CustomFieldType.from_def(await fields.restore_field(principal=principal_of(info), field_id=_field_id(input.id)))

    @strawberry.mutation(**AUTH, description="Remove a deleted field's values and definition for good (admins); "
                                              "returns true")
    async def purge_field(self, info: Info, input: FieldRefInput) -> bool:
        await purge.purge_field(principal=principal_of(info), field_id=_field_id(input.id))
        return True

    @strawberry.mutation(**AUTH, description="Remove a deleted object with its records and fields for good (admins); "
                                              "returns true")
    async def purge_object(self, info: Info, input: ObjectRefInput) -> bool:
        await purge.purge_object(principal=principal_of(info), api_name=input.api_name)
        return True

    @strawberry.mutation(**AUTH, description="Set the fields' display order (admins)")
    async def reorder_fields(self, info: Info, input: ReorderFieldsInput) -> list[CustomFieldType]:
        ordered = await fields.reorder_fields(principal=principal_of(info), object_name=input.object, api_names=input.api_names)
        return [CustomFieldType.from_def(f) for f in ordered]

    @strawberry.mutation(**AUTH, description="Make a field hidden or read-only for a role, or editable again (admins)")
    async def set_field_access(self, info: Info, input: SetFieldAccessInput) -> list[FieldAccessRule]:
        level = None if input.access is FieldAccessLevel.EDITABLE else Access(input.access.value)
        rows = await access.set_field_access(principal=principal_of(info), object_name=input.object, field=input.field,
                                             role=DomainRole(input.role.value), access=level)
        return [FieldAccessRule(**row) for row in rows]

    @strawberry.mutation(**AUTH, description="Ask for an index on a custom object's fields; the indexer builds it (admins)")
    async def create_index(self, info: Info, input: CreateIndexInput) -> CustomIndexType:
        fields_ = [{"field": f.field, "descending": f.descending} for f in input.fields]
        return CustomIndexType.from_row(await indexes.create_index(principal=principal_of(info), object_name=input.object,
                                                                   fields=fields_))

    @strawberry.mutation(**AUTH, description="Drop an index; the indexer removes it (admins)")
    async def drop_index(self, info: Info, input: DropIndexInput) -> CustomIndexType:
        index_id = decode_id(input.id, expected="CustomIndex", field="id")
        return CustomIndexType.from_row(await indexes.drop_index(principal=principal_of(info), index_id=index_id))

    @strawberry.mutation(**AUTH, description="Create a record of a custom object")
    async def create_record(self, info: Info, input: CreateRecordInput) -> CustomRecordType:
        obj = await load_object(input.object)
        item = {"values": values_in(obj.fields, input.values, prefix="values."), **_ownership(input)}
        obj, rows = await records.create_records(principal=principal_of(info), object_name=input.object, items=[item])
        return CustomRecordType.from_row(obj, rows[0])

    @strawberry.mutation(**AUTH, description="Create up to 100 records of one object, all or nothing")
    async def create_records(self, info: Info, input: BulkCreateRecordsInput) -> list[CustomRecordType]:
        obj = await load_object(input.object)
        items = []
        for index, raw in enumerate(input.items):
            if not isinstance(raw, dict):
                raise InvalidInput.single(f"items.{index}", "INVALID_OBJECT", "each item is {values, ownerId?, teamId?}")
            item = {"values": values_in(obj.fields, raw.get("values"), prefix=f"items.{index}.values.")}
            for key, expected in (("ownerId", "User"), ("teamId", "Team")):
                if raw.get(key) is not None:
                    item[key] = decode_id(str(raw[key]), expected=expected, field=f"items.{index}.{key}")
            items.append(item)
        obj, rows = await records.create_records(principal=principal_of(info), object_name=input.object, items=items, bulk=True)
        return [CustomRecordType.from_row(obj, row) for row in rows]

    @strawberry.mutation(**AUTH, description="Change a record's values or owner against its version")
    async def update_record(self, info: Info, input: UpdateRecordInput) -> CustomRecordType:
        change = await _change(input, prefix="values.")
        obj, row = (await records.update_records(principal=principal_of(info), changes=[change]))[0]
        return CustomRecordType.from_row(obj, row)

    @strawberry.mutation(**AUTH, description="Change up to 100 records against their versions, all or nothing")
    async def update_records(self, info: Info, input: BulkUpdateRecordsInput) -> list[CustomRecordType]:
        changes = [await _change(item, prefix=f"items.{index}.values.") for index, item in enumerate(input.items)]
        updated = await records.update_records(principal=principal_of(info), changes=changes, bulk=True)
        return [CustomRecordType.from_row(obj, row) for obj, row in updated]

    @strawberry.mutation(**AUTH, description="Soft-delete a record")
    async def delete_record(self, info: Info, input: RecordRefInput) -> CustomRecordType:
        obj, row = await records.delete_record(principal=principal_of(info), record_id=_record_id(input.id), version=input.version)
        return CustomRecordType.from_row(obj, row)

    @strawberry.mutation(**AUTH, description="Bring back a deleted record")
    async def restore_record(self, info: Info, input: RecordRefInput) -> CustomRecordType:
        obj, row = await records.restore_record(principal=principal_of(info), record_id=_record_id(input.id))
        return CustomRecordType.from_row(obj, row)

"""Mutations of custom objects' records (per the object's rights and the fields' rights)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from api.custom.inputs import (
    BulkCreateRecordsInput,
    BulkUpdateRecordsInput,
    CreateRecordInput,
    RecordRefInput,
    UpdateRecordInput,
    uuid_of,
)
from api.custom.record_types import CustomRecordType
from api.custom.values import CUSTOM_RECORD, values_in
from api.names import domain_name
from api.permissions import principal_of
from api.records.ids import decode_id
from domain.custom import records
from domain.custom.metadata import load_object
from domain.errors import InvalidInput


def _record_id(value: Any) -> Any:
    return decode_id(value, expected=CUSTOM_RECORD, field="id")


def _ownership(input: Any) -> dict[str, Any]:
    given = {}
    if input.owner_id is not UNSET:
        given["owner_id"] = uuid_of(input.owner_id, "User", "ownerId")
    if input.team_id is not UNSET:
        given["team_id"] = uuid_of(input.team_id, "Team", "teamId")
    return given


async def _change(
    input: UpdateRecordInput, *, prefix: str
) -> tuple[Any, int | None, dict[str, Any]]:
    record_id = _record_id(input.id)
    item = _ownership(input)
    if input.values is not UNSET:
        item["values"] = values_in(
            (await records.object_of(record_id)).fields, input.values, prefix=prefix
        )
    return record_id, input.version, item


@strawberry.type
class RecordMutations:
    @strawberry.mutation(description="Create a record of a custom object")
    async def create_record(self, info: Info, input: CreateRecordInput) -> CustomRecordType:
        obj = await load_object(input.object)
        item = {
            "values": values_in(obj.fields, input.values, prefix="values."),
            **_ownership(input),
        }
        obj, rows = await records.create_records(
            principal=principal_of(info), object_name=input.object, items=[item]
        )
        return CustomRecordType.from_row(obj, rows[0])

    @strawberry.mutation(description="Create up to 100 records of one object, all or nothing")
    async def create_records(
        self, info: Info, input: BulkCreateRecordsInput
    ) -> list[CustomRecordType]:
        obj = await load_object(input.object)
        items = []
        for index, raw in enumerate(input.items):
            if not isinstance(raw, dict):
                raise InvalidInput.single(
                    f"items.{index}", "INVALID_OBJECT", "each item is {values, ownerId?, teamId?}"
                )
            item = {
                "values": values_in(obj.fields, raw.get("values"), prefix=f"items.{index}.values.")
            }
            for key, expected in (("ownerId", "User"), ("teamId", "Team")):
                if raw.get(key) is not None:
                    item[domain_name(key)] = decode_id(
                        str(raw[key]), expected=expected, field=f"items.{index}.{key}"
                    )
            items.append(item)
        obj, rows = await records.create_records(
            principal=principal_of(info), object_name=input.object, items=items, bulk=True
        )
        return [CustomRecordType.from_row(obj, row) for row in rows]

    @strawberry.mutation(description="Change a record's values or owner against its version")
    async def update_record(self, info: Info, input: UpdateRecordInput) -> CustomRecordType:
        change = await _change(input, prefix="values.")
        obj, row = (await records.update_records(principal=principal_of(info), changes=[change]))[0]
        return CustomRecordType.from_row(obj, row)

    @strawberry.mutation(
        description="Change up to 100 records against their versions, all or nothing"
    )
    async def update_records(
        self, info: Info, input: BulkUpdateRecordsInput
    ) -> list[CustomRecordType]:
        changes = [
            await _change(item, prefix=f"items.{index}.values.")
            for index, item in enumerate(input.items)
        ]
        updated = await records.update_records(
            principal=principal_of(info), changes=changes, bulk=True
        )
        return [CustomRecordType.from_row(obj, row) for obj, row in updated]

    @strawberry.mutation(description="Soft-delete a record")
    async def delete_record(self, info: Info, input: RecordRefInput) -> CustomRecordType:
        obj, row = await records.delete_record(
            principal=principal_of(info), record_id=_record_id(input.id), version=input.version
        )
        return CustomRecordType.from_row(obj, row)

    @strawberry.mutation(description="Bring back a deleted record")
    async def restore_record(self, info: Info, input: RecordRefInput) -> CustomRecordType:
        obj, row = await records.restore_record(
            principal=principal_of(info), record_id=_record_id(input.id)
        )
        return CustomRecordType.from_row(obj, row)

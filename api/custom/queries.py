"""Queries of custom objects: their definitions (every role may read them, to render forms) and
their records (filtered, sorted, keyset-paged like standard lists)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.custom.inputs import to_filter
from api.custom.record_types import CustomRecordType
from api.custom.types import (
    CustomFieldType,
    CustomIndexType,
    CustomObjectType,
    FieldAccessRule,
    ValueCount,
)
from api.custom.values import BUILT_IN_ID_TYPES, values_out
from api.permissions import AUTHENTICATED, principal_of
from api.records.dynamic import RecordFilter, RecordOrder, record_order
from api.records.ids import decode_id, encode_id
from api.records.pagination import Connection, listing_connection, page_of, page_size
from domain.custom.access import list_field_access
from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.indexes import list_indexes
from domain.custom.metadata import (
    STANDARD_OBJECTS,
    load_object,
    load_objects,
    load_standard_fields,
    record_spec,
)
from domain.custom.records import (
    count_records,
    get_custom_records,
    list_object_records,
    search_records,
)
from domain.errors import InvalidInput

AUTH = AUTHENTICATED
RECORD_SEARCH = strawberry.argument(
    description="Words (or word beginnings) in the record's text values (Chinese, "
    "Japanese and Korean text anywhere inside them); for objects marked searchable"
)


@strawberry.type
class CustomQueries:
    @strawberry.field(**AUTH, description="The tenant's custom objects with their fields")
    async def objects(self, info: Info, include_deleted: bool = False) -> list[CustomObjectType]:
        principal_of(info)
        return [
            CustomObjectType.from_def(obj)
            for obj in await load_objects(include_deleted=include_deleted)
        ]

    @strawberry.field(
        **AUTH, description="One custom object by api name (NOT_FOUND if there is none)"
    )
    async def object(self, info: Info, api_name: str) -> CustomObjectType:
        principal_of(info)
        return CustomObjectType.from_def(await load_object(api_name))

    @strawberry.field(
        **AUTH,
        description="Custom fields added to a standard object (Customer, Contact, Lead, Opportunity, Ticket)",
    )
    async def standard_fields(
        self, info: Info, object: str, include_deleted: bool = False
    ) -> list[CustomFieldType]:
        principal_of(info)
        if object not in STANDARD_OBJECTS:
            raise InvalidInput.single(
                "object", "UNKNOWN_OBJECT", f"one of {', '.join(STANDARD_OBJECTS)}"
            )
        return [
            CustomFieldType.from_def(f)
            for f in await load_standard_fields(object)
            if include_deleted or not f.deleted
        ]

    @strawberry.field(
        **AUTH, description="Field-level rights of an object (custom or standard), for every role"
    )
    async def field_access(self, info: Info, object: str) -> list[FieldAccessRule]:
        principal_of(info)
        return [
            FieldAccessRule.of(object, row) for row in await list_field_access(object_name=object)
        ]

    @strawberry.field(**AUTH, description="Indexes on a custom object's fields (admins)")
    async def indexes(self, info: Info, object: str) -> list[CustomIndexType]:
        return [
            CustomIndexType.from_row(row)
            for row in await list_indexes(principal=principal_of(info), object_name=object)
        ]

    @strawberry.field(
        **AUTH,
        description="A custom object's record by id (null if it does not exist for the caller)",
    )
    async def record(self, info: Info, id: relay.GlobalID) -> CustomRecordType | None:
        record_id = decode_id(id, expected="CustomRecord", field="id")
        found = await get_custom_records(principal=principal_of(info), ids=[record_id])
        return CustomRecordType.from_row(*found[record_id]) if record_id in found else None

    @strawberry.field(
        **AUTH,
        description="Counts of one object's records per value of a field (at most 100 values, most frequent first)",
    )
    async def record_counts(
        self,
        info: Info,
        object: str,
        field: str,
        filter: RecordFilter | None = None,
    ) -> list[ValueCount]:
        obj = await load_object(object)
        counts = await count_records(
            principal=principal_of(info),
            obj=obj,
            field=field,
            filter=to_filter(filter, obj, record_spec(obj)),
        )
        defined = obj.field(field)
        return [ValueCount(value=_shown(field, defined, value), count=n) for value, n in counts]

    @strawberry.field(
        **AUTH,
        description="Records of every searchable custom object matching the words, newest first",
    )
    async def search_records(
        self, info: Info, text: str, first: int = 20
    ) -> list[CustomRecordType]:
        found = await search_records(
            principal=principal_of(info), text=text, first=page_size(first)
        )
        return [CustomRecordType.from_row(obj, row) for obj, row in found]

    @strawberry.field(**AUTH, description="Records of one custom object")
    async def records(
        self,
        info: Info,
        object: str,
        filter: RecordFilter | None = None,
        order_by: list[RecordOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        search: Annotated[str | None, RECORD_SEARCH] = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CustomRecordType]:
        obj = await load_object(object)
        listing = await list_object_records(
            principal=principal_of(info),
            obj=obj,
            filter=to_filter(filter, obj, record_spec(obj)),
            order=record_order(order_by),
            search=search,
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, lambda row: CustomRecordType.from_row(obj, row))


def _shown(name: str, field: FieldDef | None, value: Any) -> Any:
    """A grouped value as the API shows values: ids as global ids, numbers as stored."""
    if value is None:
        return None
    if field is None:
        return (
            str(encode_id(BUILT_IN_ID_TYPES[name], value))
            if name in BUILT_IN_ID_TYPES
            else str(value)
        )
    if isinstance(value, Decimal):
        whole = field.type in (FieldType.INTEGER, FieldType.RATING) or (
            field.type is FieldType.ROLLUP and field.setting("function") == "COUNT"
        )
        value = int(value) if whole else str(value)
    return values_out((field,), {field.api_name: value}).get(field.api_name)

"""The records of custom objects, and the reverse side of custom relations: from any record
(custom or standard), the records of a custom object that point at it, batched per request like
every nested list."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.custom.files import WithFiles
from api.custom.values import CUSTOM_RECORD, id_type, values_out
from api.permissions import principal_of
from api.records import loaders
from api.records.approvals import WithApprovals
from api.records.duplicates import WithDuplicates
from api.records.history import AuditEventType, history_connection
from api.records.merged import with_merged_into
from api.records.owned import Owned
from api.records.pagination import Connection, Page, listing_connection, page_of
from api.records.record import Record
from domain.custom.fieldtypes import FieldType as DomainFieldType
from domain.custom.metadata import ObjectDef, record_spec
from domain.custom.records import get_custom_records, related_records
from domain.custom.relations import display_values
from domain.merge.lookup import merged_custom_records


@strawberry.type(description="What a relation or user field points at, with its display value")
class RelatedRecord:
    field: str
    id: relay.GlobalID
    display: str | None


@strawberry.type(name="CustomRecord", description="A record of a custom object")
class CustomRecordType(relay.Node, Record, Owned, WithApprovals, WithDuplicates, WithFiles):
    node_id: relay.NodeID[str]
    object: str = strawberry.field(description="The api name of the record's object")
    values: JSON = strawberry.field(
        description="{field api name: value}; relations and users as global ids"
    )
    obj: strawberry.Private[ObjectDef]
    data: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, obj: ObjectDef, row: dict[str, Any]) -> CustomRecordType:
        return cls(
            node_id=str(row["id"]),
            object=obj.api_name,
            values=JSON(values_out(obj.fields, row["data"])),
            obj=obj,
            data=row["data"],
            owner_id=row["owner_id"],
            team_id=row["team_id"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            deleted_at=row["deleted_at"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        wanted = [(node_id, _uuid_or_none(node_id)) for node_id in node_ids]
        ids = [i for _, i in wanted if i is not None]
        found = await get_custom_records(principal=principal_of(info), ids=ids)
        missing = [i for i in ids if i not in found]
        found.update(await merged_custom_records(principal=principal_of(info), ids=missing))
        return [
            with_merged_into(cls.from_row(*found[i]), found[i][1]) if i in found else None
            for _, i in wanted
        ]

    def attachment_type(self) -> str:
        return CUSTOM_RECORD

    async def file_fields(self, info: Info) -> tuple[Any, ...]:
        return self.obj.fields

    def file_data(self) -> dict[str, Any]:
        return self.data

    @strawberry.field(description="The value of the object's display field")
    def display(self) -> str | None:
        value = self.data.get(self.obj.display_field or "")
        return None if value is None else str(value)

    @strawberry.field(
        description="Relation and user values with the related record's display value (batched)"
    )
    async def related(self, info: Info) -> list[RelatedRecord]:
        result = []
        for field in self.obj.fields:
            value = self.data.get(field.api_name)
            if (
                field.deleted
                or value is None
                or field.type not in (DomainFieldType.RELATION, DomainFieldType.USER)
            ):
                continue
            target = id_type(field)
            display = await _displays(info, target).load(uuid.UUID(value))
            result.append(
                RelatedRecord(
                    field=field.api_name, id=relay.GlobalID(target, value), display=display
                )
            )
        return result

    @strawberry.field(description="Who changed what and when, oldest first")
    async def history(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEventType]:
        page = page_of(first, after, last, before, nested=True)
        return await history_connection(info, record_spec(self.obj), uuid.UUID(self.node_id), page)

    @strawberry.field(description="Tags (addTags / removeTags), alphabetically")
    async def tags(self, info: Info) -> list[str]:
        return await loaders.tag_names(info, record_spec(self.obj)).load(uuid.UUID(self.node_id))

    @strawberry.field(
        description="Records of a custom object whose relation `field` points at this record"
    )
    async def related_records(
        self,
        info: Info,
        object: str,
        field: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CustomRecordType]:
        page = page_of(first, after, last, before, nested=True)
        return await related_connection(info, self.obj.api_name, self.node_id, object, field, page)


async def related_connection(
    info: Info,
    parent_type: str,
    parent_id: str,
    object_name: str,
    field: str,
    page: Page,
) -> Connection[CustomRecordType]:
    """A page of `object_name` records whose relation `field` points at the parent."""
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, Any]]:
        obj, found = await related_records(
            principal=principal,
            object_name=object_name,
            field_name=field,
            parent_type=parent_type,
            parent_ids=ids,
            **page.listing_args(),
        )
        return {parent: (obj, listing) for parent, listing in found.items()}

    loader = loaders.batched(info, ("related", parent_type, object_name, field, page), load)
    obj, listing = await loader.load(uuid.UUID(parent_id))
    return listing_connection(listing, lambda row: CustomRecordType.from_row(obj, row))


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
            return {
                i: CustomRecordType.from_row(obj, row).display() for i, (obj, row) in found.items()
            }

        return loaders.batched(info, ("display", target), records)
    return loaders.batched(info, ("display", target), lambda ids: display_values(target, ids))


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None

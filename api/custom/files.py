"""Files of records in the record types: `attachments`, a connection of the record's files, and
`fileValue(field:)`, the file a FILE or IMAGE custom field holds (with its signed download link).
Both are batched across the records of a response; a record that is shown is one the caller may
read, and whoever may read a record may read its files."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from api.records import loaders
from api.records.attachments import AttachmentType
from api.records.pagination import Connection, listing_connection, nested_page_size, page_size
from domain.custom.fieldtypes import FILE_TYPES, FieldDef
from domain.errors import InvalidInput
from domain.files.attachments import Page, attachment_pages, attachment_rows


def page_of(
    first: int | None, after: str | None, last: int | None, before: str | None, *, nested: bool
) -> Page:
    """The page asked for; BAD_USER_INPUT for both `first` and `last`, or a size out of range."""
    size = nested_page_size if nested else page_size
    if first is not None and last is not None:
        raise InvalidInput.single("last", "NOT_ALLOWED", "ask for first or last, not both")
    if last is not None:
        return Page(last=size(last), before=before)
    return Page(first=size(first), after=after)


async def attachments_connection(
    info: Info, record_type: str, record_id: uuid.UUID, page: Page
) -> Connection[AttachmentType]:
    tenant_id = info.context.principal.tenant_id
    loader = loaders.batched(
        info,
        ("attachments", record_type, page),
        lambda ids: attachment_pages(record_type, ids, page),
    )
    listing = await loader.load(record_id)
    return listing_connection(listing, lambda row: AttachmentType.from_row(row, tenant_id))


async def file_value(
    info: Info,
    fields: tuple[FieldDef, ...],
    data: dict[str, Any],
    record_type: str,
    record_id: uuid.UUID,
    name: str,
) -> AttachmentType | None:
    field = next((f for f in fields if f.api_name == name and not f.deleted), None)
    if field is None or field.type not in FILE_TYPES:
        raise InvalidInput.single(
            "field", "NOT_A_FILE_FIELD", f"{name} is not a FILE or IMAGE field"
        )
    value = data.get(name)
    if value is None:
        return None
    row = await loaders.batched(info, "attachment_rows", attachment_rows).load(uuid.UUID(value))
    if row is None or row["record_type"] != record_type or row["record_id"] != record_id:
        return None  # removed since (the value stays until it is changed)
    return AttachmentType.from_row(row, info.context.principal.tenant_id)


@strawberry.type
class WithFiles:
    """Mixin: a record's files. The class says which record type its files are attached under
    (`attachment_type()`) and holds its custom fields and values (`file_fields()`, `file_data()`)."""

    def attachment_type(self) -> str:
        raise NotImplementedError

    async def file_fields(self, info: Info) -> tuple[FieldDef, ...]:
        raise NotImplementedError

    def file_data(self) -> dict[str, Any]:
        raise NotImplementedError

    @strawberry.field(
        description="The record's files, newest first (attach with POST /files/attachments/<id>)"
    )
    async def attachments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AttachmentType]:
        page = page_of(first, after, last, before, nested=True)
        return await attachments_connection(
            info,
            self.attachment_type(),
            uuid.UUID(self.node_id),  # type: ignore[attr-defined]
            page,
        )

    @strawberry.field(
        description="The file a FILE or IMAGE custom field holds (null when empty), with its download link"
    )
    async def file_value(self, info: Info, field: str) -> AttachmentType | None:
        return await file_value(
            info,
            await self.file_fields(info),
            self.file_data(),
            self.attachment_type(),
            uuid.UUID(self.node_id),  # type: ignore[attr-defined]
            field,
        )

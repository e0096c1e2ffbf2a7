"""GraphQL of attachments: a record's files (`attachments(recordId:)`), each with a signed
download link, and `deleteAttachment`. Files are attached through POST /files/attachments/<record id>."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.custom.files import page_of
from api.permissions import Authenticated, principal_of
from api.records.attachments import AttachmentType
from api.records.ids import decode_id
from api.records.pagination import Connection, listing_connection
from domain.errors import InvalidInput
from domain.files.attachments import ATTACHABLE, delete_attachment, list_attachments


@strawberry.input
class DeleteAttachmentInput:
    id: relay.GlobalID


def record_of(value: relay.GlobalID) -> tuple[str, uuid.UUID]:
    if value.type_name not in ATTACHABLE:
        raise InvalidInput.single("recordId", "INVALID_ID", f"the id of a {', '.join(ATTACHABLE)}")
    return value.type_name, decode_id(value, expected=value.type_name, field="recordId")


@strawberry.type
class AttachmentQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="A record's files, newest first (as the record's own `attachments`)",
    )
    async def attachments(
        self,
        info: Info,
        record_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AttachmentType]:
        principal = principal_of(info)
        record_type, record = record_of(record_id)
        listing = await list_attachments(
            principal=principal,
            record_type=record_type,
            record_id=record,
            page=page_of(first, after, last, before, nested=False),
        )
        return listing_connection(
            listing, lambda row: AttachmentType.from_row(row, principal.tenant_id)
        )


@strawberry.type
class AttachmentMutations:
    @strawberry.mutation(description="Remove a file from its record (who may update the record)")
    async def delete_attachment(self, info: Info, input: DeleteAttachmentInput) -> AttachmentType:
        principal = principal_of(info)
        row = await delete_attachment(
            principal=principal,
            attachment_id=decode_id(input.id, expected="Attachment", field="id"),
        )
        return AttachmentType.from_row(row, principal.tenant_id)

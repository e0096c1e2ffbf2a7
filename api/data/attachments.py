"""GraphQL of attachments: a record's files (`attachments(recordId:)`), each with a signed
download link, and `deleteAttachment`. Files are attached through POST /files/attachments/<record id>."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.data.exports import DownloadLinkType, link_of
from api.permissions import Authenticated, principal_of
from api.records import loaders
from api.records.ids import decode_id
from api.records.record import nodes_in_order
from api.records.users import UserType
from domain.errors import InvalidInput
from domain.files.attachments import (
    ATTACHABLE,
    attachments_by_id,
    delete_attachment,
    list_attachments,
)


@strawberry.type(
    name="Attachment", description="A file on a record: who may read the record may download it"
)
class AttachmentType(relay.Node):
    node_id: relay.NodeID[str]
    filename: str
    content_type: str = strawberry.field(
        description="Told from the file's bytes, not from what the uploader said"
    )
    size: int
    sha256: str
    created_at: datetime
    tenant_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: dict[str, Any], tenant_id: uuid.UUID) -> AttachmentType:
        return cls(
            node_id=str(row["id"]),
            filename=row["filename"],
            content_type=row["content_type"],
            size=row["size"],
            sha256=row["sha256"],
            created_at=row["created_at"],
            tenant_id=tenant_id,
            created_by_id=row["created_by"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal = principal_of(info)
        return await nodes_in_order(
            node_ids,
            lambda ids: attachments_by_id(principal=principal, attachment_ids=ids),
            lambda row: cls.from_row(row, principal.tenant_id),
        )

    @strawberry.field(
        description="A signed link to the file (GET it, no token needed) until it expires"
    )
    def download(self) -> DownloadLinkType:
        return link_of(self.tenant_id, uuid.UUID(self.node_id))

    @strawberry.field(description="Who attached it")
    async def created_by(self, info: Info) -> UserType | None:
        return UserType.from_row(await loaders.users(info).load(self.created_by_id))


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
        description="A record's files, newest first (at most 100)",
    )
    async def attachments(self, info: Info, record_id: relay.GlobalID) -> list[AttachmentType]:
        principal = principal_of(info)
        record_type, record = record_of(record_id)
        rows = await list_attachments(
            principal=principal, record_type=record_type, record_id=record
        )
        return [AttachmentType.from_row(row, principal.tenant_id) for row in rows]


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

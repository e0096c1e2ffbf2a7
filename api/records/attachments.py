"""The Attachment type (a file on a record, with a signed download link) and DownloadLink, in the
record kernel: the attachments area (api/data), the exports and the FILE / IMAGE custom fields
(api/custom) all show them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import principal_of
from api.records import loaders
from api.records.record import nodes_in_order
from api.records.users import UserType
from domain.files.attachments import attachments_by_id
from domain.files.links import download_link


@strawberry.type(
    name="DownloadLink",
    description="A link that downloads a file without a token, until it expires",
)
class DownloadLinkType:
    url: str = strawberry.field(
        description="A path on this server: GET it, no Authorization header needed"
    )
    expires_at: datetime


def link_of(tenant_id: uuid.UUID, file_id: uuid.UUID) -> DownloadLinkType:
    link = download_link(tenant_id, file_id)
    return DownloadLinkType(
        url=link.path, expires_at=datetime.fromtimestamp(link.expires_at, timezone.utc)
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

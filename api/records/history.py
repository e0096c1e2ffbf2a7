"""The audit trail of a record: who changed what and when, without the values the caller's role
may not see."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.names import client_name, domain_name
from api.permissions import principal_of
from api.records import loaders
from api.records.pagination import Connection, listing_connection, nested_page_size
from api.records.relations import relation
from api.records.users import UserType
from domain.records.field_access import field_rules, hidden
from domain.records.spec import RecordSpec


@strawberry.type(
    name="AuditEvent",
    description="One change to a record: who, when, and each field's old and new value",
)
class AuditEventType:
    id: strawberry.ID
    action: str
    occurred_at: datetime
    changes: JSON = strawberry.field(description="{field: [old, new]}")
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEventType:
        return cls(
            id=strawberry.ID(str(row["id"])),
            action=row["action"],
            occurred_at=row["occurred_at"],
            # Stored in the domain's names (older entries: the client's); shown as clients name fields.
            changes=JSON({client_name(name): change for name, change in row["changes"].items()}),
            actor_id=row["actor_id"],
        )

    actor = relation(column="actor_id", target=None, type=UserType)


async def history_connection(
    info: Info, spec: RecordSpec, record_id: uuid.UUID, first: int | None
) -> Connection[AuditEventType]:
    """The first page of a record's audit trail, oldest first."""
    listing = await loaders.history(info, spec, nested_page_size(first)).load(record_id)
    gone = hidden(await field_rules(principal_of(info), spec.record_type))
    if gone:  # the trail must not show values the caller's role may not see
        listing.rows = [
            {
                **row,
                "changes": {k: v for k, v in row["changes"].items() if domain_name(k) not in gone},
            }
            for row in listing.rows
        ]
    return listing_connection(listing, AuditEventType.from_row)


@strawberry.type
class WithHistory:
    """Mixin: the record's audit trail (the class names its RecordSpec in SPEC)."""

    SPEC: ClassVar[RecordSpec]

    @strawberry.field(description="Who changed what and when, oldest first")
    async def history(self, info: Info, first: int | None = None) -> Connection[AuditEventType]:
        return await history_connection(info, self.SPEC, uuid.UUID(self.node_id), first)  # type: ignore[attr-defined]

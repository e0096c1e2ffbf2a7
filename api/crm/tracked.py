"""The Tracked mixin of CRM records: their tags, their activity timeline and their history."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from api.records import loaders
from api.records.approvals import WithApprovals
from api.records.history import WithHistory
from api.records.pagination import Connection, listing_connection, page_of
from api.records.relations import lazy_type, resolve_type
from domain.crm.activities import ACTIVITY_SPEC

ActivityRef = lazy_type("api.crm.activities", "ActivityType")


@strawberry.type
class Tracked(WithHistory, WithApprovals):
    """Mixin: tags, the activity timeline, the history and the approval requests of a record."""

    @strawberry.field
    async def tags(self, info: Info) -> list[str]:
        return await loaders.tag_names(info, self.SPEC).load(uuid.UUID(self.node_id))  # type: ignore[attr-defined]

    @strawberry.field(description="Activities logged on the record, oldest first")
    async def timeline(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ActivityRef]:
        scope = {"record_type": self.SPEC.record_type}
        page = page_of(first, after, last, before, nested=True)
        record_id = uuid.UUID(self.node_id)  # type: ignore[attr-defined]
        listing = await loaders.children(info, ACTIVITY_SPEC, "record_id", page, scope).load(
            record_id
        )
        return listing_connection(listing, resolve_type(ActivityRef).from_row)

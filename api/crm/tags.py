"""Tags on customers, contacts, leads, opportunities, tickets and custom records: the list of the
tenant's tags, and addTags / removeTags."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.custom.values import CUSTOM_RECORD
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id, decode_record_id
from api.records.nodes import load_nodes
from api.records.pagination import Connection, listing_connection, page_of
from domain.crm import tags
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.custom.metadata import record_spec
from domain.custom.records import object_of
from domain.records.spec import RecordSpec

TAGGABLE = {
    spec.record_type: spec
    for spec in (CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC, OPPORTUNITY_SPEC, TICKET_SPEC)
}


@strawberry.type(description="A label records carry (matched case-insensitively)")
class Tag(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    color: str | None
    usage: int = strawberry.field(description="How many records carry it")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tag:
        return cls(node_id=str(row["id"]), name=row["name"], color=row["color"], usage=row["usage"])

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, tags.tags_by_ids)


@strawberry.input
class TagsInput:
    record_id: relay.GlobalID = strawberry.field(
        description="A Customer, Contact, Lead, Opportunity, Ticket or CustomRecord"
    )
    names: list[str]


@strawberry.type
class TagQueries:
    @strawberry.field(permission_classes=[Authenticated], description="The tenant's tags by name")
    async def tags(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Tag]:
        listing = await tags.page_tags(
            principal=principal_of(info), **page_of(first, after, last, before).listing_args()
        )
        return listing_connection(listing, Tag.from_row)


async def _target(input: TagsInput) -> tuple[RecordSpec, uuid.UUID]:
    if input.record_id.type_name == CUSTOM_RECORD:
        record_id = decode_id(input.record_id, expected=CUSTOM_RECORD, field="recordId")
        return record_spec(await object_of(record_id)), record_id
    return decode_record_id(input.record_id, TAGGABLE, field="recordId")


@strawberry.type
class TagMutations:
    @strawberry.mutation(description="Tags are created on first use; returns the record's tags")
    async def add_tags(self, info: Info, input: TagsInput) -> list[str]:
        spec, record_id = await _target(input)
        return await tags.change_tags(
            spec, record_id, principal=principal_of(info), add=input.names
        )

    @strawberry.mutation(description="Returns the record's remaining tags")
    async def remove_tags(self, info: Info, input: TagsInput) -> list[str]:
        spec, record_id = await _target(input)
        return await tags.change_tags(
            spec, record_id, principal=principal_of(info), remove=input.names
        )

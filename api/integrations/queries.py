"""Queries of inbound endpoints and their request log (tenant admins)."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.integrations.types import InboundEndpointType, InboundRequestType
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id
from api.records.pagination import Connection, listing_connection, page_of
from domain.integrations import endpoints, process

AUTH = AUTHENTICATED


@strawberry.type
class IntegrationQueries:
    @strawberry.field(**AUTH, description="The tenant's inbound webhooks and web forms (admins)")
    async def inbound_endpoints(self, info: Info) -> list[InboundEndpointType]:
        return [
            InboundEndpointType.from_row(r)
            for r in await endpoints.list_endpoints(principal=principal_of(info))
        ]

    @strawberry.field(
        **AUTH,
        description="What inbound endpoints received and what became of it, newest first (admins)",
    )
    async def inbound_requests(
        self,
        info: Info,
        endpoint_id: relay.GlobalID | None = None,
        status: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InboundRequestType]:
        endpoint = (
            decode_id(endpoint_id, expected="InboundEndpoint", field="endpointId")
            if endpoint_id
            else None
        )
        listing = await process.page_requests(
            principal=principal_of(info),
            endpoint_id=endpoint,
            status=status,
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, InboundRequestType.from_row)

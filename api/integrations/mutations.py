"""Mutations of inbound endpoints (tenant admins)."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.integrations.inputs import (
    CreateInboundEndpointInput,
    InboundEndpointRefInput,
    InboundRequestRefInput,
    UpdateInboundEndpointInput,
    given,
)
from api.integrations.types import (
    InboundEndpointType,
    InboundEndpointWithSecret,
    InboundRequestType,
)
from api.permissions import principal_of
from api.records.ids import decode_id
from domain.integrations import endpoints, process


@strawberry.type
class IntegrationMutations:
    @strawberry.mutation(
        description="Create an inbound webhook or web form (admins); a webhook's secret is shown only now"
    )
    async def create_inbound_endpoint(
        self, info: Info, input: CreateInboundEndpointInput
    ) -> InboundEndpointWithSecret:
        row, secret = await endpoints.create_endpoint(
            principal=principal_of(info), input=given(input)
        )
        return InboundEndpointWithSecret(endpoint=InboundEndpointType.from_row(row), secret=secret)

    @strawberry.mutation(description="Change an inbound endpoint against its version")
    async def update_inbound_endpoint(
        self, info: Info, input: UpdateInboundEndpointInput
    ) -> InboundEndpointType:
        row = await endpoints.update_endpoint(
            principal=principal_of(info),
            endpoint_id=_endpoint(input.id),
            version=input.version,
            input=given(input),
        )
        return InboundEndpointType.from_row(row)

    @strawberry.mutation(
        description="Replace a webhook's secret (at once: the sender must switch); shown only now"
    )
    async def rotate_inbound_endpoint_secret(
        self, info: Info, input: InboundEndpointRefInput
    ) -> InboundEndpointWithSecret:
        row, secret = await endpoints.rotate_secret(
            principal=principal_of(info), endpoint_id=_endpoint(input.id)
        )
        return InboundEndpointWithSecret(endpoint=InboundEndpointType.from_row(row), secret=secret)

    @strawberry.mutation(
        description="Delete an inbound endpoint: its URL stops answering; its request log stays"
    )
    async def delete_inbound_endpoint(
        self, info: Info, input: InboundEndpointRefInput
    ) -> InboundEndpointType:
        return InboundEndpointType.from_row(
            await endpoints.delete_endpoint(
                principal=principal_of(info), endpoint_id=_endpoint(input.id)
            )
        )

    @strawberry.mutation(
        description="Process a FAILED request again (after fixing the mapping); returns it"
    )
    async def reprocess_inbound_request(
        self, info: Info, input: InboundRequestRefInput
    ) -> InboundRequestType:
        principal = principal_of(info)
        request_id = decode_id(input.id, expected="InboundRequest", field="id")
        await process.reprocess(principal=principal, request_id=request_id)
        [row] = await process.list_requests(
            principal=principal, endpoint_id=None, status=None, request_id=request_id
        )
        return InboundRequestType.from_row(row)


def _endpoint(value: relay.GlobalID) -> uuid.UUID:
    return decode_id(value, expected="InboundEndpoint", field="id")

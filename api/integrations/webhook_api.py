"""Queries and mutations of outgoing webhooks (tenant admins)."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.given import given_fields
from api.integrations.webhook_types import (
    WebhookDeliveryType,
    WebhookEndpointType,
    WebhookEndpointWithSecret,
)
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id
from api.records.pagination import Connection, listing_connection, page_of
from domain.integrations import webhook_admin, webhook_endpoints

AUTH = AUTHENTICATED


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str] = strawberry.field(
        description="*, <Object>.* or <Object>.<action>, e.g. Lead.created"
    )
    description: str | None = None
    enabled: bool = True


@strawberry.input
class UpdateWebhookEndpointInput:
    id: relay.GlobalID
    version: int
    url: str | None = UNSET
    event_types: list[str] | None = UNSET
    description: str | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class RotateWebhookSecretInput:
    id: relay.GlobalID
    overlap_hours: float = strawberry.field(
        default=24, description="How long the old secret keeps signing too (at most a week)"
    )


@strawberry.input
class WebhookEndpointRefInput:
    id: relay.GlobalID


@strawberry.input
class WebhookDeliveryRefInput:
    id: relay.GlobalID


_NAMES = {
    "url": "url",
    "event_types": "eventTypes",
    "description": "description",
    "enabled": "enabled",
}


def _given(input: object) -> dict:
    return given_fields(input, _NAMES)


def _endpoint(value: relay.GlobalID) -> uuid.UUID:
    return decode_id(value, expected="WebhookEndpoint", field="id")


@strawberry.type
class WebhookQueries:
    @strawberry.field(**AUTH, description="The tenant's outgoing webhook endpoints (admins)")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpointType]:
        return [
            WebhookEndpointType.from_row(r)
            for r in await webhook_endpoints.list_endpoints(principal=principal_of(info))
        ]

    @strawberry.field(**AUTH, description="Deliveries, newest first, with every attempt (admins)")
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: relay.GlobalID | None = None,
        status: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WebhookDeliveryType]:
        endpoint = (
            decode_id(endpoint_id, expected="WebhookEndpoint", field="endpointId")
            if endpoint_id
            else None
        )
        listing = await webhook_admin.page_deliveries(
            principal=principal_of(info),
            endpoint_id=endpoint,
            status=status,
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, WebhookDeliveryType.from_row)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Create an outgoing webhook endpoint (admins); its secret is shown only now"
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointWithSecret:
        row, secret = await webhook_endpoints.create_endpoint(
            principal=principal_of(info), input=_given(input)
        )
        return WebhookEndpointWithSecret(endpoint=WebhookEndpointType.from_row(row), secret=secret)

    @strawberry.mutation(description="Change, enable or disable an endpoint against its version")
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointType:
        row = await webhook_endpoints.update_endpoint(
            principal=principal_of(info),
            endpoint_id=_endpoint(input.id),
            version=input.version,
            input=_given(input),
        )
        return WebhookEndpointType.from_row(row)

    @strawberry.mutation(
        description="A new secret; the old one keeps signing (both signatures sent) for overlapHours"
    )
    async def rotate_webhook_secret(
        self, info: Info, input: RotateWebhookSecretInput
    ) -> WebhookEndpointWithSecret:
        row, secret = await webhook_endpoints.rotate_secret(
            principal=principal_of(info),
            endpoint_id=_endpoint(input.id),
            overlap_hours=input.overlap_hours,
        )
        return WebhookEndpointWithSecret(endpoint=WebhookEndpointType.from_row(row), secret=secret)

    @strawberry.mutation(
        description="Delete an endpoint: nothing more is sent to it; its log stays"
    )
    async def delete_webhook_endpoint(
        self, info: Info, input: WebhookEndpointRefInput
    ) -> WebhookEndpointType:
        row = await webhook_endpoints.delete_endpoint(
            principal=principal_of(info), endpoint_id=_endpoint(input.id)
        )
        return WebhookEndpointType.from_row(row)

    @strawberry.mutation(
        description="Send a webhook.test event to the endpoint now; the delivery with its attempt"
    )
    async def send_test_webhook(
        self, info: Info, input: WebhookEndpointRefInput
    ) -> WebhookDeliveryType:
        return WebhookDeliveryType.from_row(
            await webhook_admin.send_test(
                principal=principal_of(info), endpoint_id=_endpoint(input.id)
            )
        )

    @strawberry.mutation(
        description="Send a delivery's payload again now, as a new delivery (a new webhook-id)"
    )
    async def resend_webhook_delivery(
        self, info: Info, input: WebhookDeliveryRefInput
    ) -> WebhookDeliveryType:
        delivery = decode_id(input.id, expected="WebhookDelivery", field="id")
        return WebhookDeliveryType.from_row(
            await webhook_admin.resend(principal=principal_of(info), delivery_id=delivery)
        )

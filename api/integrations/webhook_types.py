"""GraphQL types of outgoing webhooks: endpoints, deliveries and their attempts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.records.nodes import load_nodes, load_spec_nodes
from domain.integrations.webhook_admin import deliveries_by_ids
from domain.integrations.webhook_endpoints import WEBHOOK_SPEC


@strawberry.type(
    name="WebhookEndpoint", description="Where Tessera sends signed events (Standard Webhooks v1)"
)
class WebhookEndpointType(relay.Node):
    node_id: relay.NodeID[str]
    url: str
    description: str | None
    event_types: list[str] = strawberry.field(
        description="*, <Object>.* or <Object>.<action>, e.g. Lead.created"
    )
    enabled: bool
    disabled_reason: str | None = strawberry.field(
        description="Why Tessera disabled it (410 Gone, 5 days of failures)"
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, WEBHOOK_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WebhookEndpointType:
        return cls(
            node_id=str(row["id"]),
            url=row["url"],
            description=row["description"],
            event_types=list(row["event_types"]),
            enabled=row["enabled"],
            disabled_reason=row["disabled_reason"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="An endpoint with its secret: shown only when made or rotated")
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpointType
    secret: str = strawberry.field(
        description="whsec_...: verify signatures with it; it is not shown again"
    )


@strawberry.type(name="WebhookAttempt", description="One try to deliver")
class WebhookAttemptType:
    attempted_at: datetime
    status_code: int | None
    response_ms: float | None
    response_body: str | None = strawberry.field(description="The start of the receiver's answer")
    error: str | None


@strawberry.type(
    name="WebhookDelivery", description="One event for one endpoint, with every attempt"
)
class WebhookDeliveryType(relay.Node):
    node_id: relay.NodeID[str]
    endpoint_id: relay.GlobalID
    event_type: str
    payload: JSON
    status: str = strawberry.field(
        description="PENDING (being sent or waiting for a retry), SUCCEEDED or FAILED"
    )
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    webhook_id: str = strawberry.field(
        description="The webhook-id header it is sent with, the same on every attempt"
    )
    attempts: list[WebhookAttemptType]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, deliveries_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WebhookDeliveryType:
        payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        return cls(
            node_id=str(row["id"]),
            endpoint_id=relay.GlobalID("WebhookEndpoint", str(row["endpoint_id"])),
            event_type=row["event_type"],
            payload=payload,
            status=row["status"],
            attempt_count=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_status_code=row["last_status_code"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
            webhook_id=f"msg_{row['id']}",
            attempts=[
                WebhookAttemptType(
                    attempted_at=a["attempted_at"],
                    status_code=a["status_code"],
                    response_ms=a["response_ms"],
                    response_body=a["response_body"],
                    error=a["error"],
                )
                for a in row["attempt_log"]
            ],
        )

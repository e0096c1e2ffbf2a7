"""GraphQL types of inbound endpoints and their requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.integrations.external import record_global_id
from api.records.nodes import load_nodes, load_spec_nodes
from domain.integrations.endpoints import ENDPOINT_SPEC, public_id
from domain.integrations.process import requests_by_ids


@strawberry.type(
    name="InboundEndpoint",
    description="Where other systems push data in: a signed webhook or a public web form",
)
class InboundEndpointType(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    kind: str = strawberry.field(description="WEBHOOK or FORM")
    object: str = strawberry.field(description="The object its requests create or update")
    mapping: JSON = strawberry.field(
        description='{"fields": {field: "$.path"}, "constants": {...}, "externalId": {"system", "path"}}'
    )
    verification: str | None = strawberry.field(
        description="STANDARD (Standard Webhooks) or HMAC (of the body, in signatureHeader)"
    )
    signature_header: str | None
    honeypot: str | None = strawberry.field(
        description="A form field people leave empty; posts that fill it are dropped"
    )
    rate_per_minute: int = strawberry.field(description="Form posts per client address per minute")
    enabled: bool
    path: str = strawberry.field(
        description="Where to send requests, on this server: /hooks/<id> or /forms/<id>"
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, ENDPOINT_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InboundEndpointType:
        route = "hooks" if row["kind"] == "WEBHOOK" else "forms"
        return cls(
            node_id=str(row["id"]),
            name=row["name"],
            kind=row["kind"],
            object=row["object"],
            mapping=row["mapping"],
            verification=row["verification"],
            signature_header=row["signature_header"],
            honeypot=row["honeypot"],
            rate_per_minute=row["rate_per_minute"],
            enabled=row["enabled"],
            path=f"/{route}/{public_id(row['tenant_id'], row['id'])}",
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="An endpoint with its secret: shown only when made or rotated")
class InboundEndpointWithSecret:
    endpoint: InboundEndpointType
    secret: str | None = strawberry.field(
        description="Keep it: it is not shown again (none for forms)"
    )


@strawberry.type(
    name="InboundRequest",
    description="One request an inbound endpoint received, and what became of it",
)
class InboundRequestType(relay.Node):
    node_id: relay.NodeID[str]
    endpoint_id: relay.GlobalID
    status: str = strawberry.field(
        description="ACCEPTED (waiting for a worker), PROCESSED, FAILED (see error) or REJECTED (refused)"
    )
    error: str | None
    body: str = strawberry.field(
        description="What was received (of a refused request, at most 10,000 characters)"
    )
    record_type: str | None
    record_id: relay.GlobalID | None = strawberry.field(
        description="The record it created or updated"
    )
    received_at: datetime
    processed_at: datetime | None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, requests_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InboundRequestType:
        record = (
            record_global_id(row["record_type"], row["record_id"]) if row["record_id"] else None
        )
        return cls(
            node_id=str(row["id"]),
            endpoint_id=relay.GlobalID("InboundEndpoint", str(row["endpoint_id"])),
            status=row["status"],
            error=row["error"],
            body=row["body"],
            record_type=row["record_type"],
            record_id=record,
            received_at=row["received_at"],
            processed_at=row["processed_at"],
        )

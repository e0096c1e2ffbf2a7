"""Inputs of inbound endpoints, and the global ids admins may write in a mapping's constants."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from api.given import given_fields
from api.records.ids import raw_ids

MAPPING_HELP = '{"fields": {"personName": "$.name"}, "constants": {"sourceChannel": "WEB_FORM"}, "externalId": {"system": "shop", "path": "$.id"}}'


@strawberry.input
class CreateInboundEndpointInput:
    name: str
    kind: str = strawberry.field(description="WEBHOOK (signed) or FORM (public)")
    object: str = strawberry.field(
        description="Lead, Customer, Contact, Opportunity, Ticket or a custom object's api name"
    )
    mapping: JSON = strawberry.field(description=MAPPING_HELP)
    verification: str | None = strawberry.field(
        default=None, description="Webhooks: STANDARD or HMAC"
    )
    signature_header: str | None = strawberry.field(
        default=None, description="HMAC: the header carrying the body's HMAC-SHA256"
    )
    honeypot: str | None = strawberry.field(
        default=None, description="Forms: a hidden field that only bots fill in"
    )
    rate_per_minute: int | None = strawberry.field(
        default=None, description="Forms: posts per client address per minute (60)"
    )
    enabled: bool = True


@strawberry.input
class UpdateInboundEndpointInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    mapping: JSON | None = UNSET
    verification: str | None = UNSET
    signature_header: str | None = UNSET
    honeypot: str | None = UNSET
    rate_per_minute: int | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class InboundEndpointRefInput:
    id: relay.GlobalID


@strawberry.input
class InboundRequestRefInput:
    id: relay.GlobalID


FIELDS = {
    "name": "name",
    "kind": "kind",
    "object": "object",
    "mapping": "mapping",
    "verification": "verification",
    "signature_header": "signatureHeader",
    "honeypot": "honeypot",
    "rate_per_minute": "ratePerMinute",
    "enabled": "enabled",
}


def given(input: Any) -> dict[str, Any]:
    """The fields the caller sent, by domain name; global ids among the mapping's constants
    (e.g. a campaignId) become the UUIDs the records store."""
    values = given_fields(input, FIELDS)
    if values.get("ratePerMinute") is None:
        values.pop("ratePerMinute", None)  # left to its default
    mapping = values.get("mapping")
    if isinstance(mapping, dict) and isinstance(mapping.get("constants"), dict):
        values["mapping"] = {**mapping, "constants": raw_ids(mapping["constants"])}
    return values

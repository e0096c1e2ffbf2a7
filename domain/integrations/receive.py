"""Receiving at an inbound endpoint: check, log, acknowledge. Processing (the mapping and the
upsert) happens later in a worker: the request is stored with an outbox event in one transaction,
so an acknowledged request is never lost, even with redis down.

Webhooks are verified by their Standard Webhooks signature (`webhook-id`, `webhook-timestamp`
within 5 minutes, `webhook-signature`) or by an HMAC-SHA256 of the body in the endpoint's header
(hex, `sha256=<hex>` or base64). The same message id on the same endpoint is accepted once
(replays and retries of the sender answer 200 without doing anything again)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from domain.events import emit
from domain.integrations.endpoints import live_endpoint
from domain.outbound.signing import sign
from domain.storable import made_storable, unstorable_json
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 256 * 1024
MAX_REJECTED_BODY = 10_000  # what is kept of a request that was refused
ID_HEADERS = ("webhook-id", "idempotency-key", "x-request-id")
RECEIVED = "InboundRequest.received"


@dataclass(frozen=True)
class Receipt:
    status: int  # the HTTP status to answer with
    message: str
    request_id: uuid.UUID | None = None


async def receive_webhook(endpoint_id: uuid.UUID, headers: dict[str, str], body: bytes) -> Receipt:
    """`headers` with lower-case names."""
    endpoint = await live_endpoint(endpoint_id)
    if endpoint is None or endpoint["kind"] != "WEBHOOK":
        return Receipt(404, "no such endpoint")
    if not endpoint["enabled"]:
        return await _reject(endpoint, body, 403, "the endpoint is disabled")
    if len(body) > MAX_BODY_BYTES:
        return await _reject(endpoint, body, 413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    problem = _verify(endpoint, headers, body)
    if problem:
        return await _reject(endpoint, body, 401 if "signature" in problem else 400, problem)
    try:
        text = body.decode("utf-8")
        problem = unstorable_json(json.loads(text))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser's depth
        return await _reject(endpoint, body, 400, "the body is not UTF-8 JSON")
    if problem:
        return await _reject(endpoint, body, 400, f"the body cannot be taken in: {problem}")
    message_id = (
        next((headers[h] for h in ID_HEADERS if headers.get(h)), None)
        or hashlib.sha256(body).hexdigest()
    )
    return await _accept(
        endpoint, text, made_storable(message_id[:200]), headers.get("content-type")
    )


async def form_endpoint(endpoint_id: uuid.UUID) -> dict[str, Any] | None:
    """The enabled form endpoint with this id (for the caller's rate limit), or None."""
    endpoint = await live_endpoint(endpoint_id)
    return endpoint if endpoint and endpoint["kind"] == "FORM" and endpoint["enabled"] else None


async def receive_form(endpoint: dict[str, Any], fields: dict[str, Any]) -> Receipt:
    """A public form post: no signature; a filled honeypot field marks a bot, which is told all is
    well and whose post is logged as REJECTED and not processed. A post that cannot be stored is
    refused (400) and not logged: no one signed it."""
    problem = unstorable_json(fields, root="")
    if problem:
        return Receipt(400, f"the form cannot be taken in: {problem}")
    body = json.dumps(fields)
    if len(body) > MAX_BODY_BYTES:
        return await _reject(
            endpoint, body.encode(), 413, f"the form is larger than {MAX_BODY_BYTES} bytes"
        )
    if endpoint["honeypot"] and str(fields.get(endpoint["honeypot"]) or "").strip():
        receipt = await _reject(
            endpoint, body.encode(), 202, "the honeypot field was filled in (a bot)"
        )
        return Receipt(202, "received", receipt.request_id)
    return await _accept(endpoint, body, None, "application/json")


def _verify(endpoint: dict[str, Any], headers: dict[str, str], body: bytes) -> str | None:
    """Why the request is refused, or None."""
    stamp = headers.get("webhook-timestamp")
    if stamp is not None or endpoint["verification"] == "STANDARD":
        try:
            if abs(time.time() - int(stamp or "")) > TOLERANCE_SECONDS:
                return "the webhook-timestamp is more than 5 minutes away from now"
        except ValueError:
            return "a webhook-timestamp (seconds since 1970) is required"
    if endpoint["verification"] == "STANDARD":
        message_id = headers.get("webhook-id")
        if not message_id:
            return "a webhook-id is required"
        expected = sign(
            endpoint["secret"], message_id, int(stamp or ""), body
        )  # a bad stamp returned above
        signatures = headers.get("webhook-signature", "").split()
        return (
            None
            if any(hmac.compare_digest(expected, g) for g in signatures)
            else "the webhook-signature does not match"
        )
    digest = hmac.new(endpoint["secret"].encode(), body, hashlib.sha256).digest()
    given = headers.get(endpoint["signature_header"].lower(), "").strip()
    given = given.split("=", 1)[1] if given.lower().startswith("sha256=") else given
    matches = any(
        hmac.compare_digest(candidate, given)
        for candidate in (digest.hex(), base64.b64encode(digest).decode())
    )
    return (
        None
        if given and matches
        else f"the signature in {endpoint['signature_header']} does not match"
    )


async def _accept(
    endpoint: dict[str, Any], body: str, message_id: str | None, content_type: str | None
) -> Receipt:
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO inbound_request (tenant_id, id, endpoint_id, message_id, content_type, body, status) "
        "VALUES ($1, $2, $3, $4, $5, $6, 'ACCEPTED') "
        "ON CONFLICT (tenant_id, endpoint_id, message_id) WHERE message_id IS NOT NULL DO NOTHING RETURNING id",
        [current_tenant_id(), new_id(), endpoint["id"], message_id, content_type, body],
    )
    if not rows:
        return Receipt(200, "already received")  # a replay or a retry: accepted once, before
    request_id = rows[0]["id"]
    # Processed by a worker once this commits (the relay delivers the event).
    await emit(
        "InboundRequest",
        [(request_id, "received", {"endpoint_id": [None, str(endpoint["id"])]})],
        actor_id=None,
    )
    return Receipt(202, "received", request_id)


async def _reject(endpoint: dict[str, Any], body: bytes, status: int, reason: str) -> Receipt:
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO inbound_request (tenant_id, id, endpoint_id, body, status, error) VALUES ($1, $2, $3, $4, 'REJECTED', $5) "
        "RETURNING id",
        [
            current_tenant_id(),
            new_id(),
            endpoint["id"],
            made_storable(body[:MAX_REJECTED_BODY].decode(errors="replace")),
            reason,
        ],
    )
    return Receipt(status, reason, rows[0]["id"])

"""What admins do with outgoing webhooks beyond defining endpoints: read the delivery log, send a
test event, resend any delivery. Test and resend are sent at once and report their outcome."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.integrations.webhook_delivery import (
    TEST_EVENT,
    attempt_here,
    create_delivery,
    list_deliveries,
)
from domain.integrations.webhook_endpoints import WEBHOOK_SPEC, get_endpoint
from domain.records.by_ids import rows_by_ids
from domain.records.rights import Action
from tenants.context import current_tenant_id, tenant_connection


async def deliveries(
    *,
    principal: Principal,
    endpoint_id: uuid.UUID | None,
    status: str | None,
    first: int = 50,
    delivery_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    WEBHOOK_SPEC.require(principal, Action.READ)
    return await list_deliveries(endpoint_id, status, first, delivery_id)


async def send_test(*, principal: Principal, endpoint_id: uuid.UUID) -> dict[str, Any]:
    """A `webhook.test` event to the endpoint, sent now; the delivery, with its attempt (a disabled
    endpoint's test fails as such)."""
    WEBHOOK_SPEC.require(principal, Action.UPDATE)
    endpoint = await get_endpoint(endpoint_id)
    payload = {
        "type": TEST_EVENT,
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "data": {"endpointId": str(endpoint["id"]), "message": "A test event from Tessera"},
    }
    return await _send_now(await create_delivery(endpoint_id, TEST_EVENT, payload))


async def resend(*, principal: Principal, delivery_id: uuid.UUID) -> dict[str, Any]:
    """The same payload again, as a new delivery (a new `webhook-id`, so receivers process it again)."""
    WEBHOOK_SPEC.require(principal, Action.UPDATE)
    found = await list_deliveries(None, None, 1, delivery_id)
    if not found:
        raise NotFound("delivery not found")
    [original] = found
    await get_endpoint(original["endpoint_id"])  # not of a deleted endpoint
    return await _send_now(
        await create_delivery(original["endpoint_id"], original["event_type"], original["payload"])
    )


async def _send_now(delivery_id: uuid.UUID) -> dict[str, Any]:
    await attempt_here(delivery_id)
    return (await list_deliveries(None, None, 1, delivery_id))[0]


async def deliveries_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The deliveries among `ids`, by id, each with its attempts, for those who may read the
    webhook endpoints."""
    WEBHOOK_SPEC.require(principal, Action.READ)
    rows = await rows_by_ids("webhook_delivery", ids)
    attempts = await tenant_connection().execute_query_dict(
        "SELECT * FROM webhook_attempt WHERE tenant_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY attempted_at, id",
        [current_tenant_id(), list(rows)],
    )
    by_delivery: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt["delivery_id"], []).append(attempt)
    return {key: {**row, "attempt_log": by_delivery.get(key, [])} for key, row in rows.items()}

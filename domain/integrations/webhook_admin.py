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
from domain.records.by_ids import spec_rows_by_ids
from domain.records.listing import Listing, list_log
from domain.records.rights import READ_ONLY, Action
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection


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
    rows = await spec_rows_by_ids(DELIVERY_SPEC, ids, principal=principal)
    attempts = await _attempts_of(list(rows))
    return {key: {**row, "attempt_log": attempts.get(key, [])} for key, row in rows.items()}


DELIVERY_SPEC = RecordSpec(
    record_type="WebhookDelivery",
    table="webhook_delivery",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("endpoint_id", "endpoint_id", Kind.UUID),
        FieldSpec("event_id", "event_id", Kind.UUID),
        FieldSpec("event_type", "event_type", Kind.TEXT),
        FieldSpec("payload", "payload", Kind.JSON, filterable=False),
        FieldSpec("status", "status", Kind.TEXT),
        FieldSpec("attempts", "attempts", Kind.INT),
        FieldSpec("next_attempt_at", "next_attempt_at", Kind.DATETIME),
        FieldSpec("last_status_code", "last_status_code", Kind.INT),
        FieldSpec("last_error", "last_error", Kind.TEXT),
        FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
        FieldSpec("delivered_at", "delivered_at", Kind.DATETIME),
    ),
    owned=False,
    soft_delete=False,
    scope_area=WEBHOOK_SPEC.scope_area,
    rights={role: READ_ONLY for role in WEBHOOK_SPEC.rights},
)


async def page_deliveries(
    *,
    principal: Principal,
    endpoint_id: uuid.UUID | None,
    status: str | None,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the delivery log, newest first, each delivery with its attempts."""
    listing = await list_log(
        DELIVERY_SPEC,
        principal=principal,
        newest="created_at",
        where={"endpoint_id": endpoint_id, "status": status},
        first=first,
        after=after,
        before=before,
        backward=backward,
    )
    attempts = await _attempts_of([row["id"] for row in listing.rows])
    for row in listing.rows:
        row["attempt_log"] = attempts.get(row["id"], [])
    return listing


async def _attempts_of(delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    attempts = await tenant_connection().execute_query_dict(
        "SELECT * FROM webhook_attempt WHERE tenant_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY attempted_at, id",
        [current_tenant_id(), delivery_ids],
    )
    by_delivery: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt["delivery_id"], []).append(attempt)
    return by_delivery

"""Delivering outgoing webhooks.

Fan-out: when a worker handles a domain event it writes one delivery per endpoint that wants the
event, in the event's transaction (one per endpoint and event, however often the event arrives).
Sending happens outside any transaction: a delivery is claimed (leased for a while, so no other
sender takes it), sent with a time limit, and its outcome recorded. A sender that dies mid-way
leaves the lease to expire, and the delivery goes again with the same `webhook-id`.

Retries follow the Standard Webhooks schedule (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 14 h, 20 h and 24 h, each with up to 10% jitter; a longer Retry-After is honoured). An
answer of 410 Gone disables the endpoint at once; an endpoint failing without a single success
for 5 days is disabled and the tenant's admins are notified."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from domain.automation.targets import known_type, record_values, spec_of
from domain.config_cache import VersionedCache
from domain.errors import describe
from domain.events import Event
from domain.identity.directory import MAX_MEMBERS_PAGE, list_members
from domain.integrations.webhook_endpoints import signing_secrets, wants
from domain.notifications import notify_users_translated
from domain.outbound.guard import BlockedAddress
from domain.outbound.http import json_body, send_signed
from domain.records.global_ids import global_id, with_global_ids
from domain.records.naming import client_keys
from domain.telemetry import report
from tenants.context import current_tenant_id, tenant_connection, tenant_transaction
from tenants.ids import new_id

RETRY_DELAYS = tuple(
    timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = timedelta(days=5)
LEASE = timedelta(minutes=2)
MAX_RETRY_AFTER = timedelta(hours=24)
SEND_CONCURRENCY = 10
TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    ms: float
    body: str | None
    error: str | None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def _enabled_endpoints() -> list[dict[str, Any]]:
    return await tenant_connection().execute_query_dict(
        "SELECT id, event_types FROM webhook_endpoint WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL",
        [current_tenant_id()],
    )


_ENDPOINTS = VersionedCache(
    _enabled_endpoints
)  # per process, checked against the event's config version


async def fan_out(event: Event) -> list[uuid.UUID]:
    """Deliveries of the event to every enabled endpoint that wants it (records' events only)."""
    rows = await _ENDPOINTS.get(event.config_version)
    targets = [row["id"] for row in rows if wants(row["event_types"], event.event_type)]
    if not targets or not await known_type(event.record_type):
        return []
    record = await record_values(event.record_type, event.record_id)
    spec = await spec_of(event.record_type)
    # Ids are the API's global ids (node(id:) reads them); `rawId` is the UUID, for partners
    # that key on it.
    payload = {
        "type": event.event_type,
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "object": event.record_type,
            "id": global_id(event.record_type, event.record_id),
            "rawId": str(event.record_id),
            # The payload is the client's document: field names as GraphQL spells them.
            "changes": client_keys(with_global_ids(spec, event.changes or {})),
            "record": None if record is None else client_keys(with_global_ids(spec, record)),
        },
    }
    created = await tenant_connection().execute_query_dict(
        "INSERT INTO webhook_delivery (tenant_id, id, endpoint_id, event_id, event_type, payload, status, next_attempt_at) "
        "SELECT $1, d.id, d.endpoint_id, $4, $5, $6::jsonb, 'PENDING', now() FROM unnest($2::uuid[], $3::uuid[]) AS d(id, endpoint_id) "
        "ON CONFLICT (tenant_id, endpoint_id, event_id) WHERE event_id IS NOT NULL DO NOTHING RETURNING id",
        [
            current_tenant_id(),
            [new_id() for _ in targets],
            targets,
            event.id,
            event.event_type,
            json_body(payload).decode(),
        ],
    )
    return [row["id"] for row in created]


async def create_delivery(
    endpoint_id: uuid.UUID, event_type: str, payload: dict[str, Any] | str
) -> uuid.UUID:
    """A delivery outside the event stream (a test event, a manual resend of a stored payload)."""
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO webhook_delivery (tenant_id, id, endpoint_id, event_type, payload, status, next_attempt_at) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, 'PENDING', now()) RETURNING id",
        [
            current_tenant_id(),
            new_id(),
            endpoint_id,
            event_type,
            payload if isinstance(payload, str) else json_body(payload).decode(),
        ],
    )
    delivery_id: uuid.UUID = rows[0]["id"]
    return delivery_id


async def send_due(
    tenant_id: uuid.UUID,
    *,
    ids: list[uuid.UUID] | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> int:
    """Send the tenant's due deliveries (or just `ids`, if due): claim in one transaction, send
    with no transaction open, record each outcome in its own. Returns how many were sent."""
    now = now or datetime.now(timezone.utc)
    async with tenant_transaction(tenant_id):
        claimed = await _claim(ids, now, limit)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(delivery: dict[str, Any]) -> None:
        async with gate:
            outcome = await _send(delivery, now)
        async with tenant_transaction(tenant_id):
            await _record(delivery, outcome, now)

    await asyncio.gather(*(one(d) for d in claimed))
    return len(claimed)


async def attempt_here(delivery_id: uuid.UUID) -> Outcome | None:
    """Claim, send and record one delivery inside the caller's transaction (the API's test and
    resend mutations, which report the outcome at once)."""
    now = datetime.now(timezone.utc)
    claimed = await _claim([delivery_id], now, 1)
    if not claimed:
        return None
    [delivery] = claimed
    outcome = await _send(delivery, now)
    await _record(delivery, outcome, now)
    return outcome


async def _claim(ids: list[uuid.UUID] | None, now: datetime, limit: int) -> list[dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "WITH due AS (SELECT id FROM webhook_delivery WHERE tenant_id = $1 AND status = 'PENDING' AND next_attempt_at <= $2 "
        "  AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[])) ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) "
        "UPDATE webhook_delivery d SET next_attempt_at = $2::timestamptz + $5::interval FROM due, webhook_endpoint e "
        "WHERE d.tenant_id = $1 AND d.id = due.id AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id "
        "RETURNING d.*, e.url, e.enabled, e.deleted_at AS endpoint_deleted_at, e.secret, e.previous_secret, "
        "e.previous_secret_until, e.failing_since",
        [current_tenant_id(), now, ids, limit, LEASE],
    )
    claimed = []
    for row in rows:
        if not row["enabled"] or row["endpoint_deleted_at"] is not None:
            await _close(row["id"], "FAILED", "the endpoint is disabled or deleted")
            continue
        claimed.append(row)
    return claimed


async def _send(delivery: dict[str, Any], now: datetime) -> Outcome:
    payload = (
        delivery["payload"]
        if isinstance(delivery["payload"], str)
        else json.dumps(delivery["payload"])
    )
    started = time.perf_counter()
    try:
        response = await send_signed(
            delivery["url"],
            payload.encode(),
            secrets=signing_secrets(delivery, now),
            message_id=f"msg_{delivery['id']}",
        )
    except (
        httpx.HTTPError,
        httpx.InvalidURL,
    ) as exc:  # InvalidURL: a URL saved before URLs were checked as the client reads them
        error = (
            str(exc) if isinstance(exc, BlockedAddress) else describe(exc)
        )  # "refused: ..." names the refusal itself
        return Outcome(None, round((time.perf_counter() - started) * 1000, 1), None, error)
    return Outcome(
        response.status,
        response.ms,
        response.body,
        None if response.ok else f"answered {response.status}",
        response.retry_after,
    )


async def _record(delivery: dict[str, Any], outcome: Outcome, now: datetime) -> None:
    answered = (
        "refused" if outcome.status_code is not None else "unreachable"
    )  # an answer other than 2xx, or none
    report("webhook_delivery", "delivered" if outcome.ok else answered, outcome.ms / 1000)
    conn = tenant_connection()
    await conn.execute_query(
        "INSERT INTO webhook_attempt (tenant_id, id, delivery_id, attempted_at, status_code, response_ms, response_body, error) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            current_tenant_id(),
            new_id(),
            delivery["id"],
            now,
            outcome.status_code,
            outcome.ms,
            outcome.body,
            outcome.error,
        ],
    )
    attempts = delivery["attempts"] + 1
    if outcome.ok:
        await _close(
            delivery["id"],
            "SUCCEEDED",
            None,
            attempts=attempts,
            status_code=outcome.status_code,
            delivered=now,
        )
        await conn.execute_query(
            "UPDATE webhook_endpoint SET failing_since = NULL WHERE tenant_id = $1 AND id = $2",
            [current_tenant_id(), delivery["endpoint_id"]],
        )
        return
    if outcome.status_code == 410:
        await _close(
            delivery["id"],
            "FAILED",
            "the endpoint answered 410 Gone",
            attempts=attempts,
            status_code=410,
        )
        await _disable(delivery["endpoint_id"], "it answered 410 Gone")
        return
    failing_since = delivery["failing_since"] or now
    await conn.execute_query(
        "UPDATE webhook_endpoint SET failing_since = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), delivery["endpoint_id"], failing_since],
    )
    if now - failing_since >= DISABLE_AFTER:
        await _close(
            delivery["id"],
            "FAILED",
            outcome.error,
            attempts=attempts,
            status_code=outcome.status_code,
        )
        await _disable(
            delivery["endpoint_id"], f"it failed every delivery for {DISABLE_AFTER.days} days"
        )
        return
    if attempts >= MAX_ATTEMPTS:
        await _close(
            delivery["id"],
            "FAILED",
            f"{outcome.error} ({attempts} attempts)",
            attempts=attempts,
            status_code=outcome.status_code,
        )
        return
    delay = RETRY_DELAYS[attempts - 1] * (1 + random.random() / 10)
    if outcome.retry_after is not None:
        delay = max(delay, min(timedelta(seconds=outcome.retry_after), MAX_RETRY_AFTER))
    await conn.execute_query(
        "UPDATE webhook_delivery SET attempts = $3, next_attempt_at = $4, last_status_code = $5, last_error = $6 "
        "WHERE tenant_id = $1 AND id = $2",
        [
            current_tenant_id(),
            delivery["id"],
            attempts,
            now + delay,
            outcome.status_code,
            outcome.error,
        ],
    )


async def _close(
    delivery_id: uuid.UUID,
    status: str,
    error: str | None,
    *,
    attempts: int | None = None,
    status_code: int | None = None,
    delivered: datetime | None = None,
) -> None:
    await tenant_connection().execute_query(
        "UPDATE webhook_delivery SET status = $3, last_error = $4, attempts = COALESCE($5, attempts), "
        "last_status_code = COALESCE($6, last_status_code), delivered_at = $7, next_attempt_at = NULL "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), delivery_id, status, error, attempts, status_code, delivered],
    )


async def _disable(endpoint_id: uuid.UUID, why: str) -> None:
    """Stop sending to the endpoint and tell the tenant's admins (in-app)."""
    conn = tenant_connection()
    rows = await conn.execute_query_dict(
        "UPDATE webhook_endpoint SET enabled = false, disabled_reason = $3 WHERE tenant_id = $1 AND id = $2 AND enabled RETURNING url",
        [current_tenant_id(), endpoint_id, f"disabled because {why}"],
    )
    if not rows:
        return
    admins = [member["id"] for member in await list_members(role="admin", limit=MAX_MEMBERS_PAGE)]
    await notify_users_translated(
        admins,
        key="webhook_disabled",
        params={"url": rows[0]["url"], "reason": why},
        record_type="WebhookEndpoint",
        record_id=endpoint_id,
    )


async def list_deliveries(
    endpoint_id: uuid.UUID | None,
    status: str | None,
    first: int,
    delivery_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Newest first, each with its attempts (oldest first)."""
    conn = tenant_connection()
    rows = await conn.execute_query_dict(
        "SELECT * FROM webhook_delivery WHERE tenant_id = $1 AND ($2::uuid IS NULL OR endpoint_id = $2) "
        "AND ($3::text IS NULL OR status = $3) AND ($5::uuid IS NULL OR id = $5) ORDER BY created_at DESC, id DESC LIMIT $4",
        [current_tenant_id(), endpoint_id, status, max(1, min(first, 100)), delivery_id],
    )
    attempts = await conn.execute_query_dict(
        "SELECT * FROM webhook_attempt WHERE tenant_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY attempted_at, id",
        [current_tenant_id(), [row["id"] for row in rows]],
    )
    by_delivery: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt["delivery_id"], []).append(attempt)
    return [{**row, "attempt_log": by_delivery.get(row["id"], [])} for row in rows]

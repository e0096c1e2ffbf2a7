"""Delivering domain events: the relay's messages land here, once per event whatever the retries.

Today the delivery is recorded (the `event_delivery` log); the automation rules engine and the
outgoing webhooks subscribe here as they arrive."""

from __future__ import annotations

import uuid

import dramatiq

from domain.events import record_delivery
from tenants.context import tenant_transaction

CONSUMER = "events.dispatch"


@dramatiq.actor(actor_name="events.dispatch", max_retries=10, min_backoff=1000, max_backoff=300_000)
async def dispatch_event(tenant_id: str, event_id: str) -> None:
    async with tenant_transaction(uuid.UUID(tenant_id)):
        await record_delivery(uuid.UUID(event_id), CONSUMER)

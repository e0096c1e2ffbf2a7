"""Delivering domain events: the relay's messages land here, at least once per event.

Each delivery runs in one tenant transaction: the delivery log, the automation rules the event
triggers and all their effects commit together or not at all (domain/automation/engine.py makes
repeated deliveries harmless), and so do the requests inbound endpoints received."""

from __future__ import annotations

import uuid

import dramatiq

from domain.automation.engine import handle_event
from domain.events import receive_event
from domain.integrations.process import process_request
from domain.integrations.receive import RECEIVED as INBOUND_RECEIVED
from tenants.context import tenant_transaction

CONSUMER = "events.dispatch"


@dramatiq.actor(actor_name="events.dispatch", max_retries=10, min_backoff=1000, max_backoff=300_000)
async def dispatch_event(tenant_id: str, event_id: str) -> None:
    await deliver_event(tenant_id, event_id)


async def deliver_event(tenant_id: str, event_id: str) -> None:
    """What the actor does, callable without a broker (tests, tools)."""
    async with tenant_transaction(uuid.UUID(tenant_id)):
        event = await receive_event(uuid.UUID(event_id), CONSUMER)
        if event is None:
            return
        if event.event_type == INBOUND_RECEIVED:
            await process_request(event.record_id)
        await handle_event(event)

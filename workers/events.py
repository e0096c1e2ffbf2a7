"""Delivering domain events: the relay's messages land here, at least once per event.

Each delivery runs in one tenant transaction: the delivery log, the automation rules the event
triggers and all their effects commit together or not at all (domain/automation/engine.py makes
repeated deliveries harmless), and so do the requests inbound endpoints received and the
outgoing webhook deliveries the event makes (sent after commit)."""

from __future__ import annotations

import uuid

import dramatiq

from domain.automation.engine import handle_event
from domain.events import receive_event
from domain.integrations.process import process_request
from domain.integrations.receive import RECEIVED as INBOUND_RECEIVED
from domain.integrations.webhook_delivery import fan_out, send_due
from domain.jobs import JOB_QUEUED
from tenants.context import tenant_transaction
from workers.jobs import run_job_actor

CONSUMER = "events.dispatch"


@dramatiq.actor(actor_name="events.dispatch", max_retries=10, min_backoff=1000, max_backoff=300_000)
async def dispatch_event(tenant_id: str, event_id: str) -> None:
    deliveries, job_id = await deliver(tenant_id, event_id)
    if job_id is not None:  # a job was queued (domain/jobs): a worker runs it
        run_job_actor.send(tenant_id, str(job_id))
    if (
        deliveries
    ):  # committed: send the webhooks now (the scheduler's sweep catches any left behind)
        send_webhooks.send(tenant_id, [str(d) for d in deliveries])


@dramatiq.actor(actor_name="webhooks.send", max_retries=0)
async def send_webhooks(tenant_id: str, delivery_ids: list[str]) -> None:
    await send_due(uuid.UUID(tenant_id), ids=[uuid.UUID(d) for d in delivery_ids])


async def deliver_event(tenant_id: str, event_id: str) -> list[uuid.UUID]:
    """What the actor does, callable without a broker (tests, tools); the webhook deliveries made."""
    return (await deliver(tenant_id, event_id))[0]


async def deliver(tenant_id: str, event_id: str) -> tuple[list[uuid.UUID], uuid.UUID | None]:
    """The webhook deliveries the event made, and the job it queued (None for other events)."""
    async with tenant_transaction(uuid.UUID(tenant_id)):
        event = await receive_event(uuid.UUID(event_id), CONSUMER)
        if event is None:
            return [], None
        if event.event_type == INBOUND_RECEIVED:
            await process_request(event.record_id)
        job_id = event.record_id if event.event_type == JOB_QUEUED else None
        if event.silent:  # an import that turned automations and webhooks off wrote it
            return [], job_id
        await handle_event(event)
        return await fan_out(event), job_id

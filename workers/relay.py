"""The relay: moves committed outbox events to the queue.

Woken by PostgreSQL NOTIFY when events commit, and polling as a fallback (a missed notification,
a restart, redis coming back). Each tenant's batch is claimed with FOR UPDATE SKIP LOCKED, sent,
and marked published in one transaction: if sending fails (redis down), the transaction rolls
back and the events wait. Events the queue accepted and then lost (redis restarted without
persistence, a failover) are caught by a sweep every minute: published over 5 minutes ago and
never delivered, they go back to the outbox. Delivery is therefore at least once; consumers are
idempotent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import structlog

from domain.events import (
    RELAY_BATCH,
    Event,
    claim_unpublished,
    pending_tenants,
    requeue_undelivered,
)
from tenants.context import tenant_transaction
from tenants.database import connect, connection_credentials, disconnect
from workers.metrics import EVENTS_PUBLISHED

CHANNEL = "tessera_outbox"
log = structlog.get_logger("tessera.relay")


async def relay_once(send: Callable[[Event], None]) -> int:
    """Publish every pending event once; returns how many were sent.

    Tenants take turns, one batch each per round, so one tenant's flood delays another tenant's
    events by at most a batch per busy tenant, in the relay and in the queue behind it."""
    sent = 0
    tenants = list(await pending_tenants())
    while tenants:
        busy = []
        for tenant_id in tenants:  # one transaction per batch
            async with tenant_transaction(tenant_id):
                events = await claim_unpublished(RELAY_BATCH)
                for event in events:
                    send(event)
            sent += len(events)
            if len(events) == RELAY_BATCH:
                busy.append(tenant_id)
        tenants = busy
    return sent


async def run_relay(
    *,
    database_url: str,
    model_modules: Sequence[str],
    send: Callable[[Event], None],
    stop: asyncio.Event,
    poll_seconds: float = 2.0,
    retry_seconds: float = 5.0,
    requeue_every_seconds: float = 60.0,
    on_pass: Callable[[], None] = lambda: None,
    measure: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Relay until `stop` is set; every `requeue_every_seconds`, events the queue lost go back
    to the outbox (see domain.events.requeue_undelivered). `on_pass` follows each pass that did
    not fail (the process's liveness); `measure` runs after every pass (the relay's metrics)."""
    await connect(database_url, model_modules, pool_size=2)
    wake = asyncio.Event()
    listener = await asyncpg.connect(**connection_credentials(database_url))
    await listener.add_listener(CHANNEL, lambda *args: wake.set())
    log.info("relay started", channel=CHANNEL, poll_seconds=poll_seconds)
    next_requeue = time.monotonic() + requeue_every_seconds
    try:
        while not stop.is_set():
            wake.clear()
            try:
                if time.monotonic() >= next_requeue:
                    next_requeue = time.monotonic() + requeue_every_seconds
                    requeued = await requeue_undelivered()
                    if requeued:
                        log.warning("events the queue lost go out again", count=requeued)
                sent = await relay_once(send)
                EVENTS_PUBLISHED.inc(sent)
                on_pass()
                delay = poll_seconds
            except Exception:  # redis or the database is away: keep the events, retry
                log.exception("relay pass failed; events stay in the outbox")
                sent, delay = 0, retry_seconds
            if measure is not None:
                try:
                    await measure()
                except Exception as exc:  # noqa: BLE001 - a metric missing a beat must not stop the relay
                    log.warning("relay metrics not measured", error=f"{type(exc).__name__}: {exc}")
            if sent:
                log.info("events published", count=sent)
                continue  # there may be more
            waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
    finally:
        await listener.close()
        await disconnect()

"""The scheduler: fires time-based rules, resumes waiting runs, fires approval step timeouts and
SLA timers, retries webhook deliveries, runs sync connections and sends scheduled reports when due.

Any number may run; only the one holding a PostgreSQL advisory lock works (the others wait to
take over), and even two passes at once could not run anything twice: each occasion has a unique
run key. Timers live in PostgreSQL, not redis."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

import asyncpg
import structlog

from domain.approvals.timers import due_tenants as approval_due_tenants
from domain.approvals.timers import fire_due as fire_approval_timers
from domain.automation.schedule import fire_due
from domain.integrations.sync.engine import run_due
from domain.integrations.webhook_delivery import send_due
from domain.reports.delivery import fire_due as deliver_reports
from domain.service_levels.firing import BATCH as SLA_BATCH
from domain.service_levels.firing import fire_tenant_timers
from tenants.context import tenant_transaction
from tenants.database import connect, connection_credentials, database_client, disconnect
from workers.metrics import SCHEDULER_PASS_SECONDS, SCHEDULER_RUNS

LOCK_KEY = 0x7E55E7A  # "tessera scheduler"
log = structlog.get_logger("tessera.scheduler")


async def schedule_once(now: datetime | None = None, *, sla_batch: int = SLA_BATCH) -> int:
    """One pass over every tenant with time-based work; returns how many runs it made."""
    rows = await database_client().execute_query_dict(
        "SELECT automation_scheduled_tenants() AS tenant_id"
    )
    ran = 0
    for tenant_id in {row["tenant_id"] for row in rows}:
        async with tenant_transaction(tenant_id):
            ran += await fire_due(now)
    # Approval steps whose reminder or timeout has come (escalate, approve, reject).
    for tenant_id in set(await approval_due_tenants(now or datetime.now(timezone.utc))):
        async with tenant_transaction(tenant_id):
            ran += await fire_approval_timers(now)
    # SLA warnings, breaches and escalations due (one transaction per batch of timers).
    at = now or datetime.now(timezone.utc)
    rows = await database_client().execute_query_dict(
        "SELECT sla_due_tenants($1) AS tenant_id", [at]
    )
    for tenant_id in {row["tenant_id"] for row in rows}:
        ran += await fire_tenant_timers(tenant_id, at, batch=sla_batch)
    # Webhook deliveries due for a retry (or left behind by a worker that died before sending).
    rows = await database_client().execute_query_dict(
        "SELECT webhook_due_tenants($1) AS tenant_id", [now or datetime.now(timezone.utc)]
    )
    for tenant_id in {row["tenant_id"] for row in rows}:
        ran += await send_due(tenant_id, now=now)
    # Sync connections whose interval has passed (or that an admin asked to run now).
    rows = await database_client().execute_query_dict(
        "SELECT sync_due_tenants($1) AS tenant_id", [now or datetime.now(timezone.utc)]
    )
    for tenant_id in {row["tenant_id"] for row in rows}:
        ran += await run_due(tenant_id, now=now)
    # Saved reports due for their scheduled e-mail (each period's mail once per recipient).
    rows = await database_client().execute_query_dict(
        "SELECT report_schedule_due_tenants($1) AS tenant_id", [now or datetime.now(timezone.utc)]
    )
    for tenant_id in {row["tenant_id"] for row in rows}:
        async with tenant_transaction(tenant_id):
            ran += await deliver_reports(now)
    return ran


async def run_scheduler(
    *,
    database_url: str,
    model_modules: Sequence[str],
    stop: asyncio.Event,
    poll_seconds: float = 10.0,
    once: bool = False,
    on_pass: Callable[[], None] = lambda: None,
    sla_batch: int = SLA_BATCH,
) -> None:
    """Schedule until `stop` is set (or once); `on_pass` follows each pass that reached the
    database, a standby's attempt at the lock included (the process's liveness)."""
    await connect(database_url, model_modules, pool_size=2)
    lock = await asyncpg.connect(**connection_credentials(database_url))
    holding = False
    try:
        while not stop.is_set():
            if not holding:
                holding = await lock.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
                if holding:
                    log.info("scheduler active (holds the lock)")
            if holding:
                try:
                    with SCHEDULER_PASS_SECONDS.time():
                        ran = await schedule_once(sla_batch=sla_batch)
                    SCHEDULER_RUNS.inc(ran)
                    on_pass()
                    if ran:
                        log.info("scheduled runs", count=ran)
                except Exception:  # the database is away: try again next pass
                    log.exception("scheduler pass failed")
            else:
                on_pass()
            if once:
                return
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
    finally:
        await lock.close()  # releases the advisory lock for a standby scheduler
        await disconnect()

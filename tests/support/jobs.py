"""Running queued jobs in the test process the way `tessera relay` and `tessera worker` do: the
outbox's events are relayed and dispatched, and the jobs they queue are run by the actor's function."""

from __future__ import annotations

import uuid
from typing import Any

from domain.identity.operator import member_principal
from domain.jobs import start_job
from tenants.context import tenant_transaction

MAX_ROUNDS = 10


async def run_queued_jobs() -> dict[str, str | None]:
    """Relay every pending event, dispatch it, and run the jobs queued; {job id: final status}."""
    from workers.events import deliver
    from workers.jobs import execute_job
    from workers.relay import relay_once

    ran: dict[str, str | None] = {}
    for _ in range(MAX_ROUNDS):
        batch: list[Any] = []
        if not await relay_once(batch.append):
            return ran
        for event in batch:
            _, job_id = await deliver(str(event.tenant_id), str(event.id))
            if job_id is not None:
                ran[str(job_id)] = await execute_job(str(event.tenant_id), str(job_id))
    return ran


async def start_as(tenant_id: str, email: str, kind: str, params: dict[str, Any]) -> uuid.UUID:
    """Queue a job as a member (what an area's mutation does); its id."""
    async with tenant_transaction(uuid.UUID(tenant_id)):
        job = await start_job(kind, params, principal=await member_principal(email=email))
    return job["id"]

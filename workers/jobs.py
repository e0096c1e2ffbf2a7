"""Running background jobs (domain/jobs): the outbox's `Job.queued` event reaches `events.dispatch`,
which sends `jobs.run` here. A message delivered again (a worker died) resumes the job from its
last committed batch; one that finds another live runner on the job is retried later."""

from __future__ import annotations

import uuid

import dramatiq

from domain.jobs import run_job


@dramatiq.actor(
    actor_name="jobs.run",
    max_retries=20,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=24 * 3600 * 1000,
)
async def run_job_actor(tenant_id: str, job_id: str) -> None:
    await execute_job(tenant_id, job_id)


async def execute_job(tenant_id: str, job_id: str) -> str | None:
    """What the actor does, callable without a broker (tests, tools): the job's final status."""
    return await run_job(uuid.UUID(tenant_id), uuid.UUID(job_id))

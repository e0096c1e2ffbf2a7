"""Running a job: claim it (one runner at a time, with a lease that a dead runner's successor
waits out), act as the member who started it (with their role as it is now), let its kind's
handler work in batches, and record how it ended.

Each batch is one tenant transaction that first locks the job row and checks that this runner
still holds a running job: a job cancelled meanwhile stops before the batch writes anything, and
what a batch writes commits together with the progress (and the handler's checkpoint) that
counts it. A runner killed mid-batch leaves nothing of that batch; its successor resumes from the
last committed checkpoint, so no batch is done twice."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog

from domain.errors import DomainError, describe
from domain.identity.principal import CredentialKind, Principal
from domain.identity.roles import Role
from domain.jobs.kinds import job_kind
from domain.jobs.store import CANCELLED, JOB_SPEC, RUNNING, JobError, add_errors, report_progress
from domain.records.rows import decode_row
from tenants.context import tenant_connection, tenant_transaction

log = structlog.get_logger("tessera.jobs")

# A runner renews its lease with every batch; one silent this long is presumed dead.
LEASE_SECONDS = 300


class JobStopped(Exception):
    """The job was cancelled, finished, or taken over by another runner: stop, write nothing more."""


class JobBusy(Exception):
    """Another runner holds the job's lease: try again later (the queue's retry does)."""


class RunningJob:
    """What a handler gets: the job's params, who it acts as, its checkpoint, and its batches."""

    def __init__(self, row: dict[str, Any], principal: Principal, runner: uuid.UUID) -> None:
        self.id: uuid.UUID = row["id"]
        self.tenant_id: uuid.UUID = row["tenant_id"]
        self.kind: str = row["kind"]
        self.params: dict[str, Any] = row["params"]
        self.checkpoint: dict[str, Any] = row["checkpoint"] or {}
        self.done: int = row["progress_done"]
        self.total: int | None = row["progress_total"]
        self.principal = principal
        self._runner = runner

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """One committed step of the job. Raises JobStopped (writing nothing) if the job was
        cancelled or taken over since the last batch."""
        async with tenant_transaction(self.tenant_id):
            rows = await tenant_connection().execute_query_dict(
                "SELECT status, runner FROM job WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
                [self.tenant_id, self.id],
            )
            if not rows or rows[0]["status"] != RUNNING or rows[0]["runner"] != self._runner:
                raise JobStopped(rows[0]["status"] if rows else "gone")
            yield
            await tenant_connection().execute_query(
                f"UPDATE job SET lease_until = now() + interval '{LEASE_SECONDS} seconds', checkpoint = $3::jsonb "
                "WHERE tenant_id = $1 AND id = $2",
                [self.tenant_id, self.id, json.dumps(self.checkpoint)],
            )

    async def progress(self, done: int, total: int | None = None) -> None:
        """Inside a batch: how far the job is once this batch commits."""
        self.done, self.total = done, total if total is not None else self.total
        await report_progress(self.id, done, total)

    async def errors(self, errors: Sequence[JobError]) -> None:
        """Inside a batch: errors found by this batch (kept only if it commits)."""
        await add_errors(self.id, errors)


async def run_job(tenant_id: uuid.UUID, job_id: uuid.UUID) -> str | None:
    """Run the tenant's job `job_id` to its end (or resume it); its final status, or None
    when there was nothing to run (already finished or cancelled). Raises JobBusy when another
    live runner holds it. Call outside any transaction: the job opens its own, batch by batch."""
    runner = uuid.uuid4()
    async with tenant_transaction(tenant_id):
        rows = await tenant_connection().execute_query_dict(
            "UPDATE job SET status = 'RUNNING', runner = $3, attempts = attempts + 1, started_at = coalesce(started_at, now()), "
            f"lease_until = now() + interval '{LEASE_SECONDS} seconds', updated_at = now() "
            "WHERE tenant_id = $1 AND id = $2 AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_until < now())) "
            f"RETURNING {JOB_SPEC.select_list.replace('t.', '')}, tenant_id, checkpoint, credential",
            [tenant_id, job_id, runner],
        )
        if not rows:
            state = await tenant_connection().execute_query_dict(
                "SELECT status FROM job WHERE tenant_id = $1 AND id = $2", [tenant_id, job_id]
            )
            if state and state[0]["status"] == RUNNING:
                raise JobBusy(f"job {job_id} is held by another runner")
            return None
        row = decode_row(JOB_SPEC, rows[0])
        for column in ("checkpoint", "credential"):
            if isinstance(row[column], str):
                row[column] = json.loads(row[column])
        principal = await _acting_as(row)
    kind = job_kind(row["kind"])
    if principal is None or kind is None:
        reason = (
            "the member who started it is no longer in the tenant"
            if principal is None
            else f"unknown job kind {row['kind']!r}"
        )
        return await _finish(tenant_id, job_id, runner, "FAILED", error=reason)
    job = RunningJob(row, principal, runner)
    try:
        result = await kind.handler(job)
    except JobStopped:
        return CANCELLED
    except DomainError as exc:
        return await _finish(tenant_id, job_id, runner, "FAILED", error=describe(exc))
    except Exception:
        log.exception("job failed", job_id=str(job_id), kind=row["kind"])
        return await _finish(
            tenant_id, job_id, runner, "FAILED", error="the job failed unexpectedly (logged)"
        )
    return await _finish(tenant_id, job_id, runner, "SUCCEEDED", result=result)


async def _acting_as(row: dict[str, Any]) -> Principal | None:
    """Who the job acts as: the member who started it, with their role of now (a member demoted
    since then runs with fewer rights), and the scopes of the token they used, if any."""
    members = await tenant_connection().execute_query_dict(
        "SELECT role FROM membership WHERE tenant_id = $1 AND user_id = $2",
        [row["tenant_id"], row["created_by"]],
    )
    if not members:
        return None
    credential = row["credential"]
    scopes = credential.get("scopes")
    return Principal(
        tenant_id=row["tenant_id"],
        user_id=row["created_by"],
        role=Role(members[0]["role"]),
        kind=CredentialKind(credential.get("kind", "session")),
        credential_id=uuid.UUID(credential.get("credentialId", str(row["id"]))),
        scopes=None if scopes is None else frozenset(scopes),
    )


async def _finish(
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    runner: uuid.UUID,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> str | None:
    async with tenant_transaction(tenant_id):
        rows = await tenant_connection().execute_query_dict(
            "UPDATE job SET status = $4, result = $5::jsonb, error = $6, finished_at = now(), updated_at = now(), "
            "version = version + 1, runner = NULL, lease_until = NULL "
            "WHERE tenant_id = $1 AND id = $2 AND runner = $3 AND status = 'RUNNING' RETURNING status",
            [
                tenant_id,
                job_id,
                runner,
                status,
                None if result is None else json.dumps(result, default=str),
                error,
            ],
        )
    return rows[0]["status"] if rows else CANCELLED

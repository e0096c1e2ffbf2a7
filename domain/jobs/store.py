"""Jobs as rows: starting one (queued through the outbox, so a job is never started for a write
that rolled back, nor lost when the queue is), reading and listing them (the member who started a
job sees it, admins see all of the tenant's), cancelling, progress and collected errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.events import emit
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.jobs.kinds import job_kind
from domain.records.filters import Filter
from domain.records.listing import Listing, list_records
from domain.records.ordering import Order
from domain.records.rights import READ_ONLY
from domain.records.rows import decode_row
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
)
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})
# The outbox event that gets a job to a worker (workers/events.py sends it on to `jobs.run`).
JOB_RECORD_TYPE = "Job"
JOB_QUEUED = "Job.queued"
MAX_ERROR_TEXT = 1000

JOB_SPEC = RecordSpec(
    record_type="Job",
    table="job",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("version", "version", Kind.INT, filterable=False),
        FieldSpec("kind", "kind", Kind.TEXT, sortable=True),
        FieldSpec("status", "status", Kind.TEXT, sortable=True),
        FieldSpec("params", "params", Kind.JSON, filterable=False),
        FieldSpec("progress_done", "progress_done", Kind.INT, filterable=False),
        FieldSpec("progress_total", "progress_total", Kind.INT, filterable=False),
        FieldSpec("result", "result", Kind.JSON, filterable=False),
        FieldSpec("error", "error", Kind.TEXT, filterable=False),
        FieldSpec("errors_count", "errors_count", Kind.INT),
        FieldSpec("created_by", "created_by", Kind.UUID),
        FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
        FieldSpec("updated_at", "updated_at", Kind.DATETIME, sortable=True),
        FieldSpec("started_at", "started_at", Kind.DATETIME, sortable=True),
        FieldSpec("finished_at", "finished_at", Kind.DATETIME, sortable=True),
    ),
    owned=False,
    soft_delete=False,
    scope_area=None,  # a job is read by who started it (or an admin); what it touches was checked when it started
    default_sort="created_at",
    rights={role: READ_ONLY for role in Role},
)


@dataclass(frozen=True)
class JobError:
    """One thing that went wrong inside a job that went on: a row of an import, say."""

    code: str
    message: str
    row: int | None = None
    field: str | None = None


async def start_job(kind: str, params: dict[str, Any], *, principal: Principal) -> dict[str, Any]:
    """Queue a job of a registered `kind` with JSON-able `params`, run as `principal`; the job row.
    Call inside the tenant transaction of the request: the job exists, and is run, only if it commits."""
    if job_kind(kind) is None:
        raise InvalidInput.single("kind", "UNKNOWN_JOB_KIND", f"no job kind {kind!r}")
    credential = {
        "kind": principal.kind.value,
        "credentialId": str(principal.credential_id),
        "scopes": None if principal.scopes is None else sorted(principal.scopes),
    }
    job_id = new_id()
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO job (tenant_id, id, kind, params, credential, created_by) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) "
        f"RETURNING {JOB_SPEC.select_list.replace('t.', '')}",
        [
            current_tenant_id(),
            job_id,
            kind,
            json.dumps(params),
            json.dumps(credential),
            principal.user_id,
        ],
    )
    await emit(
        JOB_RECORD_TYPE, [(job_id, "queued", {"kind": [None, kind]})], actor_id=principal.user_id
    )
    return decode_row(JOB_SPEC, rows[0])


def _mine(principal: Principal) -> dict[str, Any]:
    """The scope of jobs a principal may see: its own, or every one for admins."""
    return {} if principal.role is Role.ADMIN else {"created_by": principal.user_id}


async def get_job(job_id: uuid.UUID, *, principal: Principal) -> dict[str, Any]:
    """The job, if the principal may see it; NotFound otherwise (another member's or tenant's)."""
    rows = await _load([job_id], principal)
    if not rows:
        raise NotFound("no such job")
    return rows[0]


async def get_jobs(
    ids: Sequence[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    return {row["id"]: row for row in await _load(list(ids), principal)}


async def _load(ids: list[uuid.UUID], principal: Principal) -> list[dict[str, Any]]:
    sql = f"SELECT {JOB_SPEC.select_list} FROM job t WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[])"
    values: list[Any] = [current_tenant_id(), ids]
    if principal.role is not Role.ADMIN:
        sql += " AND t.created_by = $3"
        values.append(principal.user_id)
    return [
        decode_row(JOB_SPEC, row)
        for row in await tenant_connection().execute_query_dict(sql, values)
    ]


async def list_jobs(
    *,
    principal: Principal,
    filter: Filter | None,
    order: list[Order] | None,
    first: int,
    after: str | None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    return await list_records(
        JOB_SPEC,
        principal=principal,
        filter=filter,
        order=order or [Order("created_at", descending=True)],
        first=first,
        after=after,
        before=before,
        backward=backward,
        scope=_mine(principal),
    )


async def cancel_job(job_id: uuid.UUID, *, principal: Principal) -> dict[str, Any]:
    """Cancel a queued or running job (its creator or an admin). A running job stops before its
    next batch; the batch it is writing when this commits is rolled back (runner.RunningJob.batch)."""
    job = await get_job(job_id, principal=principal)
    if principal.scopes is not None and not any(
        scope.endswith(":write") for scope in principal.scopes
    ):
        raise Forbidden("A read-only token cannot cancel a job")
    rows = await tenant_connection().execute_query_dict(
        "UPDATE job SET status = 'CANCELLED', cancelled_by = $3, finished_at = now(), updated_at = now(), "
        "version = version + 1, runner = NULL WHERE tenant_id = $1 AND id = $2 AND status IN ('QUEUED', 'RUNNING') "
        f"RETURNING {JOB_SPEC.select_list.replace('t.', '')}",
        [current_tenant_id(), job["id"], principal.user_id],
    )
    if not rows:
        raise Conflict(f"the job has already finished ({job['status']})")
    return decode_row(JOB_SPEC, rows[0])


async def report_progress(job_id: uuid.UUID, done: int, total: int | None = None) -> None:
    """Record how far a job is, in the current transaction (with the batch it counts)."""
    await tenant_connection().execute_query(
        "UPDATE job SET progress_done = $3, progress_total = coalesce($4, progress_total), updated_at = now() "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), job_id, max(0, done), total],
    )


async def add_errors(job_id: uuid.UUID, errors: Sequence[JobError]) -> None:
    """Append errors to the job's list, in the current transaction (with the batch they belong to)."""
    if not errors:
        return
    rows = await tenant_connection().execute_query_dict(
        "UPDATE job SET errors_count = errors_count + $3 WHERE tenant_id = $1 AND id = $2 RETURNING errors_count",
        [current_tenant_id(), job_id, len(errors)],
    )
    first_seq = rows[0]["errors_count"] - len(errors)
    await tenant_connection().execute_query(
        "INSERT INTO job_error (tenant_id, job_id, seq, row_number, field, code, message) "
        "SELECT $1, $2, $3 + e.n, e.row_number, e.field, e.code, e.message "
        "FROM unnest($4::int[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS e(row_number, field, code, message, n)",
        [
            current_tenant_id(),
            job_id,
            first_seq,
            [e.row for e in errors],
            [e.field for e in errors],
            [e.code[:100] for e in errors],
            [e.message[:MAX_ERROR_TEXT] for e in errors],
        ],
    )


async def job_errors(
    job_id: uuid.UUID, *, principal: Principal, first: int, after: int = 0
) -> list[dict[str, Any]]:
    """The job's errors in the order they were found, `first` of them after position `after`."""
    await get_job(job_id, principal=principal)
    return await tenant_connection().execute_query_dict(
        "SELECT seq, row_number, field, code, message FROM job_error WHERE tenant_id = $1 AND job_id = $2 AND seq > $3 "
        "ORDER BY seq LIMIT $4",
        [current_tenant_id(), job_id, after, first],
    )

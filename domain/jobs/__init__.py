"""Background jobs with progress: `start_job(kind, params, principal=...)` queues one (through the
outbox, in the caller's transaction), a worker runs it (`run_job`), its kind's handler works in
committed batches (`RunningJob.batch`, `progress`, `errors`), and members follow and cancel it.
Kinds are registered at start-up with `register_job_kind` (tessera/domain_wiring.py)."""

from domain.jobs.kinds import register_job_kind
from domain.jobs.runner import JobBusy, JobStopped, RunningJob, run_job
from domain.jobs.store import (
    CANCELLED,
    FAILED,
    JOB_QUEUED,
    JOB_SPEC,
    QUEUED,
    RUNNING,
    STATUSES,
    SUCCEEDED,
    JobError,
    add_errors,
    cancel_job,
    get_job,
    get_jobs,
    job_errors,
    list_jobs,
    report_progress,
    start_job,
)

__all__ = [
    "CANCELLED",
    "FAILED",
    "JOB_QUEUED",
    "JOB_SPEC",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "SUCCEEDED",
    "JobBusy",
    "JobError",
    "JobStopped",
    "RunningJob",
    "add_errors",
    "cancel_job",
    "get_job",
    "get_jobs",
    "job_errors",
    "list_jobs",
    "register_job_kind",
    "report_progress",
    "run_job",
    "start_job",
]

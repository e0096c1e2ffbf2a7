"""The registry of job kinds: what runs a job of each kind. Kinds are registered at start-up by
the composition root (tessera/domain_wiring.py), one line each, so every process (the API that
starts jobs, the worker that runs them) knows the same kinds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.jobs.runner import RunningJob

# Runs one job: reads `job.params`, works in batches (`async with job.batch(): ...`), reports
# progress, and returns the job's result (JSON-able) or None.
Handler = Callable[["RunningJob"], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, handler: Handler) -> None:
    """Make `name` a kind of job run by `handler`. Registering a name again replaces its handler
    (tests and reloads); two areas must not share a name: prefix it with the area (`imports.run`)."""
    _KINDS[name] = JobKind(name, handler)


def job_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def known_kinds() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))

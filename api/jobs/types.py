"""The Job node and the errors a job collected."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.permissions import principal_of
from api.records import loaders
from api.records.duplicates import scan_result_out
from api.records.generated import filter_input, order_input
from api.records.pagination import page_size
from api.records.record import nodes_in_order
from api.records.users import UserType
from domain import jobs
from domain.duplicates.scan import KIND as SCAN_KIND


@strawberry.enum(name="JobStatus", description="Where a background job is")
class JobStatus(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@strawberry.type(
    name="JobError",
    description="Something that went wrong inside a job that went on (an import's row)",
)
class JobErrorType:
    position: int = strawberry.field(description="1 for the first error the job found")
    row: int | None = strawberry.field(
        description="The row of the input it is about, counted as a spreadsheet does"
    )
    field: str | None
    code: str
    message: str


@strawberry.type(
    name="Job", description="Work done in the background: an import, an export, a scan"
)
class JobType(relay.Node):
    node_id: relay.NodeID[str]
    kind: str
    status: JobStatus
    params: JSON = strawberry.field(description="What the job was started with")
    progress_done: int = strawberry.field(description="Units done (rows, records), committed")
    progress_total: int | None = strawberry.field(description="Units to do, once known")
    result: JSON | None = strawberry.field(description="What a finished job produced, by kind")
    error: str | None = strawberry.field(description="Why a FAILED job failed")
    errors_count: int = strawberry.field(
        description="How many errors the job collected (see errors)"
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    version: int
    created_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JobType:
        return cls(
            node_id=str(row["id"]),
            kind=row["kind"],
            status=JobStatus(row["status"]),
            params=row["params"],
            progress_done=row["progress_done"],
            progress_total=row["progress_total"],
            result=scan_result_out(row["result"]) if row["kind"] == SCAN_KIND else row["result"],
            error=row["error"],
            errors_count=row["errors_count"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            version=row["version"],
            created_by_id=row["created_by"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal = principal_of(info)
        return await nodes_in_order(
            node_ids, lambda ids: jobs.get_jobs(ids, principal=principal), cls.from_row
        )

    @strawberry.field(description="The member who started the job")
    async def created_by(self, info: Info) -> UserType | None:
        return UserType.from_row(await loaders.users(info).load(self.created_by_id))

    @strawberry.field(
        description="The errors the job collected, in the order found; `after` a position"
    )
    async def errors(
        self, info: Info, first: int | None = None, after: int = 0
    ) -> list[JobErrorType]:
        rows = await jobs.job_errors(
            uuid.UUID(self.node_id),
            principal=principal_of(info),
            first=page_size(first),
            after=max(0, after),
        )
        return [
            JobErrorType(
                position=r["seq"],
                row=r["row_number"],
                field=r["field"],
                code=r["code"],
                message=r["message"],
            )
            for r in rows
        ]


JobFilter = filter_input(jobs.JOB_SPEC)
JobOrder = order_input(jobs.JOB_SPEC)

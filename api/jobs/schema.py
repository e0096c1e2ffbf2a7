"""Queries and mutations of background jobs. Jobs are started by their areas' own mutations
(an import, an export); here members follow and cancel them."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.jobs.types import JobFilter, JobOrder, JobType
from api.permissions import Authenticated, principal_of
from api.records.filters import to_domain_filter
from api.records.ids import decode_id
from api.records.ordering import to_domain_order
from api.records.pagination import Connection, listing_connection, page_of
from domain import jobs


def job_id(value: relay.GlobalID, field: str = "id") -> uuid.UUID:
    return decode_id(value, expected="Job", field=field)


@strawberry.input
class CancelJobInput:
    id: relay.GlobalID


@strawberry.type
class JobQueries:
    @strawberry.field(
        permission_classes=[Authenticated], description="A job you started (any job, for admins)"
    )
    async def job(self, info: Info, id: relay.GlobalID) -> JobType | None:
        found = await jobs.get_jobs([job_id(id)], principal=principal_of(info))
        return next((JobType.from_row(row) for row in found.values()), None)

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The jobs you started (every job of the tenant, for admins), newest first by default",
    )
    async def jobs(
        self,
        info: Info,
        filter: JobFilter | None = None,
        order_by: list[JobOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[JobType]:
        listing = await jobs.list_jobs(
            principal=principal_of(info),
            filter=to_domain_filter(filter),
            order=to_domain_order(order_by),
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, JobType.from_row)


@strawberry.type
class JobMutations:
    @strawberry.mutation(
        description="Cancel a queued or running job (who started it, or an admin); "
        "a running job stops before its next batch"
    )
    async def cancel_job(self, info: Info, input: CancelJobInput) -> JobType:
        return JobType.from_row(
            await jobs.cancel_job(job_id(input.id), principal=principal_of(info))
        )

"""A customer's full timeline: one connection of activities, stage and status changes on the
customer and the records around it (see domain/crm/timeline.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import principal_of
from api.records.approvals import ApprovalRequestType
from api.records.ids import encode_id
from api.records.loaders import per_request
from api.records.pagination import Connection, Edge, PageInfo, page_of
from api.records.relations import lazy_type, relation, resolve_type
from api.records.users import UserType
from domain.approvals.queries import requests_by_id
from domain.crm import timeline
from domain.crm.pipelines import STAGE_SPEC

ActivityRef = lazy_type("api.crm.activities", "ActivityType")
StageRef = lazy_type("api.crm.pipelines", "StageType")

# Registers the domain's enum as the GraphQL enum TimelineKind (strawberry marks the class itself).
strawberry.enum(
    timeline.EntryKind, name="TimelineKind", description="What a timeline entry records"
)


@strawberry.type(description="Something that happened on a customer or a record around it")
class TimelineEntry:
    at: datetime
    kind: timeline.EntryKind
    record_type: str = strawberry.field(
        description="Customer, Contact, Opportunity, Ticket or Lead"
    )
    approval_request_id: strawberry.Private[uuid.UUID | None]
    record_uuid: strawberry.Private[uuid.UUID]
    stage_id: strawberry.Private[uuid.UUID | None]
    actor_id: strawberry.Private[uuid.UUID | None]
    activity_row: strawberry.Private[dict[str, Any] | None]
    from_status: str | None = strawberry.field(
        description="STATUS_CHANGE: the ticket's previous status"
    )
    to_status: str | None = strawberry.field(
        description="STATUS_CHANGE: the ticket's new status; APPROVAL_REQUESTED: the request's "
        "status now; APPROVAL_DECISION: APPROVED or REJECTED"
    )

    @strawberry.field(description="APPROVAL_REQUESTED and APPROVAL_DECISION: the request")
    async def approval_request(self, info: Info) -> ApprovalRequestType | None:
        if self.approval_request_id is None:
            return None

        async def load(ids: list[uuid.UUID]) -> list[Any]:
            found = await requests_by_id(list(ids))
            return [found.get(i) for i in ids]

        row = await per_request(info, "timeline_approval_requests", load).load(
            self.approval_request_id
        )
        return ApprovalRequestType.from_row(row) if row is not None else None

    @strawberry.field(description="Global id of the record it happened on")
    def record_id(self) -> relay.GlobalID:
        return encode_id(self.record_type, self.record_uuid)

    @strawberry.field(description="ACTIVITY: the activity")
    def activity(self) -> ActivityRef | None:
        return resolve_type(ActivityRef).from_row(self.activity_row) if self.activity_row else None

    stage = relation(
        column="stage_id",
        target=STAGE_SPEC,
        type=StageRef,
        description="STAGE_CHANGE: the stage the opportunity entered",
    )
    actor = relation(
        column="actor_id",
        target=None,
        type=UserType,
        description="Who logged the activity or made the change",
    )


def _entry(row: timeline.Entry) -> TimelineEntry:
    return TimelineEntry(
        at=row.at,
        kind=row.kind,
        record_type=row.record_type,
        record_uuid=row.record_id,
        stage_id=row.stage_id,
        actor_id=row.actor_id,
        approval_request_id=row.approval_request_id,
        activity_row=row.activity,
        from_status=row.from_status,
        to_status=row.to_status,
    )


@strawberry.type
class WithFullTimeline:
    """Mixin of Customer: everything that happened around it."""

    @strawberry.field(
        description=(
            "Activities on the customer and on its contacts, opportunities, tickets and converted leads, "
            "with opportunity stage changes, ticket status changes, approval requests and decisions, "
            "newest first; only what you may read"
        )
    )
    async def full_timeline(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kinds: list[timeline.EntryKind] | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TimelineEntry]:
        page = await timeline.customer_timeline(
            principal=principal_of(info),
            customer_id=uuid.UUID(self.node_id),  # type: ignore[attr-defined]
            kinds=set(kinds) if kinds is not None else None,
            **page_of(first, after, last, before).listing_args(),
        )
        edges = [
            Edge(node=_entry(e), cursor_of=partial(timeline.encode_cursor, e)) for e in page.entries
        ]

        async def count() -> int:
            return await timeline.count_entries(
                principal=principal_of(info),
                customer_id=uuid.UUID(self.node_id),  # type: ignore[attr-defined]
                kinds=set(kinds) if kinds is not None else None,
            )

        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=timeline.encode_cursor(page.entries[0]) if page.entries else None,
                end_cursor=timeline.encode_cursor(page.entries[-1]) if page.entries else None,
            ),
            count=count,
        )

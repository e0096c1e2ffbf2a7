"""Activities and tasks: notes, calls, emails, meetings and tasks on a record's timeline. Their
type, inputs, list and mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.crm.listing import list_connection
from api.permissions import Authenticated, principal_of
from api.records.crud import RecordWrites, delete_mutation, restore_mutation, update_mutation
from api.records.generated import filter_input, order_input
from api.records.ids import decode_id, decode_record_id, encode_id
from api.records.inputs import values_of
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import relation
from api.records.users import UserType
from domain.crm import activities
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.spec import RecordSpec

ACTIVITY_TARGETS = {
    s.record_type: s
    for s in (LEAD_SPEC, CUSTOMER_SPEC, CONTACT_SPEC, OPPORTUNITY_SPEC, TICKET_SPEC)
}


@strawberry.type(name="Activity", description="A note, call, email, meeting or task on a record")
class ActivityType(relay.Node, Record):
    SPEC: ClassVar[RecordSpec] = ACTIVITY_SPEC
    node_id: relay.NodeID[str]
    kind: str
    subject: str
    body: str | None
    occurred_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    record_type: str
    record_uuid: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ActivityType:
        return from_columns(cls, row, record_uuid=row["record_id"])

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, ACTIVITY_SPEC, info, node_ids)

    @strawberry.field(description="Global id of the record it belongs to")
    def record_id(self) -> relay.GlobalID:
        return encode_id(self.record_type, self.record_uuid)

    owner = relation(
        column="owner_id", target=None, type=UserType, description="Whose activity or task it is"
    )


ActivityFilter = filter_input(ACTIVITY_SPEC, skip=("record_type",))
ActivityOrder = order_input(ACTIVITY_SPEC)


@strawberry.input
class LogActivityInput:
    record_id: relay.GlobalID = strawberry.field(
        description="A Lead, Customer, Contact, Opportunity or Ticket"
    )
    kind: str = strawberry.field(description="NOTE, CALL, EMAIL, MEETING or TASK")
    subject: str
    body: str | None = UNSET
    occurred_at: datetime | None = UNSET
    due_at: datetime | None = strawberry.field(default=UNSET, description="Tasks only")
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Whose task it is; defaults to you"
    )


@strawberry.input
class UpdateActivityInput:
    id: relay.GlobalID
    version: int
    subject: str | None = UNSET
    body: str | None = UNSET
    occurred_at: datetime | None = UNSET
    due_at: datetime | None = UNSET
    owner_id: relay.GlobalID | None = UNSET


@strawberry.input
class CompleteTaskInput:
    id: relay.GlobalID
    version: int
    done: bool = True


@strawberry.type
class ActivityQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="Activities and tasks across records (e.g. my open tasks)",
    )
    async def activities(
        self,
        info: Info,
        filter: ActivityFilter | None = None,
        order_by: list[ActivityOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ActivityType]:
        return await list_connection(
            info,
            ACTIVITY_SPEC,
            ActivityType,
            filter,
            order_by,
            first,
            after,
            last=last,
            before=before,
        )


ACTIVITY_WRITES = RecordWrites(ACTIVITY_SPEC, ActivityType, update=activities.update_activities)


@strawberry.type
class ActivityMutations:
    """The standard ones; activities are created with logActivity (ActivityLogMutations)."""

    update_activity = update_mutation(ACTIVITY_WRITES, UpdateActivityInput)
    delete_activity = delete_mutation(ACTIVITY_WRITES)
    restore_activity = restore_mutation(ACTIVITY_WRITES)


@strawberry.type
class ActivityLogMutations:
    @strawberry.mutation(
        description="Add a note, call, email, meeting or task to a record's timeline"
    )
    async def log_activity(self, info: Info, input: LogActivityInput) -> ActivityType:
        target, record_id = decode_record_id(input.record_id, ACTIVITY_TARGETS, field="recordId")
        row = await activities.log_activity(
            principal=principal_of(info),
            target=target,
            record_id=record_id,
            values=values_of(input, skip=("record_id",)),
        )
        return ActivityType.from_row(row)

    @strawberry.mutation(description="Mark a task done (or not done again)")
    async def complete_task(self, info: Info, input: CompleteTaskInput) -> ActivityType:
        row = await activities.complete_task(
            principal=principal_of(info),
            activity_id=decode_id(input.id, expected="Activity", field="id"),
            version=input.version,
            done=input.done,
        )
        return ActivityType.from_row(row)

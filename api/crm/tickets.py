"""Tickets: service requests moving along their status flow. Their type, inputs, list and
mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Optional

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm.listing import list_connection
from api.crm.tracked import Tracked
from api.custom.standard_fields import WithCustomFields, prepare_custom_fields
from api.permissions import Authenticated, principal_of
from api.records import loaders
from api.records.choices import TicketChannel, TicketPriority, TicketStatus
from api.records.crud import (
    RecordWrites,
    bulk_create_mutation,
    bulk_update_mutation,
    create_mutation,
    delete_mutation,
    restore_mutation,
    update_mutation,
)
from api.records.generated import filter_input, order_input
from api.records.ids import decode_id
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import lazy_type, relation, resolve_type
from api.records.teams import TeamType
from api.records.users import UserType
from domain.crm import tickets
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.teams import TEAM_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.spec import RecordSpec
from domain.service_levels import clocks
from domain.surveys import service as surveys


@strawberry.type
class StatusChange:
    from_status: str | None
    to_status: str
    changed_at: datetime
    actor_id: strawberry.Private[uuid.UUID | None]

    actor = relation(column="actor_id", target=None, type=UserType)


# The SLA state's type lives with service levels (api/service_levels/types.py), the survey's
# with surveys (api/surveys/types.py).
TICKET_SLA = lazy_type("api.service_levels.types", "TicketSlaType")
SURVEY = lazy_type("api.surveys.types", "SatisfactionSurveyType")


async def _ticket_sla(self: Any, info: Info) -> Any:
    state = await loaders.batched(info, "ticket_sla", clocks.clocks_of).load(
        uuid.UUID(self.node_id)
    )
    return (
        None
        if state is None or state["policy_id"] is None
        else resolve_type(TICKET_SLA).from_state(state)
    )


_ticket_sla.__annotations__ = {"info": Info, "return": Optional[TICKET_SLA]}  # noqa: UP045 - a lazy reference


async def _ticket_survey(self: Any, info: Info) -> Any:
    row = await loaders.batched(info, "ticket_survey", surveys.latest_surveys).load(
        uuid.UUID(self.node_id)
    )
    return None if row is None else resolve_type(SURVEY).from_row(row)


_ticket_survey.__annotations__ = {"info": Info, "return": Optional[SURVEY]}  # noqa: UP045 - a lazy reference


@strawberry.type(name="Ticket")
class TicketType(relay.Node, Record, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = TICKET_SPEC
    node_id: relay.NodeID[str]
    subject: str
    description: str | None
    category: str | None
    priority: TicketPriority
    channel: TicketChannel | None
    status: TicketStatus
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    satisfaction_score: int | None
    satisfaction_comment: str | None = strawberry.field(
        description="The comment of the customer's survey answer"
    )
    satisfaction_at: datetime | None = strawberry.field(
        description="When the customer answered the survey"
    )
    customer_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]
    owner_id: strawberry.Private[uuid.UUID | None]
    team_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TicketType:
        return from_columns(cls, row, custom_data=row["custom_fields"])

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, TICKET_SPEC, info, node_ids)

    customer = relation(
        column="customer_id",
        target=CUSTOMER_SPEC,
        type=lazy_type("api.crm.customers", "CustomerType"),
    )
    contact = relation(
        column="contact_id", target=CONTACT_SPEC, type=lazy_type("api.crm.contacts", "ContactType")
    )
    assignee = relation(column="owner_id", target=None, type=UserType)
    team = relation(column="team_id", target=TEAM_SPEC, type=TeamType)

    sla = strawberry.field(
        resolver=_ticket_sla,
        description="The live SLA clock: due times and status from the first "
        "SLA policy that matches; null when none does",
    )

    survey = strawberry.field(
        resolver=_ticket_survey,
        description="The newest satisfaction survey sent to the customer "
        "(resolving the ticket sends one)",
    )

    @strawberry.field(description="Every status change, oldest first")
    async def status_history(self, info: Info) -> list[StatusChange]:
        rows = await loaders.batched(info, "status_history", tickets.status_history, []).load(
            uuid.UUID(self.node_id)
        )
        return [
            StatusChange(
                from_status=r["from_status"],
                to_status=r["to_status"],
                changed_at=r["changed_at"],
                actor_id=r["actor_id"],
            )
            for r in rows
        ]


TicketFilter = filter_input(TICKET_SPEC)
TicketOrder = order_input(TICKET_SPEC)


@strawberry.input
class TicketFields:
    subject: str | None = UNSET
    description: str | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    contact_id: relay.GlobalID | None = UNSET
    category: str | None = UNSET
    priority: TicketPriority | None = UNSET
    channel: TicketChannel | None = UNSET
    assignee_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    first_response_due_at: datetime | None = UNSET
    resolution_due_at: datetime | None = UNSET
    satisfaction_score: int | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET,
        description="{field api name: value} for the tenant's custom fields; null clears one",
    )


@strawberry.input
class CreateTicketInput(TicketFields):
    subject: str


@strawberry.input
class UpdateTicketInput(TicketFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class BulkCreateTicketsInput:
    items: list[CreateTicketInput]


@strawberry.input
class BulkUpdateTicketsInput:
    items: list[UpdateTicketInput]


@strawberry.input
class ChangeTicketStatusInput:
    id: relay.GlobalID
    version: int
    status: TicketStatus


TICKET_SEARCH = strawberry.argument(
    description="Words (or word beginnings) in the subject and description; Chinese, "
    "Japanese and Korean text matches anywhere in them"
)


@strawberry.type
class TicketQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def tickets(
        self,
        info: Info,
        filter: TicketFilter | None = None,
        order_by: list[TicketOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, TICKET_SEARCH] = None,
    ) -> Connection[TicketType]:
        return await list_connection(
            info,
            TICKET_SPEC,
            TicketType,
            filter,
            order_by,
            first,
            after,
            search,
            last=last,
            before=before,
        )


TICKET_WRITES = RecordWrites(
    TICKET_SPEC,
    TicketType,
    create=tickets.create_tickets,
    update=tickets.update_tickets,
    prepare=prepare_custom_fields("Ticket"),
)


@strawberry.type
class TicketMutations:
    update_ticket = update_mutation(TICKET_WRITES, UpdateTicketInput)
    delete_ticket = delete_mutation(TICKET_WRITES)
    restore_ticket = restore_mutation(TICKET_WRITES)
    create_ticket = create_mutation(TICKET_WRITES, CreateTicketInput)
    bulk_create_tickets = bulk_create_mutation(TICKET_WRITES, BulkCreateTicketsInput)
    bulk_update_tickets = bulk_update_mutation(TICKET_WRITES, BulkUpdateTicketsInput)


@strawberry.type
class TicketStatusMutations:
    @strawberry.mutation(
        description="Move a ticket along its status flow; illegal moves are BAD_USER_INPUT"
    )
    async def change_ticket_status(self, info: Info, input: ChangeTicketStatusInput) -> TicketType:
        row = await tickets.change_status(
            principal=principal_of(info),
            ticket_id=decode_id(input.id, expected="Ticket", field="id"),
            version=input.version,
            status=input.status.value,
        )
        return TicketType.from_row(row)

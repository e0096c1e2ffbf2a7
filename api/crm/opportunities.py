"""Opportunities: deals moving through a pipeline's stages. Their type, inputs, list and
mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm.listing import list_connection
from api.crm.tracked import Tracked
from api.custom.standard_fields import WithCustomFields, prepare_custom_fields
from api.permissions import Authenticated
from api.records import loaders
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
from api.records.owned import Owned
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import lazy_type, reads_related, relation
from domain.crm import opportunities
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.records.spec import RecordSpec

StageRef = lazy_type("api.crm.pipelines", "StageType")


@strawberry.type
class StageVisit:
    entered_at: datetime
    left_at: datetime | None
    stage_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Time spent in the stage so far")
    def duration_seconds(self) -> float:
        end = self.left_at or datetime.now(self.entered_at.tzinfo)
        return (end - self.entered_at).total_seconds()

    stage = relation(column="stage_id", target=STAGE_SPEC, type=StageRef)


@strawberry.type(name="Opportunity")
class OpportunityType(relay.Node, Record, Owned, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = OPPORTUNITY_SPEC
    node_id: relay.NodeID[str]
    name: str
    amount: Decimal | None
    currency: str | None
    expected_close_date: date | None
    probability_override: int | None = strawberry.field(
        description="Set on the opportunity; null means the stage's"
    )
    channel: str | None
    close_reason: str | None
    closed_at: datetime | None
    last_activity_at: datetime | None
    customer_id: strawberry.Private[uuid.UUID | None]
    primary_contact_id: strawberry.Private[uuid.UUID | None]
    pipeline_id: strawberry.Private[uuid.UUID]
    stage_id: strawberry.Private[uuid.UUID]
    campaign_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OpportunityType:
        return from_columns(
            cls, row, probability_override=row["probability"], custom_data=row["custom_fields"]
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, OPPORTUNITY_SPEC, info, node_ids)

    @strawberry.field(
        description="The override if set, else the stage's probability",
        metadata=reads_related(column="stage_id", target=STAGE_SPEC),
    )
    def probability(self, info: Info) -> int:
        if self.probability_override is not None:  # no need to load the stage
            return opportunities.effective_probability(self.probability_override, 0)
        return loaders.related(loaders.records(info, STAGE_SPEC), self.stage_id, _stage_probability)

    stage = relation(column="stage_id", target=STAGE_SPEC, type=StageRef)
    pipeline = relation(
        column="pipeline_id",
        target=PIPELINE_SPEC,
        type=lazy_type("api.crm.pipelines", "PipelineType"),
    )
    customer = relation(
        column="customer_id",
        target=CUSTOMER_SPEC,
        type=lazy_type("api.crm.customers", "CustomerType"),
    )
    primary_contact = relation(
        column="primary_contact_id",
        target=CONTACT_SPEC,
        type=lazy_type("api.crm.contacts", "ContactType"),
    )
    campaign = relation(
        column="campaign_id",
        target=CAMPAIGN_SPEC,
        type=lazy_type("api.crm.campaigns", "CampaignType"),
    )

    @strawberry.field(description="Each stage it entered, when, and for how long")
    async def stage_history(self, info: Info) -> list[StageVisit]:
        rows = await loaders.batched(info, "stage_history", opportunities.stage_history, []).load(
            uuid.UUID(self.node_id)
        )
        return [
            StageVisit(entered_at=r["entered_at"], left_at=r["left_at"], stage_id=r["stage_id"])
            for r in rows
        ]


def _stage_probability(stage: dict[str, Any]) -> int:
    return opportunities.effective_probability(None, stage["probability"])


OpportunityFilter = filter_input(OPPORTUNITY_SPEC)
OpportunityOrder = order_input(OPPORTUNITY_SPEC)


@strawberry.input
class OpportunityFields:
    name: str | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    primary_contact_id: relay.GlobalID | None = UNSET
    pipeline_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Defaults to the default pipeline"
    )
    stage_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Defaults to the first open stage"
    )
    amount: Decimal | None = UNSET
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217, e.g. CNY")
    expected_close_date: date | None = UNSET
    probability: int | None = strawberry.field(
        default=UNSET, description="0-100; null means the stage's"
    )
    campaign_id: relay.GlobalID | None = UNSET
    channel: str | None = UNSET
    close_reason: str | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET,
        description="{field api name: value} for the tenant's custom fields; null clears one",
    )


@strawberry.input
class CreateOpportunityInput(OpportunityFields):
    name: str


@strawberry.input
class UpdateOpportunityInput(OpportunityFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class BulkCreateOpportunitiesInput:
    items: list[CreateOpportunityInput]


@strawberry.input
class BulkUpdateOpportunitiesInput:
    items: list[UpdateOpportunityInput]


OPPORTUNITY_SEARCH = strawberry.argument(
    description="Words (or word beginnings) in the name; Chinese, Japanese "
    "and Korean text matches anywhere in it"
)


@strawberry.type
class OpportunityQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def opportunities(
        self,
        info: Info,
        filter: OpportunityFilter | None = None,
        order_by: list[OpportunityOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, OPPORTUNITY_SEARCH] = None,
    ) -> Connection[OpportunityType]:
        return await list_connection(
            info,
            OPPORTUNITY_SPEC,
            OpportunityType,
            filter,
            order_by,
            first,
            after,
            search,
            last=last,
            before=before,
        )


OPPORTUNITY_WRITES = RecordWrites(
    OPPORTUNITY_SPEC,
    OpportunityType,
    create=opportunities.create_opportunities,
    update=opportunities.update_opportunities,
    prepare=prepare_custom_fields("Opportunity"),
)


@strawberry.type
class OpportunityMutations:
    update_opportunity = update_mutation(OPPORTUNITY_WRITES, UpdateOpportunityInput)
    delete_opportunity = delete_mutation(OPPORTUNITY_WRITES)
    restore_opportunity = restore_mutation(OPPORTUNITY_WRITES)
    create_opportunity = create_mutation(OPPORTUNITY_WRITES, CreateOpportunityInput)
    bulk_create_opportunities = bulk_create_mutation(
        OPPORTUNITY_WRITES, BulkCreateOpportunitiesInput
    )
    bulk_update_opportunities = bulk_update_mutation(
        OPPORTUNITY_WRITES, BulkUpdateOpportunitiesInput
    )

"""Leads: people or companies that may become customers. Their type, inputs, list, mutations and
conversion."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm.listing import SEARCH, list_connection
from api.crm.tracked import Tracked
from api.custom.standard_fields import WithCustomFields, prepare_custom_fields
from api.permissions import Authenticated, principal_of
from api.records.choices import LeadStatus, LifecycleStage, MarketingChannel
from api.records.crud import (
    RecordWrites,
    bulk_create_mutation,
    bulk_update_mutation,
    create_mutation,
    delete_mutation,
    restore_mutation,
    update_mutation,
)
from api.records.duplicates import WithDuplicates
from api.records.generated import filter_input, order_input
from api.records.ids import decode_id
from api.records.inputs import values_of
from api.records.owned import Owned
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import lazy_type, relation
from domain.crm import leads
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.duplicates import conversion
from domain.records.spec import RecordSpec


@strawberry.type(name="Lead")
class LeadType(relay.Node, Record, Owned, Tracked, WithCustomFields, WithDuplicates):
    SPEC: ClassVar[RecordSpec] = LEAD_SPEC
    node_id: relay.NodeID[str]
    person_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    source_channel: MarketingChannel | None
    region: str | None
    industry: str | None
    lifecycle_stage: LifecycleStage
    status: LeadStatus
    score: int
    last_activity_at: datetime | None
    converted_at: datetime | None
    campaign_id: strawberry.Private[uuid.UUID | None]
    converted_customer_id: strawberry.Private[uuid.UUID | None]
    converted_contact_id: strawberry.Private[uuid.UUID | None]
    converted_opportunity_id: strawberry.Private[uuid.UUID | None]
    converted_customer_linked: bool | None = strawberry.field(
        description="Whether conversion linked an existing customer (customerId, or one the duplicate rules matched) "
        "instead of creating one"
    )
    converted_contact_linked: bool | None = strawberry.field(
        description="Whether conversion linked an existing contact the duplicate rules matched instead of creating one"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LeadType:
        return from_columns(cls, row, custom_data=row["custom_fields"])

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, LEAD_SPEC, info, node_ids)

    campaign = relation(
        column="campaign_id",
        target=CAMPAIGN_SPEC,
        type=lazy_type("api.crm.campaigns", "CampaignType"),
    )
    converted_customer = relation(
        column="converted_customer_id",
        target=CUSTOMER_SPEC,
        type=lazy_type("api.crm.customers", "CustomerType"),
    )
    converted_contact = relation(
        column="converted_contact_id",
        target=CONTACT_SPEC,
        type=lazy_type("api.crm.contacts", "ContactType"),
    )
    converted_opportunity = relation(
        column="converted_opportunity_id",
        target=OPPORTUNITY_SPEC,
        type=lazy_type("api.crm.opportunities", "OpportunityType"),
    )


OpportunityFieldsRef = lazy_type("api.crm.opportunities", "OpportunityFields")
LeadFilter = filter_input(LEAD_SPEC)
LeadOrder = order_input(LEAD_SPEC)


@strawberry.input
class LeadFields:
    person_name: str | None = UNSET
    company_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = strawberry.field(
        default=UNSET, description="International form: +<country code> ..."
    )
    source_channel: MarketingChannel | None = UNSET
    campaign_id: relay.GlobalID | None = UNSET
    region: str | None = UNSET
    industry: str | None = UNSET
    lifecycle_stage: LifecycleStage | None = UNSET
    status: LeadStatus | None = strawberry.field(
        default=UNSET, description="Any but CONVERTED, which convertLead sets"
    )
    score: int | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET,
        description="{field api name: value} for the tenant's custom fields; null clears one",
    )


@strawberry.input
class CreateLeadInput(LeadFields):
    pass


@strawberry.input
class UpdateLeadInput(LeadFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class BulkCreateLeadsInput:
    items: list[CreateLeadInput]


@strawberry.input
class BulkUpdateLeadsInput:
    items: list[UpdateLeadInput]


@strawberry.input
class ConvertLeadInput:
    lead_id: relay.GlobalID
    customer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Link to this customer instead of creating one"
    )
    create_opportunity: bool = False
    opportunity: OpportunityFieldsRef | None = strawberry.field(
        default=None, description="Overrides for the new opportunity"
    )


@strawberry.type
class LeadQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def leads(
        self,
        info: Info,
        filter: LeadFilter | None = None,
        order_by: list[LeadOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, SEARCH] = None,
    ) -> Connection[LeadType]:
        return await list_connection(
            info,
            LEAD_SPEC,
            LeadType,
            filter,
            order_by,
            first,
            after,
            search,
            last=last,
            before=before,
        )


LEAD_WRITES = RecordWrites(
    LEAD_SPEC,
    LeadType,
    create=leads.create_leads,
    update=leads.update_leads,
    prepare=prepare_custom_fields("Lead"),
)


@strawberry.type
class LeadMutations:
    update_lead = update_mutation(LEAD_WRITES, UpdateLeadInput)
    delete_lead = delete_mutation(LEAD_WRITES)
    restore_lead = restore_mutation(LEAD_WRITES)
    create_lead = create_mutation(LEAD_WRITES, CreateLeadInput)
    bulk_create_leads = bulk_create_mutation(LEAD_WRITES, BulkCreateLeadsInput)
    bulk_update_leads = bulk_update_mutation(LEAD_WRITES, BulkUpdateLeadsInput)


@strawberry.type
class LeadConversionMutations:
    @strawberry.mutation(
        description="Turn a lead into a customer, contact and optionally an opportunity, atomically; "
        "an existing customer and contact the duplicate rules match are linked instead of "
        "created (convertedCustomerLinked, convertedContactLinked)"
    )
    async def convert_lead(self, info: Info, input: ConvertLeadInput) -> LeadType:
        row = await conversion.convert_lead(
            principal=principal_of(info),
            lead_id=decode_id(input.lead_id, expected="Lead", field="leadId"),
            customer_id=decode_id(input.customer_id, expected="Customer", field="customerId")
            if input.customer_id
            else None,
            create_opportunity=input.create_opportunity,
            opportunity=values_of(input.opportunity, prefix="opportunity.")
            if input.opportunity
            else None,
        )
        return LeadType.from_row(row)

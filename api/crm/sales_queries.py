"""Queries for campaigns, leads, pipelines, opportunities, tickets and activities."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.crm.queries import SEARCH, _list
from api.crm.types import ContactType, CustomerType
from api.crm.sales_inputs import (
    ActivityFilter, ActivityOrder, CampaignFilter, CampaignOrder, LeadFilter, LeadOrder, OpportunityFilter,
    OpportunityOrder, PipelineFilter, PipelineOrder, TicketFilter, TicketOrder,
)
from api.crm.sales_types import ActivityType, CampaignType, LeadType, OpportunityType, PipelineType, TicketType
from api.pagination import Connection, page_size
from api.permissions import Authenticated, principal_of
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.listing import list_records

LIST = dict(permission_classes=[Authenticated])
OPPORTUNITY_SEARCH = strawberry.argument(description="Words (or word beginnings) in the name; Chinese, Japanese "
                                                     "and Korean text matches anywhere in it")
TICKET_SEARCH = strawberry.argument(description="Words (or word beginnings) in the subject and description; Chinese, "
                                                "Japanese and Korean text matches anywhere in them")


@strawberry.type
class SearchResults:
    customers: list[CustomerType]
    contacts: list[ContactType]
    leads: list[LeadType]


@strawberry.type
class SalesQueries:
    @strawberry.field(**LIST)
    async def campaigns(self, info: Info, filter: CampaignFilter | None = None, order_by: list[CampaignOrder] | None = None,
                        first: int | None = None, after: str | None = None) -> Connection[CampaignType]:
        return await _list(info, CAMPAIGN_SPEC, CampaignType.from_row, filter, order_by, first, after)

    @strawberry.field(**LIST)
    async def leads(self, info: Info, filter: LeadFilter | None = None, order_by: list[LeadOrder] | None = None,
                    first: int | None = None, after: str | None = None,
                    search: Annotated[str | None, SEARCH] = None) -> Connection[LeadType]:
        return await _list(info, LEAD_SPEC, LeadType.from_row, filter, order_by, first, after, search)

    @strawberry.field(**LIST, description="Customers, contacts and leads matching the words, each list best-effort by age")
    async def search(self, info: Info, text: str, first: int = 10) -> SearchResults:
        size = min(page_size(first), 20)
        customers, contacts, leads = [
            await list_records(spec, principal=principal_of(info), first=size, search=text)
            for spec in (CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC)
        ]
        return SearchResults(
            customers=[CustomerType.from_row(r) for r in customers.rows],
            contacts=[ContactType.from_row(r) for r in contacts.rows],
            leads=[LeadType.from_row(r) for r in leads.rows],
        )

    @strawberry.field(**LIST)
    async def pipelines(self, info: Info, filter: PipelineFilter | None = None, order_by: list[PipelineOrder] | None = None,
                        first: int | None = None, after: str | None = None) -> Connection[PipelineType]:
        return await _list(info, PIPELINE_SPEC, PipelineType.from_row, filter, order_by, first, after)

    @strawberry.field(**LIST)
    async def opportunities(self, info: Info, filter: OpportunityFilter | None = None,
                            order_by: list[OpportunityOrder] | None = None, first: int | None = None,
                            after: str | None = None,
                            search: Annotated[str | None, OPPORTUNITY_SEARCH] = None) -> Connection[OpportunityType]:
        return await _list(info, OPPORTUNITY_SPEC, OpportunityType.from_row, filter, order_by, first, after, search)

    @strawberry.field(**LIST)
    async def tickets(self, info: Info, filter: TicketFilter | None = None, order_by: list[TicketOrder] | None = None,
                      first: int | None = None, after: str | None = None,
                      search: Annotated[str | None, TICKET_SEARCH] = None) -> Connection[TicketType]:
        return await _list(info, TICKET_SPEC, TicketType.from_row, filter, order_by, first, after, search)

    @strawberry.field(**LIST, description="Activities and tasks across records (e.g. my open tasks)")
    async def activities(self, info: Info, filter: ActivityFilter | None = None, order_by: list[ActivityOrder] | None = None,
                         first: int | None = None, after: str | None = None) -> Connection[ActivityType]:
        return await _list(info, ACTIVITY_SPEC, ActivityType.from_row, filter, order_by, first, after)

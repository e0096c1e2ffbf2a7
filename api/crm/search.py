"""One search over customers, contacts and leads (each list has its own `search` too)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.crm.contacts import ContactType
from api.crm.customers import CustomerType
from api.crm.leads import LeadType
from api.permissions import Authenticated, principal_of
from api.records.pagination import page_size
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.records.listing import list_records

MAX_RESULTS = 20


@strawberry.type
class SearchResults:
    customers: list[CustomerType]
    contacts: list[ContactType]
    leads: list[LeadType]


@strawberry.type
class SearchQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="Customers, contacts and leads matching the words, each list best-effort by age",
    )
    async def search(self, info: Info, text: str, first: int = 10) -> SearchResults:
        size = min(page_size(first), MAX_RESULTS)
        customers, contacts, leads = [
            await list_records(spec, principal=principal_of(info), first=size, search=text)
            for spec in (CUSTOMER_SPEC, CONTACT_SPEC, LEAD_SPEC)
        ]
        return SearchResults(
            customers=[CustomerType.from_row(r) for r in customers.rows],
            contacts=[ContactType.from_row(r) for r in contacts.rows],
            leads=[LeadType.from_row(r) for r in leads.rows],
        )

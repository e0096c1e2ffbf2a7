"""Queries of the CRM area: one connection per record type, plus tags."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.crm.custom_fields import with_custom_fields
from api.crm import prefetch
from api.crm.inputs import ContactFilter, ContactOrder, CustomerFilter, CustomerOrder, TeamFilter, TeamOrder
from api.auth.types import Role
from api.crm.types import ContactType, CustomerType, TeamType, UserType
from api.pagination import Connection, listing_connection, page_size
from api.permissions import Authenticated, principal_of
from api.records.filters import to_domain_filter
from api.records.ordering import to_domain_order
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.tags import list_tags
from domain.crm.teams import TEAM_SPEC
from domain.identity.directory import list_members
from domain.records.listing import list_records
from domain.records.spec import RecordSpec


@strawberry.type
class Tag:
    id: strawberry.ID
    name: str
    color: str | None
    usage: int = strawberry.field(description="How many records carry it")


async def _list(info: Info, spec: RecordSpec, convert, filter, order_by, first, after, search=None) -> Connection:  # noqa: ANN001
    order = to_domain_order(order_by)
    spec, domain_filter = await with_custom_fields(info, spec, to_domain_filter(filter), order)
    relations = prefetch.plan(info, convert.__self__)
    listing = await list_records(
        spec, principal=principal_of(info), filter=domain_filter, order=order,
        first=page_size(first), after=after, search=search, include=[r.include for r in relations],
    )
    return listing_connection(listing, prefetch.converter(info, relations, listing, convert))


SEARCH = strawberry.argument(description="Words (or word beginnings) in names, emails, phones, company; "
                                        "Chinese, Japanese and Korean text matches anywhere inside them")


@strawberry.type
class CrmQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def customers(
        self, info: Info, filter: CustomerFilter | None = None, order_by: list[CustomerOrder] | None = None,
        first: int | None = None, after: str | None = None, search: Annotated[str | None, SEARCH] = None,
    ) -> Connection[CustomerType]:
        return await _list(info, CUSTOMER_SPEC, CustomerType.from_row, filter, order_by, first, after, search)

    @strawberry.field(permission_classes=[Authenticated])
    async def contacts(
        self, info: Info, filter: ContactFilter | None = None, order_by: list[ContactOrder] | None = None,
        first: int | None = None, after: str | None = None, search: Annotated[str | None, SEARCH] = None,
    ) -> Connection[ContactType]:
        return await _list(info, CONTACT_SPEC, ContactType.from_row, filter, order_by, first, after, search)

    @strawberry.field(permission_classes=[Authenticated])
    async def teams(
        self, info: Info, filter: TeamFilter | None = None, order_by: list[TeamOrder] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[TeamType]:
        return await _list(info, TEAM_SPEC, TeamType.from_row, filter, order_by, first, after)

    @strawberry.field(permission_classes=[Authenticated], description="The tenant's members by name (for owner and assignee pickers)")
    async def members(self, info: Info, search: str | None = None, role: Role | None = None, first: int = 100) -> list[UserType]:
        principal_of(info)
        rows = await list_members(search=search, role=role.value if role else None, limit=page_size(first))
        return [UserType.from_row(row) for row in rows]

    @strawberry.field(permission_classes=[Authenticated], description="All tags, alphabetically")
    async def tags(self, info: Info) -> list[Tag]:
        rows = await list_tags(principal=principal_of(info))
        return [Tag(id=strawberry.ID(str(r["id"])), name=r["name"], color=r["color"], usage=r["usage"]) for r in rows]

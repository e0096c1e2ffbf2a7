"""Customers: accounts, the companies a tenant sells to or serves. Their type, inputs, list and
mutations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm.listing import SEARCH, list_connection
from api.crm.timeline import WithFullTimeline
from api.crm.tracked import Tracked
from api.custom.standard_fields import WithCustomFields, prepare_custom_fields
from api.permissions import Authenticated
from api.records.choices import LifecycleStage
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
from api.records.owned import Owned
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import lazy_type, related_list
from domain.crm import customers
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.spec import RecordSpec


@strawberry.type
class Address:
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @classmethod
    def from_json(cls, stored: dict[str, Any] | None) -> Address | None:
        """The address as stored ({postalCode: ...})."""
        return cls(**{_snake(k): v for k, v in stored.items()}) if stored else None


@strawberry.type
class ExternalId:
    system: str
    id: str


@strawberry.type(name="Customer", description="An account: a company the tenant sells to or serves")
class CustomerType(
    relay.Node, Record, Owned, Tracked, WithFullTimeline, WithCustomFields, WithDuplicates
):
    SPEC: ClassVar[RecordSpec] = CUSTOMER_SPEC
    node_id: relay.NodeID[str]
    name: str
    website: str | None
    domain: str | None
    industry: str | None
    size: str | None
    region: str | None
    address: Address | None
    tier: str | None
    credit_rating: str | None
    lifecycle_stage: LifecycleStage | None
    external_ids: list[ExternalId]
    lifetime_value: Decimal
    last_order_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CustomerType:
        return from_columns(
            cls,
            row,
            address=Address.from_json(row["address"]),
            custom_data=row["custom_fields"],
            external_ids=[
                ExternalId(system=e["system"], id=e["id"]) for e in row["external_ids"] or []
            ],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, CUSTOMER_SPEC, info, node_ids)

    contacts = related_list(
        target=CONTACT_SPEC,
        column="customer_id",
        type=lazy_type("api.crm.contacts", "ContactType"),
        description="The customer's contacts (first page; at most 20)",
    )
    opportunities = related_list(
        target=OPPORTUNITY_SPEC,
        column="customer_id",
        type=lazy_type("api.crm.opportunities", "OpportunityType"),
        description="The customer's opportunities (first page; at most 20)",
    )
    tickets = related_list(
        target=TICKET_SPEC,
        column="customer_id",
        type=lazy_type("api.crm.tickets", "TicketType"),
        description="The customer's tickets (first page; at most 20)",
    )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


CustomerFilter = filter_input(CUSTOMER_SPEC)
CustomerOrder = order_input(CUSTOMER_SPEC)


@strawberry.input
class AddressInput:
    street: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    postal_code: str | None = UNSET
    country: str | None = UNSET


@strawberry.input
class CustomerFields:
    name: str | None = UNSET
    website: str | None = UNSET
    domain: str | None = UNSET
    industry: str | None = UNSET
    size: str | None = UNSET
    region: str | None = UNSET
    address: AddressInput | None = UNSET
    tier: str | None = UNSET
    credit_rating: str | None = UNSET
    lifecycle_stage: LifecycleStage | None = UNSET
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="A User; defaults to the creator"
    )
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET,
        description="{field api name: value} for the tenant's custom fields; null clears one",
    )


@strawberry.input
class CreateCustomerInput(CustomerFields):
    name: str


@strawberry.input
class UpdateCustomerInput(CustomerFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class BulkCreateCustomersInput:
    items: list[CreateCustomerInput]


@strawberry.input
class BulkUpdateCustomersInput:
    items: list[UpdateCustomerInput]


@strawberry.type
class CustomerQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def customers(
        self,
        info: Info,
        filter: CustomerFilter | None = None,
        order_by: list[CustomerOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, SEARCH] = None,
    ) -> Connection[CustomerType]:
        return await list_connection(
            info,
            CUSTOMER_SPEC,
            CustomerType,
            filter,
            order_by,
            first,
            after,
            search,
            last=last,
            before=before,
        )


CUSTOMER_WRITES = RecordWrites(
    CUSTOMER_SPEC,
    CustomerType,
    create=customers.create_customers,
    update=customers.update_customers,
    prepare=prepare_custom_fields("Customer"),
)


@strawberry.type
class CustomerMutations:
    update_customer = update_mutation(CUSTOMER_WRITES, UpdateCustomerInput)
    delete_customer = delete_mutation(CUSTOMER_WRITES)
    restore_customer = restore_mutation(CUSTOMER_WRITES)
    create_customer = create_mutation(CUSTOMER_WRITES, CreateCustomerInput)
    bulk_create_customers = bulk_create_mutation(CUSTOMER_WRITES, BulkCreateCustomersInput)
    bulk_update_customers = bulk_update_mutation(CUSTOMER_WRITES, BulkUpdateCustomersInput)

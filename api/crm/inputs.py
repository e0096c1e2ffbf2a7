"""Inputs of the CRM area: filters, sort orders, and create/update payloads."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from api.records.filters import BooleanFilter, DateTimeFilter, DecimalFilter, IDFilter, StringFilter, StringListFilter
from api.records.ordering import NullsOrder, SortDirection


@strawberry.input
class CustomerFilter:
    and_: Optional[list["CustomerFilter"]] = strawberry.field(name="and", default=UNSET)
    or_: Optional[list["CustomerFilter"]] = strawberry.field(name="or", default=UNSET)
    not_: Optional["CustomerFilter"] = strawberry.field(name="not", default=UNSET)
    id: IDFilter | None = UNSET
    name: StringFilter | None = UNSET
    website: StringFilter | None = UNSET
    domain: StringFilter | None = UNSET
    industry: StringFilter | None = UNSET
    size: StringFilter | None = UNSET
    region: StringFilter | None = UNSET
    tier: StringFilter | None = UNSET
    credit_rating: StringFilter | None = UNSET
    lifecycle_stage: StringFilter | None = UNSET
    lifetime_value: DecimalFilter | None = UNSET
    last_order_at: DateTimeFilter | None = UNSET
    owner_id: IDFilter | None = UNSET
    team_id: IDFilter | None = UNSET
    created_at: DateTimeFilter | None = UNSET
    updated_at: DateTimeFilter | None = UNSET


@strawberry.input(description="Exactly one field per entry; later entries break ties")
class CustomerOrder:
    name: SortDirection | None = UNSET
    domain: SortDirection | None = UNSET
    industry: SortDirection | None = UNSET
    region: SortDirection | None = UNSET
    tier: SortDirection | None = UNSET
    lifecycle_stage: SortDirection | None = UNSET
    lifetime_value: SortDirection | None = UNSET
    last_order_at: SortDirection | None = UNSET
    created_at: SortDirection | None = UNSET
    updated_at: SortDirection | None = UNSET
    nulls: NullsOrder | None = UNSET


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
    lifecycle_stage: str | None = strawberry.field(default=UNSET, description="LEAD, MQL, SQL, OPPORTUNITY, CUSTOMER or ADVOCATE")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A User; defaults to the creator")
    team_id: relay.GlobalID | None = UNSET


@strawberry.input
class CreateCustomerInput(CustomerFields):
    name: str


@strawberry.input
class UpdateCustomerInput(CustomerFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class ContactFilter:
    and_: Optional[list["ContactFilter"]] = strawberry.field(name="and", default=UNSET)
    or_: Optional[list["ContactFilter"]] = strawberry.field(name="or", default=UNSET)
    not_: Optional["ContactFilter"] = strawberry.field(name="not", default=UNSET)
    id: IDFilter | None = UNSET
    name: StringFilter | None = UNSET
    title: StringFilter | None = UNSET
    emails: StringListFilter | None = UNSET
    phones: StringListFilter | None = UNSET
    marketing_consent: BooleanFilter | None = UNSET
    customer_id: IDFilter | None = UNSET
    owner_id: IDFilter | None = UNSET
    team_id: IDFilter | None = UNSET
    created_at: DateTimeFilter | None = UNSET
    updated_at: DateTimeFilter | None = UNSET


@strawberry.input(description="Exactly one field per entry; later entries break ties")
class ContactOrder:
    name: SortDirection | None = UNSET
    title: SortDirection | None = UNSET
    created_at: SortDirection | None = UNSET
    updated_at: SortDirection | None = UNSET
    nulls: NullsOrder | None = UNSET


@strawberry.input
class ContactFields:
    name: str | None = UNSET
    title: str | None = UNSET
    emails: list[str] | None = UNSET
    phones: list[str] | None = strawberry.field(default=UNSET, description="International form: +<country code> ...")
    messaging_ids: JSON | None = strawberry.field(default=UNSET, description='e.g. {"wecom": "zhangsan"}')
    marketing_consent: bool | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET


@strawberry.input
class CreateContactInput(ContactFields):
    name: str


@strawberry.input
class UpdateContactInput(ContactFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class TeamFilter:
    and_: Optional[list["TeamFilter"]] = strawberry.field(name="and", default=UNSET)
    or_: Optional[list["TeamFilter"]] = strawberry.field(name="or", default=UNSET)
    not_: Optional["TeamFilter"] = strawberry.field(name="not", default=UNSET)
    name: StringFilter | None = UNSET
    manager_id: IDFilter | None = UNSET


@strawberry.input
class TeamOrder:
    name: SortDirection | None = UNSET
    created_at: SortDirection | None = UNSET
    nulls: NullsOrder | None = UNSET


@strawberry.input
class TeamFields:
    name: str | None = UNSET
    manager_id: relay.GlobalID | None = UNSET
    member_ids: list[relay.GlobalID] | None = strawberry.field(default=UNSET, description="Replaces the member list")


@strawberry.input
class CreateTeamInput(TeamFields):
    name: str


@strawberry.input
class UpdateTeamInput(TeamFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class DeleteInput:
    id: relay.GlobalID
    version: int | None = strawberry.field(default=None, description="If given, a stale version is a CONFLICT")


@strawberry.input
class RestoreInput:
    id: relay.GlobalID


@strawberry.input
class BulkCreateCustomersInput:
    items: list[CreateCustomerInput]


@strawberry.input
class BulkUpdateCustomersInput:
    items: list[UpdateCustomerInput]


@strawberry.input
class BulkCreateContactsInput:
    items: list[CreateContactInput]


@strawberry.input
class BulkUpdateContactsInput:
    items: list[UpdateContactInput]


@strawberry.input
class TagsInput:
    record_id: relay.GlobalID = strawberry.field(description="A Customer or Contact")
    names: list[str]

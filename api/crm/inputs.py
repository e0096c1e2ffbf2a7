"""Inputs of the CRM area: filters, sort orders, and create/update payloads."""

from __future__ import annotations

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from api.records.generated import filter_input, order_input
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.teams import TEAM_SPEC

CustomerFilter = filter_input(CUSTOMER_SPEC)
CustomerOrder = order_input(CUSTOMER_SPEC)
ContactFilter = filter_input(CONTACT_SPEC)
ContactOrder = order_input(CONTACT_SPEC)
TeamFilter = filter_input(TEAM_SPEC)
TeamOrder = order_input(TEAM_SPEC)


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
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="{field api name: value} for the tenant's custom fields; null clears one")


@strawberry.input
class CreateCustomerInput(CustomerFields):
    name: str


@strawberry.input
class UpdateCustomerInput(CustomerFields):
    id: relay.GlobalID
    version: int


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
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="{field api name: value} for the tenant's custom fields; null clears one")


@strawberry.input
class CreateContactInput(ContactFields):
    name: str


@strawberry.input
class UpdateContactInput(ContactFields):
    id: relay.GlobalID
    version: int


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
class TagsInput:
    record_id: relay.GlobalID = strawberry.field(description="A Customer, Contact, Lead, Opportunity, Ticket or CustomRecord")
    names: list[str]

"""Contacts: people, usually at a customer. Their type, inputs, list and mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm.listing import SEARCH, list_connection
from api.crm.tracked import Tracked
from api.custom.standard_fields import WithCustomFields, prepare_custom_fields
from api.permissions import Authenticated
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
from api.records.relations import lazy_type, relation
from domain.crm import contacts
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.records.spec import RecordSpec


@strawberry.type(name="Contact", description="A person, usually at a customer")
class ContactType(relay.Node, Record, Owned, Tracked, WithCustomFields, WithDuplicates):
    SPEC: ClassVar[RecordSpec] = CONTACT_SPEC
    node_id: relay.NodeID[str]
    name: str
    title: str | None
    emails: list[str]
    phones: list[str] = strawberry.field(description="E.164, e.g. +8613800138000")
    messaging_ids: JSON
    marketing_consent: bool
    customer_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ContactType:
        return from_columns(
            cls,
            row,
            emails=list(row["emails"]),
            phones=list(row["phones"]),
            custom_data=row["custom_fields"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, CONTACT_SPEC, info, node_ids)

    customer = relation(
        column="customer_id",
        target=CUSTOMER_SPEC,
        type=lazy_type("api.crm.customers", "CustomerType"),
    )


ContactFilter = filter_input(CONTACT_SPEC)
ContactOrder = order_input(CONTACT_SPEC)


@strawberry.input
class ContactFields:
    name: str | None = UNSET
    title: str | None = UNSET
    emails: list[str] | None = UNSET
    phones: list[str] | None = strawberry.field(
        default=UNSET, description="International form: +<country code> ..."
    )
    messaging_ids: JSON | None = strawberry.field(
        default=UNSET, description='e.g. {"wecom": "zhangsan"}'
    )
    marketing_consent: bool | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET,
        description="{field api name: value} for the tenant's custom fields; null clears one",
    )


@strawberry.input
class CreateContactInput(ContactFields):
    name: str


@strawberry.input
class UpdateContactInput(ContactFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class BulkCreateContactsInput:
    items: list[CreateContactInput]


@strawberry.input
class BulkUpdateContactsInput:
    items: list[UpdateContactInput]


@strawberry.type
class ContactQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def contacts(
        self,
        info: Info,
        filter: ContactFilter | None = None,
        order_by: list[ContactOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, SEARCH] = None,
    ) -> Connection[ContactType]:
        return await list_connection(
            info,
            CONTACT_SPEC,
            ContactType,
            filter,
            order_by,
            first,
            after,
            search,
            last=last,
            before=before,
        )


CONTACT_WRITES = RecordWrites(
    CONTACT_SPEC,
    ContactType,
    create=contacts.create_contacts,
    update=contacts.update_contacts,
    prepare=prepare_custom_fields("Contact"),
)


@strawberry.type
class ContactMutations:
    update_contact = update_mutation(CONTACT_WRITES, UpdateContactInput)
    delete_contact = delete_mutation(CONTACT_WRITES)
    restore_contact = restore_mutation(CONTACT_WRITES)
    create_contact = create_mutation(CONTACT_WRITES, CreateContactInput)
    bulk_create_contacts = bulk_create_mutation(CONTACT_WRITES, BulkCreateContactsInput)
    bulk_update_contacts = bulk_update_mutation(CONTACT_WRITES, BulkUpdateContactsInput)

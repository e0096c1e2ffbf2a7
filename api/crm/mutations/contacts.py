"""Contact mutations: parse the input, call the domain, return the changed contacts."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.crm.inputs import (
    BulkCreateContactsInput, BulkUpdateContactsInput, CreateContactInput, DeleteInput, RestoreInput,
    UpdateContactInput,
)
from api.crm.mutations.common import change_of
from api.crm.types import ContactType
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from api.records.inputs import values_of
from domain.crm import contacts
from domain.crm.contacts import CONTACT_SPEC
from domain.records import service

TYPE = CONTACT_SPEC.record_type


@strawberry.mutation(permission_classes=[Authenticated])
async def create_contact(info: Info, input: CreateContactInput) -> ContactType:
    rows = await contacts.create_contacts(principal=principal_of(info), items=[values_of(input)])
    return ContactType.from_row(rows[0])


@strawberry.mutation(permission_classes=[Authenticated], description="Change a contact; send the version you read")
async def update_contact(info: Info, input: UpdateContactInput) -> ContactType:
    rows = await contacts.update_contacts(principal=principal_of(info), changes=[change_of(input, TYPE)])
    return ContactType.from_row(rows[0])


@strawberry.mutation(permission_classes=[Authenticated], description="Soft-delete; restoreContact brings it back")
async def delete_contact(info: Info, input: DeleteInput) -> ContactType:
    row = await service.delete(CONTACT_SPEC, decode_id(input.id, expected=TYPE, field="id"), input.version,
                               principal=principal_of(info))
    return ContactType.from_row(row)


@strawberry.mutation(permission_classes=[Authenticated])
async def restore_contact(info: Info, input: RestoreInput) -> ContactType:
    row = await service.restore(CONTACT_SPEC, decode_id(input.id, expected=TYPE, field="id"), principal=principal_of(info))
    return ContactType.from_row(row)


@strawberry.mutation(permission_classes=[Authenticated], description="Up to 100; all or nothing, errors per item")
async def bulk_create_contacts(info: Info, input: BulkCreateContactsInput) -> list[ContactType]:
    items = [values_of(item, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
    rows = await contacts.create_contacts(principal=principal_of(info), items=items, bulk=True)
    return [ContactType.from_row(row) for row in rows]


@strawberry.mutation(permission_classes=[Authenticated], description="Up to 100; all or nothing, errors per item")
async def bulk_update_contacts(info: Info, input: BulkUpdateContactsInput) -> list[ContactType]:
    changes = [change_of(item, TYPE, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
    rows = await contacts.update_contacts(principal=principal_of(info), changes=changes, bulk=True)
    return [ContactType.from_row(row) for row in rows]

"""Customer mutations: parse the input, call the domain, return the changed customers."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.crm.inputs import (
    BulkCreateCustomersInput, BulkUpdateCustomersInput, CreateCustomerInput, DeleteInput, RestoreInput,
    UpdateCustomerInput,
)
from api.crm.mutations.common import change_of
from api.crm.types import CustomerType
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from api.records.inputs import values_of
from domain.crm import customers
from domain.crm.customers import CUSTOMER_SPEC
from domain.records import service

TYPE = CUSTOMER_SPEC.record_type


@strawberry.mutation(permission_classes=[Authenticated])
async def create_customer(info: Info, input: CreateCustomerInput) -> CustomerType:
    rows = await customers.create_customers(principal=principal_of(info), items=[values_of(input)])
    return CustomerType.from_row(rows[0])


@strawberry.mutation(permission_classes=[Authenticated], description="Change a customer; send the version you read")
async def update_customer(info: Info, input: UpdateCustomerInput) -> CustomerType:
    rows = await customers.update_customers(principal=principal_of(info), changes=[change_of(input, TYPE)])
    return CustomerType.from_row(rows[0])


@strawberry.mutation(permission_classes=[Authenticated], description="Soft-delete; restoreCustomer brings it back")
async def delete_customer(info: Info, input: DeleteInput) -> CustomerType:
    row = await service.delete(CUSTOMER_SPEC, decode_id(input.id, expected=TYPE, field="id"), input.version,
                               principal=principal_of(info))
    return CustomerType.from_row(row)


@strawberry.mutation(permission_classes=[Authenticated])
async def restore_customer(info: Info, input: RestoreInput) -> CustomerType:
    row = await service.restore(CUSTOMER_SPEC, decode_id(input.id, expected=TYPE, field="id"), principal=principal_of(info))
    return CustomerType.from_row(row)


@strawberry.mutation(permission_classes=[Authenticated], description="Up to 100; all or nothing, errors per item")
async def bulk_create_customers(info: Info, input: BulkCreateCustomersInput) -> list[CustomerType]:
    items = [values_of(item, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
    rows = await customers.create_customers(principal=principal_of(info), items=items, bulk=True)
    return [CustomerType.from_row(row) for row in rows]


@strawberry.mutation(permission_classes=[Authenticated], description="Up to 100; all or nothing, errors per item")
async def bulk_update_customers(info: Info, input: BulkUpdateCustomersInput) -> list[CustomerType]:
    changes = [change_of(item, TYPE, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
    rows = await customers.update_customers(principal=principal_of(info), changes=changes, bulk=True)
    return [CustomerType.from_row(row) for row in rows]

"""The six standard mutations of a record type (create, update, delete, restore, bulk create, bulk
update), made from its GraphQL types and domain functions so every type behaves the same.

No `from __future__ import annotations` here: the resolvers' annotations must be the real classes
passed in, which strawberry reads to build the schema."""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from api.permissions import principal_of
from api.records.ids import decode_id
from api.records.inputs import values_of
from api.records.names import plural as plural_of
from domain.records import service
from domain.records.service import Change
from domain.records.spec import RecordSpec

Create = Callable[..., Awaitable[list[dict[str, Any]]]]
# Turns API forms inside items into domain ones before a write (e.g. ids inside customFields);
# called with the items and whether the call is a bulk one (error names items.N.field).
Prepare = Callable[[list[dict[str, Any]], bool], Awaitable[None]]


async def _no_preparation(items: list[dict[str, Any]], bulk: bool) -> None:
    return None


@strawberry.input
class DeleteInput:
    id: strawberry.relay.GlobalID
    version: int | None = strawberry.field(default=None, description="If given, a stale version is a CONFLICT")


@strawberry.input
class RestoreInput:
    id: strawberry.relay.GlobalID


def change_of(data: Any, record_type: str, *, prefix: str = "") -> Change:
    return Change(
        id=decode_id(data.id, expected=record_type, field=f"{prefix}id"),
        version=data.version,
        values=values_of(data, prefix=prefix),
    )


def crud_mutations(
    spec: RecordSpec, node: type, create_input: type | None, update_input: type, create: Create | None, update: Create,
    *, bulk: bool = True, prepare: Prepare = _no_preparation,
) -> dict[str, Any]:
    """`{createX, updateX, deleteX, restoreX, bulkCreateXs, bulkUpdateXs}` as strawberry fields
    (without createX when `create_input` is None: the type has a creation mutation of its own)."""
    name = spec.record_type
    plural = plural_of(name)
    convert = node.from_row

    async def update_one(info: Info, input: update_input) -> node:
        change = change_of(input, name)
        await prepare([change.values], False)
        return convert((await update(principal=principal_of(info), changes=[change]))[0])

    async def delete_one(info: Info, input: DeleteInput) -> node:
        record_id = decode_id(input.id, expected=name, field="id")
        return convert(await service.delete(spec, record_id, input.version, principal=principal_of(info)))

    async def restore_one(info: Info, input: RestoreInput) -> node:
        record_id = decode_id(input.id, expected=name, field="id")
        return convert(await service.restore(spec, record_id, principal=principal_of(info)))

    fields = {
        f"update_{_snake(name)}": strawberry.mutation(
            resolver=update_one,
            description=f"Change a {name}; send the version you read (a stale one is a CONFLICT)"),
        f"delete_{_snake(name)}": strawberry.mutation(
            resolver=delete_one,
            description=f"Soft-delete a {name}; restore{name} brings it back"),
        f"restore_{_snake(name)}": strawberry.mutation(resolver=restore_one),
    }
    if create_input is not None:
        async def create_one(info: Info, input: create_input) -> node:
            items = [values_of(input)]
            await prepare(items, False)
            return convert((await create(principal=principal_of(info), items=items))[0])

        fields[f"create_{_snake(name)}"] = strawberry.mutation(resolver=create_one)
    if bulk:
        bulk_create_input = strawberry.input(type(f"BulkCreate{plural}Input", (), {"__annotations__": {"items": list[create_input]}}))
        bulk_update_input = strawberry.input(type(f"BulkUpdate{plural}Input", (), {"__annotations__": {"items": list[update_input]}}))

        async def bulk_create(info: Info, input: bulk_create_input) -> list[node]:
            items = [values_of(item, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
            await prepare(items, True)
            return [convert(row) for row in await create(principal=principal_of(info), items=items, bulk=True)]

        async def bulk_update(info: Info, input: bulk_update_input) -> list[node]:
            changes = [change_of(item, name, prefix=f"items.{i}.") for i, item in enumerate(input.items)]
            await prepare([change.values for change in changes], True)
            return [convert(row) for row in await update(principal=principal_of(info), changes=changes, bulk=True)]

        fields[f"bulk_create_{_snake(plural)}"] = strawberry.mutation(
            resolver=bulk_create, description="Up to 100; all or nothing, errors per item")
        fields[f"bulk_update_{_snake(plural)}"] = strawberry.mutation(
            resolver=bulk_update, description="Up to 100; all or nothing, errors per item")
    return fields


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")

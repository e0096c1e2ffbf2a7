"""The standard mutations of a record type (create, update, delete, restore, bulk create, bulk
update), built the same way for every type from its `RecordWrites`. Each type's module declares
each of its mutations by name (`update_opportunity = update_mutation(OPPORTUNITY_WRITES,
UpdateOpportunityInput)`), so the schema's names are found in the code.

No `from __future__ import annotations` here: the resolvers' annotations must be the real classes
passed in, which strawberry reads to build the schema."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from api.permissions import principal_of
from api.records.ids import decode_id
from api.records.inputs import values_of
from domain.records import service
from domain.records.service import Change
from domain.records.spec import RecordSpec

# Rows as the domain returns them (typed per record type, domain/crm/rows.py), read as mappings.
Write = Callable[..., Awaitable[Sequence[Mapping[str, Any]]]]
# Turns API forms inside items into domain ones before a write (e.g. ids inside customFields);
# called with the items and whether the call is a bulk one (error names items.N.field).
Prepare = Callable[[list[dict[str, Any]], bool], Awaitable[None]]

BULK_DESCRIPTION = "Up to 100; all or nothing, errors per item"


async def no_preparation(items: list[dict[str, Any]], bulk: bool) -> None:
    return None


@dataclass(frozen=True)
class RecordWrites:
    """What the standard mutations of a record type need: its spec, its GraphQL type (with
    `from_row`), the domain's create and update functions, and how items are prepared."""

    spec: RecordSpec
    node: Any
    update: Write
    create: Write | None = None
    prepare: Prepare = no_preparation


@strawberry.input
class DeleteInput:
    id: strawberry.relay.GlobalID
    version: int | None = strawberry.field(
        default=None, description="If given, a stale version is a CONFLICT"
    )


@strawberry.input
class RestoreInput:
    id: strawberry.relay.GlobalID


def change_of(data: Any, record_type: str, *, prefix: str = "") -> Change:
    return Change(
        id=decode_id(data.id, expected=record_type, field=f"{prefix}id"),
        version=data.version,
        values=values_of(data, prefix=prefix),
    )


def update_mutation(writes: RecordWrites, input_type: type) -> Any:
    name, node = writes.spec.record_type, writes.node

    async def update_one(info: Info, input: input_type) -> node:
        change = change_of(input, name)
        await writes.prepare([change.values], False)
        return node.from_row(
            (await writes.update(principal=principal_of(info), changes=[change]))[0]
        )

    return strawberry.mutation(
        resolver=update_one,
        description=f"Change a {name}; send the version you read (a stale one is a CONFLICT)",
    )


def delete_mutation(writes: RecordWrites) -> Any:
    spec, node = writes.spec, writes.node

    async def delete_one(info: Info, input: DeleteInput) -> node:
        record_id = decode_id(input.id, expected=spec.record_type, field="id")
        return node.from_row(
            await service.delete(spec, record_id, input.version, principal=principal_of(info))
        )

    return strawberry.mutation(
        resolver=delete_one,
        description=f"Soft-delete a {spec.record_type}; restore{spec.record_type} brings it back",
    )


def restore_mutation(writes: RecordWrites) -> Any:
    spec, node = writes.spec, writes.node

    async def restore_one(info: Info, input: RestoreInput) -> node:
        record_id = decode_id(input.id, expected=spec.record_type, field="id")
        return node.from_row(await service.restore(spec, record_id, principal=principal_of(info)))

    return strawberry.mutation(resolver=restore_one)


def create_mutation(writes: RecordWrites, input_type: type) -> Any:
    create, node = _create_of(writes), writes.node

    async def create_one(info: Info, input: input_type) -> node:
        items = [values_of(input)]
        await writes.prepare(items, False)
        return node.from_row((await create(principal=principal_of(info), items=items))[0])

    return strawberry.mutation(resolver=create_one)


def bulk_create_mutation(writes: RecordWrites, input_type: type) -> Any:
    """`input_type` has `items`: a list of the type's create input."""
    create, node = _create_of(writes), writes.node

    async def bulk_create(info: Info, input: input_type) -> list[node]:
        items = [values_of(item, prefix=f"items.{i}.") for i, item in enumerate(input.items)]  # type: ignore[attr-defined]
        await writes.prepare(items, True)
        return [
            node.from_row(row)
            for row in await create(principal=principal_of(info), items=items, bulk=True)
        ]

    return strawberry.mutation(resolver=bulk_create, description=BULK_DESCRIPTION)


def bulk_update_mutation(writes: RecordWrites, input_type: type) -> Any:
    """`input_type` has `items`: a list of the type's update input."""
    name, node = writes.spec.record_type, writes.node

    async def bulk_update(info: Info, input: input_type) -> list[node]:
        changes = [
            change_of(item, name, prefix=f"items.{i}.")
            for i, item in enumerate(input.items)  # type: ignore[attr-defined]
        ]
        await writes.prepare([change.values for change in changes], True)
        return [
            node.from_row(row)
            for row in await writes.update(principal=principal_of(info), changes=changes, bulk=True)
        ]

    return strawberry.mutation(resolver=bulk_update, description=BULK_DESCRIPTION)


def _create_of(writes: RecordWrites) -> Write:
    if writes.create is None:
        raise TypeError(f"{writes.spec.record_type} has no create function in its RecordWrites")
    return writes.create

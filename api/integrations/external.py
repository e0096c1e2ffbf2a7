"""Upserts and lookups by external id, for partners and sync jobs."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.custom.values import values_in
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import raw_ids
from domain.custom.metadata import STANDARD_OBJECTS, load_object
from domain.errors import InvalidInput, NotFound
from domain.integrations import external_ids, upsert

AUTH = AUTHENTICATED


def record_global_id(record_type: str, record_id: object) -> relay.GlobalID:
    """The global id `node` resolves: the type for standard records, CustomRecord for custom ones."""
    return relay.GlobalID(
        record_type if record_type in STANDARD_OBJECTS else "CustomRecord", str(record_id)
    )


@strawberry.input
class UpsertItemInput:
    external_id: str = strawberry.field(description="The record's id in the other system")
    values: JSON = strawberry.field(
        description="Fields by API name, as the create and update mutations take them"
    )


@strawberry.input
class UpsertRecordsInput:
    object: str = strawberry.field(
        description="Lead, Customer, Contact, Opportunity, Ticket or a custom object's api name"
    )
    system: str = strawberry.field(description="The other system's name, e.g. erp")
    items: list[UpsertItemInput] = strawberry.field(description="1 to 100; all or nothing")


@strawberry.type
class UpsertResult:
    external_id: str
    id: relay.GlobalID
    created: bool = strawberry.field(
        description="false: the record with this external id was updated"
    )


async def _items_in(input: UpsertRecordsInput) -> list[tuple[str, dict[str, Any]]]:
    """Each item's values with global ids as the UUIDs records store: a custom object's relation
    and user fields by their definitions (as createRecord reads them), `...Id` fields otherwise."""
    fields = None
    if input.object not in STANDARD_OBJECTS:
        try:
            fields = (await load_object(input.object)).fields
        except NotFound:
            fields = None  # the domain reports the unknown object
    items, errors = [], []
    for n, item in enumerate(input.items):
        values = item.values if isinstance(item.values, dict) else {}
        try:
            values = (
                values_in(fields, values, prefix=f"items.{n}.values.")
                if fields is not None
                else values
            )
        except InvalidInput as exc:
            errors += exc.field_errors
        items.append((item.external_id, raw_ids(values)))
    if errors:
        raise InvalidInput(errors)
    return items


@strawberry.type
class ExternalIdQueries:
    @strawberry.field(
        **AUTH,
        description="The record of `object` that carries the other system's id, if the caller may see it",
    )
    async def record_by_external_id(
        self, info: Info, object: str, system: str, external_id: str
    ) -> relay.Node | None:
        principal_of(info)
        found = await external_ids.find(object, system, external_id)
        # Resolving the node applies the caller's rights and visibility to the record itself.
        return None if found is None else await record_global_id(object, found).resolve_node(info)


@strawberry.type
class ExternalIdMutations:
    @strawberry.mutation(
        description="Create or update records by their ids in another system (1 to 100, all or nothing)"
    )
    async def upsert_records(self, info: Info, input: UpsertRecordsInput) -> list[UpsertResult]:
        items = await _items_in(input)
        results = await upsert.upsert_records(
            principal=principal_of(info), object_name=input.object, system=input.system, items=items
        )
        return [
            UpsertResult(
                external_id=items[n][0],
                id=record_global_id(input.object, record_id),
                created=created,
            )
            for n, (record_id, created) in enumerate(results)
        ]

"""The Record interface, and building a record's GraphQL object from its row.

A type built from rows names where its columns come from: `SPEC` (a RecordSpec, whose columns
reads fetch) or `COLUMNS`. Every attribute named after a column takes the column as it is, so
`from_row` only spells out what it converts, and a list may hand over a narrow copy of a related
record holding just the columns the query reads (api/records/prefetch.py): both read the same
attributes the same way, by construction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.private import is_private

from api.execution import Prefetched
from api.permissions import principal_of
from api.records.merged import Mergeable, with_merged_into
from domain.merge.lookup import merged_records
from domain.records.listing import get_records
from domain.records.spec import RecordSpec

Node = TypeVar("Node")


@strawberry.interface(description="What every editable record has")
class Record(Prefetched):
    version: int = strawberry.field(
        description="Send it back with updates; a stale one is a CONFLICT"
    )
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


def columns_of(cls: type) -> tuple[str, ...]:
    """The columns of the rows `cls` is built from."""
    spec: RecordSpec | None = getattr(cls, "SPEC", None)
    return spec.columns if spec is not None else cls.COLUMNS  # type: ignore[attr-defined]


@cache
def plain_attributes(cls: type) -> tuple[str, ...]:
    """The GraphQL fields of `cls` that show a column as it is: named after a column, without a
    resolver, permission or extension, of a scalar or enum type (lists and objects are converted)."""
    columns = set(columns_of(cls))
    return tuple(
        field.python_name
        for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if field.python_name in columns
        and not is_private(field.type)
        and field.is_basic_field
        and _is_leaf(field.type)
    )


@cache
def column_attributes(cls: type) -> tuple[str, ...]:
    """The attributes `from_row` copies from columns: the plain fields, and the private ones
    named after a column (the ids relations read)."""
    columns = set(columns_of(cls))
    private = [
        field.python_name
        for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if field.python_name in columns and is_private(field.type)
    ]
    return (*plain_attributes(cls), *private)


def from_columns(cls: type[Node], row: dict[str, Any], **converted: Any) -> Node:
    """`cls` from its row: the node id, every column attribute as it is, and `converted` (the
    attributes the type computes from the row)."""
    values = {name: row[name] for name in column_attributes(cls)}  # type: ignore[arg-type]  # classes hash
    return cls(node_id=str(row["id"]), **values, **converted)  # type: ignore[call-arg]  # a strawberry type's __init__


def _is_leaf(field_type: Any) -> bool:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    return not isinstance(field_type, StrawberryList) and not has_object_definition(field_type)


def uuids(node_ids: Iterable[str]) -> list[uuid.UUID]:
    """The node ids that are UUIDs (others can name no record)."""
    found = []
    for node_id in node_ids:
        try:
            found.append(uuid.UUID(node_id))
        except ValueError:
            pass
    return found


async def nodes_in_order(
    node_ids: Iterable[str],
    load: Callable[[list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]],
    build: Callable[[Any], Any],
) -> list[Any]:
    """relay's resolve_nodes answer: one entry per node id, in order, built from what `load`
    found (the rows the caller may read, by id), None for the others, malformed ids included."""
    wanted = list(node_ids)
    found = await load(uuids(wanted))
    answers = []
    for node_id in wanted:
        try:
            row = found.get(uuid.UUID(node_id))
        except ValueError:
            row = None
        answers.append(None if row is None else build(row))
    return answers


async def resolve_record_nodes(
    cls: Any, spec: RecordSpec, info: Info, node_ids: Iterable[str]
) -> list[Any]:
    """relay's resolve_nodes for a record type: the records the caller may see, None for others."""
    principal = principal_of(info)
    if not issubclass(cls, Mergeable):
        return await nodes_in_order(
            node_ids, lambda ids: get_records(spec, ids, principal=principal), cls.from_row
        )

    async def live_or_merged(ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
        found = await get_records(spec, ids, principal=principal)
        missing = [i for i in ids if i not in found]
        return {**found, **await merged_records(spec, missing, principal=principal)}

    return await nodes_in_order(
        node_ids, live_or_merged, lambda row: with_merged_into(cls.from_row(row), row)
    )

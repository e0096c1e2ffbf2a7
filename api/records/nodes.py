"""`resolve_nodes` for the Node types that are not records of a list (rules, runs, deliveries,
notifications, tags...): the rows the caller may read, one answer per id, in order.

A caller without the read right on a type gets null for its ids, as for an id of another tenant
or one that never existed: `node()` never tells which of those it was."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable, Mapping
from functools import partial
from typing import Any, Protocol

from strawberry.types import Info

from api.permissions import principal_of
from api.records.record import nodes_in_order
from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.records.by_ids import spec_rows_by_ids
from domain.records.spec import RecordSpec


class LoadRows(Protocol):
    """The rows among `ids` the principal may read, by id (Forbidden: none of them)."""

    def __call__(
        self, ids: list[uuid.UUID], *, principal: Principal
    ) -> Awaitable[Mapping[uuid.UUID, Any]]: ...


async def load_nodes(cls: Any, info: Info, node_ids: Iterable[str], load: LoadRows) -> list[Any]:
    """`cls.from_row` of each row `load` finds for the ids (None for the others)."""
    principal = principal_of(info)

    async def found(ids: list[uuid.UUID]) -> Mapping[uuid.UUID, Any]:
        if not ids:
            return {}
        try:
            return await load(ids, principal=principal)
        except Forbidden:
            return {}

    return await nodes_in_order(node_ids, found, cls.from_row)


async def load_spec_nodes(
    cls: Any, info: Info, node_ids: Iterable[str], spec: RecordSpec
) -> list[Any]:
    """`load_nodes` for a type whose rows a RecordSpec describes (rights, deletion, visibility)."""
    return await load_nodes(cls, info, node_ids, partial(spec_rows_by_ids, spec))

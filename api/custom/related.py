"""The reverse side of custom relations: from any record (custom or standard), the records of a
custom object that point at it, batched per request like every nested list."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.types import Info

from api.crm import loaders
from api.crm.types import MAX_NESTED_PAGE
from api.custom.types import CustomRecordType
from api.pagination import Connection, listing_connection, page_size
from api.permissions import principal_of
from domain.custom.records import related_records


async def related_connection(
    info: Info, parent_type: str, parent_id: str, object_name: str, field: str, first: int | None,
) -> Connection[CustomRecordType]:
    size = min(page_size(first), MAX_NESTED_PAGE)
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, Any]]:
        obj, found = await related_records(principal=principal, object_name=object_name, field_name=field,
                                           parent_type=parent_type, parent_ids=ids, first=size)
        return {parent: (obj, listing) for parent, listing in found.items()}

    loader = loaders.batched(info, ("related", parent_type, object_name, field, size), load)
    obj, listing = await loader.load(uuid.UUID(parent_id))
    return listing_connection(listing, lambda row: CustomRecordType.from_row(obj, row))

"""`mergedInto` on the record types mergeRecords works on (customers, contacts, leads, custom
records). A merged record stays soft-deleted with the id of its survivor; `node(id:)` still answers
for it (with `deletedAt` and `mergedInto`), so a client holding its id finds where it went."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info


@strawberry.type
class Mergeable:
    merged_into_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(
        description="The record this one was merged into (mergeRecords), null unless it was "
        "merged; follow it again if that one was merged too"
    )
    async def merged_into(self, info: Info) -> relay.Node | None:
        if self.merged_into_id is None:
            return None
        found = await type(self).resolve_nodes(  # type: ignore[attr-defined]
            info=info, node_ids=[str(self.merged_into_id)]
        )
        return found[0] if found else None


def with_merged_into(node: Mergeable, row: dict) -> Mergeable:
    """`node` (built from `row`) knowing the survivor a merged row names."""
    node.merged_into_id = row.get("merged_into")
    return node

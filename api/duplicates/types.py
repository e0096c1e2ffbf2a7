"""The GraphQL type of duplicate rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.records.nodes import load_spec_nodes
from domain.duplicates.rules import DUPLICATE_RULE_SPEC


@strawberry.type(
    name="DuplicateRule",
    description="When two records of `object` are taken for the same, and what a write "
    "that makes such a pair does",
)
class DuplicateRuleType(relay.Node):
    node_id: relay.NodeID[str]
    object: str = strawberry.field(
        description="Customer, Contact, Lead or a custom object's api name"
    )
    name: str
    action: str = strawberry.field(
        description="ALLOW (find only), WARN (the write succeeds and shows the matches) or "
        "BLOCK (the write is a CONFLICT naming the matches)"
    )
    conditions: JSON = strawberry.field(
        description='All must hold: [{"field": "emails", "match": "EXACT"}, '
        '{"field": "name", "match": "FUZZY", "threshold": 90}]'
    )
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, DUPLICATE_RULE_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DuplicateRuleType:
        return cls(
            node_id=str(row["id"]),
            object=row["record_type"],
            name=row["name"],
            action=row["action"],
            conditions=row["conditions"],
            active=row["active"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

"""The GraphQL type of duplicate rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON


@strawberry.type(
    name="DuplicateRule",
    description="When two records of `object` are taken for the same, and what a write "
    "that makes such a pair does",
)
class DuplicateRuleType:
    id: relay.GlobalID
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
    def from_row(cls, row: dict[str, Any]) -> DuplicateRuleType:
        return cls(
            id=relay.GlobalID("DuplicateRule", str(row["id"])),
            object=row["record_type"],
            name=row["name"],
            action=row["action"],
            conditions=row["conditions"],
            active=row["active"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

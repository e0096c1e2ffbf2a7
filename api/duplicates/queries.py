"""Queries of duplicates: the rules."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.duplicates.types import DuplicateRuleType
from api.permissions import Authenticated, principal_of
from domain.duplicates import admin


@strawberry.type
class DuplicateQueries:
    @strawberry.field(permission_classes=[Authenticated], description="The tenant's duplicate rules, optionally of one object")
    async def duplicate_rules(self, info: Info, object: str | None = None) -> list[DuplicateRuleType]:
        rows = await admin.list_rules(principal=principal_of(info), record_type=object)
        return [DuplicateRuleType.from_row(row) for row in rows]

"""Queries of duplicates: the rules, and the candidates of a record or of values."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.duplicates.types import DuplicateRuleType
from api.permissions import Authenticated, principal_of
from api.records.duplicates import DuplicateMatch, matches_out
from domain.duplicates import admin, candidates
from domain.duplicates.fields import STANDARD
from domain.errors import InvalidInput


@strawberry.type
class DuplicateQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The tenant's duplicate rules, optionally of one object",
    )
    async def duplicate_rules(
        self, info: Info, object: str | None = None
    ) -> list[DuplicateRuleType]:
        rows = await admin.list_rules(principal=principal_of(info), record_type=object)
        return [DuplicateRuleType.from_row(row) for row in rows]

    @strawberry.field(
        permission_classes=[Authenticated],
        description=(
            "Records the active duplicate rules (ALLOW ones included) take for the same as a stored record (recordId) or as "
            "values not stored yet (object and values, by field name), best first; only records you may see"
        ),
    )
    async def duplicate_candidates(
        self,
        info: Info,
        record_id: relay.GlobalID | None = None,
        object: str | None = None,
        values: JSON | None = None,
    ) -> list[DuplicateMatch]:
        principal = principal_of(info)
        if record_id is not None and object is None and values is None:
            node_id = _uuid(record_id)
            return matches_out(
                await candidates.candidates_of_record(
                    principal=principal, record_type=record_id.type_name, record_id=node_id
                )
            )
        if record_id is None and object is not None and values is not None:
            return matches_out(
                await candidates.candidates_of_values(
                    principal=principal, record_type=object, values=values
                )
            )
        raise InvalidInput.single(
            "recordId", "ONE_OF", "send either recordId, or object and values"
        )


def _uuid(value: relay.GlobalID) -> uuid.UUID:
    try:
        if value.type_name not in (*STANDARD, "CustomRecord"):
            raise ValueError(value.type_name)
        return uuid.UUID(value.node_id)
    except ValueError as exc:
        raise InvalidInput.single(
            "recordId",
            "INVALID_ID",
            "recordId must be the id of a Customer, Contact, Lead or CustomRecord",
        ) from exc

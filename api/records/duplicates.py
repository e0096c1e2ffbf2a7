"""The likely duplicates of a record, as the tenant's duplicate rules see them: a field of
customers, contacts, leads and custom records, so that a create or update answered by a WARN rule
shows its matches in the mutation's own result."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import principal_of
from api.records.merged import Mergeable
from domain.duplicates.checks import duplicates_of
from domain.duplicates.fields import STANDARD
from domain.duplicates.matching import Match


def record_global_id(record_type: str, record_id: uuid.UUID) -> relay.GlobalID:
    """Standard records carry their type in their global id; every custom record is a CustomRecord."""
    return relay.GlobalID(
        record_type if record_type in STANDARD else "CustomRecord", str(record_id)
    )


def scan_result_out(result: Any) -> Any:
    """A duplicate scan's job result as clients see it: each set's records as global ids (the
    domain stores the UUIDs; node(id:) reads each record, mergeRecords takes them as they are)."""
    if not isinstance(result, dict) or not isinstance(result.get("sets"), list):
        return result
    record_type = str(result.get("object"))
    return {
        **result,
        "sets": [
            {
                **group,
                "recordIds": [
                    str(record_global_id(record_type, uuid.UUID(str(record_id))))
                    for record_id in group.get("recordIds", [])
                ],
            }
            for group in result["sets"]
        ],
    }


@strawberry.type(description="A record a duplicate rule takes for the same as another")
class DuplicateMatch:
    record_id: relay.GlobalID = strawberry.field(
        description="The matching record (node(id:) reads it)"
    )
    rule_id: relay.GlobalID
    rule_name: str
    action: str = strawberry.field(description="What the rule does to writes: ALLOW, WARN or BLOCK")
    score: float = strawberry.field(
        description="100 for exact rules; the lowest name similarity (0-100) of fuzzy ones"
    )

    @classmethod
    def from_match(cls, match: Match) -> DuplicateMatch:
        return cls(
            record_id=record_global_id(match.record_type, match.record_id),
            rule_id=relay.GlobalID("DuplicateRule", str(match.rule_id)),
            rule_name=match.rule_name,
            action=match.action,
            score=match.score,
        )


def matches_out(matches: Iterable[Match]) -> list[DuplicateMatch]:
    return [DuplicateMatch.from_match(m) for m in matches]


@strawberry.type
class WithDuplicates(Mergeable):
    """Mixin: `likelyDuplicates` of a record whose type duplicate rules may apply to, and
    `mergedInto` (the same types are the ones mergeRecords merges)."""

    @strawberry.field(
        description="Records the active WARN and BLOCK duplicate rules take for this one, best first "
        "(only those you may see). Select it in createX/updateX to see what a WARN rule found."
    )
    async def likely_duplicates(self, info: Info) -> list[DuplicateMatch]:
        # Standard types name their record type in SPEC; a custom record carries its object's name.
        spec = getattr(self, "SPEC", None)
        record_type = spec.record_type if spec is not None else self.object  # type: ignore[attr-defined]
        record_id = uuid.UUID(self.node_id)  # type: ignore[attr-defined]
        return matches_out(
            await duplicates_of(
                record_type, record_id, principal=principal_of(info), actions=("WARN", "BLOCK")
            )
        )

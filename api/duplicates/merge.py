"""Merging duplicates into one survivor (mergeRecords) and undoing it (unmergeRecords)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.permissions import principal_of
from api.records.duplicates import record_global_id
from api.records.ids import decode_id
from api.records.nodes import load_nodes
from domain.duplicates.fields import STANDARD
from domain.errors import FieldError, InvalidInput
from domain.merge import service


@strawberry.type(
    name="RecordMerge",
    description="Records merged into a survivor; unmergeRecords undoes it within 30 days",
)
class RecordMergeType(relay.Node):
    node_id: relay.NodeID[str]
    object: str
    survivor_id: relay.GlobalID
    merged_ids: list[relay.GlobalID]
    moved: JSON = strawberry.field(
        description="What was moved to the survivor, counted by kind "
        "({contact.customer_id: 2, activity: 5, record_tag: 1, ...})"
    )
    merged_at: datetime
    undone_at: datetime | None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, service.merges_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RecordMergeType:
        kind = row["record_type"]
        return cls(
            node_id=str(row["id"]),
            object=kind,
            survivor_id=record_global_id(kind, row["survivor_id"]),
            merged_ids=[record_global_id(kind, m) for m in row["merged_ids"]],
            moved=JSON(_counts(row["moves"])),
            merged_at=row["merged_at"],
            undone_at=row["undone_at"],
        )


def _counts(moves: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for move in moves:
        name = ".".join(
            p
            for p in (move["table"], move.get("column") or move.get("object"), move.get("field"))
            if p
        )
        counts[name] = counts.get(name, 0) + len(move.get("rows") or move.get("added") or [])
    return counts


@strawberry.input
class MergeRecordsInput:
    object: str = strawberry.field(
        description="Customer, Contact, Lead or a custom object's api name"
    )
    survivor_id: relay.GlobalID = strawberry.field(description="The record that stays")
    merged_ids: list[relay.GlobalID] = strawberry.field(
        description="The records merged into it (1-10): soft-deleted, with mergedInto"
    )
    field_choices: JSON | None = strawberry.field(
        default=None,
        description="{field name: id of the record whose value the survivor takes}, e.g. "
        '{"website": "<merged id>", "customFields.vat": "<merged id>"}',
    )


@strawberry.input
class UnmergeRecordsInput:
    merge_id: relay.GlobalID


def _id_type(object_name: str) -> str:
    return object_name if object_name in STANDARD else "CustomRecord"


def _choices(value: Any, id_type: str) -> dict[str, uuid.UUID]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput.single("fieldChoices", "INVALID_OBJECT", "{field name: record id}")
    choices, errors = {}, []
    for name, record_id in value.items():
        try:
            choices[str(name)] = decode_id(
                str(record_id), expected=id_type, field=f"fieldChoices.{name}"
            )
        except InvalidInput as exc:
            errors += exc.field_errors
    if errors:
        raise InvalidInput([FieldError(e.field, e.code, e.message) for e in errors])
    return choices


@strawberry.type
class MergeMutations:
    @strawberry.mutation(
        description="Merge duplicates into one survivor, all or nothing: their contacts, opportunities, "
        "tickets, activities, tags, external ids, custom relation values and approval history "
        "move to it (update right on the survivor, delete right on the merged records)"
    )
    async def merge_records(self, info: Info, input: MergeRecordsInput) -> RecordMergeType:
        id_type = _id_type(input.object)
        survivor = decode_id(input.survivor_id, expected=id_type, field="survivorId")
        merged = [
            decode_id(m, expected=id_type, field=f"mergedIds.{i}")
            for i, m in enumerate(input.merged_ids)
        ]
        row = await service.merge_records(
            principal=principal_of(info),
            record_type=input.object,
            survivor_id=survivor,
            merged_ids=merged,
            field_choices=_choices(input.field_choices, id_type),
        )
        return RecordMergeType.from_row(row)

    @strawberry.mutation(
        description="Undo a merge of the last 30 days: the merged records come back and what moved moves back"
    )
    async def unmerge_records(self, info: Info, input: UnmergeRecordsInput) -> RecordMergeType:
        merge_id = decode_id(input.merge_id, expected="RecordMerge", field="mergeId")
        return RecordMergeType.from_row(
            await service.unmerge_records(principal=principal_of(info), merge_id=merge_id)
        )

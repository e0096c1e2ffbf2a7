"""Approval requests as GraphQL shows them, with each step's decisions (who, when, comment, on
whose behalf). Kept in the record kernel because every record shows its own requests
(`WithApprovals`); the approvals area (api/approvals) builds its queries and mutations on them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.records import loaders
from api.records.ids import encode_id
from api.records.nodes import load_nodes
from api.records.relations import relation
from api.records.users import UserType
from domain.approvals import store
from domain.approvals.queries import requests_of_records, visible_requests

STANDARD_TYPES = frozenset({"Customer", "Contact", "Lead", "Opportunity", "Ticket"})


@strawberry.enum(description="Where a request stands")
class ApprovalStatus(Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECALLED = "RECALLED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="One approver's part in a step")
class DecisionStatus(Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"
    REASSIGNED = "REASSIGNED"


def record_global_id(record_type: str, record_id: uuid.UUID) -> relay.GlobalID:
    """A record's global id: its type for standard records, CustomRecord for custom objects'."""
    return encode_id(record_type if record_type in STANDARD_TYPES else "CustomRecord", record_id)


@strawberry.type(
    name="ApprovalDecision",
    description="One approver asked at one step: what they decided, or that they were not needed",
)
class ApprovalDecisionType:
    status: DecisionStatus = strawberry.field(
        description="CLOSED: the step was settled without them; REASSIGNED: handed to another"
    )
    comment: str | None
    asked_at: datetime
    decided_at: datetime | None
    approver_id: strawberry.Private[uuid.UUID]
    decided_by_id: strawberry.Private[uuid.UUID | None]
    on_behalf_of_id: strawberry.Private[uuid.UUID | None]

    approver = relation(
        column="approver_id", target=None, type=UserType, description="Who was asked"
    )
    decided_by = relation(
        column="decided_by_id",
        target=None,
        type=UserType,
        description="Who decided (a delegate, an admin...)",
    )
    on_behalf_of = relation(
        column="on_behalf_of_id",
        target=None,
        type=UserType,
        description="Whose approval a delegate decided: approved by decidedBy on behalf of onBehalfOf",
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApprovalDecisionType:
        return cls(
            status=DecisionStatus(row["status"]),
            comment=row["comment"],
            asked_at=row["created_at"],
            decided_at=row["decided_at"],
            approver_id=row["approver_id"],
            decided_by_id=row["decided_by"],
            on_behalf_of_id=row["on_behalf_of"],
        )


@strawberry.type(
    name="ApprovalRequestStep",
    description="One time a step was entered (a step sent back to is entered again)",
)
class ApprovalRequestStepType:
    index: int
    name: str
    round: int = strawberry.field(
        description="Counts entries into steps over the request: 1, 2, ..."
    )
    mode: str
    decisions: list[ApprovalDecisionType]


async def _tasks_by_request(info: Info, request_id: uuid.UUID) -> list[dict[str, Any]]:
    async def fetch(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        found: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for task in await store.tasks_of(ids):
            found.setdefault(task["request_id"], []).append(task)
        return found

    return await loaders.batched(info, "approval_tasks", fetch, default=[]).load(request_id)


@strawberry.type(
    name="ApprovalRequest",
    description="A record's approval by one process, on the version it started with",
)
class ApprovalRequestType(relay.Node):
    node_id: relay.NodeID[str]
    status: ApprovalStatus
    process_id: relay.GlobalID
    process_name: str
    process_version: int
    record_type: str
    record_id: relay.GlobalID
    comment: str | None
    current_step: int | None = strawberry.field(
        description="The index of the step being decided (the last one, once finished)"
    )
    current_step_name: str | None
    version: int = strawberry.field(
        description="Send it with approve/reject so a double click never decides a later step"
    )
    submitted_at: datetime
    finished_at: datetime | None
    history: JSON = strawberry.field(
        description="[{event, at, step, by, ...}]: submitted, entered, skipped, approved_by, "
        "rejected_by, step_approved, sent_back, reassigned, escalated, reminded, ..."
    )
    raw_id: strawberry.Private[uuid.UUID]
    submitted_by_id: strawberry.Private[uuid.UUID | None]
    definition: strawberry.Private[dict[str, Any]]

    submitted_by = relation(column="submitted_by_id", target=None, type=UserType)

    @strawberry.field(
        description="Each entry into a step, in order, with every approver's decision"
    )
    async def steps(self, info: Info) -> list[ApprovalRequestStepType]:
        rounds: dict[int, list[dict[str, Any]]] = {}
        for task in await _tasks_by_request(info, self.raw_id):
            rounds.setdefault(task["round"], []).append(task)
        result = []
        for number in sorted(rounds):
            tasks = rounds[number]
            step = self.definition["steps"][tasks[0]["step_index"]]
            result.append(
                ApprovalRequestStepType(
                    index=tasks[0]["step_index"],
                    name=step["name"],
                    round=number,
                    mode=step["mode"],
                    decisions=[ApprovalDecisionType.from_row(t) for t in tasks],
                )
            )
        return result

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, visible_requests)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApprovalRequestType:
        step = row["current_step"]
        return cls(
            node_id=str(row["id"]),
            status=ApprovalStatus(row["status"]),
            process_id=encode_id("ApprovalProcess", row["process_id"]),
            process_name=row["definition"]["name"],
            process_version=row["process_version"],
            record_type=row["record_type"],
            record_id=record_global_id(row["record_type"], row["record_id"]),
            comment=row["comment"],
            current_step=step,
            current_step_name=None if step is None else row["definition"]["steps"][step]["name"],
            version=row["version"],
            submitted_at=row["submitted_at"],
            finished_at=row["finished_at"],
            history=row["history"],
            raw_id=row["id"],
            submitted_by_id=row["submitted_by"],
            definition=row["definition"],
        )


@strawberry.type
class WithApprovals:
    """Mixin: the record's approval requests (the record was read by the caller already)."""

    @strawberry.field(
        description="The record's approval requests, newest first, with each step's decisions"
    )
    async def approval_requests(self, info: Info) -> list[ApprovalRequestType]:
        rows = await loaders.batched(
            info, "approval_requests", requests_of_records, default=[]
        ).load(uuid.UUID(self.node_id))  # type: ignore[attr-defined]
        return [ApprovalRequestType.from_row(row) for row in rows]

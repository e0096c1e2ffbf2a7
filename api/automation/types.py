"""GraphQL types of automation rules, runs and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.records.ids import node_global_id
from api.records.nodes import load_nodes, load_spec_nodes
from api.records.rule_ids import ids_out
from domain.automation import log
from domain.automation.rules import RULE_SPEC


@strawberry.type(
    name="AutomationRule",
    description="When `trigger` happens to an `object` record and `conditions` hold, run `actions`",
)
class AutomationRuleType(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    object: str
    trigger: JSON
    conditions: JSON | None
    actions: JSON
    enabled: bool
    version: int = strawberry.field(
        description="Send it back with updates; each run records the version it ran"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AutomationRuleType:
        return cls(
            node_id=str(row["id"]),
            name=row["name"],
            object=row["object"],
            trigger=row["trigger"],
            conditions=row["conditions"],
            actions=ids_out(row["actions"]),
            enabled=row["enabled"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, RULE_SPEC)


@strawberry.type(
    name="AutomationRun", description="One rule's handling of one event, with each step's outcome"
)
class AutomationRunType(relay.Node):
    node_id: relay.NodeID[str]
    rule_id: relay.GlobalID
    rule_version: int
    event_id: strawberry.ID = strawberry.field(
        description="The outbox event the run handled (events are no nodes: runs of one event "
        "share it)"
    )
    record_type: str
    record_id: relay.GlobalID = strawberry.field(description="The record the run acted on")
    status: str = strawberry.field(
        description="SUCCEEDED, FAILED, SKIPPED, WAITING (a wait step) or RETRYING (a step failed; "
        "it is tried again later)"
    )
    attempts: int = strawberry.field(
        description="How many times the run's failing stretch has been tried (1 when nothing failed)"
    )
    reason: str | None
    steps: JSON = strawberry.field(description="[{index, type, status, detail or error, ms}]")
    depth: int
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AutomationRunType:
        return cls(
            node_id=str(row["id"]),
            rule_id=relay.GlobalID("AutomationRule", str(row["rule_id"])),
            rule_version=row["rule_version"],
            event_id=strawberry.ID(str(row["event_id"])),
            record_type=row["record_type"],
            record_id=node_global_id(row["record_type"], row["record_id"]),
            status=row["status"],
            attempts=row["attempts"],
            reason=row["reason"],
            steps=row["steps"],
            depth=row["depth"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, log.runs_by_ids)


@strawberry.type(name="Notification", description="An in-app notification for the caller")
class NotificationType(relay.Node):
    node_id: relay.NodeID[str]
    title: str
    body: str | None
    record_type: str | None
    record_id: relay.GlobalID | None = strawberry.field(
        description="What the notification is about (node(id:) reads it)"
    )
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> NotificationType:
        return cls(
            node_id=str(row["id"]),
            title=row["title"],
            body=row["body"],
            record_type=row["record_type"],
            record_id=node_global_id(row["record_type"], row["record_id"])
            if row["record_id"] and row["record_type"]
            else None,
            created_at=row["created_at"],
            read_at=row["read_at"],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, log.notifications_by_ids)

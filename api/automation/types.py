"""GraphQL types of automation rules, runs and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from api.records.rule_ids import ids_out


@strawberry.type(
    name="AutomationRule",
    description="When `trigger` happens to an `object` record and `conditions` hold, run `actions`",
)
class AutomationRuleType:
    id: relay.GlobalID
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
            id=relay.GlobalID("AutomationRule", str(row["id"])),
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


@strawberry.type(
    name="AutomationRun", description="One rule's handling of one event, with each step's outcome"
)
class AutomationRunType:
    id: relay.GlobalID
    rule_id: relay.GlobalID
    rule_version: int
    event_id: strawberry.ID
    record_type: str
    record_id: strawberry.ID
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
            id=relay.GlobalID("AutomationRun", str(row["id"])),
            rule_id=relay.GlobalID("AutomationRule", str(row["rule_id"])),
            rule_version=row["rule_version"],
            event_id=strawberry.ID(str(row["event_id"])),
            record_type=row["record_type"],
            record_id=strawberry.ID(str(row["record_id"])),
            status=row["status"],
            attempts=row["attempts"],
            reason=row["reason"],
            steps=row["steps"],
            depth=row["depth"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
        )


@strawberry.type(name="Notification", description="An in-app notification for the caller")
class NotificationType:
    id: relay.GlobalID
    title: str
    body: str | None
    record_type: str | None
    record_id: strawberry.ID | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> NotificationType:
        return cls(
            id=relay.GlobalID("Notification", str(row["id"])),
            title=row["title"],
            body=row["body"],
            record_type=row["record_type"],
            record_id=strawberry.ID(str(row["record_id"])) if row["record_id"] else None,
            created_at=row["created_at"],
            read_at=row["read_at"],
        )

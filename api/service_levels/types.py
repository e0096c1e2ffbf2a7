"""GraphQL types of SLA policies and of a ticket's live SLA state."""

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
from api.records.nodes import load_spec_nodes
from api.records.relations import relation
from api.records.users import UserType
from domain.service_levels import clock, clocks, policies
from domain.service_levels.policies import SLA_POLICY_SPEC
from domain.service_levels.status import sla_status


@strawberry.enum(description="Whom an escalation level notifies")
class SlaNotify(Enum):
    ASSIGNEE = "ASSIGNEE"
    TEAM_MANAGER = "TEAM_MANAGER"
    USER = "USER"


@strawberry.enum(description="Where a ticket stands against its SLA")
class SlaStatus(Enum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"
    MET = "MET"
    PAUSED = "PAUSED"


@strawberry.type(
    description="One escalation level: fires once, `afterMinutes` of business time past the resolution due time"
)
class SlaEscalation:
    level: int
    after_minutes: int
    notify: SlaNotify
    user_id: relay.GlobalID | None = strawberry.field(description="The user a USER level notifies")


@strawberry.type(
    name="SlaPolicy",
    description="What tickets matching `conditions` are promised; the first enabled "
    "policy in `position` order that matches applies",
)
class SlaPolicyType(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    position: int
    conditions: JSON | None
    calendar: str | None = strawberry.field(
        description="The business calendar of the tenant settings the targets run on; null: 24x7"
    )
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int = strawberry.field(
        description="At this share of a target the ticket is AT_RISK"
    )
    escalations: list[SlaEscalation]
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, SLA_POLICY_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SlaPolicyType:
        levels = [
            SlaEscalation(
                level=e["level"],
                after_minutes=e.get("afterMinutes", 0),
                notify=SlaNotify(e["notify"]),
                user_id=encode_id("User", uuid.UUID(str(e["userId"]))) if e.get("userId") else None,
            )
            for e in row["escalations"] or []
        ]
        return cls(
            node_id=str(row["id"]),
            name=row["name"],
            position=row["position"],
            conditions=row["conditions"],
            calendar=row["calendar"],
            first_response_minutes=row["first_response_minutes"],
            next_response_minutes=row["next_response_minutes"],
            resolution_minutes=row["resolution_minutes"],
            warning_percent=row["warning_percent"],
            escalations=levels,
            enabled=row["enabled"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type(
    description="Why a ticket's SLA due times moved (or its clock stopped, paused, resumed)"
)
class SlaChange:
    at: datetime
    reason: str = strawberry.field(
        description="STARTED, RETARGETED, FIRST_RESPONSE, NEXT_RESPONSE_STARTED, NEXT_RESPONSE, "
        "PAUSED, RESUMED, STOPPED or REOPENED"
    )
    detail: str | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    actor_id: strawberry.Private[uuid.UUID | None]

    actor = relation(column="actor_id", target=None, type=UserType)


@strawberry.type(name="TicketSla", description="A ticket's live SLA clock")
class TicketSlaType:
    ticket_id: strawberry.Private[uuid.UUID]
    policy_id: strawberry.Private[uuid.UUID]
    status: SlaStatus
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    next_response_due_at: datetime | None = strawberry.field(
        description="While a customer's reply waits for an answer"
    )
    resolution_due_at: datetime | None
    paused_at: datetime | None
    breached_at: datetime | None = strawberry.field(
        description="When a breach fired (tessera scheduler)"
    )

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TicketSlaType:
        return cls(
            ticket_id=state["ticket_id"],
            policy_id=state["policy_id"],
            status=SlaStatus(sla_status(state, clock.now())),
            first_response_due_at=state["first_response_due_at"],
            first_responded_at=state["first_responded_at"],
            next_response_due_at=state["next_response_due_at"]
            if state["next_response_since"]
            else None,
            resolution_due_at=state["resolution_due_at"],
            paused_at=state["paused_at"],
            breached_at=state["breached_at"],
        )

    @strawberry.field(description="The policy the clock runs on")
    async def policy(self, info: Info) -> SlaPolicyType | None:
        row = await loaders.batched(info, "sla_policy", policies.policies_by_id).load(
            self.policy_id
        )
        return None if row is None else SlaPolicyType.from_row(row)

    @strawberry.field(description="Every move of the clock, oldest first")
    async def history(self, info: Info) -> list[SlaChange]:
        rows = await loaders.batched(info, "sla_history", clocks.history_of, []).load(
            self.ticket_id
        )
        return [
            SlaChange(
                at=r["at"],
                reason=r["reason"],
                detail=r["detail"],
                first_response_due_at=r["first_response_due_at"],
                next_response_due_at=r["next_response_due_at"],
                resolution_due_at=r["resolution_due_at"],
                actor_id=r["actor_id"],
            )
            for r in rows
        ]

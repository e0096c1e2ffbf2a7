"""GraphQL types for campaigns, leads, pipelines, opportunities, tickets and activities."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.crm import loaders
from api.crm.custom_fields import WithCustomFields
from api.crm.prefetch import RELATIONS, Relation
from api.crm.types import (
    RECORD_COLUMNS, TEAM_SPEC, Owned, Tracked, ContactType, CustomerType, Record, TeamType, UserType, _record,
    _resolve_nodes, _team, _user,
)
from api.records.ids import encode_id
from domain.crm import opportunities, pipelines, tickets
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.spec import RecordSpec


def _one(info: Info, spec: RecordSpec, cls: Any, record_id: uuid.UUID | None) -> Any:
    return loaders.related(loaders.records(info, spec), record_id, cls.from_row)


def _stage_probability(stage: dict[str, Any]) -> int:
    return opportunities.effective_probability(None, stage["probability"])


@strawberry.type(name="Campaign")
class CampaignType(relay.Node, Record):
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (*RECORD_COLUMNS, "name", "channel", "cost", "starts_on", "ends_on")
    node_id: relay.NodeID[str]
    name: str
    channel: str
    cost: Decimal
    starts_on: date | None
    ends_on: date | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "CampaignType":
        return cls(node_id=str(row["id"]), name=row["name"], channel=row["channel"], cost=row["cost"],
                   starts_on=row["starts_on"], ends_on=row["ends_on"], **_record(row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, CAMPAIGN_SPEC, info, node_ids)


@strawberry.type(name="Stage")
class StageType(relay.Node, Record):
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (*RECORD_COLUMNS, "name", "position", "probability", "kind")
    node_id: relay.NodeID[str]
    name: str
    position: int
    probability: int
    kind: str = strawberry.field(description="OPEN, WON or LOST")
    required_fields: list[str] = strawberry.field(description="Fields a deal in this stage must have (when the pipeline "
                                                              "enforces its stage rules)")
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(
        description="The stages a deal in this stage may move to (when the pipeline enforces its stage rules); null: any")
    pipeline_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "StageType":
        allowed = row.get("allowed_next_stage_ids")
        return cls(node_id=str(row["id"]), name=row["name"], position=row["position"], probability=row["probability"],
                   kind=row["kind"], required_fields=list(row.get("required_fields") or []),
                   allowed_next_stage_ids=None if allowed is None else [encode_id("Stage", i) for i in allowed],
                   pipeline_id=row["pipeline_id"], **_record(row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, STAGE_SPEC, info, node_ids)

    @strawberry.field
    def pipeline(self, info: Info) -> "PipelineType | None":
        return _one(info, PIPELINE_SPEC, PipelineType, self.pipeline_id)


@strawberry.type(name="Pipeline")
class PipelineType(relay.Node, Record):
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (*RECORD_COLUMNS, "name", "is_default", "enforce_stage_rules")
    node_id: relay.NodeID[str]
    name: str
    is_default: bool
    enforce_stage_rules: bool = strawberry.field(description="Whether its stages' rules (required fields, allowed moves) "
                                                             "are checked on every write; off by default")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "PipelineType":
        return cls(node_id=str(row["id"]), name=row["name"], is_default=row["is_default"],
                   enforce_stage_rules=row["enforce_stage_rules"], **_record(row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, PIPELINE_SPEC, info, node_ids)

    @strawberry.field(description="In order")
    async def stages(self, info: Info) -> list[StageType]:
        listing = await loaders.children(info, STAGE_SPEC, "pipeline_id", pipelines.MAX_STAGES).load(uuid.UUID(self.node_id))
        return [StageType.from_row(row) for row in listing.rows]


@strawberry.type
class StageVisit:
    entered_at: datetime
    left_at: datetime | None
    stage_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Time spent in the stage so far")
    def duration_seconds(self) -> float:
        end = self.left_at or datetime.now(self.entered_at.tzinfo)
        return (end - self.entered_at).total_seconds()

    @strawberry.field
    def stage(self, info: Info) -> StageType | None:
        return _one(info, STAGE_SPEC, StageType, self.stage_id)


@strawberry.type(name="Opportunity")
class OpportunityType(relay.Node, Record, Owned, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = OPPORTUNITY_SPEC
    node_id: relay.NodeID[str]
    name: str
    amount: Decimal | None
    currency: str | None
    expected_close_date: date | None
    probability_override: int | None = strawberry.field(description="Set on the opportunity; null means the stage's")
    channel: str | None
    close_reason: str | None
    closed_at: datetime | None
    last_activity_at: datetime | None
    customer_id: strawberry.Private[uuid.UUID | None]
    primary_contact_id: strawberry.Private[uuid.UUID | None]
    pipeline_id: strawberry.Private[uuid.UUID]
    stage_id: strawberry.Private[uuid.UUID]
    campaign_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "OpportunityType":
        return cls(
            node_id=str(row["id"]), name=row["name"], amount=row["amount"], currency=row["currency"],
            expected_close_date=row["expected_close_date"], probability_override=row["probability"],
            channel=row["channel"], close_reason=row["close_reason"], closed_at=row["closed_at"],
            last_activity_at=row["last_activity_at"], custom_data=row["custom_fields"],
            customer_id=row["customer_id"], primary_contact_id=row["primary_contact_id"],
            pipeline_id=row["pipeline_id"], stage_id=row["stage_id"], campaign_id=row["campaign_id"],
            owner_id=row["owner_id"], team_id=row["team_id"], **_record(row),
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, OPPORTUNITY_SPEC, info, node_ids)

    @strawberry.field(description="The override if set, else the stage's probability")
    def probability(self, info: Info) -> int:
        if self.probability_override is not None:  # no need to load the stage
            return opportunities.effective_probability(self.probability_override, 0)
        return loaders.related(loaders.records(info, STAGE_SPEC), self.stage_id, _stage_probability)

    @strawberry.field
    def stage(self, info: Info) -> StageType | None:
        return _one(info, STAGE_SPEC, StageType, self.stage_id)

    @strawberry.field
    def pipeline(self, info: Info) -> PipelineType | None:
        return _one(info, PIPELINE_SPEC, PipelineType, self.pipeline_id)

    @strawberry.field
    def customer(self, info: Info) -> CustomerType | None:
        return _one(info, CUSTOMER_SPEC, CustomerType, self.customer_id)

    @strawberry.field
    def primary_contact(self, info: Info) -> ContactType | None:
        return _one(info, CONTACT_SPEC, ContactType, self.primary_contact_id)

    @strawberry.field
    def campaign(self, info: Info) -> CampaignType | None:
        return _one(info, CAMPAIGN_SPEC, CampaignType, self.campaign_id)

    @strawberry.field(description="Each stage it entered, when, and for how long")
    async def stage_history(self, info: Info) -> list[StageVisit]:
        rows = await loaders.batched(info, "stage_history", opportunities.stage_history, []).load(uuid.UUID(self.node_id))
        return [StageVisit(entered_at=r["entered_at"], left_at=r["left_at"], stage_id=r["stage_id"]) for r in rows]


@strawberry.type
class StatusChange:
    from_status: str | None
    to_status: str
    changed_at: datetime
    actor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    def actor(self, info: Info) -> UserType | None:
        return _user(info, self.actor_id)


@strawberry.type(name="Ticket")
class TicketType(relay.Node, Record, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = TICKET_SPEC
    node_id: relay.NodeID[str]
    subject: str
    description: str | None
    category: str | None
    priority: str
    channel: str | None
    status: str
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    satisfaction_score: int | None
    customer_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]
    owner_id: strawberry.Private[uuid.UUID | None]
    team_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "TicketType":
        return cls(
            node_id=str(row["id"]), subject=row["subject"], description=row["description"], category=row["category"],
            priority=row["priority"], channel=row["channel"], status=row["status"],
            first_response_at=row["first_response_at"], resolved_at=row["resolved_at"], closed_at=row["closed_at"],
            first_response_due_at=row["first_response_due_at"], resolution_due_at=row["resolution_due_at"],
            satisfaction_score=row["satisfaction_score"], custom_data=row["custom_fields"],
            customer_id=row["customer_id"], contact_id=row["contact_id"], owner_id=row["owner_id"],
            team_id=row["team_id"], **_record(row),
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, TICKET_SPEC, info, node_ids)

    @strawberry.field
    def customer(self, info: Info) -> CustomerType | None:
        return _one(info, CUSTOMER_SPEC, CustomerType, self.customer_id)

    @strawberry.field
    def contact(self, info: Info) -> ContactType | None:
        return _one(info, CONTACT_SPEC, ContactType, self.contact_id)

    @strawberry.field
    def assignee(self, info: Info) -> UserType | None:
        return _user(info, self.owner_id)

    @strawberry.field
    def team(self, info: Info) -> TeamType | None:
        return _team(info, self.team_id)

    @strawberry.field(description="Every status change, oldest first")
    async def status_history(self, info: Info) -> list[StatusChange]:
        rows = await loaders.batched(info, "status_history", tickets.status_history, []).load(uuid.UUID(self.node_id))
        return [StatusChange(from_status=r["from_status"], to_status=r["to_status"], changed_at=r["changed_at"],
                             actor_id=r["actor_id"]) for r in rows]


@strawberry.type(name="Lead")
class LeadType(relay.Node, Record, Owned, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = LEAD_SPEC
    node_id: relay.NodeID[str]
    person_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    source_channel: str | None
    region: str | None
    industry: str | None
    lifecycle_stage: str
    status: str
    score: int
    last_activity_at: datetime | None
    converted_at: datetime | None
    campaign_id: strawberry.Private[uuid.UUID | None]
    converted_ids: strawberry.Private[tuple[Any, Any, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "LeadType":
        return cls(
            node_id=str(row["id"]), person_name=row["person_name"], company_name=row["company_name"],
            email=row["email"], phone=row["phone"], source_channel=row["source_channel"], region=row["region"],
            industry=row["industry"], lifecycle_stage=row["lifecycle_stage"], status=row["status"],
            score=row["score"], last_activity_at=row["last_activity_at"], converted_at=row["converted_at"],
            custom_data=row["custom_fields"], campaign_id=row["campaign_id"], owner_id=row["owner_id"],
            team_id=row["team_id"],
            converted_ids=(row["converted_customer_id"], row["converted_contact_id"], row["converted_opportunity_id"]),
            **_record(row),
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, LEAD_SPEC, info, node_ids)

    @strawberry.field
    def campaign(self, info: Info) -> CampaignType | None:
        return _one(info, CAMPAIGN_SPEC, CampaignType, self.campaign_id)

    @strawberry.field
    def converted_customer(self, info: Info) -> CustomerType | None:
        return _one(info, CUSTOMER_SPEC, CustomerType, self.converted_ids[0])

    @strawberry.field
    def converted_contact(self, info: Info) -> ContactType | None:
        return _one(info, CONTACT_SPEC, ContactType, self.converted_ids[1])

    @strawberry.field
    def converted_opportunity(self, info: Info) -> OpportunityType | None:
        return _one(info, OPPORTUNITY_SPEC, OpportunityType, self.converted_ids[2])


@strawberry.type(name="Activity", description="A note, call, email, meeting or task on a record")
class ActivityType(relay.Node, Record):
    node_id: relay.NodeID[str]
    kind: str
    subject: str
    body: str | None
    occurred_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    record_type: str
    record_uuid: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "ActivityType":
        return cls(node_id=str(row["id"]), kind=row["kind"], subject=row["subject"], body=row["body"],
                   occurred_at=row["occurred_at"], due_at=row["due_at"], done_at=row["done_at"],
                   record_type=row["record_type"], record_uuid=row["record_id"], owner_id=row["owner_id"], **_record(row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, ACTIVITY_SPEC, info, node_ids)

    @strawberry.field(description="Global id of the record it belongs to")
    def record_id(self) -> relay.GlobalID:
        return encode_id(self.record_type, self.record_uuid)

    @strawberry.field(description="Whose activity or task it is")
    def owner(self, info: Info) -> UserType | None:
        return _user(info, self.owner_id)


RELATIONS.update({
    OpportunityType: {
        "customer": Relation("customer_id", CUSTOMER_SPEC, CustomerType),
        "primaryContact": Relation("primary_contact_id", CONTACT_SPEC, ContactType),
        "stage": Relation("stage_id", STAGE_SPEC, StageType), "pipeline": Relation("pipeline_id", PIPELINE_SPEC, PipelineType),
        "campaign": Relation("campaign_id", CAMPAIGN_SPEC, CampaignType), "owner": Relation("owner_id", None, UserType),
        "team": Relation("team_id", TEAM_SPEC, TeamType),
        "probability": Relation("stage_id", STAGE_SPEC),  # computed from the stage, so read whole
    },
    TicketType: {
        "customer": Relation("customer_id", CUSTOMER_SPEC, CustomerType), "contact": Relation("contact_id", CONTACT_SPEC, ContactType),
        "assignee": Relation("owner_id", None, UserType), "team": Relation("team_id", TEAM_SPEC, TeamType),
    },
    LeadType: {"campaign": Relation("campaign_id", CAMPAIGN_SPEC, CampaignType), "owner": Relation("owner_id", None, UserType),
               "team": Relation("team_id", TEAM_SPEC, TeamType)},
    StageType: {"pipeline": Relation("pipeline_id", PIPELINE_SPEC, PipelineType)},
    ActivityType: {"owner": Relation("owner_id", None, UserType)},
})

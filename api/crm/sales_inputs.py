"""Inputs for campaigns, leads, pipelines, opportunities, tickets and activities."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON
from strawberry import UNSET, relay

from api.records.generated import filter_input, order_input
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC
from domain.crm.tickets import TICKET_SPEC

CampaignFilter = filter_input(CAMPAIGN_SPEC)
CampaignOrder = order_input(CAMPAIGN_SPEC)
LeadFilter = filter_input(LEAD_SPEC)
LeadOrder = order_input(LEAD_SPEC)
PipelineFilter = filter_input(PIPELINE_SPEC)
PipelineOrder = order_input(PIPELINE_SPEC)
OpportunityFilter = filter_input(OPPORTUNITY_SPEC)
OpportunityOrder = order_input(OPPORTUNITY_SPEC)
TicketFilter = filter_input(TICKET_SPEC)
TicketOrder = order_input(TICKET_SPEC)
ActivityFilter = filter_input(ACTIVITY_SPEC, skip=("recordType",))
ActivityOrder = order_input(ACTIVITY_SPEC)


@strawberry.input
class CampaignFields:
    name: str | None = UNSET
    channel: str | None = strawberry.field(default=UNSET, description="WEB_FORM, ADS, SOCIAL, EVENT, REFERRAL, EMAIL, WECOM or OTHER")
    cost: Decimal | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET


@strawberry.input
class CreateCampaignInput(CampaignFields):
    name: str
    channel: str


@strawberry.input
class UpdateCampaignInput(CampaignFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class LeadFields:
    person_name: str | None = UNSET
    company_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = strawberry.field(default=UNSET, description="International form: +<country code> ...")
    source_channel: str | None = UNSET
    campaign_id: relay.GlobalID | None = UNSET
    region: str | None = UNSET
    industry: str | None = UNSET
    lifecycle_stage: str | None = strawberry.field(default=UNSET, description="LEAD, MQL, SQL, OPPORTUNITY, CUSTOMER or ADVOCATE")
    status: str | None = strawberry.field(default=UNSET, description="NEW, WORKING, NURTURING, QUALIFIED or DISQUALIFIED")
    score: int | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="{field api name: value} for the tenant's custom fields; null clears one")


@strawberry.input
class CreateLeadInput(LeadFields):
    pass


@strawberry.input
class UpdateLeadInput(LeadFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class OpportunityFields:
    name: str | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    primary_contact_id: relay.GlobalID | None = UNSET
    pipeline_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Defaults to the default pipeline")
    stage_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Defaults to the first open stage")
    amount: Decimal | None = UNSET
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217, e.g. CNY")
    expected_close_date: date | None = UNSET
    probability: int | None = strawberry.field(default=UNSET, description="0-100; null means the stage's")
    campaign_id: relay.GlobalID | None = UNSET
    channel: str | None = UNSET
    close_reason: str | None = UNSET
    owner_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="{field api name: value} for the tenant's custom fields; null clears one")


@strawberry.input
class CreateOpportunityInput(OpportunityFields):
    name: str


@strawberry.input
class UpdateOpportunityInput(OpportunityFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class ConvertLeadInput:
    lead_id: relay.GlobalID
    customer_id: relay.GlobalID | None = strawberry.field(default=None, description="Link to this customer instead of creating one")
    create_opportunity: bool = False
    opportunity: OpportunityFields | None = strawberry.field(default=None, description="Overrides for the new opportunity")


@strawberry.input
class TicketFields:
    subject: str | None = UNSET
    description: str | None = UNSET
    customer_id: relay.GlobalID | None = UNSET
    contact_id: relay.GlobalID | None = UNSET
    category: str | None = UNSET
    priority: str | None = strawberry.field(default=UNSET, description="LOW, NORMAL, HIGH or URGENT")
    channel: str | None = UNSET
    assignee_id: relay.GlobalID | None = UNSET
    team_id: relay.GlobalID | None = UNSET
    first_response_due_at: datetime | None = UNSET
    resolution_due_at: datetime | None = UNSET
    satisfaction_score: int | None = UNSET
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="{field api name: value} for the tenant's custom fields; null clears one")


@strawberry.input
class CreateTicketInput(TicketFields):
    subject: str


@strawberry.input
class UpdateTicketInput(TicketFields):
    id: relay.GlobalID
    version: int


@strawberry.input
class ChangeTicketStatusInput:
    id: relay.GlobalID
    version: int
    status: str = strawberry.field(description="NEW, ACCEPTED, DIAGNOSING, DISPATCHED, RESOLVED, FOLLOWED_UP or CLOSED")


REQUIRED_FIELDS = ("Opportunity fields a deal in this stage must have (amount, expectedCloseDate, customerId, "
                   "customFields.<name>, ...), checked while the pipeline enforces its stage rules")
ALLOWED_NEXT = "The stages of the pipeline a deal in this stage may move to; null: any stage"


@strawberry.input
class StageInput:
    name: str
    probability: int
    kind: str = strawberry.field(description="OPEN, WON or LOST")
    required_fields: list[str] | None = strawberry.field(default=UNSET, description=REQUIRED_FIELDS)


@strawberry.input
class CreatePipelineInput:
    name: str
    stages: list[StageInput]
    enforce_stage_rules: bool = strawberry.field(default=False, description="Check the stages' rules on every write")


@strawberry.input
class AddStageInput(StageInput):
    pipeline_id: relay.GlobalID
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(default=UNSET, description=ALLOWED_NEXT)


@strawberry.input
class UpdateStageInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    probability: int | None = UNSET
    kind: str | None = UNSET
    required_fields: list[str] | None = strawberry.field(default=UNSET, description=REQUIRED_FIELDS)
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(default=UNSET, description=ALLOWED_NEXT)


@strawberry.input
class LogActivityInput:
    record_id: relay.GlobalID = strawberry.field(description="A Lead, Customer, Contact, Opportunity or Ticket")
    kind: str = strawberry.field(description="NOTE, CALL, EMAIL, MEETING or TASK")
    subject: str
    body: str | None = UNSET
    occurred_at: datetime | None = UNSET
    due_at: datetime | None = strawberry.field(default=UNSET, description="Tasks only")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Whose task it is; defaults to you")


@strawberry.input
class UpdateActivityInput:
    id: relay.GlobalID
    version: int
    subject: str | None = UNSET
    body: str | None = UNSET
    occurred_at: datetime | None = UNSET
    due_at: datetime | None = UNSET
    owner_id: relay.GlobalID | None = UNSET


@strawberry.input
class UpdatePipelineInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    enforce_stage_rules: bool | None = strawberry.field(default=UNSET, description="Check the stages' rules on every write")


@strawberry.input
class CompleteTaskInput:
    id: relay.GlobalID
    version: int
    done: bool = True



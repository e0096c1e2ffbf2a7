"""Mutations beyond plain CRUD: lead conversion, ticket status, pipelines and stages, activities."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.crm.sales_inputs import (
    AddStageInput, ChangeTicketStatusInput, CompleteTaskInput, ConvertLeadInput, CreatePipelineInput, LogActivityInput,
    UpdateStageInput,
)
from api.crm.sales_types import ActivityType, LeadType, PipelineType, StageType, TicketType
from api.permissions import principal_of
from api.records.crud import DeleteInput, change_of
from api.records.ids import decode_id, decode_record_id
from api.records.inputs import values_of
from domain.crm import activities, leads, pipelines, tickets
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC

ACTIVITY_TARGETS = {s.record_type: s for s in (LEAD_SPEC, CUSTOMER_SPEC, CONTACT_SPEC, OPPORTUNITY_SPEC, TICKET_SPEC)}


@strawberry.mutation(description="Turn a lead into a customer, contact and optionally an opportunity, atomically")
async def convert_lead(info: Info, input: ConvertLeadInput) -> LeadType:
    row = await leads.convert_lead(
        principal=principal_of(info),
        lead_id=decode_id(input.lead_id, expected="Lead", field="leadId"),
        customer_id=decode_id(input.customer_id, expected="Customer", field="customerId") if input.customer_id else None,
        create_opportunity=input.create_opportunity,
        opportunity=values_of(input.opportunity, prefix="opportunity.") if input.opportunity else None,
    )
    return LeadType.from_row(row)


@strawberry.mutation(description="Move a ticket along its status flow; illegal moves are BAD_USER_INPUT")
async def change_ticket_status(info: Info, input: ChangeTicketStatusInput) -> TicketType:
    row = await tickets.change_status(principal=principal_of(info), ticket_id=decode_id(input.id, expected="Ticket", field="id"),
                                      version=input.version, status=input.status)
    return TicketType.from_row(row)


@strawberry.mutation(description="A new pipeline with its stages in order (admins)")
async def create_pipeline(info: Info, input: CreatePipelineInput) -> PipelineType:
    stages = [values_of(stage, skip=()) for stage in input.stages]
    return PipelineType.from_row(await pipelines.create_pipeline(principal=principal_of(info), name=input.name, stages=stages,
                                                                 enforce=input.enforce_stage_rules))


@strawberry.mutation(description="Append a stage to a pipeline (admins)")
async def add_stage(info: Info, input: AddStageInput) -> StageType:
    values = values_of(input, skip=("pipelineId",))
    pipeline_id = decode_id(input.pipeline_id, expected="Pipeline", field="pipelineId")
    return StageType.from_row(await pipelines.add_stage(principal=principal_of(info), pipeline_id=pipeline_id, values=values))


@strawberry.mutation(description="Rename a stage, change its probability or kind, or its rules (admins)")
async def update_stage(info: Info, input: UpdateStageInput) -> StageType:
    return StageType.from_row(await pipelines.update_stage(principal=principal_of(info), change=change_of(input, "Stage")))


@strawberry.mutation(description="Remove a stage no opportunity is in (admins)")
async def delete_stage(info: Info, input: DeleteInput) -> StageType:
    stage_id = decode_id(input.id, expected="Stage", field="id")
    return StageType.from_row(await pipelines.delete_stage(principal=principal_of(info), stage_id=stage_id))


@strawberry.mutation(description="Add a note, call, email, meeting or task to a record's timeline")
async def log_activity(info: Info, input: LogActivityInput) -> ActivityType:
    target, record_id = decode_record_id(input.record_id, ACTIVITY_TARGETS, field="recordId")
    row = await activities.log_activity(principal=principal_of(info), target=target, record_id=record_id,
                                        values=values_of(input, skip=("recordId",)))
    return ActivityType.from_row(row)


@strawberry.mutation(description="Mark a task done (or not done again)")
async def complete_task(info: Info, input: CompleteTaskInput) -> ActivityType:
    row = await activities.complete_task(principal=principal_of(info), activity_id=decode_id(input.id, expected="Activity", field="id"),
                                         version=input.version, done=input.done)
    return ActivityType.from_row(row)



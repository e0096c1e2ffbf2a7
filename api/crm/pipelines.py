"""Pipelines and their stages: types, inputs, list and mutations (stages change through their
pipeline's mutations)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.crm.listing import list_connection
from api.names import client_name
from api.permissions import Authenticated, principal_of
from api.records import loaders
from api.records.crud import (
    DeleteInput,
    RecordWrites,
    change_of,
    delete_mutation,
    restore_mutation,
    update_mutation,
)
from api.records.generated import filter_input, order_input
from api.records.ids import decode_id, encode_id
from api.records.inputs import values_of
from api.records.pagination import Connection, Page
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import relation
from domain.crm import pipelines
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.records.spec import RecordSpec


@strawberry.type(name="Pipeline")
class PipelineType(relay.Node, Record):
    SPEC: ClassVar[RecordSpec] = PIPELINE_SPEC
    node_id: relay.NodeID[str]
    name: str
    is_default: bool
    enforce_stage_rules: bool = strawberry.field(
        description="Whether its stages' rules (required fields, allowed moves) "
        "are checked on every write; off by default"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PipelineType:
        return from_columns(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, PIPELINE_SPEC, info, node_ids)

    @strawberry.field(description="In order")
    async def stages(self, info: Info) -> list[StageType]:
        listing = await loaders.children(
            info, STAGE_SPEC, "pipeline_id", Page(pipelines.MAX_STAGES)
        ).load(uuid.UUID(self.node_id))
        return [StageType.from_row(row) for row in listing.rows]


@strawberry.type(name="Stage")
class StageType(relay.Node, Record):
    SPEC: ClassVar[RecordSpec] = STAGE_SPEC
    node_id: relay.NodeID[str]
    name: str
    position: int
    probability: int
    kind: str = strawberry.field(description="OPEN, WON or LOST")
    required_fields: list[str] = strawberry.field(
        description="Fields a deal in this stage must have (when the pipeline "
        "enforces its stage rules)"
    )
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(
        description="The stages a deal in this stage may move to (when the pipeline enforces its stage rules); null: any"
    )
    pipeline_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StageType:
        allowed = row.get("allowed_next_stage_ids")
        return from_columns(
            cls,
            row,
            required_fields=[client_name(n) for n in row.get("required_fields") or []],
            allowed_next_stage_ids=None
            if allowed is None
            else [encode_id("Stage", i) for i in allowed],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, STAGE_SPEC, info, node_ids)

    pipeline = relation(column="pipeline_id", target=PIPELINE_SPEC, type=PipelineType)


PipelineFilter = filter_input(PIPELINE_SPEC)
PipelineOrder = order_input(PIPELINE_SPEC)

REQUIRED_FIELDS = (
    "Opportunity fields a deal in this stage must have (amount, expectedCloseDate, customerId, "
    "customFields.<name>, ...), checked while the pipeline enforces its stage rules"
)
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
    enforce_stage_rules: bool = strawberry.field(
        default=False, description="Check the stages' rules on every write"
    )


@strawberry.input
class UpdatePipelineInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    enforce_stage_rules: bool | None = strawberry.field(
        default=UNSET, description="Check the stages' rules on every write"
    )


@strawberry.input
class AddStageInput(StageInput):
    pipeline_id: relay.GlobalID
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description=ALLOWED_NEXT
    )


@strawberry.input
class UpdateStageInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    probability: int | None = UNSET
    kind: str | None = UNSET
    required_fields: list[str] | None = strawberry.field(default=UNSET, description=REQUIRED_FIELDS)
    allowed_next_stage_ids: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description=ALLOWED_NEXT
    )


@strawberry.type
class PipelineQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def pipelines(
        self,
        info: Info,
        filter: PipelineFilter | None = None,
        order_by: list[PipelineOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PipelineType]:
        return await list_connection(
            info,
            PIPELINE_SPEC,
            PipelineType,
            filter,
            order_by,
            first,
            after,
            last=last,
            before=before,
        )


PIPELINE_WRITES = RecordWrites(PIPELINE_SPEC, PipelineType, update=pipelines.update_pipelines)


@strawberry.type
class PipelineMutations:
    """The standard ones; a pipeline is created with its stages (PipelineSetupMutations)."""

    update_pipeline = update_mutation(PIPELINE_WRITES, UpdatePipelineInput)
    delete_pipeline = delete_mutation(PIPELINE_WRITES)
    restore_pipeline = restore_mutation(PIPELINE_WRITES)


@strawberry.type
class PipelineSetupMutations:
    @strawberry.mutation(description="A new pipeline with its stages in order (admins)")
    async def create_pipeline(self, info: Info, input: CreatePipelineInput) -> PipelineType:
        stages = [values_of(stage, skip=()) for stage in input.stages]
        return PipelineType.from_row(
            await pipelines.create_pipeline(
                principal=principal_of(info),
                name=input.name,
                stages=stages,
                enforce=input.enforce_stage_rules,
            )
        )

    @strawberry.mutation(description="Append a stage to a pipeline (admins)")
    async def add_stage(self, info: Info, input: AddStageInput) -> StageType:
        values = values_of(input, skip=("pipeline_id",))
        pipeline_id = decode_id(input.pipeline_id, expected="Pipeline", field="pipelineId")
        return StageType.from_row(
            await pipelines.add_stage(
                principal=principal_of(info), pipeline_id=pipeline_id, values=values
            )
        )

    @strawberry.mutation(
        description="Rename a stage, change its probability or kind, or its rules (admins)"
    )
    async def update_stage(self, info: Info, input: UpdateStageInput) -> StageType:
        return StageType.from_row(
            await pipelines.update_stage(
                principal=principal_of(info), change=change_of(input, "Stage")
            )
        )

    @strawberry.mutation(description="Remove a stage no opportunity is in (admins)")
    async def delete_stage(self, info: Info, input: DeleteInput) -> StageType:
        stage_id = decode_id(input.id, expected="Stage", field="id")
        return StageType.from_row(
            await pipelines.delete_stage(principal=principal_of(info), stage_id=stage_id)
        )

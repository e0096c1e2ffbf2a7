"""Opportunities: deals moving through a pipeline's stages, with exact stage history."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from domain.crm.campaigns import CHANNELS
from domain.crm.pipelines import default_pipeline_id, first_open_stage, stages_by_id
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rows import group_rows
from domain.records.rights import ALL, READ_ONLY, READ_WRITE
from domain.records.spec import COMMON_FIELDS, OWNERSHIP_FIELDS, FieldSpec, Kind, RecordSpec, Reference
from domain.records.validation import Checker
from domain.records.writes import check_version, lock_record, update_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

OPPORTUNITY_SPEC = RecordSpec(
    record_type="Opportunity",
    table="opportunity",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("customerId", "customer_id", Kind.UUID, references=Reference("customer", label="customer", owned=True)),
        FieldSpec("primaryContactId", "primary_contact_id", Kind.UUID, references=Reference("contact", label="contact", owned=True)),
        FieldSpec("pipelineId", "pipeline_id", Kind.UUID, references=Reference("pipeline", label="pipeline")),
        FieldSpec("stageId", "stage_id", Kind.UUID, references=Reference("stage", label="stage")),
        FieldSpec("amount", "amount", Kind.DECIMAL, sortable=True),
        FieldSpec("currency", "currency", Kind.TEXT),
        FieldSpec("expectedCloseDate", "expected_close_date", Kind.DATE, sortable=True),
        FieldSpec("probability", "probability", Kind.INT),
        FieldSpec("campaignId", "campaign_id", Kind.UUID, references=Reference("campaign", label="campaign")),
        FieldSpec("channel", "channel", Kind.TEXT),
        FieldSpec("closeReason", "close_reason", Kind.TEXT),
        FieldSpec("closedAt", "closed_at", Kind.DATETIME, sortable=True),
        FieldSpec("lastActivityAt", "last_activity_at", Kind.DATETIME, sortable=True),
        FieldSpec("customFields", "custom_fields", Kind.JSON),
    ),
    rights={Role.ADMIN: ALL, Role.MANAGER: ALL, Role.MEMBER: READ_WRITE, Role.AGENT: READ_ONLY, Role.VIEWER: READ_ONLY},
)


def validate_opportunity(check: Checker) -> None:
    check.text("name", required=True, max_length=300)
    check.decimal("amount", minimum=0)
    check.currency("currency")
    check.date("expectedCloseDate")
    check.integer("probability", minimum=0, maximum=100)
    check.text("channel", choices=CHANNELS)
    check.text("closeReason", max_length=500)
    for name in ("customerId", "primaryContactId", "pipelineId", "stageId", "campaignId", "ownerId", "teamId"):
        check.reference(name)


def effective_probability(override: int | None, stage_probability: int) -> int:
    """An opportunity's win probability: its own override if set, else its stage's."""
    return stage_probability if override is None else override


async def create_opportunities(*, principal: Principal, items: list[dict[str, Any]], bulk: bool = False) -> list[dict[str, Any]]:
    """Create opportunities; without a pipeline they join the default one, without a stage its first open stage."""
    prepared = [await _place(item, index if bulk else None) for index, item in enumerate(items)]
    rows = await service.create(OPPORTUNITY_SPEC, prepared, principal=principal, validate=validate_opportunity, bulk=bulk)
    for row in rows:
        await _enter_stage(row["id"], row["stage_id"], principal)
    return rows


async def update_opportunities(*, principal: Principal, changes: list[service.Change], bulk: bool = False) -> list[dict[str, Any]]:
    """Change opportunities; a new stageId moves them (recorded in the stage history)."""
    results = []
    for index, change in enumerate(changes):
        row = await lock_record(OPPORTUNITY_SPEC, change.id, principal=principal)
        check_version(OPPORTUNITY_SPEC, row, change.version)
        values = dict(change.values)
        if "stageId" in values or "pipelineId" in values:
            await _check_stage(values, row, index if bulk else None)
        updated = (await service.update(OPPORTUNITY_SPEC, [service.Change(change.id, change.version, values)],
                                        principal=principal, validate=validate_opportunity))[0]
        if updated["stage_id"] != row["stage_id"]:
            updated = await _after_move(updated, row, principal)
        results.append(updated)
    return results


async def _place(item: dict[str, Any], index: int | None) -> dict[str, Any]:
    item = dict(item)
    if item.get("pipelineId") is None:
        item["pipelineId"] = await default_pipeline_id()
    if item.get("stageId") is None:
        stage = await first_open_stage(item["pipelineId"])
        if stage is None:
            raise InvalidInput.single(_at(index, "pipelineId"), "NO_OPEN_STAGE", "the pipeline has no open stage")
        item["stageId"] = stage["id"]
    else:
        await _check_stage(item, None, index)
    return item


async def _check_stage(values: dict[str, Any], row: dict[str, Any] | None, index: int | None) -> None:
    pipeline_id = values.get("pipelineId") or (row["pipeline_id"] if row else None)
    stage_id = values.get("stageId") or (row["stage_id"] if row else None)
    stage = (await stages_by_id([stage_id])).get(stage_id) if stage_id else None
    if stage is None or stage["deleted_at"] is not None:
        raise InvalidInput.single(_at(index, "stageId"), "NOT_FOUND", "no such stage")
    if stage["pipeline_id"] != pipeline_id:
        raise InvalidInput([FieldError(_at(index, "stageId"), "OTHER_PIPELINE", "the stage belongs to another pipeline")])


def _at(index: int | None, field: str) -> str:
    return field if index is None else f"items.{index}.{field}"


async def _enter_stage(opportunity_id: uuid.UUID, stage_id: uuid.UUID, principal: Principal) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO opportunity_stage_history (tenant_id, id, opportunity_id, stage_id, actor_id) VALUES ($1, $2, $3, $4, $5)",
        [current_tenant_id(), new_id(), opportunity_id, stage_id, principal.user_id],
    )


async def _after_move(updated: dict[str, Any], before: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """Close the previous stage's history entry, open the new one, and set or clear closedAt."""
    await tenant_connection().execute_query(
        "UPDATE opportunity_stage_history SET left_at = now() WHERE tenant_id = $1 AND opportunity_id = $2 AND left_at IS NULL",
        [current_tenant_id(), updated["id"]],
    )
    await _enter_stage(updated["id"], updated["stage_id"], principal)
    stage = (await stages_by_id([updated["stage_id"]]))[updated["stage_id"]]
    closed_at = updated["closed_at"]
    if stage["kind"] == "OPEN" and closed_at is not None:
        closed_at = None
    elif stage["kind"] != "OPEN" and closed_at is None:
        closed_at = datetime.now(timezone.utc)
    if closed_at != updated["closed_at"]:
        row = await lock_record(OPPORTUNITY_SPEC, updated["id"], principal=principal)
        return await update_record(OPPORTUNITY_SPEC, row, {"closed_at": closed_at}, principal=principal)
    return updated


async def stage_history(opportunity_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """When each opportunity entered and left each stage, oldest first (one query)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT opportunity_id, stage_id, entered_at, left_at, actor_id FROM opportunity_stage_history "
        "WHERE tenant_id = $1 AND opportunity_id = ANY($2::uuid[]) ORDER BY entered_at, id",
        [current_tenant_id(), opportunity_ids],
    )
    return group_rows(rows, "opportunity_id", opportunity_ids)

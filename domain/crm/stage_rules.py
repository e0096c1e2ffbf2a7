"""Stage rules of a pipeline: the fields an opportunity must have to be in a stage, and the stages
each stage may move to. Off until an admin sets the pipeline's `enforce_stage_rules`; then every
write that puts an opportunity in a stage, or empties a field its stage requires, is checked:
updates (one or in bulk), creation, lead conversion, automations, upserts, inbound webhooks and sync
all go through opportunities' write flow, which calls `check_write`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from domain.errors import FieldError
from domain.records.spec import CUSTOM_FIELDS_PREFIX
from tenants.context import current_tenant_id, tenant_connection

# Opportunity fields a stage may require (besides its custom fields, named customFields.<name>).
REQUIRABLE = frozenset(
    {
        "name",
        "customer_id",
        "primary_contact_id",
        "amount",
        "currency",
        "expected_close_date",
        "probability",
        "campaign_id",
        "channel",
        "close_reason",
        "owner_id",
        "team_id",
    }
)
MAX_REQUIRED = 20
EMPTY: tuple[Any, ...] = (None, "", [], {})


async def check_definition(
    values: dict[str, Any],
    *,
    pipeline_id: uuid.UUID | None,
    stage_id: uuid.UUID | None,
    prefix: str = "",
) -> list[FieldError]:
    """Errors in a stage's `requiredFields` and `allowedNextStageIds` (when given)."""
    errors: list[FieldError] = []
    if values.get("required_fields") is not None:
        errors += await _check_required(values["required_fields"], prefix + "required_fields")
    if values.get("allowed_next_stage_ids") is not None:
        errors += await _check_next(
            values["allowed_next_stage_ids"],
            pipeline_id,
            stage_id,
            prefix + "allowed_next_stage_ids",
        )
    return errors


async def _check_required(names: Any, where: str) -> list[FieldError]:
    if not isinstance(names, list) or len(names) > MAX_REQUIRED:
        return [
            FieldError(
                where, "INVALID_VALUE", f"a list of at most {MAX_REQUIRED} opportunity field names"
            )
        ]
    custom = await _custom_field_names()
    return [
        FieldError(
            f"{where}.{index}",
            "UNKNOWN_FIELD",
            f"{name!r} is not an opportunity field a stage can require",
        )
        for index, name in enumerate(names)
        if name not in REQUIRABLE
        and not (
            isinstance(name, str)
            and name.startswith(CUSTOM_FIELDS_PREFIX)
            and name[len(CUSTOM_FIELDS_PREFIX) :] in custom
        )
    ]


async def _custom_field_names() -> set[str]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT api_name FROM custom_field WHERE tenant_id = $1 AND standard_object = 'Opportunity' AND deleted_at IS NULL",
        [current_tenant_id()],
    )
    return {row["api_name"] for row in rows}


async def _check_next(
    stage_ids: list[uuid.UUID],
    pipeline_id: uuid.UUID | None,
    stage_id: uuid.UUID | None,
    where: str,
) -> list[FieldError]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL",
        [current_tenant_id(), pipeline_id, stage_ids],
    )
    found = {row["id"] for row in rows}
    return [
        FieldError(
            f"{where}.{index}",
            "NOT_FOUND" if next_id != stage_id else "INVALID_VALUE",
            "no such stage in this pipeline"
            if next_id != stage_id
            else "a stage does not move to itself",
        )
        for index, next_id in enumerate(stage_ids)
        if next_id not in found or next_id == stage_id
    ]


async def check_write(
    *,
    before: dict[str, Any] | None,
    stage_id: uuid.UUID,
    given: dict[str, Any],
    value_of: Callable[[str], Any],
    prefix: str = "",
) -> list[FieldError]:
    """Errors of an opportunity write against the rules of the stage it ends in: a move the previous
    stage does not allow (STAGE_MOVE_NOT_ALLOWED on stageId), and each field the stage requires
    that is empty afterwards (REQUIRED), checked when the opportunity enters the stage or when
    the write touches that field. `before` is the row before the write (None when creating),
    `given` the write's input by API name, `value_of(name)` a field's value after the write."""
    previous = before["stage_id"] if before else None
    stages = await _stages_with_rules(
        [stage_id] + ([previous] if previous and previous != stage_id else [])
    )
    target = stages.get(stage_id)
    if target is None or not target["enforce_stage_rules"]:
        return []
    errors = []
    source = stages.get(previous) if previous is not None and previous != stage_id else None
    if (
        source is not None
        and source["pipeline_id"] == target["pipeline_id"]
        and source["allowed_next_stage_ids"] is not None
        and stage_id not in source["allowed_next_stage_ids"]
    ):
        allowed = ", ".join(await _names(source["allowed_next_stage_ids"])) or "no other stage"
        errors.append(
            FieldError(
                f"{prefix}stage_id",
                "STAGE_MOVE_NOT_ALLOWED",
                f"a deal in {source['name']} can move to {allowed}, not to {target['name']}",
            )
        )
    entering = previous != stage_id
    for name in target["required_fields"]:
        touched = name in given or (
            name.startswith(CUSTOM_FIELDS_PREFIX) and "custom_fields" in given
        )
        if (entering or touched) and value_of(name) in EMPTY:
            errors.append(
                FieldError(
                    f"{prefix}{name}", "REQUIRED", f"a deal in {target['name']} needs {name}"
                )
            )
    return errors


async def _stages_with_rules(stage_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT s.id, s.name, s.pipeline_id, s.required_fields, s.allowed_next_stage_ids, p.enforce_stage_rules "
        "FROM stage s JOIN pipeline p ON p.tenant_id = s.tenant_id AND p.id = s.pipeline_id "
        "WHERE s.tenant_id = $1 AND s.id = ANY($2::uuid[])",
        [current_tenant_id(), stage_ids],
    )
    return {row["id"]: row for row in rows}


async def _names(stage_ids: list[uuid.UUID]) -> list[str]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT name FROM stage WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL ORDER BY position",
        [current_tenant_id(), stage_ids],
    )
    return [row["name"] for row in rows]

"""Sales pipelines and their ordered stages, each with a probability and an open/won/lost kind."""

from __future__ import annotations

import uuid
from typing import Any

from domain.crm import stage_rules
from domain.errors import Conflict, FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.listing import get_records
from domain.records.rights import ALL, READ_ONLY, Action
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec, Reference
from domain.records.validation import Checker
from domain.records.writes import insert_records
from tenants.context import current_tenant_id, tenant_connection

STAGE_KINDS = frozenset({"OPEN", "WON", "LOST"})
MAX_STAGES = 30
DEFAULT_STAGES = [
    ("Qualification", 10, "OPEN"),
    ("Needs analysis", 25, "OPEN"),
    ("Proposal", 50, "OPEN"),
    ("Negotiation", 75, "OPEN"),
    ("Closed won", 100, "WON"),
    ("Closed lost", 0, "LOST"),
]
_RIGHTS = {
    Role.ADMIN: ALL,
    Role.MANAGER: READ_ONLY,
    Role.MEMBER: READ_ONLY,
    Role.AGENT: READ_ONLY,
    Role.VIEWER: READ_ONLY,
}


async def _pipeline_deletable(row: dict[str, Any]) -> None:
    if row["is_default"]:
        raise Conflict("The default pipeline cannot be deleted")
    used = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM opportunity WHERE tenant_id = $1 AND pipeline_id = $2 AND deleted_at IS NULL LIMIT 1",
        [current_tenant_id(), row["id"]],
    )
    if used:
        raise Conflict("Opportunities are in this pipeline; move them before deleting it")


PIPELINE_SPEC = RecordSpec(
    record_type="Pipeline",
    table="pipeline",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("is_default", "is_default", Kind.BOOL),
        FieldSpec("enforce_stage_rules", "enforce_stage_rules", Kind.BOOL),
    ),
    owned=False,
    rights=_RIGHTS,
    default_sort="name",
    unique={"pipeline_default_key": "is_default"},
    delete_guard=_pipeline_deletable,
)
STAGE_SPEC = RecordSpec(
    record_type="Stage",
    table="stage",
    fields=(
        *COMMON_FIELDS,
        FieldSpec(
            "pipeline_id",
            "pipeline_id",
            Kind.UUID,
            references=Reference("pipeline", label="pipeline"),
        ),
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("position", "position", Kind.INT, sortable=True),
        FieldSpec("probability", "probability", Kind.INT, sortable=True),
        FieldSpec("kind", "kind", Kind.TEXT),
        FieldSpec("required_fields", "required_fields", Kind.TEXT_ARRAY, filterable=False),
        FieldSpec(
            "allowed_next_stage_ids", "allowed_next_stage_ids", Kind.UUID_ARRAY, filterable=False
        ),
    ),
    owned=False,
    rights=_RIGHTS,
    default_sort="position",
)


def _validate_pipeline(check: Checker) -> None:
    check.text("name", required=True, max_length=100)
    check.boolean("enforce_stage_rules")


def _validate_stage(check: Checker) -> None:
    check.text("name", required=True, max_length=100)
    check.integer("probability", minimum=0, maximum=100, required=True)
    check.text("kind", required=True, choices=STAGE_KINDS)
    _take_stage_rules(check)


def _take_stage_rules(check: Checker) -> None:
    """The stage's rules as given (stage_rules.check_definition checks them: that needs the database)."""
    if "required_fields" in check.item:
        check.values["required_fields"] = list(dict.fromkeys(check.item["required_fields"] or []))
    if "allowed_next_stage_ids" in check.item:
        given = check.item["allowed_next_stage_ids"]
        check.values["allowed_next_stage_ids"] = (
            None if given is None else list(dict.fromkeys(given))
        )


async def create_default_pipeline(*, principal: Principal) -> None:
    """The 'Sales' pipeline every tenant starts with (called when a tenant is provisioned)."""
    pipeline = (
        await insert_records(
            PIPELINE_SPEC, [{"name": "Sales", "is_default": True}], principal=principal
        )
    )[0]
    await insert_records(
        STAGE_SPEC,
        [
            {"pipeline_id": pipeline["id"], "name": n, "position": i, "probability": p, "kind": k}
            for i, (n, p, k) in enumerate(DEFAULT_STAGES)
        ],
        principal=principal,
    )


async def create_pipeline(
    *, principal: Principal, name: str, stages: list[dict[str, Any]], enforce: bool = False
) -> dict[str, Any]:
    """A new (non-default) pipeline with its stages in the given order; `enforce` turns its stage
    rules on (the fields each stage requires; which moves are allowed is set per stage later)."""
    if not 1 <= len(stages) <= MAX_STAGES:
        raise InvalidInput.single("stages", "COUNT", f"a pipeline has 1-{MAX_STAGES} stages")
    errors: list[FieldError] = []
    checked = []
    for index, stage in enumerate(stages):
        check = Checker(STAGE_SPEC, stage, creating=True)
        _validate_stage(check)
        errors += [FieldError(f"stages.{index}.{e.field}", e.code, e.message) for e in check.errors]
        checked.append(check.values)
    if not any(values.get("kind") == "OPEN" for values in checked):
        errors.append(
            FieldError("stages", "NO_OPEN_STAGE", "a pipeline needs at least one OPEN stage")
        )
    for index, stage in enumerate(stages):
        errors += await stage_rules.check_definition(
            {"required_fields": stage.get("required_fields")},
            pipeline_id=None,
            stage_id=None,
            prefix=f"stages.{index}.",
        )
    if errors:
        raise InvalidInput(errors)
    pipeline = (
        await service.create(
            PIPELINE_SPEC,
            [{"name": name, **({"enforce_stage_rules": enforce} if enforce else {})}],
            principal=principal,
            validate=_validate_pipeline,
        )
    )[0]
    await insert_records(
        STAGE_SPEC,
        [
            {**values, "pipeline_id": pipeline["id"], "position": index}
            for index, values in enumerate(checked)
        ],
        principal=principal,
    )
    return pipeline


async def add_stage(
    *, principal: Principal, pipeline_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    """Append a stage at the end of a pipeline."""
    PIPELINE_SPEC.require(principal, Action.UPDATE)
    if not (await get_records(PIPELINE_SPEC, [pipeline_id], principal=principal)):
        raise NotFound("Pipeline not found")
    errors = await stage_rules.check_definition(values, pipeline_id=pipeline_id, stage_id=None)
    if errors:
        raise InvalidInput(errors)
    rows = await tenant_connection().execute_query_dict(
        "SELECT coalesce(max(position) + 1, 0) AS next FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 "
        "AND deleted_at IS NULL",
        [current_tenant_id(), pipeline_id],
    )
    return (
        await service.create(
            STAGE_SPEC,
            [{**values, "pipeline_id": pipeline_id, "position": rows[0]["next"]}],
            principal=principal,
            validate=_validate_new_stage,
        )
    )[0]


def _validate_new_stage(check: Checker) -> None:
    _validate_stage(check)
    check.reference("pipeline_id", required=True)
    check.integer("position", minimum=0, maximum=10_000)


async def update_pipelines(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[dict[str, Any]]:
    """Rename pipelines, or turn their stage rules on or off."""
    return await service.update(
        PIPELINE_SPEC, changes, principal=principal, validate=_validate_pipeline, bulk=bulk
    )


async def update_stage(*, principal: Principal, change: service.Change) -> dict[str, Any]:
    """Rename a stage, change its probability or kind, or its rules (required fields, allowed moves)."""
    STAGE_SPEC.require(principal, Action.UPDATE)
    stage = (await stages_by_id([change.id])).get(change.id)
    if stage is not None and stage["deleted_at"] is None:
        errors = await stage_rules.check_definition(
            change.values, pipeline_id=stage["pipeline_id"], stage_id=change.id
        )
        if errors:
            raise InvalidInput(errors)
    return (
        await service.update(STAGE_SPEC, [change], principal=principal, validate=_validate_stage)
    )[0]


async def delete_stage(*, principal: Principal, stage_id: uuid.UUID) -> dict[str, Any]:
    """Remove an unused stage; stages that opportunities sit in are kept (CONFLICT)."""
    used = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM opportunity WHERE tenant_id = $1 AND stage_id = $2 AND deleted_at IS NULL LIMIT 1",
        [current_tenant_id(), stage_id],
    )
    if used:
        raise Conflict("Opportunities are in this stage; move them before deleting it")
    return await service.delete(STAGE_SPEC, stage_id, None, principal=principal)


async def default_pipeline_id() -> uuid.UUID:
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM pipeline WHERE tenant_id = $1 AND is_default AND deleted_at IS NULL",
        [current_tenant_id()],
    )
    if not rows:
        raise Conflict("The tenant has no default pipeline")
    pipeline_id: uuid.UUID = rows[0]["id"]
    return pipeline_id


async def stages_by_id(stage_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM stage WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
        [current_tenant_id(), stage_ids],
    )
    return {row["id"]: row for row in rows}


async def first_open_stage(pipeline_id: uuid.UUID) -> dict[str, Any] | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND kind = 'OPEN' AND deleted_at IS NULL "
        "ORDER BY position LIMIT 1",
        [current_tenant_id(), pipeline_id],
    )
    return rows[0] if rows else None

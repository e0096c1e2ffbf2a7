"""Opportunities: deals moving through a pipeline's stages, with exact stage history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, cast

from domain.crm import stage_rules
from domain.crm.campaigns import CHANNELS
from domain.crm.customers import advance_lifecycle
from domain.crm.pipelines import default_pipeline_id, first_open_stage, stages_by_id
from domain.crm.rows import OpportunityRow
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rights import ALL, READ_ONLY, READ_WRITE, Action
from domain.records.rows import group_rows
from domain.records.spec import (
    COMMON_FIELDS,
    CUSTOM_FIELDS_PREFIX,
    OWNERSHIP_FIELDS,
    FieldSpec,
    Kind,
    RecordSpec,
    Reference,
)
from domain.records.validation import Checker
from domain.records.writes import check_version, lock_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

OPPORTUNITY_SPEC = RecordSpec(
    record_type="Opportunity",
    table="opportunity",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec(
            "customer_id",
            "customer_id",
            Kind.UUID,
            references=Reference("customer", label="customer", owned=True),
        ),
        FieldSpec(
            "primary_contact_id",
            "primary_contact_id",
            Kind.UUID,
            references=Reference("contact", label="contact", owned=True),
        ),
        FieldSpec(
            "pipeline_id",
            "pipeline_id",
            Kind.UUID,
            references=Reference("pipeline", label="pipeline"),
        ),
        FieldSpec("stage_id", "stage_id", Kind.UUID, references=Reference("stage", label="stage")),
        FieldSpec("amount", "amount", Kind.DECIMAL, sortable=True),
        FieldSpec("currency", "currency", Kind.TEXT),
        FieldSpec("expected_close_date", "expected_close_date", Kind.DATE, sortable=True),
        FieldSpec("probability", "probability", Kind.INT),
        FieldSpec(
            "campaign_id",
            "campaign_id",
            Kind.UUID,
            references=Reference("campaign", label="campaign"),
        ),
        FieldSpec("channel", "channel", Kind.TEXT),
        FieldSpec("close_reason", "close_reason", Kind.TEXT),
        FieldSpec("closed_at", "closed_at", Kind.DATETIME, sortable=True),
        FieldSpec("last_activity_at", "last_activity_at", Kind.DATETIME, sortable=True),
        FieldSpec("custom_fields", "custom_fields", Kind.JSON),
    ),
    searchable=True,
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_WRITE,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


def validate_opportunity(check: Checker) -> None:
    check.text("name", required=True, max_length=300)
    check.decimal("amount", minimum=0)
    check.currency("currency")
    check.date("expected_close_date")
    check.integer("probability", minimum=0, maximum=100)
    check.text("channel", choices=CHANNELS)
    check.text("close_reason", max_length=500)
    for name in (
        "customer_id",
        "primary_contact_id",
        "pipeline_id",
        "stage_id",
        "campaign_id",
        "owner_id",
        "team_id",
    ):
        check.reference(name)


def effective_probability(override: int | None, stage_probability: int) -> int:
    """An opportunity's win probability: its own override if set, else its stage's."""
    return stage_probability if override is None else override


async def create_opportunities(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[OpportunityRow]:
    """Create opportunities; without a pipeline they join the default one, without a stage its first
    open stage. One created in a won or lost stage is closed at once."""
    OPPORTUNITY_SPEC.require(principal, Action.CREATE)
    placed = [await _place(item, index if bulk else None) for index, item in enumerate(items)]
    errors = []
    for index, (item, stage) in enumerate(placed):
        with_owner = {
            "owner_id": principal.user_id,
            **item,
        }  # records start with their creator as owner
        errors += await stage_rules.check_write(
            before=None,
            stage_id=stage["id"],
            given=item,
            value_of=_value_in(with_owner, None),
            prefix=_at(index if bulk else None, ""),
        )
    if errors:
        raise InvalidInput(errors)
    closing = {str(stage["id"]) for _, stage in placed if stage["kind"] != "OPEN"}

    def validate(check: Checker) -> None:
        validate_opportunity(check)
        if str(check.item.get("stage_id")) in closing:
            check.values["closed_at"] = datetime.now(timezone.utc)

    rows = await service.create(
        OPPORTUNITY_SPEC,
        [item for item, _ in placed],
        principal=principal,
        validate=validate,
        bulk=bulk,
    )
    for row in rows:
        await _enter_stage(row["id"], row["stage_id"], principal)
        await _advance_customer(row, principal)
    return cast("list[OpportunityRow]", rows)


async def update_opportunities(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[OpportunityRow]:
    """Change opportunities; a new stageId moves them (recorded in the stage history). A move and
    what follows from it (closedAt) are one write: one version, one audit entry, one event
    (stage_changed)."""
    OPPORTUNITY_SPEC.require(principal, Action.UPDATE)
    results = []
    for index, change in enumerate(changes):
        at = index if bulk else None
        row = await lock_record(OPPORTUNITY_SPEC, change.id, principal=principal)
        check_version(OPPORTUNITY_SPEC, row, change.version)
        values = dict(change.values)
        stage = (
            await _check_stage(values, row, at)
            if "stage_id" in values or "pipeline_id" in values
            else None
        )
        moving = stage is not None and stage["id"] != row["stage_id"]
        problems = await stage_rules.check_write(
            before=row,
            stage_id=stage["id"] if stage else row["stage_id"],
            given=values,
            value_of=_value_in(values, row),
            prefix=_at(at, ""),
        )
        if problems:
            raise InvalidInput(problems)
        derived = (
            {"closed_at": _closed_at(stage, row["closed_at"])}
            if stage is not None and moving
            else {}
        )

        def validate(check: Checker, derived: dict[str, Any] = derived) -> None:
            validate_opportunity(check)
            check.values.update(derived)

        updated = (
            await service.update(
                OPPORTUNITY_SPEC,
                [service.Change(change.id, change.version, values)],
                principal=principal,
                validate=validate,
                action="stage_changed" if moving else "updated",
            )
        )[0]
        if moving:
            await _move_history(updated, principal)
        if (updated["stage_id"], updated["customer_id"]) != (row["stage_id"], row["customer_id"]):
            await _advance_customer(updated, principal)
        results.append(updated)
    return cast("list[OpportunityRow]", results)


async def _place(item: dict[str, Any], index: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item with its pipeline and stage filled in, and that stage."""
    item = dict(item)
    if item.get("pipeline_id") is None:
        item["pipeline_id"] = await default_pipeline_id()
    if item.get("stage_id") is None:
        stage = await first_open_stage(item["pipeline_id"])
        if stage is None:
            raise InvalidInput.single(
                _at(index, "pipeline_id"), "NO_OPEN_STAGE", "the pipeline has no open stage"
            )
        item["stage_id"] = stage["id"]
        return item, stage
    stage = await _check_stage(item, None, index)
    item["stage_id"] = stage["id"]
    return item, stage


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return None if value is None else uuid.UUID(str(value))
    except ValueError:
        return None


async def _check_stage(
    values: dict[str, Any], row: dict[str, Any] | None, index: int | None
) -> dict[str, Any]:
    """The stage the write puts the opportunity in, which must belong to its pipeline."""
    pipeline_id = _uuid(values.get("pipeline_id") or (row["pipeline_id"] if row else None))
    stage_id = _uuid(values.get("stage_id") or (row["stage_id"] if row else None))
    stage = (await stages_by_id([stage_id])).get(stage_id) if stage_id else None
    if stage is None or stage["deleted_at"] is not None:
        raise InvalidInput.single(_at(index, "stage_id"), "NOT_FOUND", "no such stage")
    if stage["pipeline_id"] != pipeline_id:
        raise InvalidInput(
            [
                FieldError(
                    _at(index, "stage_id"),
                    "OTHER_PIPELINE",
                    "the stage belongs to another pipeline",
                )
            ]
        )
    return stage


def _value_in(given: dict[str, Any], row: dict[str, Any] | None) -> Callable[[str], Any]:
    """A field's value after a write of `given` (API names) to `row` (None when creating)."""

    def value_of(name: str) -> Any:
        if name.startswith(CUSTOM_FIELDS_PREFIX):
            key = name[len(CUSTOM_FIELDS_PREFIX) :]
            custom = given.get("custom_fields")
            if isinstance(custom, dict) and key in custom:
                return custom[key]
            return ((row or {}).get("custom_fields") or {}).get(key)
        if name in given:
            return given[name]
        return row[OPPORTUNITY_SPEC.field(name).column] if row else None

    return value_of


def _closed_at(stage: dict[str, Any], closed_at: datetime | None) -> datetime | None:
    """Closed when it reaches a won or lost stage (kept if it was already), open again in an open one."""
    if stage["kind"] == "OPEN":
        return None
    return closed_at or datetime.now(timezone.utc)


def _at(index: int | None, field: str) -> str:
    return field if index is None else f"items.{index}.{field}"


async def _enter_stage(
    opportunity_id: uuid.UUID, stage_id: uuid.UUID, principal: Principal
) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO opportunity_stage_history (tenant_id, id, opportunity_id, stage_id, actor_id) VALUES ($1, $2, $3, $4, $5)",
        [current_tenant_id(), new_id(), opportunity_id, stage_id, principal.user_id],
    )


async def _move_history(updated: dict[str, Any], principal: Principal) -> None:
    """Close the previous stage's history entry and open the new one."""
    await tenant_connection().execute_query(
        "UPDATE opportunity_stage_history SET left_at = now() WHERE tenant_id = $1 AND opportunity_id = $2 AND left_at IS NULL",
        [current_tenant_id(), updated["id"]],
    )
    await _enter_stage(updated["id"], updated["stage_id"], principal)


async def _advance_customer(deal: dict[str, Any], principal: Principal) -> None:
    """A won deal makes its customer a CUSTOMER (domain/crm/lifecycle.py)."""
    if (
        deal["customer_id"] is not None
        and (await stages_by_id([deal["stage_id"]]))[deal["stage_id"]]["kind"] == "WON"
    ):
        await advance_lifecycle(
            customer_id=deal["customer_id"], stage="CUSTOMER", principal=principal
        )


async def stage_history(opportunity_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """When each opportunity entered and left each stage, oldest first (one query)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT opportunity_id, stage_id, entered_at, left_at, actor_id FROM opportunity_stage_history "
        "WHERE tenant_id = $1 AND opportunity_id = ANY($2::uuid[]) ORDER BY entered_at, id",
        [current_tenant_id(), opportunity_ids],
    )
    return group_rows(rows, "opportunity_id", opportunity_ids)

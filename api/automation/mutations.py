"""Mutations of automation: rules (admins and managers) and reading notifications."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.automation.types import AutomationRuleType
from api.given import given_fields
from api.permissions import principal_of
from api.records.ids import decode_id
from api.records.rule_ids import condition_ids_in, ids_in
from domain.automation import engine, log, rules


@strawberry.input
class CreateAutomationRuleInput:
    name: str
    object: str = strawberry.field(
        description="Lead, Customer, Contact, Opportunity, Ticket or a custom object's api name"
    )
    trigger: JSON = strawberry.field(
        description='{"on": "created" | "updated" | "webhook" | "date" | "idle" | "schedule" | ..., '
        '"fields": [...], "to": {...}}'
    )
    actions: JSON = strawberry.field(
        description="[{type: update_fields | increment | assign_owner | create_task | create_record | "
        "convert_lead | change_stage | add_tags | remove_tags | notify | send_email | "
        "call_http | post_message | submit_for_approval | wait, ...}] (docs/automations.md)"
    )
    conditions: JSON | None = None
    enabled: bool = True


@strawberry.input
class UpdateAutomationRuleInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    trigger: JSON | None = UNSET
    conditions: JSON | None = UNSET
    actions: JSON | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class RuleRefInput:
    id: relay.GlobalID


@strawberry.input
class TestAutomationRuleInput:
    id: relay.GlobalID
    record_id: strawberry.ID = strawberry.field(
        description="The global id of a record of the rule's object"
    )


@strawberry.input
class RunRefInput:
    id: relay.GlobalID


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Leave out to mark all read"
    )


def _given(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    given = given_fields(input, {name: name for name in names})
    if "actions" in given:
        given["actions"] = ids_in(given["actions"])
    if "conditions" in given:
        given["conditions"] = condition_ids_in(given["conditions"])
    return given


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(description="Create an automation rule (admins and managers)")
    async def create_automation_rule(
        self, info: Info, input: CreateAutomationRuleInput
    ) -> AutomationRuleType:
        given = _given(input, ("name", "object", "trigger", "conditions", "actions", "enabled"))
        return AutomationRuleType.from_row(
            await rules.create_rule(principal=principal_of(info), input=given)
        )

    @strawberry.mutation(description="Change, enable or disable a rule against its version")
    async def update_automation_rule(
        self, info: Info, input: UpdateAutomationRuleInput
    ) -> AutomationRuleType:
        rule_id = decode_id(input.id, expected="AutomationRule", field="id")
        given = _given(input, ("name", "trigger", "conditions", "actions", "enabled"))
        return AutomationRuleType.from_row(
            await rules.update_rule(
                principal=principal_of(info), rule_id=rule_id, version=input.version, input=given
            )
        )

    @strawberry.mutation(description="Delete a rule; its run log stays")
    async def delete_automation_rule(self, info: Info, input: RuleRefInput) -> AutomationRuleType:
        rule_id = decode_id(input.id, expected="AutomationRule", field="id")
        return AutomationRuleType.from_row(
            await rules.delete_rule(principal=principal_of(info), rule_id=rule_id)
        )

    @strawberry.mutation(
        description="What the rule would do to a record now: conditions checked, actions run and "
        "rolled back (admins and managers)"
    )
    async def test_automation_rule(self, info: Info, input: TestAutomationRuleInput) -> JSON:
        rule = await rules.get_rule(
            principal=principal_of(info),
            rule_id=decode_id(input.id, expected="AutomationRule", field="id"),
        )
        record_id = uuid.UUID(relay.GlobalID.from_id(str(input.record_id)).node_id)
        return JSON(await engine.dry_run(rule, record_id))

    @strawberry.mutation(
        description="Run a FAILED run again on the rule as it is now (admins and managers)"
    )
    async def rerun_automation_run(self, info: Info, input: RunRefInput) -> bool:
        await engine.rerun(decode_id(input.id, expected="AutomationRun", field="id"))
        return True

    @strawberry.mutation(
        description="Mark the caller's notifications read; returns how many changed"
    )
    async def mark_notifications_read(self, info: Info, input: MarkNotificationsReadInput) -> int:
        ids = (
            None
            if input.ids is None
            else [decode_id(i, expected="Notification", field="ids") for i in input.ids]
        )
        return await log.mark_read(principal=principal_of(info), ids=ids)

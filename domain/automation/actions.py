"""What rules do. Each action takes the run's context and its settings, changes records through
the ordinary write flows (so validation, rights, audit and events apply), and returns a short
description of what it did for the run log."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.automation.assignment import assign_owner, check_assign
from domain.automation.context import Context, NoRecipients, plugged_recipients, recipients, render
from domain.automation.outbound_actions import (
    call_http,
    check_call_http,
    check_post_message,
    check_send_email,
    post_message,
    send_email,
)
from domain.automation.targets import create_values, owner_field, spec_of, update_values
from domain.crm import tickets
from domain.crm.activities import KINDS as ACTIVITY_KINDS
from domain.crm.activities import log_activity
from domain.crm.tags import change_tags
from domain.duplicates import conversion
from domain.errors import FieldError, InvalidInput
from domain.notifications import notify_users
from domain.records.global_ids import global_id
from tenants.context import current_tenant_id, tenant_connection

MAX_ACTIONS = 10


def _uuid(value: Any, where: str, errors: list[FieldError]) -> None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        errors.append(FieldError(where, "INVALID_ID", "an id"))


# Actions other areas add at start-up (tessera/domain_wiring.py), e.g. approvals' submit_for_approval:
# automation knows nothing of them but their name, how to check their settings and how to run them.
Check = Callable[[dict[str, Any], str, list[FieldError]], None]
_PLUGGED_CHECKS: dict[str, Check] = {}


def plug_action(
    kind: str, run: Callable[[Context, dict[str, Any]], Awaitable[str]], check: Check
) -> None:
    ACTIONS[kind] = run
    _PLUGGED_CHECKS[kind] = check


def check_actions(actions: Any, errors: list[FieldError]) -> None:
    """Field errors (actions.N.key) for unknown action types or missing settings."""
    if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_ACTIONS:
        errors.append(
            FieldError("actions", "INVALID_ACTIONS", f"between 1 and {MAX_ACTIONS} actions")
        )
        return
    for index, action in enumerate(actions):
        where = f"actions.{index}"
        kind = action.get("type") if isinstance(action, dict) else None
        if kind not in ACTIONS:
            errors.append(
                FieldError(
                    f"{where}.type", "INVALID_CHOICE", f"one of {', '.join(sorted(ACTIONS))}"
                )
            )
            continue
        if kind == "wait" and not _valid_wait(action):
            errors.append(
                FieldError(
                    f"{where}.days", "OUT_OF_RANGE", "wait some hours or days, at most a year"
                )
            )
        if kind == "convert_lead" and not isinstance(action.get("createOpportunity", False), bool):
            errors.append(
                FieldError(f"{where}.createOpportunity", "INVALID_VALUE", "true or false")
            )
        if kind == "increment" and (
            not isinstance(action.get("field"), str)
            or not isinstance(action.get("by"), (int, float))
        ):
            errors.append(
                FieldError(
                    f"{where}.by", "REQUIRED", "a field and a number to add (negative to subtract)"
                )
            )
        if kind == "create_record" and (
            not isinstance(action.get("object"), str) or not isinstance(action.get("values"), dict)
        ):
            errors.append(
                FieldError(f"{where}.values", "REQUIRED", "the object and the new record's values")
            )
        if kind == "update_fields" and (
            not isinstance(action.get("values"), dict) or not action["values"]
        ):
            errors.append(FieldError(f"{where}.values", "REQUIRED", "the fields to set"))
        if kind == "assign_owner":
            check_assign(action, where, errors)
        if kind == "create_task":
            if not str(action.get("subject") or "").strip():
                errors.append(
                    FieldError(f"{where}.subject", "REQUIRED", "a task or activity needs a subject")
                )
            if action.get("kind", "TASK") not in ACTIVITY_KINDS:
                errors.append(
                    FieldError(
                        f"{where}.kind",
                        "INVALID_CHOICE",
                        f"one of {', '.join(sorted(ACTIVITY_KINDS))}",
                    )
                )
        if kind == "change_stage" and not str(action.get("stage") or "").strip():
            errors.append(
                FieldError(
                    f"{where}.stage",
                    "REQUIRED",
                    "the name of a stage of the opportunity's pipeline",
                )
            )
        if kind == "change_status" and action.get("status") not in tickets.STATUSES:
            errors.append(
                FieldError(
                    f"{where}.status",
                    "INVALID_CHOICE",
                    f"one of {', '.join(sorted(tickets.STATUSES))}",
                )
            )
        if kind in ("add_tags", "remove_tags") and (
            not isinstance(action.get("names"), list) or not action["names"]
        ):
            errors.append(FieldError(f"{where}.names", "REQUIRED", "the tags"))
        if kind == "notify":
            if not str(action.get("title") or "").strip():
                errors.append(
                    FieldError(f"{where}.title", "REQUIRED", "a notification needs a title")
                )
            choices = ("owner", "owner_manager", "actor", "users", *plugged_recipients())
            if action.get("to") not in choices:
                errors.append(
                    FieldError(f"{where}.to", "INVALID_CHOICE", f"one of {', '.join(choices)}")
                )
            for n, user in enumerate(action.get("userIds") or []):
                _uuid(user, f"{where}.userIds.{n}", errors)
            if action.get("channel") is not None:
                channel = action["channel"] if isinstance(action["channel"], dict) else {}
                check_post_message({**channel, "text": "-"}, f"{where}.channel", errors)
        if kind == "send_email":
            check_send_email(action, where, errors)
        if kind == "call_http":
            check_call_http(action, where, errors)
        if kind == "post_message":
            check_post_message(action, where, errors)
        if kind in _PLUGGED_CHECKS:
            _PLUGGED_CHECKS[kind](action, where, errors)


def _valid_wait(action: dict[str, Any]) -> bool:
    try:
        seconds = float(action.get("hours") or 0) * 3600 + float(action.get("days") or 0) * 86400
    except (TypeError, ValueError):
        return False
    return 0 < seconds <= 366 * 86400


def _rendered(values: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Settings' values with `{{field}}` in text taken from the record (empty text as no value)."""
    rendered = {
        key: render(value, record) if isinstance(value, str) else value
        for key, value in values.items()
    }
    return {key: (None if value == "" else value) for key, value in rendered.items()}


async def update_fields(ctx: Context, action: dict[str, Any]) -> str:
    await update_values(
        ctx.record_type,
        ctx.record_id,
        _rendered(action["values"], ctx.values),
        principal=ctx.principal,
    )
    return "set " + ", ".join(sorted(action["values"]))


async def increment(ctx: Context, action: dict[str, Any]) -> str:
    field = action["field"]
    current = ctx.values.get(field) or 0
    new = current + action["by"]
    await update_values(ctx.record_type, ctx.record_id, {field: new}, principal=ctx.principal)
    return f"{field} {current} -> {new}"


async def create_record(ctx: Context, action: dict[str, Any]) -> str:
    """A new standard or custom record; `{{field}}` in its values takes the triggering record's."""
    created = await create_values(
        action["object"], _rendered(action["values"], ctx.values), principal=ctx.principal
    )
    return f"{action['object']} {global_id(action['object'], created)}"


async def convert_lead(ctx: Context, action: dict[str, Any]) -> str:
    """Convert the lead (a new customer and contact, and an opportunity if asked)."""
    if ctx.record_type != "Lead":
        raise InvalidInput([FieldError("type", "NOT_A_LEAD", "convert_lead acts on leads only")])
    row = await conversion.convert_lead(
        principal=ctx.principal,
        lead_id=ctx.record_id,
        create_opportunity=bool(action.get("createOpportunity")),
    )
    return f"converted: customer {global_id('Customer', row['converted_customer_id'])}"


async def create_task(ctx: Context, action: dict[str, Any]) -> str:
    """A task (due in `dueInDays`) or, with `kind`, a note, call, email or meeting on the record's timeline."""
    kind = action.get("kind", "TASK")
    assignee = {"owner": ctx.values.get(owner_field(ctx.record_type)), "actor": ctx.actor_id}.get(
        action.get("assignTo", "owner")
    )
    values = {  # straight to the activity's write flow: the domain's names
        "kind": kind,
        "subject": render(str(action["subject"]), ctx.values)[:300],
        "owner_id": assignee,
    }
    if action.get("body"):
        values["body"] = render(str(action["body"]), ctx.values)[:10_000]
    if kind == "TASK":
        values["due_at"] = datetime.now(timezone.utc) + timedelta(
            days=float(action.get("dueInDays", 0))
        )
    row = await log_activity(
        principal=ctx.principal,
        target=await spec_of(ctx.record_type),
        record_id=ctx.record_id,
        values=values,
    )
    return f"{kind.lower()} {global_id('Activity', row['id'])}"


async def change_stage(ctx: Context, action: dict[str, Any]) -> str:
    """Move an opportunity to the stage of its pipeline with this name (stage history and
    probability follow, as for any stage change)."""
    if ctx.record_type != "Opportunity":
        raise InvalidInput(
            [FieldError("type", "NOT_AN_OPPORTUNITY", "change_stage acts on opportunities only")]
        )
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND lower(name) = lower($3) AND deleted_at IS NULL",
        [current_tenant_id(), ctx.values.get("pipelineId"), str(action["stage"]).strip()],
    )
    if not rows:
        raise InvalidInput(
            [FieldError("stage", "UNKNOWN_STAGE", f"the pipeline has no stage {action['stage']!r}")]
        )
    await update_values(
        ctx.record_type, ctx.record_id, {"stageId": rows[0]["id"]}, principal=ctx.principal
    )
    return f"stage {action['stage']}"


async def change_status(ctx: Context, action: dict[str, Any]) -> str:
    """Move a ticket along its status flow (the same transitions, timestamps and status history
    as changeTicketStatus; an illegal move fails the step with the allowed ones named)."""
    if ctx.record_type != "Ticket":
        raise InvalidInput(
            [FieldError("type", "NOT_A_TICKET", "change_status acts on tickets only")]
        )
    await tickets.change_status(
        principal=ctx.principal, ticket_id=ctx.record_id, version=None, status=action["status"]
    )
    return f"status {action['status']}"


async def add_tags(ctx: Context, action: dict[str, Any]) -> str:
    tags = await change_tags(
        await spec_of(ctx.record_type), ctx.record_id, principal=ctx.principal, add=action["names"]
    )
    return "tags " + ", ".join(tags)


async def remove_tags(ctx: Context, action: dict[str, Any]) -> str:
    tags = await change_tags(
        await spec_of(ctx.record_type),
        ctx.record_id,
        principal=ctx.principal,
        remove=action["names"],
    )
    return "tags " + ", ".join(tags)


async def notify(ctx: Context, action: dict[str, Any]) -> str:
    """In-app notifications; with `channel` ({provider, url, secret}), the same text goes to a
    WeCom or DingTalk group too."""
    users = await recipients(ctx, action)
    title, body = (
        render(str(action["title"]), ctx.values),
        render(str(action.get("body") or ""), ctx.values),
    )
    if action.get("channel"):
        await post_message(ctx, {**action["channel"], "text": f"{title}\n{body}".strip()})
    notified = await notify_users(
        users,
        title=title,
        body=body,
        record_type=ctx.record_type,
        record_id=ctx.record_id,
        rule_id=ctx.rule_id,
    )
    if not notified:
        raise NoRecipients(
            f"nobody to reach: none of the {len(users)} user(s) it names is a member of this tenant"
        )
    return f"notified {notified}"


Action = Callable[[Context, dict[str, Any]], Awaitable[str]]

# `wait` is handled by the engine itself (it parks the run); listed so rules can name it.
ACTIONS: dict[str, Action | None] = {
    "wait": None,
    "update_fields": update_fields,
    "increment": increment,
    "create_record": create_record,
    "convert_lead": convert_lead,
    "assign_owner": assign_owner,
    "create_task": create_task,
    "add_tags": add_tags,
    "remove_tags": remove_tags,
    "notify": notify,
    "send_email": send_email,
    "call_http": call_http,
    "change_stage": change_stage,
    "change_status": change_status,
    "post_message": post_message,
}


def runner(kind: str) -> Action:
    """What performs an action of `kind`; `wait` has none (the engine parks the run itself)."""
    run = ACTIONS[kind]
    if run is None:
        raise ValueError(f"{kind} actions are performed by the engine")
    return run

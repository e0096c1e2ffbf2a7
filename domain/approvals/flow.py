"""How a request moves: into a step (approvers resolved, tasks, timers, notifications), past
skipped steps, back to the previous step, and to its final outcome (locks released, outcome
actions run, the submitter told). Every move writes its event to the outbox in the same
transaction. Callers hold the request's row lock (store.lock_request)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from domain.approvals import store
from domain.approvals.approvers import admins, resolve
from domain.approvals.calendar import after_business_hours
from domain.approvals.delegation import delegates_of
from domain.automation.actions import runner
from domain.automation.conditions import evaluate
from domain.automation.context import Context
from domain.automation.related import with_related
from domain.automation.targets import record_values
from domain.errors import InvalidInput, describe
from domain.events import emit
from domain.identity.principal import acting_for
from domain.notifications import notify_users_translated
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

FAMILY = "ApprovalRequest"


async def event(
    request: dict[str, Any], action: str, actor_id: uuid.UUID | None, **details: Any
) -> None:
    """`ApprovalRequest.<action>` about the request's record, through the outbox."""
    step = request["current_step"]
    changes = {
        "approvalRequestId": str(request["id"]),
        "processId": str(request["process_id"]),
        "processName": request["definition"]["name"],
        "status": request["status"],
        "step": step,
        "stepName": None if step is None else request["definition"]["steps"][step]["name"],
        **{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in details.items()},
    }
    await emit(
        request["record_type"],
        [(request["record_id"], action, changes)],
        actor_id=actor_id,
        family=FAMILY,
    )


def title_of(values: dict[str, Any], record_type: str) -> str:
    return str(
        values.get("name")
        or values.get("subject")
        or values.get("personName")
        or values.get("title")
        or record_type
    )


async def values_of(request: dict[str, Any]) -> dict[str, Any]:
    return await record_values(request["record_type"], request["record_id"]) or {}


async def advance(
    request: dict[str, Any],
    start: int,
    actor_id: uuid.UUID | None,
    *,
    submitting: bool = False,
    now: datetime | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """Enter the first step from `start` whose condition holds (at `now`, the scheduler's clock
    when a timeout moves the request on); with none left, the request is approved."""
    steps = request["definition"]["steps"]
    values = await values_of(request)
    for index in range(start, len(steps)):
        condition = steps[index].get("condition")
        if condition and not evaluate(
            condition,
            current=await with_related(request["record_type"], values, condition),
            previous={},
            changed=set(),
            actor={},
        ):
            request = await store.save_request(
                request, history=store.noted(request, "skipped", step=index)
            )
            continue
        return await enter(request, index, actor_id, values=values, submitting=submitting, now=now)
    return await finish(
        request, "APPROVED", actor_id, comment=comment
    )  # the last decision's comment


async def enter(
    request: dict[str, Any],
    index: int,
    actor_id: uuid.UUID | None,
    *,
    values: dict[str, Any] | None = None,
    submitting: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Start step `index` afresh (a new round): its approvers get tasks, reminders and timeouts are set."""
    step = request["definition"]["steps"][index]
    values = values if values is not None else await values_of(request)
    approvers = await resolve(step, request["record_type"], values)
    fallback = False
    if not approvers:
        if submitting:
            raise InvalidInput.single(
                f"steps.{index}",
                "NO_APPROVERS",
                f"step {step['name']!r} has no approvers for this record (e.g. its owner has no manager)",
            )
        approvers, fallback = (
            await admins(),
            True,
        )  # a step never waits on nobody: the admins decide
    request = await store.save_request(
        request,
        current_step=index,
        round=request["round"] + 1,
        history=store.noted(request, "entered", step=index, fallbackToAdmins=fallback or None),
    )
    await store.add_tasks(request, index, approvers)
    await schedule_timers(request, step, now or datetime.now(timezone.utc))
    await notify_approvers(request, approvers, values)
    return request


async def schedule_timers(request: dict[str, Any], step: dict[str, Any], start: datetime) -> None:
    timeout = step.get("timeout")
    if not timeout:
        return
    timers = []
    if timeout.get("remindAfterHours"):
        timers.append(
            (
                "REMIND",
                await after_business_hours(
                    start, timeout["remindAfterHours"], timeout.get("calendar")
                ),
            )
        )
    if timeout.get("action", "NONE") != "NONE":
        timers.append(
            (
                "TIMEOUT",
                await after_business_hours(start, timeout["hours"], timeout.get("calendar")),
            )
        )
    if timers:
        await tenant_connection().execute_query(
            "INSERT INTO approval_timer (tenant_id, id, request_id, round, kind, due_at) "
            "SELECT $1, t.id, $2, $3, t.kind, t.due FROM unnest($4::uuid[], $5::text[], $6::timestamptz[]) AS t(id, kind, due)",
            [
                current_tenant_id(),
                request["id"],
                request["round"],
                [new_id() for _ in timers],
                [t[0] for t in timers],
                [t[1] for t in timers],
            ],
        )


async def notify_approvers(
    request: dict[str, Any],
    approvers: list[uuid.UUID],
    values: dict[str, Any] | None = None,
    *,
    why: str = "needed",
) -> None:
    """In-app notifications to the approvers and to whoever holds their delegation now, each in
    their own language; `why`: needed, reminder or escalated."""
    values = values if values is not None else await values_of(request)
    step = request["definition"]["steps"][request["current_step"]]
    delegates = await delegates_of(approvers, datetime.now(timezone.utc))
    await notify_users_translated(
        list(dict.fromkeys([*approvers, *delegates])),
        key=f"approval_{why}",
        params={
            "record": title_of(values, request["record_type"]),
            "process": request["definition"]["name"],
            "step": step["name"],
            "comment": f": {request['comment']}" if request["comment"] else "",
        },
        record_type=request["record_type"],
        record_id=request["record_id"],
    )


async def finish(
    request: dict[str, Any], status: str, actor_id: uuid.UUID | None, *, comment: str | None = None
) -> dict[str, Any]:
    """The final outcome: tasks and timers closed, fields unlocked, outcome actions run, the submitter
    told, the event written."""
    await store.close_pending(request)
    await store.cancel_timers(request)
    request = await store.save_request(
        request,
        status=status,
        finished_at=datetime.now(timezone.utc),
        history=store.noted(request, status.lower(), by=actor_id),
    )
    if status in ("APPROVED", "REJECTED"):
        request = await run_outcome(request, "onApproved" if status == "APPROVED" else "onRejected")
    values = await values_of(request)
    if request["submitted_by"] and request["submitted_by"] != actor_id:
        await notify_users_translated(
            [request["submitted_by"]],
            key=f"approval_{status.lower()}",
            params={
                "record": title_of(values, request["record_type"]),
                "process": request["definition"]["name"],
                "comment": f": {comment}" if comment else "",
            },
            record_type=request["record_type"],
            record_id=request["record_id"],
        )
    await event(request, status.lower(), actor_id, comment=comment)
    return request


async def run_outcome(request: dict[str, Any], which: str) -> dict[str, Any]:
    """The process's actions for the outcome, each in a savepoint: one that fails is noted in the
    request's history and the others still run (the decision itself stands)."""
    actions = request["definition"].get(which) or []
    if not actions:
        return request
    definition = request["definition"]
    principal = acting_for(
        {
            "id": request["process_id"],
            "created_by": definition.get("createdBy"),
            "updated_by": definition.get("updatedBy"),
        },
        tenant_id=current_tenant_id(),
    )
    ctx = Context(
        rule_id=request["process_id"],
        record_type=request["record_type"],
        record_id=request["record_id"],
        values=await values_of(request),
        actor_id=request["submitted_by"],
        principal=principal,
        event_id=request["id"],
    )
    conn = tenant_connection()
    for index, action in enumerate(actions):
        await conn.execute_query("SAVEPOINT approval_outcome")
        try:
            await runner(action["type"])(replace(ctx, step=index), action)
            await conn.execute_query("RELEASE SAVEPOINT approval_outcome")
        except Exception as exc:  # noqa: BLE001 - an outcome action's failure is the request's note, not the decision's end
            await conn.execute_query("ROLLBACK TO SAVEPOINT approval_outcome")
            request = await store.save_request(
                request,
                history=store.noted(request, "outcome_failed", action=index, error=describe(exc)),
            )
        ctx = replace(ctx, values=await values_of(request) or ctx.values)
    return request

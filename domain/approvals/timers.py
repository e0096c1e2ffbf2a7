"""Step timeouts, fired by `tessera scheduler`: at `remindAfterHours` the approvers still pending
are reminded; at `hours` the step's `action` happens (ESCALATE: their tasks go to their managers,
the admins when they have none; APPROVE or REJECT: the step is decided). Both count in business
hours (calendar.py) from when the step was entered.

Timers live in PostgreSQL (approval_timer). A pass claims due timers with FOR UPDATE SKIP LOCKED,
takes the request's row lock without waiting (a request being decided right now is left for the
next pass: no deadlock with a decision, which closes the timers itself), and marks each timer fired
in the transaction that acts on it: a timer fires once, whatever crashes or other schedulers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from domain.approvals import store
from domain.approvals.approvers import admins, managers_of
from domain.approvals.flow import advance, event, finish, notify_approvers
from tenants.context import current_tenant_id, tenant_connection
from tenants.database import database_client

BATCH = 500  # timers per tenant and pass; the rest come in the next pass


async def fire_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Act on the current tenant's due timers; returns how many fired."""
    now = now or datetime.now(timezone.utc)
    conn = tenant_connection()
    timers = await conn.execute_query_dict(
        "SELECT * FROM approval_timer WHERE tenant_id = $1 AND fired_at IS NULL AND due_at <= $2 "
        "ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED",
        [current_tenant_id(), now, limit],
    )
    fired = 0
    for timer in timers:
        rows = await conn.execute_query_dict(
            "SELECT * FROM approval_request WHERE tenant_id = $1 AND id = $2 FOR UPDATE SKIP LOCKED",
            [current_tenant_id(), timer["request_id"]],
        )
        if not rows:
            continue  # being decided right now: the decision closes the timer, or the next pass fires it
        await conn.execute_query(
            "UPDATE approval_timer SET fired_at = $3 WHERE tenant_id = $1 AND id = $2",
            [current_tenant_id(), timer["id"], now],
        )
        fired += 1
        request = store.request_row(rows[0])
        if request["status"] != "PENDING" or request["round"] != timer["round"]:
            continue  # the step it watched is over
        await _act(request, timer["kind"], now)
    return fired


async def _pending(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in await store.round_tasks(request) if t["status"] == "PENDING"]


async def _act(request: dict[str, Any], kind: str, now: datetime) -> None:
    step_index = request["current_step"]
    step = request["definition"]["steps"][step_index]
    pending = await _pending(request)
    if kind == "REMIND":
        await notify_approvers(request, [t["approver_id"] for t in pending], why="reminder")
        await store.save_request(request, history=store.noted(request, "reminded", step=step_index))
        return
    action = (step.get("timeout") or {}).get("action", "NONE")
    if action == "ESCALATE":
        await _escalate(request, pending)
    elif action == "APPROVE":
        await store.close_pending(request)
        request = await store.save_request(
            request,
            history=store.noted(request, "step_approved", step=step_index, automatically=True),
        )
        await event(request, "step_completed", None, outcome="APPROVED", automatically=True)
        await advance(request, step_index + 1, None, now=now)
    elif action == "REJECT":
        request = await store.save_request(
            request, history=store.noted(request, "timed_out", step=step_index)
        )
        await event(request, "step_completed", None, outcome="REJECTED", automatically=True)
        await finish(request, "REJECTED", None, comment="not decided in time")


async def _escalate(request: dict[str, Any], pending: list[dict[str, Any]]) -> None:
    """The pending approvers' tasks go to their managers (the admins for those without one)."""
    conn = tenant_connection()
    added = []
    for task in pending:
        managers = await managers_of([task["approver_id"]]) or await admins()
        await conn.execute_query(
            "UPDATE approval_task SET status = 'REASSIGNED', comment = 'escalated: not decided in time', decided_at = now() "
            "WHERE tenant_id = $1 AND id = $2",
            [current_tenant_id(), task["id"]],
        )
        added += await store.add_tasks(request, request["current_step"], managers)
    if not added:  # the managers are approvers already: their tasks stand
        added = [t["approver_id"] for t in await _pending(request)]
    request = await store.save_request(
        request,
        history=store.noted(
            request,
            "escalated",
            step=request["current_step"],
            to=[str(u) for u in added],
            fromUsers=[str(t["approver_id"]) for t in pending],
        ),
    )
    await event(
        request,
        "escalated",
        None,
        escalatedTo=[str(u) for u in added],
        fromUsers=[str(t["approver_id"]) for t in pending],
    )
    if added:
        await notify_approvers(request, added, why="escalated")


async def due_tenants(now: datetime) -> list[Any]:
    """Tenants with due timers (ids only, through a SECURITY DEFINER function: no rows are read)."""
    rows = await database_client().execute_query_dict(
        "SELECT approval_due_tenants($1) AS tenant_id", [now]
    )
    return [row["tenant_id"] for row in rows]

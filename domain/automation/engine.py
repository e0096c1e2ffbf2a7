"""Running rules for a committed event. Called by the worker inside one tenant transaction per
event delivery, so a rule's run row and every effect of its actions commit together: a delivery
repeated after a crash finds the run (unique per rule and event) and does nothing again, and a
worker killed mid-run commits nothing, so the redelivery runs it whole.

Loops: a rule never reacts to events its own actions caused, and chains of rules stop at
MAX_DEPTH with a FAILED run saying so. Each rule runs in a savepoint: one failing rule is recorded
as FAILED (with the step and error) without undoing the other rules' work."""

from __future__ import annotations

import contextvars
import json
import random
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.automation.actions import runner
from domain.automation.conditions import evaluate, names_actor
from domain.automation.context import Context
from domain.automation.related import with_related
from domain.automation.rules import RULE_SPEC, enabled_rules
from domain.automation.targets import record_values
from domain.errors import InvalidInput, NotFound, describe
from domain.events import Event, action_matches, caused_by, event_action, load_event
from domain.identity.principal import Principal, acting_for
from domain.records.naming import client_keys
from domain.records.rows import decode_row
from domain.telemetry import report
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_DEPTH = 5
# A failed stretch of actions is tried again after each of these pauses (with up to 10% jitter),
# then the run stops as FAILED: 4 attempts over about 35 minutes.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))


def trigger_matches(trigger: dict[str, Any], action: str, changes: dict[str, Any]) -> bool:
    if not action_matches(trigger.get("on"), action):
        return False
    fields = trigger.get("fields")
    if fields and not set(fields) & set(changes):
        return False
    for field, value in (trigger.get("to") or {}).items():
        change = changes.get(field)
        if not change or change[1] != value:
            return False
    return True


async def handle_event(event: Event) -> int:
    """Run every enabled rule the event triggers (once per rule and event); returns how many ran."""
    action = event_action(event.event_type, event.record_type)
    ran = 0
    for rule in await enabled_rules(event.record_type, event.config_version):
        if (
            not trigger_matches(rule["trigger"], action, client_keys(event.changes))
            or event.caused_by_rule == rule["id"]
        ):
            continue  # not this rule's event, or the rule's own change: it never re-triggers itself
        run_id = await _claim(rule, event)
        if run_id is None:
            continue  # this rule already handled this event (a repeated delivery)
        ran += 1
        await _run(rule, event, run_id)
    return ran


async def run_rule_for(rule: dict[str, Any], event: Event) -> int:
    """Run one rule for one synthetic, time-based occasion, once; returns 1 if it ran. A run of
    the same occasion that was skipped without acting (its record did not meet the conditions
    then) is taken up again: the record may meet them now."""
    run_id = await _claim(rule, event, retake_skipped=True)
    if run_id is None:
        return 0
    await _run(rule, event, run_id)
    return 1


async def _claim(
    rule: dict[str, Any], event: Event, *, retake_skipped: bool = False
) -> uuid.UUID | None:
    on_conflict = (
        "DO UPDATE SET status = 'SKIPPED', reason = NULL, steps = '[]', attempts = 1, finished_at = NULL, "
        "started_at = clock_timestamp(), rule_version = EXCLUDED.rule_version WHERE automation_run.status = 'SKIPPED'"
        if retake_skipped
        else "DO NOTHING"
    )
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO automation_run (tenant_id, id, rule_id, rule_version, event_id, record_type, record_id, status, depth) "
        f"VALUES ($1, $2, $3, $4, $5, $6, $7, 'SKIPPED', $8) ON CONFLICT (tenant_id, rule_id, event_id) {on_conflict} RETURNING id",
        [
            current_tenant_id(),
            new_id(),
            rule["id"],
            rule["version"],
            event.id,
            event.record_type,
            event.record_id,
            event.depth,
        ],
    )
    return rows[0]["id"] if rows else None


# When the run (or its continuation after a wait) began in this process, for its duration.
_run_started: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "tessera_run_started", default=None
)


async def _finish(
    run_id: uuid.UUID,
    status: str,
    reason: str | None,
    steps: list[dict[str, Any]],
    *,
    finished: bool = True,
) -> None:
    await tenant_connection().execute_query(
        "UPDATE automation_run SET status = $3, reason = $4, steps = $5::jsonb, "
        "finished_at = CASE WHEN $6 THEN clock_timestamp() END WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), run_id, status, reason, json.dumps(steps), finished],
    )
    started = _run_started.get()
    report(
        "automation_run", status.lower(), 0.0 if started is None else time.perf_counter() - started
    )


async def _run(rule: dict[str, Any], event: Event, run_id: uuid.UUID) -> None:
    _run_started.set(time.perf_counter())
    if event.depth >= MAX_DEPTH:
        await _finish(
            run_id,
            "FAILED",
            f"chain of rules deeper than {MAX_DEPTH}: stopped to prevent a loop",
            [],
        )
        return
    values = await record_values(event.record_type, event.record_id)
    if values is None:
        await _finish(run_id, "SKIPPED", "the record no longer exists", [])
        return
    previous = {
        field: change[0]
        for field, change in client_keys(event.changes).items()
        if isinstance(change, list) and len(change) == 2
    }
    actor = await _actor(event.actor_id) if names_actor(rule["conditions"]) else {}
    if not evaluate(
        rule["conditions"],
        current=await with_related(event.record_type, values, rule["conditions"]),
        previous=previous,
        changed=set(client_keys(event.changes)),
        actor=actor,
    ):
        await _finish(run_id, "SKIPPED", "conditions not met", [])
        return
    ctx = Context(
        rule_id=rule["id"],
        record_type=event.record_type,
        record_id=event.record_id,
        values=values,
        actor_id=event.actor_id,
        principal=_acting_for(rule),
        event_id=event.id,
    )
    plan = {
        "conditions": rule["conditions"],
        "actions": rule["actions"],
        "event_id": str(event.id),
        "depth": event.depth,
    }
    await execute(plan, ctx, run_id, start=0, steps=[])


async def execute(
    plan: dict[str, Any],
    ctx: Context,
    run_id: uuid.UUID,
    *,
    start: int,
    steps: list[dict[str, Any]],
    attempt: int = 1,
) -> None:
    """Run the plan's actions from `start` in a savepoint; a `wait` action parks the run (WAITING)
    with a timer the scheduler resumes; a failing action undoes this stretch, which is tried again
    later (RETRYING) until the attempts run out (FAILED)."""
    conn = tenant_connection()
    kept = len(steps)  # the steps of earlier stretches (before a wait), already committed
    started = time.perf_counter()
    await conn.execute_query("SAVEPOINT automation_rule")
    try:
        with caused_by(uuid.UUID(plan["event_id"]), plan["depth"], ctx.rule_id):
            for index in range(start, len(plan["actions"])):
                action = plan["actions"][index]
                started = time.perf_counter()
                step = {"index": index, "type": action["type"], "attempt": attempt}
                steps.append(step)
                if action["type"] == "wait":
                    due = await _park(
                        run_id, plan, index + 1, datetime.now(timezone.utc) + _wait_of(action)
                    )
                    step.update(status="OK", detail=f"waiting until {due.isoformat()}")
                    await conn.execute_query("RELEASE SAVEPOINT automation_rule")
                    await _finish(run_id, "WAITING", None, steps, finished=False)
                    return
                step["detail"] = await runner(action["type"])(replace(ctx, step=index), action)
                step.update(status="OK", ms=round((time.perf_counter() - started) * 1000, 1))
                if index + 1 < len(
                    plan["actions"]
                ):  # later actions see what earlier ones did (e.g. the new owner)
                    ctx = replace(
                        ctx,
                        values=await record_values(ctx.record_type, ctx.record_id) or ctx.values,
                    )
    except Exception as exc:  # noqa: BLE001 - any failure of a rule is recorded on its run, never fatal to others
        await conn.execute_query("ROLLBACK TO SAVEPOINT automation_rule")
        steps[-1].update(
            status="FAILED",
            error=describe(exc),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        # The undone steps of this stretch leave the log; the failed one stays, with its attempt.
        steps[kept:] = [steps[-1]]
        await _retry_or_fail(
            run_id,
            plan,
            start,
            steps,
            attempt,
            f"step {steps[-1]['index']} ({steps[-1]['type']}) failed: {describe(exc)}",
        )
        return
    await conn.execute_query("RELEASE SAVEPOINT automation_rule")
    await _finish(run_id, "SUCCEEDED", None, steps)


async def _retry_or_fail(
    run_id: uuid.UUID,
    plan: dict[str, Any],
    start: int,
    steps: list[dict[str, Any]],
    attempt: int,
    failure: str,
) -> None:
    attempts = len(RETRY_DELAYS) + 1
    if attempt >= attempts:
        await _finish(
            run_id, "FAILED", f"{failure} (attempt {attempt} of {attempts}, no more retries)", steps
        )
        return
    delay = RETRY_DELAYS[attempt - 1] * (1 + random.random() / 10)
    due = await _park(run_id, {**plan, "retry": True}, start, datetime.now(timezone.utc) + delay)
    await tenant_connection().execute_query(
        "UPDATE automation_run SET attempts = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), run_id, attempt + 1],
    )
    await _finish(
        run_id,
        "RETRYING",
        f"{failure}; attempt {attempt + 1} of {attempts} at {due.isoformat()}",
        steps,
        finished=False,
    )


def _wait_of(action: dict[str, Any]) -> timedelta:
    return timedelta(hours=float(action.get("hours", 0)), days=float(action.get("days", 0)))


async def _park(run_id: uuid.UUID, plan: dict[str, Any], next_step: int, due: datetime) -> datetime:
    await tenant_connection().execute_query(
        "INSERT INTO automation_timer (tenant_id, id, run_id, due_at, next_step, actions) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        [current_tenant_id(), new_id(), run_id, due, next_step, json.dumps(plan)],
    )
    return due


async def resume_due(now: datetime | None = None, limit: int = 100) -> int:
    """Continue the waiting runs whose time has come: after a wait the rule's conditions are checked
    again first ("unless it was reopened"); a retry runs the failed stretch again as it was.
    Timers are claimed with SKIP LOCKED; returns how many."""
    conn = tenant_connection()
    timers = await conn.execute_query_dict(
        "UPDATE automation_timer SET fired_at = now() WHERE tenant_id = $1 AND id IN (SELECT id FROM automation_timer "
        "WHERE tenant_id = $1 AND fired_at IS NULL AND due_at <= $2 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
        "RETURNING run_id, next_step, actions",
        [current_tenant_id(), now or datetime.now(timezone.utc), limit],
    )
    for timer in timers:
        _run_started.set(time.perf_counter())
        plan = (
            json.loads(timer["actions"]) if isinstance(timer["actions"], str) else timer["actions"]
        )
        runs = await conn.execute_query_dict(
            "SELECT r.*, a.created_by, a.updated_by FROM automation_run r JOIN automation_rule a "
            "ON a.tenant_id = r.tenant_id AND a.id = r.rule_id WHERE r.tenant_id = $1 AND r.id = $2",
            [current_tenant_id(), timer["run_id"]],
        )
        run = runs[0]
        steps = json.loads(run["steps"]) if isinstance(run["steps"], str) else run["steps"]
        values = await record_values(run["record_type"], run["record_id"])
        if values is None or values.get("deleted"):
            await _finish(run["id"], "SKIPPED", "the record no longer exists", steps)
            continue
        if not plan.get(
            "retry"
        ):  # a retry does not ask again: the conditions held when the run began
            current = await with_related(run["record_type"], values, plan["conditions"])
            if not evaluate(
                plan["conditions"], current=current, previous={}, changed=set(), actor={}
            ):
                await _finish(
                    run["id"], "SKIPPED", "conditions no longer hold after the wait", steps
                )
                continue
        ctx = Context(
            rule_id=run["rule_id"],
            record_type=run["record_type"],
            record_id=run["record_id"],
            values=values,
            actor_id=None,
            principal=_acting_for(
                {
                    "id": run["rule_id"],
                    "created_by": run["created_by"],
                    "updated_by": run["updated_by"],
                }
            ),
            event_id=run["event_id"],
        )
        await execute(
            {**plan, "retry": False},
            ctx,
            run["id"],
            start=timer["next_step"],
            steps=steps,
            attempt=run["attempts"],
        )
    return len(timers)


def _acting_for(rule: dict[str, Any]) -> Principal:
    return acting_for(rule, tenant_id=current_tenant_id())


async def _actor(actor_id: uuid.UUID | None) -> dict[str, Any]:
    if actor_id is None:
        return {}
    rows = await tenant_connection().execute_query_dict(
        "SELECT user_id AS id, role FROM membership WHERE tenant_id = $1 AND user_id = $2",
        [current_tenant_id(), actor_id],
    )
    return {"id": str(actor_id), "role": rows[0]["role"]} if rows else {"id": str(actor_id)}


async def dry_run(rule: dict[str, Any], record_id: uuid.UUID) -> dict[str, Any]:
    """What the rule would do to the record now: its conditions are evaluated and its actions run
    inside a savepoint that is then rolled back, so the steps show real outcomes (or errors) and
    nothing stays (no changes, events, notifications or counters)."""
    values = await record_values(rule["object"], record_id)
    if values is None:
        return {"conditionsMet": False, "steps": [], "reason": "no such record"}
    if not evaluate(
        rule["conditions"],
        current=await with_related(rule["object"], values, rule["conditions"]),
        previous={},
        changed=set(),
        actor={},
    ):
        return {"conditionsMet": False, "steps": [], "reason": "conditions not met"}
    ctx = Context(
        rule_id=rule["id"],
        record_type=rule["object"],
        record_id=record_id,
        values=values,
        actor_id=None,
        principal=_acting_for(rule),
        event_id=new_id(),
        dry_run=True,
    )
    conn = tenant_connection()
    steps: list[dict[str, Any]] = []
    await conn.execute_query("SAVEPOINT automation_dry_run")
    try:
        with caused_by(new_id(), 0, rule["id"]):
            for index, action in enumerate(rule["actions"]):
                step = {"index": index, "type": action["type"]}
                steps.append(step)
                if action["type"] == "wait":
                    step.update(
                        status="OK",
                        detail="would wait, then check the conditions again and continue",
                    )
                    continue
                step["detail"] = await runner(action["type"])(replace(ctx, step=index), action)
                step["status"] = "OK"
                ctx = replace(
                    ctx, values=await record_values(ctx.record_type, ctx.record_id) or ctx.values
                )
    except Exception as exc:  # noqa: BLE001 - reported as the step's outcome
        steps[-1].update(status="FAILED", error=describe(exc))
    finally:
        await conn.execute_query("ROLLBACK TO SAVEPOINT automation_dry_run")
    return {"conditionsMet": True, "steps": steps, "reason": None}


async def rerun(run_id: uuid.UUID) -> None:
    """Run a FAILED run again from the start, on the rule as it is now."""
    conn = tenant_connection()
    rows = await conn.execute_query_dict(
        "SELECT * FROM automation_run WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        [current_tenant_id(), run_id],
    )
    if not rows:
        raise NotFound("run not found")
    run = rows[0]
    if run["status"] != "FAILED":
        raise InvalidInput.single("id", "NOT_FAILED", "only FAILED runs can be run again")
    rule = decode_row(
        RULE_SPEC,
        (
            await conn.execute_query_dict(
                "SELECT * FROM automation_rule WHERE tenant_id = $1 AND id = $2",
                [current_tenant_id(), run["rule_id"]],
            )
        )[0],
    )
    event = await load_event(run["event_id"]) or Event(
        id=run["event_id"],
        tenant_id=current_tenant_id(),
        event_type=f"{run['record_type']}.rerun",
        record_type=run["record_type"],
        record_id=run["record_id"],
        actor_id=None,
        occurred_at=datetime.now(timezone.utc),
        changes={},
        causation_id=None,
        depth=run["depth"],
    )
    await conn.execute_query(
        "UPDATE automation_run SET rule_version = $3, steps = '[]', reason = NULL, attempts = 1, "
        "started_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), run_id, rule["version"]],
    )
    await _run(rule, event, run_id)

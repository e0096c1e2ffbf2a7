"""Running rules for a committed event. Called by the worker inside one tenant transaction per
event delivery, so a rule's run row and every effect of its actions commit together: a delivery
repeated after a crash finds the run (unique per rule and event) and does nothing again, and a
worker killed mid-run commits nothing, so the redelivery runs it whole.

Loops: a rule never reacts to events its own actions caused, and chains of rules stop at
MAX_DEPTH with a FAILED run saying so. Each rule runs in a savepoint: one failing rule is recorded
as FAILED (with the step and error) without undoing the other rules' work."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from typing import Any

from domain.automation.actions import ACTIONS, Context
from domain.automation.conditions import evaluate
from domain.automation.rules import enabled_rules
from domain.automation.targets import record_values
from domain.errors import DomainError
from domain.events import Event, caused_by
from domain.identity.principal import CredentialKind, Principal
from domain.identity.roles import Role
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_DEPTH = 5


def trigger_matches(trigger: dict[str, Any], action: str, changes: dict[str, Any]) -> bool:
    if trigger.get("on") != action:
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
    action = event.event_type.split(".", 1)[1]
    ran = 0
    for rule in await enabled_rules(event.record_type):
        if not trigger_matches(rule["trigger"], action, event.changes) or event.caused_by_rule == rule["id"]:
            continue  # not this rule's event, or the rule's own change: it never re-triggers itself
        run_id = await _claim(rule, event)
        if run_id is None:
            continue  # this rule already handled this event (a repeated delivery)
        ran += 1
        await _run(rule, event, run_id)
    return ran


async def _claim(rule: dict[str, Any], event: Event) -> uuid.UUID | None:
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO automation_run (tenant_id, id, rule_id, rule_version, event_id, record_type, record_id, status, depth) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 'SKIPPED', $8) ON CONFLICT (tenant_id, rule_id, event_id) DO NOTHING RETURNING id",
        [current_tenant_id(), new_id(), rule["id"], rule["version"], event.id, event.record_type, event.record_id, event.depth])
    return rows[0]["id"] if rows else None


async def _finish(run_id: uuid.UUID, status: str, reason: str | None, steps: list[dict[str, Any]]) -> None:
    await tenant_connection().execute_query(
        "UPDATE automation_run SET status = $3, reason = $4, steps = $5::jsonb, finished_at = clock_timestamp() "
        "WHERE tenant_id = $1 AND id = $2", [current_tenant_id(), run_id, status, reason, json.dumps(steps)])


async def _run(rule: dict[str, Any], event: Event, run_id: uuid.UUID) -> None:
    if event.depth >= MAX_DEPTH:
        await _finish(run_id, "FAILED", f"chain of rules deeper than {MAX_DEPTH}: stopped to prevent a loop", [])
        return
    values = await record_values(event.record_type, event.record_id)
    if values is None:
        await _finish(run_id, "SKIPPED", "the record no longer exists", [])
        return
    previous = {field: change[0] for field, change in event.changes.items() if isinstance(change, list) and len(change) == 2}
    actor = await _actor(event.actor_id)
    if not evaluate(rule["conditions"], current=values, previous=previous, changed=set(event.changes), actor=actor):
        await _finish(run_id, "SKIPPED", "conditions not met", [])
        return
    ctx = Context(rule_id=rule["id"], record_type=event.record_type, record_id=event.record_id, values=values,
                  actor_id=event.actor_id, principal=_acting_for(rule))
    conn = tenant_connection()
    steps: list[dict[str, Any]] = []
    await conn.execute_query("SAVEPOINT automation_rule")
    try:
        with caused_by(event.id, event.depth, rule["id"]):
            for index, action in enumerate(rule["actions"]):
                started = time.perf_counter()
                step = {"index": index, "type": action["type"]}
                steps.append(step)
                step["detail"] = await ACTIONS[action["type"]](ctx, action)
                step.update(status="OK", ms=round((time.perf_counter() - started) * 1000, 1))
                # Later actions see what earlier ones did (e.g. notify the owner just assigned).
                ctx = replace(ctx, values=await record_values(event.record_type, event.record_id) or ctx.values)
    except Exception as exc:  # noqa: BLE001 - any failure of a rule is recorded on its run, never fatal to others
        await conn.execute_query("ROLLBACK TO SAVEPOINT automation_rule")
        steps[-1].update(status="FAILED", error=_message(exc))
        await _finish(run_id, "FAILED", f"step {len(steps) - 1} ({steps[-1]['type']}) failed: {_message(exc)}", steps)
        return
    await conn.execute_query("RELEASE SAVEPOINT automation_rule")
    await _finish(run_id, "SUCCEEDED", None, steps)


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        errors = getattr(exc, "field_errors", None)
        return str(exc) + ("" if not errors else ": " + "; ".join(f"{e.field} {e.code}" for e in errors))
    return f"{type(exc).__name__}: {exc}"[:500]


def _acting_for(rule: dict[str, Any]) -> Principal:
    """Rules act with full rights, in the name of whoever last saved them (the audit trail's actor)."""
    return Principal(tenant_id=current_tenant_id(), user_id=rule["updated_by"] or rule["created_by"], role=Role.ADMIN,
                     kind=CredentialKind.SESSION, credential_id=rule["id"])


async def _actor(actor_id: uuid.UUID | None) -> dict[str, Any]:
    if actor_id is None:
        return {}
    rows = await tenant_connection().execute_query_dict(
        "SELECT user_id AS id, role FROM membership WHERE tenant_id = $1 AND user_id = $2", [current_tenant_id(), actor_id])
    return {"id": str(actor_id), "role": rows[0]["role"]} if rows else {"id": str(actor_id)}

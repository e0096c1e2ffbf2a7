"""Firing SLA timers (called by `tessera scheduler`): each due timer of the tenant is claimed
(`FOR UPDATE SKIP LOCKED`, marked fired) and its event written to the outbox in the same
transaction, so a warning, breach or escalation level is emitted exactly once: a scheduler killed
mid-pass rolls back and leaves its timers to the next pass, and two schedulers never claim the
same timer.

Events (record type Ticket, for automations and webhooks), each with `changes` describing it:
- `Ticket.sla_warning`: `{"target": "RESOLUTION", "dueAt": "..."}` at the warning share;
- `Ticket.sla_breached`: the same at the due time (the clock keeps `breached_at`);
- `Ticket.sla_escalated`: `{"level": 2, "notified": ["<user id>", ...], "problem": null | "..."}`
  after notifying the level's recipients in the app."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from domain.events import emit
from domain.notifications import notify_users_translated
from domain.service_levels.escalations import recipients
from tenants.context import current_tenant_id, tenant_connection, tenant_transaction

BATCH = 500  # timers claimed per transaction (SLA_TIMER_BATCH); the scheduler repeats while batches come back full


async def claim_due(now: datetime, limit: int = BATCH) -> list[dict[str, Any]]:
    """Lock and mark fired the current tenant's timers due at `now`, earliest first."""
    return await tenant_connection().execute_query_dict(
        "UPDATE sla_timer SET fired_at = $2 WHERE tenant_id = $1 AND id IN ("
        "  SELECT id FROM sla_timer WHERE tenant_id = $1 AND fired_at IS NULL AND due_at <= $2 "
        "  ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
        "RETURNING ticket_id, occasion, due_at",
        [current_tenant_id(), now, limit],
    )


async def fire_due(now: datetime, limit: int = BATCH) -> int:
    """One batch for the current tenant, in the caller's transaction; returns how many timers it claimed."""
    timers = await claim_due(now, limit)
    if not timers:
        return 0
    tickets = await _tickets([t["ticket_id"] for t in timers])
    events: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
    breached: list[tuple[uuid.UUID, datetime]] = []
    for timer in timers:
        ticket = tickets.get(timer["ticket_id"])
        if ticket is None:  # deleted since: nothing to warn about
            continue
        kind, _, rest = timer["occasion"].partition(".")
        if kind == "escalation":
            events.append((ticket["id"], "sla_escalated", await _escalate(ticket, int(rest))))
            continue
        target = kind.upper()
        change = {"target": target, "dueAt": timer["due_at"].isoformat()}
        if timer["occasion"].endswith(".breach"):
            events.append((ticket["id"], "sla_breached", change))
            breached.append((ticket["id"], timer["due_at"]))
        else:
            events.append((ticket["id"], "sla_warning", change))
    if breached:
        await tenant_connection().execute_query(
            "UPDATE ticket_sla s SET breached_at = coalesce(s.breached_at, b.at) "
            "FROM unnest($2::uuid[], $3::timestamptz[]) AS b(ticket_id, at) WHERE s.tenant_id = $1 AND s.ticket_id = b.ticket_id",
            [current_tenant_id(), [b[0] for b in breached], [b[1] for b in breached]],
        )
    await emit("Ticket", events, actor_id=None)
    return len(timers)


async def _tickets(ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT t.id, t.subject, t.owner_id, t.team_id, s.escalations FROM ticket t "
        "JOIN ticket_sla s ON s.tenant_id = t.tenant_id AND s.ticket_id = t.id "
        "WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[]) AND t.deleted_at IS NULL",
        [current_tenant_id(), list(set(ids))],
    )
    return {row["id"]: row for row in rows}


async def _escalate(ticket: dict[str, Any], level_number: int) -> dict[str, Any]:
    levels = ticket["escalations"]
    levels = json.loads(levels) if isinstance(levels, str) else levels or []
    level = next((lv for lv in levels if int(lv["level"]) == level_number), None)
    if level is None:
        return {
            "level": level_number,
            "notified": [],
            "problem": "the policy no longer has this level",
        }
    users, problem = await recipients(level, ticket)
    notified = await notify_users_translated(
        users,
        key="sla_escalated",
        params={"level": level_number, "subject": ticket["subject"]},
        record_type="Ticket",
        record_id=ticket["id"],
    )
    if users and not notified:
        problem = "the users to notify are not members of the tenant"
    return {
        "level": level_number,
        "notified": [str(u) for u in users] if notified else [],
        "problem": problem,
    }


async def fire_tenant_timers(tenant_id: uuid.UUID, now: datetime, *, batch: int = BATCH) -> int:
    """Every SLA timer of the tenant due at `now`, `batch` per transaction; how many fired."""
    fired = 0
    while True:
        async with tenant_transaction(tenant_id):
            claimed = await fire_due(now, batch)
        fired += claimed
        if claimed < batch:
            return fired

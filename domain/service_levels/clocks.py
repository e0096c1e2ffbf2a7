"""Each ticket's SLA clock (a `ticket_sla` row), moved by what happens to the ticket, in the
transaction of that change:

- created: the first matching policy starts the clock at that moment;
- fields changed: the policy is chosen again, and if it differs the clock is re-targeted from the
  ticket's start (history: which fields moved it, from which policy to which);
- first response: acceptance (NEW -> ACCEPTED) or a public reply activity (EMAIL, CALL, MEETING
  logged on the ticket; a NOTE is internal and never counts);
- WAITING_ON_CUSTOMER pauses the clock and ends a running next-response round; leaving it
  resumes the clock (due times move by the paused business time) and, the customer having
  answered, opens a next-response round;
- RESOLVED or CLOSED stops it; a reopen resumes it (the time spent resolved counts as paused).

Every change that moves a due time writes a history row saying why, and re-plans the ticket's
timers (domain/service_levels/timers.py)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from domain.automation.targets import values_of_row
from domain.calendars import BusinessCalendar, business_time_between
from domain.crm.tickets import TICKET_SPEC
from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.service_levels import clock
from domain.service_levels.calendar import calendar_named
from domain.service_levels.deadlines import deadlines
from domain.service_levels.policies import enabled_policies, matching_policy
from domain.service_levels.timers import replan_timers
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

POLICY_COLUMNS = (
    "calendar",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warning_percent",
    "escalations",
)
STATE_COLUMNS = (
    "policy_id",
    "policy_version",
    *POLICY_COLUMNS,
    "started_at",
    "paused_at",
    "paused_business_seconds",
    "first_response_due_at",
    "first_response_warn_at",
    "first_responded_at",
    "next_response_since",
    "next_response_round",
    "next_response_due_at",
    "next_response_warn_at",
    "resolution_due_at",
    "resolution_warn_at",
    "resolved_at",
    "breached_at",
)
DUE_COLUMNS = ("first_response_due_at", "next_response_due_at", "resolution_due_at")
PUBLIC_REPLY_KINDS = frozenset({"EMAIL", "CALL", "MEETING"})
STOPPED = frozenset({"RESOLVED", "FOLLOWED_UP", "CLOSED"})
# Ticket fields whose change may select another policy; others never re-target.
_IGNORED = {
    "version",
    "updated_at",
    "updated_by",
    "created_at",
    "created_by",
    "status",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "satisfaction_score",
    "description",
    "subject",
}


async def calendar_of(state: dict[str, Any]) -> BusinessCalendar:
    """The clock's calendar; a calendar removed from the settings since counts as 24x7."""
    try:
        return await calendar_named(state["calendar"])
    except NotFound:
        return await calendar_named(None)


def _with_policy(state: dict[str, Any], policy: dict[str, Any] | None) -> dict[str, Any]:
    state = {
        **state,
        "policy_id": policy["id"] if policy else None,
        "policy_version": policy["version"] if policy else None,
    }
    for column in POLICY_COLUMNS:
        state[column] = policy[column] if policy else None
    state["warning_percent"] = state["warning_percent"] or 75
    state["escalations"] = state["escalations"] or []
    return state


async def _save(
    ticket: dict[str, Any],
    state: dict[str, Any],
    *,
    reason: str | None,
    detail: str | None,
    actor_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    """Recompute due times, store the clock, write the history row, re-plan the timers."""
    calendar = await calendar_of(state)
    state.update(
        deadlines(calendar, state)
        if state["policy_id"]
        else {
            c: None
            for c in (
                "first_response_due_at",
                "first_response_warn_at",
                "next_response_due_at",
                "next_response_warn_at",
                "resolution_due_at",
                "resolution_warn_at",
            )
        }
    )
    values = [state[c] if c != "escalations" else json.dumps(state[c]) for c in STATE_COLUMNS]
    marks = ", ".join(
        f"${n + 3}{'::jsonb' if c == 'escalations' else ''}" for n, c in enumerate(STATE_COLUMNS)
    )
    await tenant_connection().execute_query(
        f"INSERT INTO ticket_sla (tenant_id, ticket_id, {', '.join(STATE_COLUMNS)}) VALUES ($1, $2, {marks}) "
        f"ON CONFLICT (tenant_id, ticket_id) DO UPDATE SET "
        f"{', '.join(f'{c} = EXCLUDED.{c}' for c in STATE_COLUMNS)}, updated_at = now()",
        [current_tenant_id(), ticket["id"], *values],
    )
    if reason is not None:
        await tenant_connection().execute_query(
            "INSERT INTO ticket_sla_history (tenant_id, id, ticket_id, at, reason, detail, policy_id, first_response_due_at, "
            "next_response_due_at, resolution_due_at, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                current_tenant_id(),
                new_id(),
                ticket["id"],
                now,
                reason,
                detail,
                state["policy_id"],
                state["first_response_due_at"],
                state["next_response_due_at"],
                state["resolution_due_at"],
                actor_id,
            ],
        )
    await replan_timers(ticket["id"], state, calendar)
    return state


async def _load(ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        f"SELECT ticket_id, {', '.join(STATE_COLUMNS)} FROM ticket_sla WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) "
        "FOR UPDATE",
        [current_tenant_id(), ticket_ids],
    )
    for row in rows:
        if isinstance(row["escalations"], str):
            row["escalations"] = json.loads(row["escalations"])
    return {row.pop("ticket_id"): row for row in rows}


def _blank(now: datetime) -> dict[str, Any]:
    state: dict[str, Any] = dict.fromkeys(STATE_COLUMNS)
    state.update(
        started_at=now,
        paused_business_seconds=0.0,
        next_response_round=0,
        warning_percent=75,
        escalations=[],
    )
    return state


def _policy_name(policy: dict[str, Any] | None) -> str:
    return f"policy {policy['name']!r}" if policy else "no policy"


async def opened(rows: list[dict[str, Any]], principal: Principal) -> None:
    """Start the clocks of new tickets with the first policy that matches each."""
    policies = await enabled_policies()
    now = clock.now()
    for row in rows:
        policy = await matching_policy(policies, values_of_row(TICKET_SPEC, dict(row)))
        await _save(
            row,
            _with_policy(_blank(now), policy),
            reason="STARTED",
            detail=_policy_name(policy),
            actor_id=principal.user_id,
            now=now,
        )


async def fields_changed(
    rows: list[dict[str, Any]], changed: list[set[str]], principal: Principal
) -> None:
    """Choose the policy again for tickets whose matching fields changed; a different policy
    re-targets the clock from the ticket's start."""
    relevant = [
        (row, names - _IGNORED)
        for row, names in zip(rows, changed, strict=True)
        if names - _IGNORED
    ]
    if not relevant:
        return
    policies = await enabled_policies()
    states = await _load([row["id"] for row, _ in relevant])
    now = clock.now()
    for row, names in relevant:
        state = states.get(row["id"]) or _blank(row["created_at"])
        policy = await matching_policy(policies, values_of_row(TICKET_SPEC, dict(row)))
        if (policy["id"] if policy else None) == state["policy_id"]:
            continue
        old = state["policy_id"]
        detail = f"{', '.join(sorted(names))} changed: {'policy' if old else 'no policy'} -> {_policy_name(policy)}"
        await _save(
            row,
            _with_policy(state, policy),
            reason="RETARGETED",
            detail=detail,
            actor_id=principal.user_id,
            now=now,
        )


async def status_moved(ticket: dict[str, Any], old: str, new: str, principal: Principal) -> None:
    """Move the ticket's clock along with its status."""
    states = await _load([ticket["id"]])
    state = states.get(ticket["id"])
    if state is None:
        return
    now = clock.now()
    calendar = await calendar_of(state)
    events: list[tuple[str, str | None]] = []
    if old == "WAITING_ON_CUSTOMER" and state["paused_at"] is not None:
        _unpause(state, calendar, now)
        events.append(("RESUMED", "the customer answered"))
        if state["next_response_minutes"] and new not in STOPPED:
            state["next_response_round"] += 1
            state["next_response_since"] = now
            events.append(("NEXT_RESPONSE_STARTED", f"round {state['next_response_round']}"))
    if old == "NEW" and new == "ACCEPTED" and state["first_responded_at"] is None:
        state["first_responded_at"] = now
        events.append(("FIRST_RESPONSE", "accepted"))
    if new == "WAITING_ON_CUSTOMER":
        state["next_response_since"] = None  # asking the customer answers them
        state["paused_at"] = now
        events.append(("PAUSED", "waiting on the customer"))
    if new in STOPPED and state["resolved_at"] is None:
        state["resolved_at"] = now
        state["next_response_since"] = None
        events.append(("STOPPED", new.lower()))
    if old in STOPPED and new not in STOPPED and state["resolved_at"] is not None:
        state["paused_business_seconds"] += business_time_between(
            calendar, state["resolved_at"], now
        ).total_seconds()
        state["resolved_at"] = None
        events.append(("REOPENED", "the time spent resolved counts as paused"))
    if events:
        await _save(
            ticket,
            state,
            reason=events[-1][0],
            detail="; ".join(f"{r.lower()}: {d}" for r, d in events if d),
            actor_id=principal.user_id,
            now=now,
        )


def _unpause(state: dict[str, Any], calendar: BusinessCalendar, now: datetime) -> None:
    state["paused_business_seconds"] += business_time_between(
        calendar, state["paused_at"], now
    ).total_seconds()
    state["paused_at"] = None


async def replied(ticket_id: uuid.UUID, kind: str, principal: Principal) -> None:
    """An agent's activity on the ticket: a public one (email, call, meeting) is a response."""
    if kind not in PUBLIC_REPLY_KINDS:
        return
    state = (await _load([ticket_id])).get(ticket_id)
    if state is None or (
        state["first_responded_at"] is not None and state["next_response_since"] is None
    ):
        return
    now = clock.now()
    reasons = []
    if state["first_responded_at"] is None:
        state["first_responded_at"] = now
        reasons.append("FIRST_RESPONSE")
    if state["next_response_since"] is not None:
        if state["next_response_due_at"] is not None and now > state["next_response_due_at"]:
            state["breached_at"] = (
                state["breached_at"] or now
            )  # a late next response stays a breach
        state["next_response_since"] = None
        reasons.append("NEXT_RESPONSE")
    await _save(
        {"id": ticket_id},
        state,
        reason=reasons[-1],
        detail=f"public {kind.lower()} reply",
        actor_id=principal.user_id,
        now=now,
    )


async def clocks_of(ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each ticket's stored clock with its policy's name (for reading; no lock)."""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT s.ticket_id, {', '.join('s.' + c for c in STATE_COLUMNS)}, p.name AS policy_name FROM ticket_sla s "
        "LEFT JOIN sla_policy p ON p.tenant_id = s.tenant_id AND p.id = s.policy_id "
        "WHERE s.tenant_id = $1 AND s.ticket_id = ANY($2::uuid[])",
        [current_tenant_id(), ticket_ids],
    )
    return {row["ticket_id"]: row for row in rows}


async def history_of(ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each ticket's clock history, oldest first."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT ticket_id, at, reason, detail, policy_id, first_response_due_at, next_response_due_at, resolution_due_at, "
        "actor_id FROM ticket_sla_history WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) ORDER BY at, id",
        [current_tenant_id(), ticket_ids],
    )
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = {ticket_id: [] for ticket_id in ticket_ids}
    for row in rows:
        grouped[row["ticket_id"]].append(row)
    return grouped

"""SLA timers: the warnings, breaches and escalation levels a ticket's clock has coming, as rows of
`sla_timer` (indexed on (tenant_id, due_at) for the unfired ones).

Each occasion ('first_response.warning', 'next_response.2.breach', 'escalation.1', ...) exists
once per ticket. Re-planning (the clock moved) deletes the unfired timers and inserts the ones
the new state needs, skipping occasions already fired: a warning, breach or level fires once,
however often the clock moves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.calendars import BusinessCalendar
from domain.service_levels.deadlines import escalation_times
from domain.service_levels.status import running_targets
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id


def occasions(state: dict[str, Any], calendar: BusinessCalendar) -> dict[str, datetime]:
    """{occasion: due time} of everything the clock has coming (nothing while paused or stopped)."""
    planned: dict[str, datetime] = {}
    running = running_targets(state)
    for target in running:
        name = (
            f"next_response.{state['next_response_round']}" if target == "next_response" else target
        )
        planned[f"{name}.warning"] = state[f"{target}_warn_at"]
        planned[f"{name}.breach"] = state[f"{target}_due_at"]
    if "resolution" in running:
        for level, at in escalation_times(calendar, state).items():
            planned[f"escalation.{level}"] = at
    return planned


async def replan_timers(
    ticket_id: uuid.UUID, state: dict[str, Any], calendar: BusinessCalendar
) -> None:
    planned = occasions(state, calendar)
    conn = tenant_connection()
    await conn.execute_query(
        "DELETE FROM sla_timer WHERE tenant_id = $1 AND ticket_id = $2 AND fired_at IS NULL",
        [current_tenant_id(), ticket_id],
    )
    if planned:
        await conn.execute_query(
            "INSERT INTO sla_timer (tenant_id, id, ticket_id, occasion, due_at) "
            "SELECT $1, t.id, $2, t.occasion, t.due_at FROM unnest($3::uuid[], $4::text[], $5::timestamptz[]) "
            "AS t(id, occasion, due_at) ON CONFLICT (tenant_id, ticket_id, occasion) DO NOTHING",
            [
                current_tenant_id(),
                ticket_id,
                [new_id() for _ in planned],
                list(planned),
                list(planned.values()),
            ],
        )

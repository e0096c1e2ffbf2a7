"""A clock's status at an instant, from its stored state (a few comparisons, no arithmetic):

- BREACHED: a breach was fired, a running target's due time has passed, or a target was met late;
- MET: the ticket is resolved (or closed) with every target met in time;
- PAUSED: the ticket waits on the customer;
- AT_RISK: a running target has passed its warning share;
- ON_TRACK: otherwise."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _late(done: datetime | None, due: datetime | None) -> bool:
    return done is not None and due is not None and done > due


def running_targets(state: dict[str, Any]) -> list[str]:
    """The targets whose clock runs now (none while paused or resolved)."""
    if (
        state["paused_at"] is not None
        or state["resolved_at"] is not None
        or state["policy_id"] is None
    ):
        return []
    running = []
    if state["first_responded_at"] is None and state["first_response_due_at"] is not None:
        running.append("first_response")
    if state["next_response_since"] is not None and state["next_response_due_at"] is not None:
        running.append("next_response")
    if state["resolution_due_at"] is not None:
        running.append("resolution")
    return running


def sla_status(state: dict[str, Any], now: datetime) -> str:
    running = running_targets(state)
    breached = (
        state["breached_at"] is not None
        or _late(state["first_responded_at"], state["first_response_due_at"])
        or _late(state["resolved_at"], state["resolution_due_at"])
        or any(state[f"{target}_due_at"] <= now for target in running)
    )
    if breached:
        return "BREACHED"
    if state["resolved_at"] is not None:
        return "MET"
    if state["paused_at"] is not None:
        return "PAUSED"
    if any(state[f"{target}_warn_at"] <= now for target in running):
        return "AT_RISK"
    return "ON_TRACK"

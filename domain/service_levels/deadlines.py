"""Due and warning times of a clock, from its stored state: pure calendar arithmetic, done when a
clock starts, is re-targeted, resumes or opens a next-response round; never when it is read.

A target of N minutes runs from the clock's start (the ticket's creation) in business time of
the policy's calendar; the business time the clock has spent paused (waiting on the customer,
or resolved until reopened) is added, so a pause moves the due times by exactly its length. The
warning comes at `warning_percent` of the target. A next response runs from the customer's
reply (`next_response_since`), with no pause inside a round (asking the customer ends it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.calendars import BusinessCalendar, add_business_time


def _due(
    calendar: BusinessCalendar, start: datetime, minutes: int, share: float, paused: timedelta
) -> tuple[datetime, datetime]:
    target = timedelta(minutes=minutes)
    return (
        add_business_time(calendar, start, target + paused),
        add_business_time(calendar, start, target * share + paused),
    )


def deadlines(calendar: BusinessCalendar, state: dict[str, Any]) -> dict[str, datetime | None]:
    """{first_response_due_at, first_response_warn_at, next_response_due_at, ..., resolution_warn_at}."""
    share = state["warning_percent"] / 100
    paused = timedelta(seconds=state["paused_business_seconds"])
    result: dict[str, datetime | None] = {}
    for target, start, pause in (
        ("first_response", state["started_at"], paused),
        ("resolution", state["started_at"], paused),
        ("next_response", state["next_response_since"], timedelta(0)),
    ):
        minutes = state[f"{target}_minutes"]
        if minutes is None or start is None:
            result[f"{target}_due_at"] = result[f"{target}_warn_at"] = None
        else:
            result[f"{target}_due_at"], result[f"{target}_warn_at"] = _due(
                calendar, start, minutes, share, pause
            )
    return result


def escalation_times(calendar: BusinessCalendar, state: dict[str, Any]) -> dict[int, datetime]:
    """{level: when it fires}: `afterMinutes` of business time past the resolution due time."""
    due = state["resolution_due_at"]
    if due is None:
        return {}
    return {
        int(level["level"]): add_business_time(
            calendar, due, timedelta(minutes=int(level.get("afterMinutes", 0)))
        )
        for level in state["escalations"] or []
    }

"""Escalation levels of a policy: after a ticket's resolution target is breached, level 1 tells
the assignee, level 2 the team's manager, level 3 a named user (each level's `notify` says whom),
each `afterMinutes` of business time past the breach, and each once per ticket.

A level is `{"level": 1, "afterMinutes": 0, "notify": "ASSIGNEE" | "TEAM_MANAGER" | "USER",
"userId": "<uuid>" (USER only)}`."""

from __future__ import annotations

import uuid
from typing import Any

from domain.errors import FieldError
from tenants.context import current_tenant_id, tenant_connection

NOTIFY = ("ASSIGNEE", "TEAM_MANAGER", "USER")
MAX_LEVELS = 3
MAX_AFTER_MINUTES = 366 * 24 * 60
_KEYS = {"level", "afterMinutes", "notify", "userId"}


def check_escalations(levels: Any, errors: list[FieldError]) -> None:
    """Field errors for malformed levels (paths `escalations.<n>.<key>`)."""
    if levels is None:
        return
    if not isinstance(levels, list) or len(levels) > MAX_LEVELS:
        errors.append(
            FieldError(
                "escalations", "INVALID_ESCALATIONS", f"a list of at most {MAX_LEVELS} levels"
            )
        )
        return
    seen: set[int] = set()
    for n, level in enumerate(levels):
        where = f"escalations.{n}"
        if not isinstance(level, dict):
            errors.append(FieldError(where, "INVALID_ESCALATIONS", "a level is an object"))
            continue
        for key in sorted(set(level) - _KEYS):
            errors.append(
                FieldError(f"{where}.{key}", "UNKNOWN_FIELD", "level, afterMinutes, notify, userId")
            )
        number = level.get("level")
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or not 1 <= number <= MAX_LEVELS
            or number in seen
        ):
            errors.append(
                FieldError(f"{where}.level", "INVALID_LEVEL", f"1 to {MAX_LEVELS}, each once")
            )
        else:
            seen.add(number)
        after = level.get("afterMinutes", 0)
        if (
            not isinstance(after, int)
            or isinstance(after, bool)
            or not 0 <= after <= MAX_AFTER_MINUTES
        ):
            errors.append(
                FieldError(
                    f"{where}.afterMinutes",
                    "OUT_OF_RANGE",
                    f"whole minutes from 0 to {MAX_AFTER_MINUTES}",
                )
            )
        if level.get("notify") not in NOTIFY:
            errors.append(FieldError(f"{where}.notify", "INVALID_CHOICE", ", ".join(NOTIFY)))
        if level.get("notify") == "USER":
            if not _is_uuid(level.get("userId")):
                errors.append(FieldError(f"{where}.userId", "REQUIRED", "the user to notify"))
        elif level.get("userId") is not None:
            errors.append(
                FieldError(f"{where}.userId", "NOT_ALLOWED", "only a USER level names a user")
            )


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
        return value is not None
    except ValueError:
        return False


async def recipients(
    level: dict[str, Any], ticket: dict[str, Any]
) -> tuple[list[uuid.UUID], str | None]:
    """Whom a level notifies for the ticket (its `owner_id`, `team_id` columns), and why nobody
    when the list is empty."""
    if level["notify"] == "ASSIGNEE":
        return (
            ([ticket["owner_id"]], None)
            if ticket["owner_id"]
            else ([], "the ticket has no assignee")
        )
    if level["notify"] == "USER":
        return [uuid.UUID(str(level["userId"]))], None
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT t.manager_id FROM team t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND t.manager_id IS NOT NULL "
        "AND (t.id = $2 OR ($2::uuid IS NULL AND t.id IN (SELECT m.team_id FROM team_member m "
        "WHERE m.tenant_id = $1 AND m.user_id = $3)))",
        [current_tenant_id(), ticket["team_id"], ticket["owner_id"]],
    )
    managers = [row["manager_id"] for row in rows]
    return (
        managers,
        None if managers else "neither the ticket's team nor its assignee's teams have a manager",
    )

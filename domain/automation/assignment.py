"""Assigning an owner by strategy: round robin within a team, the team member with the fewest open
records of the type, or an assignment table keyed by one of the record's fields (region, industry,
source channel, ...) with an optional default. Team strategies skip members who are away today and,
with `bySkill`, prefer those handling the record's category (domain/routing)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.context import Context
from domain.automation.targets import owner_field, spec_of, update_values
from domain.crm.teams import members_of
from domain.errors import FieldError, InvalidInput
from domain.records.global_ids import global_id
from domain.routing import eligible
from tenants.context import current_tenant_id, tenant_connection

STRATEGIES = ("round_robin", "least_open", "table")
MAX_TABLE_ROWS = 200


def _is_id(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def check_assign(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    strategy = action.get("strategy")
    if strategy not in STRATEGIES:
        errors.append(FieldError(f"{where}.strategy", "INVALID_CHOICE", ", ".join(STRATEGIES)))
    if (
        strategy != "table" or action.get("teamId") is not None
    ):  # a table may name a team to set too
        if not _is_id(action.get("teamId")):
            errors.append(FieldError(f"{where}.teamId", "INVALID_ID", "an id"))
    if "bySkill" in action and not isinstance(action["bySkill"], bool):
        errors.append(FieldError(f"{where}.bySkill", "INVALID_BOOLEAN", "true or false"))
    if strategy == "table":
        table = action.get("table")
        if not isinstance(action.get("field"), str):
            errors.append(
                FieldError(
                    f"{where}.field",
                    "REQUIRED",
                    "the field whose value picks the owner (e.g. region)",
                )
            )
        if not isinstance(table, dict) or not 1 <= len(table) <= MAX_TABLE_ROWS:
            errors.append(
                FieldError(
                    f"{where}.table", "REQUIRED", f"1 to {MAX_TABLE_ROWS} entries of value -> user"
                )
            )
        else:
            errors += [
                FieldError(f"{where}.table.{key}", "INVALID_ID", "a user id")
                for key, user in table.items()
                if not _is_id(user)
            ]
        if action.get("defaultUserId") is not None and not _is_id(action["defaultUserId"]):
            errors.append(FieldError(f"{where}.defaultUserId", "INVALID_ID", "a user id"))


async def assign_owner(ctx: Context, action: dict[str, Any]) -> str:
    team = uuid.UUID(str(action["teamId"])) if action.get("teamId") else None
    if action["strategy"] == "table":
        owner = _from_table(action, ctx.values.get(action["field"]))
        if owner is None:
            return f"no owner listed for {action['field']} {ctx.values.get(action['field'])!r}; owner unchanged"
    else:
        assert team is not None  # check_assign requires a team for every other strategy
        owner = await _from_team(
            ctx, action["strategy"], team, by_skill=action.get("bySkill") is True
        )
    values = {owner_field(ctx.record_type): owner}  # a ticket's owner is its assignee
    if team is not None:
        values["teamId"] = team
    await update_values(ctx.record_type, ctx.record_id, values, principal=ctx.principal)
    return f"owner {global_id('User', owner)}"


def _from_table(action: dict[str, Any], value: Any) -> uuid.UUID | None:
    """The table's user for the value (compared without case or surrounding spaces), else the default."""
    wanted = str(value).strip().lower() if value is not None else None
    for key, user in action["table"].items():
        if wanted is not None and key.strip().lower() == wanted:
            return uuid.UUID(str(user))
    return uuid.UUID(str(action["defaultUserId"])) if action.get("defaultUserId") else None


async def _from_team(
    ctx: Context, strategy: str, team: uuid.UUID, *, by_skill: bool = False
) -> uuid.UUID:
    everyone = sorted((await members_of([team])).get(team, []))
    if not everyone:
        raise InvalidInput(
            [FieldError("teamId", "EMPTY_TEAM", "the team has no members to assign")]
        )
    category = ctx.values.get("category")
    members = await eligible(
        everyone, category=category if isinstance(category, str) else None, by_skill=by_skill
    )
    if not members:
        raise InvalidInput(
            [FieldError("teamId", "NO_AVAILABLE_MEMBER", "every member of the team is away today")]
        )
    if strategy == "round_robin":
        rows = await tenant_connection().execute_query_dict(
            "INSERT INTO automation_counter (tenant_id, key, value) VALUES ($1, $2, 0) "
            "ON CONFLICT (tenant_id, key) DO UPDATE SET value = automation_counter.value + 1 RETURNING value",
            [current_tenant_id(), f"round_robin:{team}"],
        )
        chosen: uuid.UUID = members[rows[0]["value"] % len(members)]
        return chosen
    spec = await spec_of(ctx.record_type)
    # Open work only: a ticket counts until it is resolved (other types have no such end here).
    still_open = (
        " AND status NOT IN ('RESOLVED', 'FOLLOWED_UP', 'CLOSED')"
        if ctx.record_type == "Ticket"
        else ""
    )
    rows = await tenant_connection().execute_query_dict(
        f"SELECT owner_id, count(*) AS n FROM {spec.table} WHERE tenant_id = $1 AND owner_id = ANY($2::uuid[]) "
        f"AND deleted_at IS NULL{still_open} GROUP BY owner_id",
        [current_tenant_id(), members],
    )
    load = {row["owner_id"]: row["n"] for row in rows}
    return min(members, key=lambda member: (load.get(member, 0), member))

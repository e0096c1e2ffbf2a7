"""What a process names, checked against the tenant when it is saved (in the tenant's transaction,
so another tenant's ids are simply not found): fields of the object, users, teams and roles that
must resolve to somebody, ids compared in conditions, and the final-outcome actions checked as
automation actions (so they cannot fail at every outcome)."""

from __future__ import annotations

from typing import Any

from domain.automation.actions import check_actions
from domain.automation.outbound_actions import check_destinations
from domain.automation.references import check_rule_references
from domain.automation.related import check_related, id_reference
from domain.automation.targets import field_names
from domain.errors import FieldError
from domain.identity.principal import Principal
from domain.records.naming import CLIENT_CUSTOM_FIELDS_PREFIX
from domain.records.service import check_named_ids
from domain.records.spec import MEMBER, TEAM, Reference
from tenants.context import current_tenant_id, tenant_connection

# What a final outcome may do: change the record, tell people, leave a task.
OUTCOME_ACTIONS = (
    "update_fields",
    "change_stage",
    "add_tags",
    "remove_tags",
    "notify",
    "send_email",
    "post_message",
    "create_task",
)


def moved(errors: list[FieldError], old: str, new: str) -> list[FieldError]:
    """Errors found under `old` (e.g. `conditions`) named under `new` (e.g. `steps.1.condition`)."""
    return [
        FieldError(
            new + e.field[len(old) :]
            if e.field == old or e.field.startswith(old + ".")
            else e.field,
            e.code,
            e.message,
        )
        for e in errors
    ]


async def check_condition(
    object_name: str, tree: Any, where: str, errors: list[FieldError], principal: Principal
) -> None:
    """Relations and ids of a well-formed condition tree (its shape was checked already)."""
    if tree is None or any(e.field == where or e.field.startswith(where + ".") for e in errors):
        return
    found: list[FieldError] = []
    await check_related(object_name, tree, found)
    await check_rule_references(object_name, tree, None, found, principal=principal)
    errors += moved(found, "conditions", where)


async def check_outcome(
    object_name: str, actions: Any, where: str, errors: list[FieldError], principal: Principal
) -> None:
    """A final outcome: a list (maybe empty) of automation actions of the kinds OUTCOME_ACTIONS."""
    if not isinstance(actions, list):
        errors.append(FieldError(where, "INVALID_ACTIONS", "a list of actions"))
        return
    if not actions:
        return
    found: list[FieldError] = []
    for index, action in enumerate(actions):
        if isinstance(action, dict) and action.get("type") not in OUTCOME_ACTIONS:
            found.append(
                FieldError(
                    f"actions.{index}.type",
                    "INVALID_CHOICE",
                    f"one of {', '.join(OUTCOME_ACTIONS)}",
                )
            )
    if not found:
        check_actions(actions, found)
        await check_destinations(actions, found)
    if not found:
        await check_rule_references(object_name, None, actions, found, principal=principal)
    errors += moved(found, "actions", where)


async def check_locked_fields(object_name: str, names: Any, errors: list[FieldError]) -> None:
    if not isinstance(names, list):
        errors.append(FieldError("lockedFields", "INVALID_VALUE", "a list of field names"))
        return
    known = await field_names(object_name) or set()
    for index, name in enumerate(names):
        if not isinstance(name, str) or (
            name not in known and not name.startswith(CLIENT_CUSTOM_FIELDS_PREFIX)
        ):
            errors.append(
                FieldError(
                    f"lockedFields.{index}", "UNKNOWN_FIELD", f"{object_name} has no field {name}"
                )
            )


async def check_approvers(
    object_name: str, steps: list[dict[str, Any]], errors: list[FieldError], principal: Principal
) -> None:
    """Approvers that would resolve to nobody: unknown users or teams, a team without members, a
    role nobody has, a field that holds no user."""
    named: list[tuple[str, Reference, Any]] = []
    for index, step in enumerate(steps):
        for position, approver in enumerate(step.get("approvers") or []):
            at = f"steps.{index}.approvers.{position}"
            if any(e.field.startswith(at) for e in errors):
                continue
            kind = approver["kind"]
            if kind == "USERS":
                named += [
                    (f"{at}.userIds.{n}", MEMBER, user)
                    for n, user in enumerate(approver["userIds"])
                ]
            elif kind == "TEAM":
                named.append((f"{at}.teamId", TEAM, approver["teamId"]))
            elif kind == "ROLE" and not await _count(
                "SELECT count(*) AS n FROM membership WHERE tenant_id = $1 AND role = $2",
                approver["role"],
            ):
                errors.append(
                    FieldError(
                        f"{at}.role", "NO_APPROVERS", f"nobody has the role {approver['role']}"
                    )
                )
            elif (
                kind == "USER_FIELD"
                and await id_reference(object_name, approver["field"]) != MEMBER
            ):
                errors.append(
                    FieldError(
                        f"{at}.field",
                        "NOT_A_USER_FIELD",
                        f"{object_name} has no user field {approver['field']}",
                    )
                )
    found = await check_named_ids(named, principal)
    errors += found
    for where, ref, value in named:
        if (
            ref is TEAM
            and not any(e.field == where for e in found)
            and not await _count(
                "SELECT count(*) AS n FROM team_member m JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id "
                "WHERE m.tenant_id = $1 AND m.team_id = $2::uuid AND t.deleted_at IS NULL",
                str(value),
            )
        ):
            errors.append(FieldError(where, "NO_APPROVERS", "the team has no members"))


async def _count(sql: str, value: Any) -> int:
    rows = await tenant_connection().execute_query_dict(sql, [current_tenant_id(), value])
    return int(rows[0]["n"])

"""The ids and values a rule names, resolved when it is saved, in the tenant's transaction (so
another tenant's ids are simply not found): the team and users of an assignment, the users a
notification or an email goes to, ids compared in conditions (`ownerId`, `customer.id`, ...), and
the values `update_fields` and `create_record` write (checked like a write, without writing).
Without this a rule would be saved and then fail, or act on nothing, at every run."""

from __future__ import annotations

from typing import Any

from domain.automation.related import id_reference
from domain.automation.targets import check_values, known_type
from domain.errors import FieldError
from domain.identity.principal import Principal
from domain.records.service import check_named_ids
from domain.records.spec import MEMBER, TEAM, Reference

ID_OPS = ("eq", "neq", "in", "notIn")
APPROVAL_PROCESS = Reference("approval_process", label="approval process")


async def check_rule_references(
    object_name: str,
    conditions: Any,
    actions: Any,
    errors: list[FieldError],
    *,
    principal: Principal,
) -> None:
    """Field errors (NOT_FOUND, INVALID_ID, or the write's own) for what a well-formed rule names;
    parts already in `errors` for their shape are left alone."""
    wanted: list[tuple[str, Reference, Any]] = []  # (where, what it must be, the value)
    if conditions is not None and not _has_errors(errors, "conditions"):
        await _condition_ids(object_name, conditions, "conditions", wanted)
    for index, action in enumerate(
        actions
        if isinstance(actions, list) and not _has_errors(errors, "actions", deep=False)
        else []
    ):
        where = f"actions.{index}"
        if not _has_errors(errors, where):
            wanted += _action_ids(action, where)
            errors += await _action_values(object_name, action, where, principal)
    errors += await check_named_ids(wanted, principal)


def _has_errors(errors: list[FieldError], where: str, *, deep: bool = True) -> bool:
    return any(e.field == where or (deep and e.field.startswith(where + ".")) for e in errors)


def _action_ids(action: dict[str, Any], where: str) -> list[tuple[str, Reference, Any]]:
    ids: list[tuple[str, Reference, Any]] = []
    if action.get("type") == "assign_owner":
        if action.get("teamId") is not None:
            ids.append((f"{where}.teamId", TEAM, action["teamId"]))
        ids += [
            (f"{where}.table.{key}", MEMBER, user)
            for key, user in (action.get("table") or {}).items()
        ]
        if action.get("defaultUserId") is not None:
            ids.append((f"{where}.defaultUserId", MEMBER, action["defaultUserId"]))
    if action.get("type") == "submit_for_approval" and action.get("processId") is not None:
        ids.append((f"{where}.processId", APPROVAL_PROCESS, action["processId"]))
    if action.get("type") in ("notify", "send_email") and action.get("to") == "users":
        ids += [
            (f"{where}.userIds.{n}", MEMBER, user)
            for n, user in enumerate(action.get("userIds") or [])
        ]
    return ids


async def _action_values(
    object_name: str, action: dict[str, Any], where: str, principal: Principal
) -> list[FieldError]:
    """update_fields and create_record values, checked as the write at run time will check them;
    `{{field}}` placeholders are filled in only then."""
    kind = action.get("type")
    if kind not in ("update_fields", "create_record"):
        return []
    target = object_name if kind == "update_fields" else str(action.get("object"))
    if not await known_type(target):
        return [
            FieldError(
                f"{where}.object",
                "UNKNOWN_OBJECT",
                "a standard type (Lead, Customer, ...) or a custom object",
            )
        ]
    values = action["values"]
    later = frozenset(
        name for name, value in values.items() if isinstance(value, str) and "{{" in value
    )
    problems = await check_values(
        target, values, principal=principal, creating=kind == "create_record", later=later
    )
    return [FieldError(f"{where}.values.{e.field}", e.code, e.message) for e in problems]


async def _condition_ids(
    object_name: str, tree: Any, where: str, wanted: list[tuple[str, Reference, Any]]
) -> None:
    if not isinstance(tree, dict):
        return
    for key in ("all", "any"):
        for index, part in enumerate(tree.get(key) or []):
            await _condition_ids(object_name, part, f"{where}.{key}.{index}", wanted)
    if "not" in tree:
        await _condition_ids(object_name, tree["not"], f"{where}.not", wanted)
    if tree.get("op") not in ID_OPS or tree.get("value") is None:
        return
    if "actor" in tree:
        ref = MEMBER if tree["actor"] == "id" else None
    else:
        ref = await id_reference(object_name, str(tree.get("field", tree.get("previous"))))
    if ref is None:
        return
    if isinstance(tree["value"], list):
        wanted += [
            (f"{where}.value.{n}", ref, value)
            for n, value in enumerate(tree["value"])
            if value is not None
        ]
    else:
        wanted.append((f"{where}.value", ref, tree["value"]))

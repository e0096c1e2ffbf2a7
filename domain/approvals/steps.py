"""The shape of a process's steps, checked when the process is saved. A step:

    {"name": "Sales manager",
     "approvers": [{"kind": "USERS", "userIds": [...]} | {"kind": "ROLE", "role": "manager"}
                   | {"kind": "TEAM", "teamId": ...} | {"kind": "OWNER_MANAGER"}
                   | {"kind": "MANAGER_CHAIN", "levels": 2} | {"kind": "USER_FIELD", "field": "ownerId"}],
     "mode": "ALL" | "ANY",
     "condition": <condition tree> | null,       # the step is skipped unless it holds
     "onReject": "REJECT" | "PREVIOUS_STEP",
     "timeout": {"hours": 24, "remindAfterHours": 8, "action": "NONE" | "ESCALATE" | "APPROVE" | "REJECT",
                 "calendar": null} | null}       # hours are business hours of the tenant's calendar

What the approvers name (users, teams, fields) is checked against the tenant in references.py."""

from __future__ import annotations

from typing import Any

from domain.automation.conditions import check_conditions
from domain.errors import FieldError
from domain.identity.roles import Role

MAX_STEPS = 10
MAX_APPROVERS = 10
MAX_CHAIN = 5
MAX_TIMEOUT_HOURS = 24 * 365
APPROVER_KINDS = ("USERS", "ROLE", "TEAM", "OWNER_MANAGER", "MANAGER_CHAIN", "USER_FIELD")
MODES = ("ALL", "ANY")
ON_REJECT = ("REJECT", "PREVIOUS_STEP")
TIMEOUT_ACTIONS = ("NONE", "ESCALATE", "APPROVE", "REJECT")


def check_steps(steps: Any, errors: list[FieldError]) -> None:
    """Field errors (steps.N.key...) for every malformed step, all at once."""
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        errors.append(FieldError("steps", "INVALID_STEPS", f"between 1 and {MAX_STEPS} steps"))
        return
    for index, step in enumerate(steps):
        where = f"steps.{index}"
        if not isinstance(step, dict):
            errors.append(FieldError(where, "INVALID_STEP", "a step is an object"))
            continue
        if not 1 <= len(str(step.get("name") or "").strip()) <= 200:
            errors.append(FieldError(f"{where}.name", "REQUIRED", "a name of 1 to 200 characters"))
        _check_approvers(step.get("approvers"), f"{where}.approvers", errors)
        if step.get("mode") not in MODES:
            errors.append(
                FieldError(
                    f"{where}.mode",
                    "INVALID_CHOICE",
                    "ALL (everyone approves) or ANY (the first decision settles)",
                )
            )
        if step.get("onReject", "REJECT") not in ON_REJECT:
            errors.append(
                FieldError(f"{where}.onReject", "INVALID_CHOICE", "REJECT or PREVIOUS_STEP")
            )
        elif step.get("onReject") == "PREVIOUS_STEP" and index == 0:
            errors.append(
                FieldError(
                    f"{where}.onReject",
                    "NO_PREVIOUS_STEP",
                    "the first step has no previous step to go back to",
                )
            )
        if step.get("condition") is not None:
            check_conditions(step["condition"], errors, where=f"{where}.condition")
        if step.get("timeout") is not None:
            _check_timeout(step["timeout"], f"{where}.timeout", errors)


def _check_approvers(approvers: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(approvers, list) or not 1 <= len(approvers) <= MAX_APPROVERS:
        errors.append(
            FieldError(where, "REQUIRED", f"between 1 and {MAX_APPROVERS} kinds of approvers")
        )
        return
    for index, approver in enumerate(approvers):
        at = f"{where}.{index}"
        kind = approver.get("kind") if isinstance(approver, dict) else None
        if kind not in APPROVER_KINDS:
            errors.append(
                FieldError(f"{at}.kind", "INVALID_CHOICE", f"one of {', '.join(APPROVER_KINDS)}")
            )
        elif kind == "USERS" and (
            not isinstance(approver.get("userIds"), list) or not approver["userIds"]
        ):
            errors.append(FieldError(f"{at}.userIds", "REQUIRED", "at least one user"))
        elif kind == "ROLE" and approver.get("role") not in {role.value for role in Role}:
            errors.append(
                FieldError(
                    f"{at}.role", "INVALID_CHOICE", f"one of {', '.join(r.value for r in Role)}"
                )
            )
        elif kind == "TEAM" and not approver.get("teamId"):
            errors.append(FieldError(f"{at}.teamId", "REQUIRED", "the team whose members approve"))
        elif kind == "MANAGER_CHAIN" and (
            not isinstance(approver.get("levels"), int) or not 1 <= approver["levels"] <= MAX_CHAIN
        ):
            errors.append(
                FieldError(
                    f"{at}.levels",
                    "OUT_OF_RANGE",
                    f"1 to {MAX_CHAIN} levels above the record's owner",
                )
            )
        elif kind == "USER_FIELD" and not isinstance(approver.get("field"), str):
            errors.append(
                FieldError(f"{at}.field", "REQUIRED", "the record's field holding the approver")
            )


def _check_timeout(timeout: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(timeout, dict):
        errors.append(FieldError(where, "INVALID_TIMEOUT", "an object"))
        return
    hours, remind = timeout.get("hours"), timeout.get("remindAfterHours")
    if not _hours(hours):
        errors.append(
            FieldError(
                f"{where}.hours",
                "OUT_OF_RANGE",
                f"business hours after the step starts, more than 0, at most {MAX_TIMEOUT_HOURS}",
            )
        )
    if remind is not None and (not _hours(remind) or (_hours(hours) and remind >= hours)):
        errors.append(
            FieldError(
                f"{where}.remindAfterHours",
                "OUT_OF_RANGE",
                "business hours, more than 0 and before `hours`",
            )
        )
    if timeout.get("action", "NONE") not in TIMEOUT_ACTIONS:
        errors.append(
            FieldError(f"{where}.action", "INVALID_CHOICE", f"one of {', '.join(TIMEOUT_ACTIONS)}")
        )
    if timeout.get("calendar") is not None and not isinstance(timeout["calendar"], str):
        errors.append(
            FieldError(
                f"{where}.calendar",
                "INVALID_VALUE",
                "the name of a business calendar, or null for the default",
            )
        )


def _hours(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0 < value <= MAX_TIMEOUT_HOURS
    )

"""GraphQL types and inputs of approval process definitions. Steps are typed; conditions are the
automation condition tree (JSON), final outcomes automation actions (JSON)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.records.ids import decode_id, encode_id
from api.records.nodes import load_spec_nodes
from api.records.rule_ids import condition_ids_in, ids_in, ids_out
from domain.approvals.definitions import PROCESS_SPEC
from domain.errors import FieldError, InvalidInput


@strawberry.enum(description="Who approves a step")
class ApproverKind(Enum):
    USERS = "USERS"
    ROLE = "ROLE"
    TEAM = "TEAM"
    OWNER_MANAGER = "OWNER_MANAGER"
    MANAGER_CHAIN = "MANAGER_CHAIN"
    USER_FIELD = "USER_FIELD"


@strawberry.enum(
    description="ALL: every approver must approve (会签); ANY: the first decision settles the step (或签)"
)
class ApprovalMode(Enum):
    ALL = "ALL"
    ANY = "ANY"


@strawberry.enum(description="What a rejection at a step does")
class OnReject(Enum):
    REJECT = "REJECT"
    PREVIOUS_STEP = "PREVIOUS_STEP"


@strawberry.enum(description="What happens when a step's timeout passes undecided")
class TimeoutAction(Enum):
    NONE = "NONE"
    ESCALATE = "ESCALATE"
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.enum(
    description="MANUAL: people submit (rules may too); AUTOMATIC: only the automation action submit_for_approval"
)
class ApprovalStartMode(Enum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


@strawberry.input(description="One kind of approver; which settings count depends on `kind`")
class ApproverInput:
    kind: ApproverKind
    user_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="USERS: the users"
    )
    role: str | None = strawberry.field(
        default=None, description="ROLE: admin, manager, member, agent or viewer"
    )
    team_id: relay.GlobalID | None = strawberry.field(default=None, description="TEAM: its members")
    levels: int | None = strawberry.field(
        default=None, description="MANAGER_CHAIN: how many levels above the record's owner"
    )
    field: str | None = strawberry.field(
        default=None,
        description="USER_FIELD: the record's user field (ownerId, a USER custom field)",
    )


@strawberry.input
class ApprovalTimeoutInput:
    hours: float = strawberry.field(
        description="Business hours (the tenant's calendar) after the step starts"
    )
    remind_after_hours: float | None = strawberry.field(
        default=None, description="Remind the approvers after these business hours"
    )
    action: TimeoutAction = TimeoutAction.NONE
    calendar: str | None = strawberry.field(
        default=None, description="A business calendar's name; null for the tenant's default"
    )


@strawberry.input
class ApprovalStepInput:
    name: str
    approvers: list[ApproverInput]
    mode: ApprovalMode
    condition: JSON | None = strawberry.field(
        default=None, description="Skip the step unless this condition tree holds"
    )
    on_reject: OnReject = OnReject.REJECT
    timeout: ApprovalTimeoutInput | None = None


@strawberry.input
class CreateApprovalProcessInput:
    name: str
    object: str = strawberry.field(
        description="Customer, Contact, Lead, Opportunity, Ticket or a custom object's api name"
    )
    steps: list[ApprovalStepInput]
    description: str | None = None
    entry_criteria: JSON | None = strawberry.field(
        default=None, description="A condition tree the record must meet to enter"
    )
    start_mode: ApprovalStartMode = ApprovalStartMode.MANUAL
    lock_all: bool = strawberry.field(
        default=True, description="Lock every field while pending (else only lockedFields)"
    )
    locked_fields: list[str] | None = None
    on_approved: JSON | None = strawberry.field(
        default=None, description="Automation actions run when approved"
    )
    on_rejected: JSON | None = strawberry.field(
        default=None, description="Automation actions run when rejected"
    )
    enabled: bool = True


@strawberry.input
class UpdateApprovalProcessInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    description: str | None = UNSET
    steps: list[ApprovalStepInput] | None = UNSET
    entry_criteria: JSON | None = UNSET
    start_mode: ApprovalStartMode | None = UNSET
    lock_all: bool | None = UNSET
    locked_fields: list[str] | None = UNSET
    on_approved: JSON | None = UNSET
    on_rejected: JSON | None = UNSET
    enabled: bool | None = UNSET


_NAMES = {
    "name": "name",
    "description": "description",
    "steps": "steps",
    "entry_criteria": "entryCriteria",
    "start_mode": "startMode",
    "lock_all": "lockAll",
    "locked_fields": "lockedFields",
    "on_approved": "onApproved",
    "on_rejected": "onRejected",
    "enabled": "enabled",
    "object": "object",
}


def process_input(input: Any) -> dict[str, Any]:
    """The domain's definition from an input: enums as text, global ids as UUIDs (every bad id reported)."""
    given = {
        key: getattr(input, name)
        for name, key in _NAMES.items()
        if getattr(input, name, UNSET) is not UNSET
    }
    errors: list[FieldError] = []
    for key in ("startMode",):
        if isinstance(given.get(key), Enum):
            given[key] = given[key].value
    if "entryCriteria" in given:
        given["entryCriteria"] = condition_ids_in(given["entryCriteria"])
    for key in ("onApproved", "onRejected"):
        if key in given:
            given[key] = _actions_in(given[key], key, errors)
    if given.get("steps") is not None:
        given["steps"] = [
            _step(step, f"steps.{index}", errors) for index, step in enumerate(given["steps"])
        ]
    if errors:
        raise InvalidInput(errors)
    return given


def _actions_in(actions: Any, where: str, errors: list[FieldError]) -> Any:
    try:
        return ids_in(actions) if actions is not None else []
    except InvalidInput as exc:
        errors += [
            FieldError(where + e.field[len("actions") :], e.code, e.message)
            for e in exc.field_errors
        ]
        return []


def _step(step: ApprovalStepInput, where: str, errors: list[FieldError]) -> dict[str, Any]:
    approvers = []
    for index, approver in enumerate(step.approvers):
        at = f"{where}.approvers.{index}"
        item: dict[str, Any] = {"kind": approver.kind.value}
        if approver.user_ids is not None:
            item["userIds"] = [
                _id(user, "User", f"{at}.userIds.{n}", errors)
                for n, user in enumerate(approver.user_ids)
            ]
        if approver.team_id is not None:
            item["teamId"] = _id(approver.team_id, "Team", f"{at}.teamId", errors)
        for key in ("role", "levels", "field"):
            if getattr(approver, key) is not None:
                item[key] = getattr(approver, key)
        approvers.append(item)
    timeout = None
    if step.timeout is not None:
        timeout = {
            "hours": step.timeout.hours,
            "remindAfterHours": step.timeout.remind_after_hours,
            "action": step.timeout.action.value,
            "calendar": step.timeout.calendar,
        }
    return {
        "name": step.name,
        "approvers": approvers,
        "mode": step.mode.value,
        "condition": condition_ids_in(step.condition) if step.condition is not None else None,
        "onReject": step.on_reject.value,
        "timeout": timeout,
    }


def _id(value: relay.GlobalID, type_name: str, where: str, errors: list[FieldError]) -> str | None:
    try:
        return str(decode_id(value, expected=type_name, field=where))
    except InvalidInput as exc:
        errors += exc.field_errors
        return None


@strawberry.type(name="Approver")
class ApproverType:
    kind: ApproverKind
    user_ids: list[relay.GlobalID] | None
    role: str | None
    team_id: relay.GlobalID | None
    levels: int | None
    field: str | None


@strawberry.type(name="ApprovalTimeout")
class ApprovalTimeoutType:
    hours: float
    remind_after_hours: float | None
    action: TimeoutAction
    calendar: str | None


@strawberry.type(name="ApprovalStep")
class ApprovalStepType:
    index: int
    name: str
    approvers: list[ApproverType]
    mode: ApprovalMode
    condition: JSON | None
    on_reject: OnReject
    timeout: ApprovalTimeoutType | None

    @classmethod
    def from_dict(cls, index: int, step: dict[str, Any]) -> ApprovalStepType:
        timeout = step.get("timeout")
        return cls(
            index=index,
            name=step["name"],
            mode=ApprovalMode(step["mode"]),
            condition=step.get("condition"),
            on_reject=OnReject(step.get("onReject") or "REJECT"),
            approvers=[
                ApproverType(
                    kind=ApproverKind(a["kind"]),
                    user_ids=[encode_id("User", _uuid(u)) for u in a["userIds"]]
                    if a.get("userIds")
                    else None,
                    role=a.get("role"),
                    team_id=encode_id("Team", _uuid(a["teamId"])) if a.get("teamId") else None,
                    levels=a.get("levels"),
                    field=a.get("field"),
                )
                for a in step["approvers"]
            ],
            timeout=None
            if not timeout
            else ApprovalTimeoutType(
                hours=timeout["hours"],
                remind_after_hours=timeout.get("remindAfterHours"),
                action=TimeoutAction(timeout.get("action") or "NONE"),
                calendar=timeout.get("calendar"),
            ),
        )


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))


@strawberry.type(
    name="ApprovalProcess",
    description="How records of `object` are approved: entry criteria, locks, steps, outcomes",
)
class ApprovalProcessType(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    object: str
    description: str | None
    entry_criteria: JSON | None
    start_mode: ApprovalStartMode
    lock_all: bool
    locked_fields: list[str]
    on_approved: JSON
    on_rejected: JSON
    steps: list[ApprovalStepType]
    enabled: bool
    version: int = strawberry.field(
        description="Send it back with updates; each request keeps the version it started on"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, PROCESS_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApprovalProcessType:
        return cls(
            node_id=str(row["id"]),
            name=row["name"],
            object=row["object"],
            description=row["description"],
            entry_criteria=row["entry_criteria"],
            start_mode=ApprovalStartMode(row["start_mode"]),
            lock_all=row["lock_all"],
            locked_fields=list(row["locked_fields"] or []),
            on_approved=ids_out(row["on_approved"] or []),
            on_rejected=ids_out(row["on_rejected"] or []),
            steps=[ApprovalStepType.from_dict(i, s) for i, s in enumerate(row["steps"] or [])],
            enabled=row["enabled"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

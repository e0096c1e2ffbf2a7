"""Approval requests: submitting a record, approving and rejecting (by approvers, their delegates,
or an admin who says so), recalling, reassigning. Each call locks the request's row first, so two
approvers deciding at once are decided one after the other: on an ANY step the second is told it
is already decided; on an ALL step the last approval completes the step exactly once; the same
decision sent twice by the same person is answered with the request as it is (idempotent)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from domain.approvals import store
from domain.approvals.definitions import get_process
from domain.approvals.delegation import delegators_of
from domain.approvals.flow import advance, enter, event, finish, notify_approvers
from domain.automation.conditions import evaluate
from domain.automation.related import with_related
from domain.automation.targets import record_values, spec_of
from domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.rights import Action
from domain.records.writes import lock_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_COMMENT = 2000


def _comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput.single("comment", "TOO_LONG", f"at most {MAX_COMMENT} characters")
    return text or None


async def submit(
    *,
    principal: Principal,
    record_type: str,
    record_id: uuid.UUID,
    process_id: uuid.UUID | None = None,
    comment: str | None = None,
    by_rule: bool = False,
) -> dict[str, Any]:
    """Start an approval of the record: the named process, or the first enabled one of its object
    (oldest first) whose entry criteria the record meets. The record's row is locked meanwhile."""
    comment = _comment(comment)
    spec = await spec_of(record_type)
    spec.require(principal, Action.READ)
    await lock_record(spec, record_id, principal=principal)
    values = await record_values(record_type, record_id) or {}
    process = await _choose(record_type, values, process_id, by_rule=by_rule)
    pending = await tenant_connection().execute_query_dict(
        "SELECT id FROM approval_request WHERE tenant_id = $1 AND record_id = $2 AND status = 'PENDING'",
        [current_tenant_id(), record_id],
    )
    if pending:
        raise Conflict(
            f"the record already has a pending approval request ({pending[0]['id']})",
            reason="ALREADY_PENDING",
            refs={"approvalRequestId": ("ApprovalRequest", pending[0]["id"])},
        )
    definition = {
        key: process[column]
        for key, column in (
            ("name", "name"),
            ("lockAll", "lock_all"),
            ("lockedFields", "locked_fields"),
            ("onApproved", "on_approved"),
            ("onRejected", "on_rejected"),
            ("steps", "steps"),
        )
    }
    definition |= {
        "createdBy": str(process["created_by"]) if process["created_by"] else None,
        "updatedBy": str(process["updated_by"]) if process["updated_by"] else None,
    }
    try:
        rows = await tenant_connection().execute_query_dict(
            "INSERT INTO approval_request (tenant_id, id, process_id, process_version, definition, record_type, record_id, status, "
            "submitted_by, comment, history) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 'PENDING', $8, $9, '[]'::jsonb) RETURNING *",
            [
                current_tenant_id(),
                new_id(),
                process["id"],
                process["version"],
                json.dumps(definition, default=str),
                record_type,
                record_id,
                principal.user_id,
                comment,
            ],
        )
    except IntegrityError as exc:  # another submission of the same record committed first
        raise Conflict(
            "the record already has a pending approval request", reason="ALREADY_PENDING"
        ) from exc
    request = store.request_row(rows[0])
    request = await store.save_request(
        request, history=store.noted(request, "submitted", by=principal.user_id, comment=comment)
    )
    await event(request, "submitted", principal.user_id, comment=comment)
    return await advance(request, 0, principal.user_id, submitting=True)


async def _choose(
    record_type: str, values: dict[str, Any], process_id: uuid.UUID | None, *, by_rule: bool
) -> dict[str, Any]:
    if process_id is not None:
        process = await get_process(process_id)
        if process["object"] != record_type:
            raise InvalidInput.single(
                "processId", "WRONG_OBJECT", f"the process is for {process['object']} records"
            )
        if not process["enabled"]:
            raise InvalidInput.single("processId", "DISABLED", "the process is disabled")
        if process["start_mode"] == "AUTOMATIC" and not by_rule:
            raise InvalidInput.single(
                "processId",
                "AUTOMATIC_ONLY",
                "records enter this process through automation rules only",
            )
        if not await _meets(process, record_type, values):
            raise InvalidInput.single(
                "recordId",
                "CRITERIA_NOT_MET",
                "the record does not meet the process's entry criteria",
            )
        return process
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_process WHERE tenant_id = $1 AND object = $2 AND enabled AND deleted_at IS NULL "
        "ORDER BY created_at, id",
        [current_tenant_id(), record_type],
    )
    for row in rows:
        process = await get_process(row["id"])
        if (by_rule or process["start_mode"] == "MANUAL") and await _meets(
            process, record_type, values
        ):
            return process
    raise InvalidInput.single(
        "processId",
        "NO_MATCHING_PROCESS",
        f"no enabled approval process of {record_type} takes this record",
    )


async def _meets(process: dict[str, Any], record_type: str, values: dict[str, Any]) -> bool:
    criteria = process["entry_criteria"]
    return not criteria or evaluate(
        criteria,
        current=await with_related(record_type, values, criteria),
        previous={},
        changed=set(),
        actor={},
    )


async def decide(
    *,
    principal: Principal,
    request_id: uuid.UUID,
    approve: bool,
    comment: str | None = None,
    version: int | None = None,
    override: bool = False,
) -> dict[str, Any]:
    """Approve or reject the current step as one of its approvers, as a delegate of one, or (with
    `override`) as an admin for the whole step. `version`, when given, is the request's version the
    caller saw: a request that moved on since is not decided again."""
    comment = _comment(comment)
    decision = "APPROVED" if approve else "REJECTED"
    request = await store.lock_request(request_id)
    if override and not principal.has_role(Role.ADMIN):
        raise Forbidden("Only admins may decide for the approvers")
    if request["status"] != "PENDING" or (version is not None and version != request["version"]):
        return await _settled(principal, request, decision)
    task, on_behalf_of = await _task_for(principal, request, override)
    if task is None:
        return await _settled(principal, request, decision)
    await tenant_connection().execute_query(
        "UPDATE approval_task SET status = $3, decided_by = $4, on_behalf_of = $5, comment = $6, decided_at = now() "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), task["id"], decision, principal.user_id, on_behalf_of, comment],
    )
    step_index = request["current_step"]
    step = request["definition"]["steps"][step_index]
    request = await store.save_request(
        request,
        history=store.noted(
            request,
            decision.lower() + "_by",
            step=step_index,
            by=principal.user_id,
            onBehalfOf=on_behalf_of,
            comment=comment,
        ),
    )
    if approve:
        remaining = [t for t in await store.round_tasks(request) if t["status"] == "PENDING"]
        if remaining and step["mode"] == "ALL" and not override:
            return request  # the others still have to approve
        await store.close_pending(request)
        await store.cancel_timers(request)
        request = await store.save_request(
            request, history=store.noted(request, "step_approved", step=step_index)
        )
        await event(
            request, "step_completed", principal.user_id, outcome="APPROVED", comment=comment
        )
        return await advance(request, step_index + 1, principal.user_id, comment=comment)
    await store.close_pending(request)
    await store.cancel_timers(request)
    await event(request, "step_completed", principal.user_id, outcome="REJECTED", comment=comment)
    previous = (
        _previous_step(request, step_index) if step.get("onReject") == "PREVIOUS_STEP" else None
    )
    if previous is None:
        return await finish(request, "REJECTED", principal.user_id, comment=comment)
    request = await store.save_request(
        request, history=store.noted(request, "sent_back", step=step_index, to=previous)
    )
    return await enter(request, previous, principal.user_id)


def _previous_step(request: dict[str, Any], index: int) -> int | None:
    """The step approved last before `index` (skipped steps are not gone back to)."""
    approved = [
        e["step"] for e in request["history"] if e["event"] == "step_approved" and e["step"] < index
    ]
    return approved[-1] if approved else None


async def _task_for(
    principal: Principal, request: dict[str, Any], override: bool
) -> tuple[dict[str, Any] | None, uuid.UUID | None]:
    """The caller's pending task in the current round, else one of someone who delegated to the
    caller (decided on their behalf), else with `override` a new admin's task for the step."""
    tasks = [t for t in await store.round_tasks(request) if t["status"] == "PENDING"]
    own = next((t for t in tasks if t["approver_id"] == principal.user_id), None)
    if own is not None:
        return own, None
    delegators = set(await delegators_of(principal.user_id, datetime.now(timezone.utc)))
    delegated = next((t for t in tasks if t["approver_id"] in delegators), None)
    if delegated is not None:
        return delegated, delegated["approver_id"]
    if override:
        added = await store.add_tasks(request, request["current_step"], [principal.user_id])
        if added:
            rows = [
                t for t in await store.round_tasks(request) if t["approver_id"] == principal.user_id
            ]
            return rows[0], None
    return None, None


async def _settled(principal: Principal, request: dict[str, Any], decision: str) -> dict[str, Any]:
    """The caller has nothing to decide now: the same decision already made by them is answered
    with the request (a double click); a step or request others settled is CONFLICT; a caller with
    no part in the request is FORBIDDEN."""
    tasks = await store.tasks_of([request["id"]])
    mine = [t for t in tasks if principal.user_id in (t["approver_id"], t["decided_by"])]
    decided = [
        t
        for t in mine
        if t["decided_by"] == principal.user_id and t["status"] in ("APPROVED", "REJECTED")
    ]
    if (
        decided
        and decided[-1]["status"] == decision
        and decided[-1]["round"] in (request["round"], request["round"] - 1)
    ):
        return request
    if mine or principal.has_role(Role.ADMIN) or request["submitted_by"] == principal.user_id:
        settled_by = next(
            (
                t["decided_by"]
                for t in reversed(tasks)
                if t["round"] == request["round"] and t["decided_by"]
            ),
            None,
        )
        raise Conflict(
            "already decided"
            + (f" by {settled_by}" if settled_by else "")
            + (
                f": the request is {request['status']}"
                if request["status"] != "PENDING"
                else ": the step has moved on"
            ),
            reason="ALREADY_DECIDED",
            refs={"approvalRequestId": ("ApprovalRequest", request["id"])},
        )
    raise Forbidden("You are not an approver of this request's current step")


async def recall(
    *, principal: Principal, request_id: uuid.UUID, comment: str | None = None
) -> dict[str, Any]:
    """The submitter (or an admin) takes a pending request back; the record unlocks."""
    comment = _comment(comment)
    request = await store.lock_request(request_id)
    if request["submitted_by"] != principal.user_id and not principal.has_role(Role.ADMIN):
        raise Forbidden("Only the submitter (or an admin) may recall a request")
    if request["status"] == "RECALLED":
        return request  # asked twice
    if request["status"] != "PENDING":
        raise Conflict(
            f"the request is already {request['status']}",
            reason="ALREADY_DECIDED",
            refs={"approvalRequestId": ("ApprovalRequest", request["id"])},
        )
    return await finish(request, "RECALLED", principal.user_id, comment=comment)


async def cancel(*, principal: Principal, request_id: uuid.UUID, comment: str) -> dict[str, Any]:
    """An admin ends a pending request that no longer applies (the deal was lost, the process was
    set up wrongly): CANCELLED, the record unlocks, nothing of the outcome runs."""
    if not principal.has_role(Role.ADMIN):
        raise Forbidden("Only an admin may cancel an approval request")
    reason = _comment(comment)
    if not reason:
        raise InvalidInput.single("comment", "REQUIRED", "say why the request is cancelled")
    request = await store.lock_request(request_id)
    if request["status"] == "CANCELLED":
        return request  # asked twice
    if request["status"] != "PENDING":
        raise Conflict(
            f"the request is already {request['status']}",
            reason="ALREADY_DECIDED",
            refs={"approvalRequestId": ("ApprovalRequest", request["id"])},
        )
    return await finish(request, "CANCELLED", principal.user_id, comment=reason)


async def reassign(
    *,
    principal: Principal,
    request_id: uuid.UUID,
    to_user: uuid.UUID,
    from_user: uuid.UUID | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """Hand a pending task of the current step to someone else: the caller's own (or a delegator's),
    or, for admins, anyone's (`from_user`)."""
    comment = _comment(comment)
    request = await store.lock_request(request_id)
    if request["status"] != "PENDING":
        raise Conflict(
            f"the request is already {request['status']}",
            reason="ALREADY_DECIDED",
            refs={"approvalRequestId": ("ApprovalRequest", request["id"])},
        )
    tasks = [t for t in await store.round_tasks(request) if t["status"] == "PENDING"]
    if (
        from_user is not None
        and from_user != principal.user_id
        and not principal.has_role(Role.ADMIN)
    ):
        raise Forbidden("Only admins reassign someone else's approval")
    holders = (
        {from_user}
        if from_user
        else {
            principal.user_id,
            *await delegators_of(principal.user_id, datetime.now(timezone.utc)),
        }
    )
    task = next((t for t in tasks if t["approver_id"] in holders), None)
    if task is None:
        if from_user is not None and principal.has_role(Role.ADMIN):
            raise InvalidInput.single(
                "fromUserId",
                "NOT_AN_APPROVER",
                "that user has no pending approval on the current step",
            )
        raise Forbidden("You have no pending approval on this request's current step")
    members = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM membership WHERE tenant_id = $1 AND user_id = $2",
        [current_tenant_id(), to_user],
    )
    if not members:
        raise InvalidInput.single("toUserId", "NOT_FOUND", "no such member")
    if any(t["approver_id"] == to_user for t in await store.round_tasks(request)):
        raise InvalidInput(
            [
                FieldError(
                    "toUserId", "ALREADY_APPROVER", "that user is already an approver of this step"
                )
            ]
        )
    await tenant_connection().execute_query(
        "UPDATE approval_task SET status = 'REASSIGNED', decided_by = $3, comment = $4, decided_at = now() "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), task["id"], principal.user_id, comment],
    )
    await store.add_tasks(request, request["current_step"], [to_user])
    request = await store.save_request(
        request,
        history=store.noted(
            request,
            "reassigned",
            step=request["current_step"],
            by=principal.user_id,
            to=to_user,
            fromUser=task["approver_id"],
        ),
    )
    await notify_approvers(request, [to_user])
    return request


async def request_for(*, principal: Principal, request_id: uuid.UUID) -> dict[str, Any]:
    """One request the caller may see: admins and managers see all; others those they submitted,
    are or were asked to decide, or decide for by delegation."""
    request = await store.load_request(request_id)
    if principal.has_role(Role.ADMIN, Role.MANAGER) or request["submitted_by"] == principal.user_id:
        return request
    involved = {
        principal.user_id,
        *await delegators_of(principal.user_id, datetime.now(timezone.utc)),
    }
    if any(
        involved & {t["approver_id"], t["decided_by"]} for t in await store.tasks_of([request_id])
    ):
        return request
    raise NotFound("approval request not found")

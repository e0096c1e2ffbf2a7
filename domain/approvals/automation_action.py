"""What approvals add to automation rules. The action `submit_for_approval` ({"type": "submit_for_approval", "processId": ...,
"comment": "..."}): a rule submits its record, to the named process or the first enabled one whose
entry criteria the record meets (AUTOMATIC processes included). A record already pending is left
as it is (the step says so) rather than failing the run. And the recipients `approvers` of notify
and send_email."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from domain.approvals.delegation import delegates_of
from domain.approvals.requests import MAX_COMMENT, submit
from domain.automation.context import Context, render
from domain.errors import Conflict, FieldError
from tenants.context import current_tenant_id, tenant_connection


def check_submit(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    if action.get("processId") is not None:
        try:
            uuid.UUID(str(action["processId"]))
        except ValueError:
            errors.append(
                FieldError(f"{where}.processId", "INVALID_ID", "the id of an approval process")
            )
    if action.get("comment") is not None and (
        not isinstance(action["comment"], str) or len(action["comment"]) > MAX_COMMENT
    ):
        errors.append(
            FieldError(
                f"{where}.comment", "INVALID_VALUE", f"text of at most {MAX_COMMENT} characters"
            )
        )


async def submit_for_approval(ctx: Context, action: dict[str, Any]) -> str:
    process_id = uuid.UUID(str(action["processId"])) if action.get("processId") else None
    comment = render(action["comment"], ctx.values) if action.get("comment") else None
    try:
        request = await submit(
            principal=ctx.principal,
            record_type=ctx.record_type,
            record_id=ctx.record_id,
            process_id=process_id,
            comment=comment,
            by_rule=True,
        )
    except Conflict as exc:
        if exc.reason == "ALREADY_PENDING":
            return "already pending approval"
        raise
    return f"approval request {request['id']} ({request['status']})"


async def current_approvers(ctx: Context) -> list[uuid.UUID]:
    """`to: "approvers"` in notify and send_email: who must decide the record's pending approval
    request now, and whoever holds their delegation (rules on ApprovalRequest.submitted,
    .step_completed or .escalated email them or post to their group)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT t.approver_id FROM approval_task t JOIN approval_request r ON r.tenant_id = t.tenant_id AND r.id = t.request_id "
        "WHERE r.tenant_id = $1 AND r.record_id = $2 AND r.status = 'PENDING' AND t.round = r.round AND t.status = 'PENDING' "
        "ORDER BY t.created_at, t.id",
        [current_tenant_id(), ctx.record_id],
    )
    approvers = [row["approver_id"] for row in rows]
    return list(
        dict.fromkeys([*approvers, *await delegates_of(approvers, datetime.now(timezone.utc))])
    )

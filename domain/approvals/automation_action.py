"""The automation action `submit_for_approval` ({"type": "submit_for_approval", "processId": ...,
"comment": "..."}): a rule submits its record, to the named process or the first enabled one whose
entry criteria the record meets (AUTOMATIC processes included). A record already pending is left
as it is (the step says so) rather than failing the run."""

from __future__ import annotations

import uuid
from typing import Any

from domain.approvals.requests import MAX_COMMENT, submit
from domain.automation.context import Context, render
from domain.errors import Conflict, FieldError


def check_submit(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    if action.get("processId") is not None:
        try:
            uuid.UUID(str(action["processId"]))
        except ValueError:
            errors.append(FieldError(f"{where}.processId", "INVALID_ID", "the id of an approval process"))
    if action.get("comment") is not None and (not isinstance(action["comment"], str) or len(action["comment"]) > MAX_COMMENT):
        errors.append(FieldError(f"{where}.comment", "INVALID_VALUE", f"text of at most {MAX_COMMENT} characters"))


async def submit_for_approval(ctx: Context, action: dict[str, Any]) -> str:
    process_id = uuid.UUID(str(action["processId"])) if action.get("processId") else None
    comment = render(action["comment"], ctx.values) if action.get("comment") else None
    try:
        request = await submit(principal=ctx.principal, record_type=ctx.record_type, record_id=ctx.record_id,
                               process_id=process_id, comment=comment, by_rule=True)
    except Conflict as exc:
        if exc.reason == "ALREADY_PENDING":
            return "already pending approval"
        raise
    return f"approval request {request['id']} ({request['status']})"

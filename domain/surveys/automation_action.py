"""The automation action `send_survey` (plugged in by tessera/domain_wiring.py): a rule on tickets
sends the customer a new survey link, e.g. when a ticket is followed up instead of resolved.
`{"type": "send_survey"}` takes no settings."""

from __future__ import annotations

from typing import Any

from domain.automation.context import Context
from domain.errors import FieldError, InvalidInput
from domain.surveys.service import create_survey


def check_send_survey(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    for key in sorted(set(action) - {"type"}):
        errors.append(
            FieldError(f"{where}.{key}", "UNKNOWN_FIELD", "send_survey takes no settings")
        )


async def send_survey(ctx: Context, action: dict[str, Any]) -> str:
    if ctx.record_type != "Ticket":
        raise InvalidInput([FieldError("type", "NOT_A_TICKET", "send_survey acts on tickets only")])
    survey = await create_survey(ctx.record_id, ctx.principal.user_id)
    return f"survey {survey['id']} sent, valid until {survey['expires_at'].isoformat()}"

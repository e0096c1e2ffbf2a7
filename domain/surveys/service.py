"""Sending and answering satisfaction surveys.

A survey is sent when a ticket is RESOLVED (and again by `sendSatisfactionSurvey`): a row with an
expiry (`SURVEY_LINK_DAYS`, 14 days by default) and a link `/surveys/<token>`. The customer opens
it without signing in, picks 1-5 and may leave a comment; the answer is stored on the survey and on
the ticket (`satisfaction_score`, `satisfaction_comment`, `satisfaction_at`) as one ticket update,
emitted as `Ticket.survey_answered`. A link answers once: reuse, expiry and forged links are
refused, each with its own outcome."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.crm.tickets import TICKET_SPEC
from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal, acting_for
from domain.records.by_ids import rows_by_ids
from domain.records.listing import get_records
from domain.records.rights import Action
from domain.records.writes import lock_record, update_record
from domain.service_levels import clock
from domain.surveys.tokens import ForgedLink, read, sign
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_COMMENT = 2000
ANSWERABLE_STATUSES = frozenset({"RESOLVED", "FOLLOWED_UP", "CLOSED"})
_link_days: list[int] = [14]


def configure_surveys(*, link_days: int) -> None:
    """How long a survey link stays valid (settings: SURVEY_LINK_DAYS)."""
    _link_days[:] = [link_days]


class Outcome(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"  # by this request
    ALREADY_ANSWERED = "already answered"
    EXPIRED = "expired"
    NOT_FOUND = "not found"  # forged, altered, or of a survey that no longer exists


@dataclass(frozen=True)
class Survey:
    outcome: Outcome
    subject: str | None = None  # the ticket's, shown on the page


def tenant_of_link(token: str) -> uuid.UUID | None:
    """The tenant a genuine link belongs to (the route opens its transaction); None when forged."""
    try:
        return read(token)[0]
    except ForgedLink:
        return None


def link_of(row: dict[str, Any]) -> str:
    """The path of a survey's link (the same token every time: it is derived from the row)."""
    return f"/surveys/{sign(row['tenant_id'], row['id'], row['expires_at'])}"


async def create_survey(ticket_id: uuid.UUID, created_by: uuid.UUID | None) -> dict[str, Any]:
    now = clock.now()
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO satisfaction_survey (tenant_id, id, ticket_id, created_at, created_by, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        [
            current_tenant_id(),
            new_id(),
            ticket_id,
            now,
            created_by,
            now + timedelta(days=_link_days[0]),
        ],
    )
    return rows[0]


async def ticket_resolved(ticket: dict[str, Any], principal: Principal) -> None:
    """A ticket was resolved: its customer gets a survey."""
    await create_survey(ticket["id"], principal.user_id)


async def send_survey(*, principal: Principal, ticket_id: uuid.UUID) -> dict[str, Any]:
    """A new survey link for a resolved ticket the caller may change."""
    TICKET_SPEC.require(principal, Action.UPDATE)
    ticket = (await get_records(TICKET_SPEC, [ticket_id], principal=principal)).get(ticket_id)
    if ticket is None:
        raise NotFound("Ticket not found")
    if ticket["status"] not in ANSWERABLE_STATUSES:
        raise InvalidInput.single(
            "ticketId",
            "NOT_RESOLVED",
            "only a resolved (or followed-up, closed) ticket gets a survey",
        )
    return await create_survey(ticket_id, principal.user_id)


async def latest_surveys(ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each ticket's newest survey."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT ON (ticket_id) * FROM satisfaction_survey WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) "
        "ORDER BY ticket_id, created_at DESC, id DESC",
        [current_tenant_id(), ticket_ids],
    )
    return {row["ticket_id"]: row for row in rows}


async def _survey(token: str, *, lock: bool) -> tuple[Outcome, dict[str, Any] | None]:
    try:
        tenant_id, survey_id = read(token)
    except ForgedLink:
        return Outcome.NOT_FOUND, None
    if tenant_id != current_tenant_id():
        return Outcome.NOT_FOUND, None
    rows = await tenant_connection().execute_query_dict(
        "SELECT s.*, t.subject FROM satisfaction_survey s JOIN ticket t ON t.tenant_id = s.tenant_id AND t.id = s.ticket_id "
        f"WHERE s.tenant_id = $1 AND s.id = $2 AND t.deleted_at IS NULL{' FOR UPDATE OF s' if lock else ''}",
        [tenant_id, survey_id],
    )
    if not rows:
        return Outcome.NOT_FOUND, None
    row = rows[0]
    if row["answered_at"] is not None:
        return Outcome.ALREADY_ANSWERED, row
    if row["expires_at"] <= clock.now():
        return Outcome.EXPIRED, row
    return Outcome.OPEN, row


async def open_survey(token: str) -> Survey:
    """What the link shows, in the tenant transaction of `tenant_of_link(token)`."""
    outcome, row = await _survey(token, lock=False)
    return Survey(outcome, row["subject"] if row else None)


def _answer_errors(score: Any, comment: Any) -> list[FieldError]:
    errors = []
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors.append(FieldError("score", "OUT_OF_RANGE", "Choose a score from 1 to 5."))
    if comment is not None and (
        not isinstance(comment, str) or len(comment) > MAX_COMMENT or "\x00" in comment
    ):
        errors.append(
            FieldError("comment", "LENGTH", f"A comment has at most {MAX_COMMENT} characters.")
        )
    return errors


async def answer_survey(token: str, score: Any, comment: Any) -> Survey:
    """Store the answer once (the survey row is locked, so two submissions cannot both count);
    InvalidInput for a score outside 1-5 or an over-long comment."""
    outcome, row = await _survey(token, lock=True)
    if outcome is not Outcome.OPEN or row is None:
        return Survey(outcome, row["subject"] if row else None)
    errors = _answer_errors(score, comment)
    if errors:
        raise InvalidInput(errors)
    comment = (comment or "").strip() or None
    now = clock.now()
    await tenant_connection().execute_query(
        "UPDATE satisfaction_survey SET answered_at = $3, score = $4, comment = $5 WHERE tenant_id = $1 AND id = $2",
        [row["tenant_id"], row["id"], now, score, comment],
    )
    # The customer answers in the name of whoever sent the survey (background work names a person).
    principal = acting_for(
        {"id": row["id"], "updated_by": None, "created_by": row["created_by"]},
        tenant_id=row["tenant_id"],
    )
    ticket = await lock_record(TICKET_SPEC, row["ticket_id"], principal=principal)
    await update_record(
        TICKET_SPEC,
        ticket,
        {"satisfaction_score": score, "satisfaction_comment": comment, "satisfaction_at": now},
        principal=principal,
        action="survey_answered",
    )
    return Survey(Outcome.ANSWERED, row["subject"])


async def surveys_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The surveys among `ids` whose ticket the principal may see, by id."""
    surveys = await rows_by_ids("satisfaction_survey", ids)
    tickets = await get_records(
        TICKET_SPEC, list({s["ticket_id"] for s in surveys.values()}), principal=principal
    )
    return {key: survey for key, survey in surveys.items() if survey["ticket_id"] in tickets}

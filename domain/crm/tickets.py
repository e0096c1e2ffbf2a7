"""Service tickets: accept -> diagnose -> dispatch -> resolve -> follow up -> close (and reopen),
with exact status history and first-response / resolution timestamps. A ticket may wait on the
customer (WAITING_ON_CUSTOMER) while it is worked on, which pauses its SLA clock.

SLA clocks (domain/service_levels) follow every ticket write through `TicketClocks`, plugged in
by tessera/domain_wiring.py: service_levels reads tickets, so tickets cannot import it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Protocol, cast

from domain.crm.rows import TicketRow
from domain.errors import InvalidInput, NotWired
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rights import ALL, READ_ONLY, READ_WRITE, Action
from domain.records.rows import group_rows
from domain.records.spec import COMMON_FIELDS, MEMBER, TEAM, FieldSpec, Kind, RecordSpec, Reference
from domain.records.validation import Checker
from domain.records.writes import check_version, lock_record, update_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

PRIORITIES = frozenset({"LOW", "NORMAL", "HIGH", "URGENT"})
CHANNELS = frozenset({"EMAIL", "PHONE", "WEB", "CHAT", "WECOM", "ONSITE", "OTHER"})
REOPEN_TO = "ACCEPTED"
WAITING = "WAITING_ON_CUSTOMER"
# status -> statuses it may move to; moving from RESOLVED/FOLLOWED_UP/CLOSED to ACCEPTED is a reopen.
# A ticket being worked on may wait on the customer, and goes back to work (or is resolved or
# closed) when they answer.
TRANSITIONS: dict[str, frozenset[str]] = {
    "NEW": frozenset({"ACCEPTED", "CLOSED"}),
    "ACCEPTED": frozenset({"DIAGNOSING", "DISPATCHED", "RESOLVED", "CLOSED", WAITING}),
    "DIAGNOSING": frozenset({"DISPATCHED", "RESOLVED", WAITING}),
    "DISPATCHED": frozenset({"DIAGNOSING", "RESOLVED", WAITING}),
    WAITING: frozenset({"ACCEPTED", "DIAGNOSING", "DISPATCHED", "RESOLVED", "CLOSED"}),
    "RESOLVED": frozenset({"FOLLOWED_UP", "CLOSED", REOPEN_TO}),
    "FOLLOWED_UP": frozenset({"CLOSED", REOPEN_TO}),
    "CLOSED": frozenset({REOPEN_TO}),
}
STATUSES = frozenset(TRANSITIONS)

TICKET_SPEC = RecordSpec(
    record_type="Ticket",
    table="ticket",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("assignee_id", "owner_id", Kind.UUID, references=MEMBER),
        FieldSpec("team_id", "team_id", Kind.UUID, references=TEAM),
        FieldSpec("subject", "subject", Kind.TEXT, sortable=True),
        FieldSpec("description", "description", Kind.TEXT, filterable=False),
        FieldSpec(
            "customer_id",
            "customer_id",
            Kind.UUID,
            references=Reference("customer", label="customer", owned=True),
        ),
        FieldSpec(
            "contact_id",
            "contact_id",
            Kind.UUID,
            references=Reference("contact", label="contact", owned=True),
        ),
        FieldSpec("category", "category", Kind.TEXT, sortable=True),
        FieldSpec("priority", "priority", Kind.TEXT, sortable=True),
        FieldSpec("channel", "channel", Kind.TEXT),
        FieldSpec("status", "status", Kind.TEXT, sortable=True),
        FieldSpec("first_response_at", "first_response_at", Kind.DATETIME, sortable=True),
        FieldSpec("resolved_at", "resolved_at", Kind.DATETIME, sortable=True),
        FieldSpec("closed_at", "closed_at", Kind.DATETIME, sortable=True),
        FieldSpec("first_response_due_at", "first_response_due_at", Kind.DATETIME, sortable=True),
        FieldSpec("resolution_due_at", "resolution_due_at", Kind.DATETIME, sortable=True),
        FieldSpec("satisfaction_score", "satisfaction_score", Kind.INT, sortable=True),
        # The customer's survey answer (domain/surveys): set only by answering a survey.
        FieldSpec("satisfaction_comment", "satisfaction_comment", Kind.TEXT, filterable=False),
        FieldSpec("satisfaction_at", "satisfaction_at", Kind.DATETIME, sortable=True),
        FieldSpec("custom_fields", "custom_fields", Kind.JSON),
    ),
    scope_area="tickets",
    searchable=True,
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_WRITE,
        Role.AGENT: READ_WRITE,
        Role.VIEWER: READ_ONLY,
    },
)


class TicketClocks(Protocol):
    """What SLA clocks need to hear of, in the transaction of the change."""

    async def opened(self, rows: list[dict[str, Any]], principal: Principal) -> None: ...

    async def fields_changed(
        self, rows: list[dict[str, Any]], changed: list[set[str]], principal: Principal
    ) -> None: ...

    async def status_moved(
        self, ticket: dict[str, Any], old: str, new: str, principal: Principal
    ) -> None: ...

    async def replied(self, ticket_id: uuid.UUID, kind: str, principal: Principal) -> None: ...


class TicketSurveys(Protocol):
    """Satisfaction surveys (domain/surveys) hear of resolutions, in the transaction of the move."""

    async def ticket_resolved(self, ticket: dict[str, Any], principal: Principal) -> None: ...


_clocks: TicketClocks | None = None
_surveys: TicketSurveys | None = None


def plug_ticket_surveys(surveys: TicketSurveys) -> None:
    global _surveys
    _surveys = surveys


def plug_ticket_clocks(clocks: TicketClocks) -> None:
    global _clocks
    _clocks = clocks


def _wired_clocks() -> TicketClocks:
    if _clocks is None:
        raise NotWired(
            "ticket writes need the SLA clocks: call tessera.domain_wiring.wire_domain()"
        )
    return _clocks


def validate_ticket(check: Checker) -> None:
    check.text("subject", required=True, max_length=300)
    check.text("description", max_length=20_000)
    check.text("category", max_length=100)
    check.text("priority", choices=PRIORITIES)
    check.text("channel", choices=CHANNELS)
    check.integer("satisfaction_score", minimum=1, maximum=5)
    check.datetime("first_response_due_at")
    check.datetime("resolution_due_at")
    for name in ("customer_id", "contact_id", "assignee_id", "team_id"):
        check.reference(name)


async def create_tickets(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[TicketRow]:
    """Open tickets (status NEW); the creator is not made the assignee."""
    clocks = _wired_clocks()
    items = [{"assignee_id": None, **item} for item in items]
    rows = await service.create(
        TICKET_SPEC, items, principal=principal, validate=validate_ticket, bulk=bulk
    )
    for row in rows:
        await _record_status(row["id"], None, row["status"], principal)
    await clocks.opened(rows, principal)
    return cast("list[TicketRow]", rows)


async def update_tickets(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[TicketRow]:
    """Change a ticket's fields (its status moves only through changeTicketStatus); a change of
    the fields SLA policies look at may re-target the ticket's clock."""
    clocks = _wired_clocks()
    rows = await service.update(
        TICKET_SPEC, changes, principal=principal, validate=validate_ticket, bulk=bulk
    )
    await clocks.fields_changed(rows, [set(change.values) for change in changes], principal)
    return cast("list[TicketRow]", rows)


async def change_status(
    *, principal: Principal, ticket_id: uuid.UUID, version: int | None, status: str
) -> dict[str, Any]:
    """Move a ticket along its status flow; an illegal move is BAD_USER_INPUT. Without a version
    (automation rules) the move applies to the ticket as it is now."""
    TICKET_SPEC.require(principal, Action.UPDATE)
    if status not in STATUSES:
        raise InvalidInput.single(
            "status", "INVALID_CHOICE", f"status must be one of {', '.join(sorted(STATUSES))}"
        )
    row = await lock_record(TICKET_SPEC, ticket_id, principal=principal)
    check_version(TICKET_SPEC, row, version)
    current = row["status"]
    if status not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise InvalidInput.single(
            "status",
            "ILLEGAL_TRANSITION",
            f"a {current} ticket can move to {allowed}, not {status}",
        )
    now = datetime.now(timezone.utc)
    changes: dict[str, Any] = {"status": status}
    if row["first_response_at"] is None and current == "NEW":
        changes["first_response_at"] = now
    if status == "RESOLVED":
        changes["resolved_at"] = now
    if status == "CLOSED":
        changes["closed_at"] = now
    if status == REOPEN_TO and current in ("RESOLVED", "FOLLOWED_UP", "CLOSED"):
        changes.update(resolved_at=None, closed_at=None)
    updated = await update_record(
        TICKET_SPEC, row, changes, principal=principal, action="status_changed"
    )
    await _record_status(ticket_id, current, status, principal)
    await _wired_clocks().status_moved(updated, current, status, principal)
    if status == "RESOLVED":  # the customer is asked how it went (回访)
        if _surveys is None:
            raise NotWired(
                "resolving tickets needs the surveys: call tessera.domain_wiring.wire_domain()"
            )
        await _surveys.ticket_resolved(updated, principal)
    return updated


async def ticket_replied(*, ticket_id: uuid.UUID, kind: str, principal: Principal) -> None:
    """An activity of `kind` was logged on the ticket (its SLA clock decides what counts)."""
    await _wired_clocks().replied(ticket_id, kind, principal)


async def _record_status(
    ticket_id: uuid.UUID, old: str | None, new: str, principal: Principal
) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO ticket_status_history (tenant_id, id, ticket_id, from_status, to_status, actor_id) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        [current_tenant_id(), new_id(), ticket_id, old, new, principal.user_id],
    )


async def status_history(ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each ticket's status changes, oldest first (one query)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT ticket_id, from_status, to_status, changed_at, actor_id FROM ticket_status_history "
        "WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) ORDER BY changed_at, id",
        [current_tenant_id(), ticket_ids],
    )
    return group_rows(rows, "ticket_id", ticket_ids)

"""A customer's full timeline: what happened on the customer and on its contacts, opportunities,
tickets and the leads converted into it (activities, stage and status changes, approval requests
and decisions), newest first, as one keyset-paged statement.

Every branch of the UNION ALL is limited to the records the caller may read (tenant first, then
the role's visibility, as lists do), so an entry never reveals a record the caller cannot see.
The details shown (stage, statuses, the activity's columns) are built-in fields, which field
rules can make read-only but never hidden (domain/custom/access.py)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.errors import DomainError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records.listing import get_records
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import fetch_values


class EntryKind(Enum):
    ACTIVITY = "ACTIVITY"
    STAGE_CHANGE = "STAGE_CHANGE"
    STATUS_CHANGE = "STATUS_CHANGE"
    APPROVAL_REQUESTED = "APPROVAL_REQUESTED"  # a record submitted for approval
    APPROVAL_DECISION = "APPROVAL_DECISION"  # an approver approved or rejected a step


# The records around a customer whose activities join its timeline, and the column naming it.
_CHILDREN = (
    (CONTACT_SPEC, "customer_id"),
    (OPPORTUNITY_SPEC, "customer_id"),
    (TICKET_SPEC, "customer_id"),
    (LEAD_SPEC, "converted_customer_id"),
)
_ENTRY_COLUMNS = (
    "at",
    "id",
    "kind",
    "record_type",
    "record_id",
    "stage_id",
    "from_status",
    "to_status",
    "actor_id",
    "approval_request_id",
)
_CURSOR_TAG = "timeline"


@dataclass
class Entry:
    at: datetime
    id: uuid.UUID
    kind: EntryKind
    record_type: str
    record_id: uuid.UUID
    stage_id: uuid.UUID | None
    from_status: str | None
    to_status: str | None
    actor_id: uuid.UUID | None
    approval_request_id: uuid.UUID | None  # APPROVAL_* entries
    activity: dict[str, Any] | None  # the activity row, for ACTIVITY entries


@dataclass
class TimelinePage:
    entries: list[Entry]
    has_next: bool
    has_previous: bool = False


def encode_cursor(entry: Entry) -> str:
    payload = [_CURSOR_TAG, entry.at.isoformat(), str(entry.id)]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, argument: str = "after") -> tuple[datetime, uuid.UUID]:
    try:
        tag, at, entry_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != _CURSOR_TAG:
            raise ValueError("cursor of another list")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("cursor without time zone")
        return parsed, uuid.UUID(entry_id)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidInput.single(
            argument, "INVALID_CURSOR", f"{argument} is not a cursor of this timeline"
        ) from exc


def _may_read(principal: Principal, spec: RecordSpec) -> bool:
    try:
        spec.require(principal, Action.READ)
    except DomainError:
        return False
    return True


def _readable_ids(
    principal: Principal, spec: RecordSpec, column: str, customer: str, params: Params
) -> str:
    """A subquery of the ids of `spec`'s records on the customer that the caller may read."""
    where = " AND ".join([*readable_sql(principal, spec, params), f"t.{column} = {customer}"])
    return f"SELECT t.id FROM {spec.table} t WHERE {where}"


def _on_customer_or_children(
    principal: Principal, customer: str, params: Params, alias: str
) -> str:
    """`alias.record_type/record_id` name the customer, or a record around it the caller may read."""
    targets = [f"({alias}.record_type = 'Customer' AND {alias}.record_id = {customer})"]
    for spec, column in _CHILDREN:
        if _may_read(principal, spec):
            targets.append(
                f"({alias}.record_type = '{spec.record_type}' AND {alias}.record_id IN "
                f"({_readable_ids(principal, spec, column, customer, params)}))"
            )
    return "(" + " OR ".join(targets) + ")"


def _activity_branch(principal: Principal, customer: str, params: Params) -> str | None:
    if not _may_read(principal, ACTIVITY_SPEC):
        return None
    where = " AND ".join(
        [
            *readable_sql(principal, ACTIVITY_SPEC, params, "a"),
            _on_customer_or_children(principal, customer, params, "a"),
        ]
    )
    return (
        f"SELECT a.occurred_at, a.id, 'ACTIVITY', a.record_type, a.record_id, NULL::uuid, NULL::text, "
        f"NULL::text, a.created_by, NULL::uuid FROM activity a WHERE {where}"
    )


# A record's approval requests are shown to whoever may read the record (as its
# `approvalRequests` are), so the approval branches need only the record's visibility.
def _approval_request_branch(principal: Principal, customer: str, params: Params) -> str:
    tenant = params.add(principal.tenant_id)
    on_records = _on_customer_or_children(principal, customer, params, "r")
    return (
        "SELECT r.submitted_at, r.id, 'APPROVAL_REQUESTED', r.record_type, r.record_id, NULL::uuid, "
        "NULL::text, r.status, r.submitted_by, r.id FROM approval_request r "
        f"WHERE r.tenant_id = {tenant} AND {on_records}"
    )


def _approval_decision_branch(principal: Principal, customer: str, params: Params) -> str:
    tenant = params.add(principal.tenant_id)
    on_records = _on_customer_or_children(principal, customer, params, "r")
    return (
        "SELECT k.decided_at, k.id, 'APPROVAL_DECISION', r.record_type, r.record_id, NULL::uuid, "
        "NULL::text, k.status, k.decided_by, r.id FROM approval_task k "
        "JOIN approval_request r ON r.tenant_id = k.tenant_id AND r.id = k.request_id "
        f"WHERE k.tenant_id = {tenant} AND k.status IN ('APPROVED', 'REJECTED') "
        f"AND k.decided_at IS NOT NULL AND {on_records}"
    )


def _stage_branch(principal: Principal, customer: str, params: Params) -> str | None:
    if not _may_read(principal, OPPORTUNITY_SPEC):
        return None
    where = " AND ".join(
        [*readable_sql(principal, OPPORTUNITY_SPEC, params), f"t.customer_id = {customer}"]
    )
    return (
        "SELECT h.entered_at, h.id, 'STAGE_CHANGE', 'Opportunity', h.opportunity_id, h.stage_id, NULL::text, "
        "NULL::text, h.actor_id, NULL::uuid FROM opportunity_stage_history h "
        f"JOIN opportunity t ON t.tenant_id = h.tenant_id AND t.id = h.opportunity_id WHERE {where}"
    )


def _status_branch(principal: Principal, customer: str, params: Params) -> str | None:
    if not _may_read(principal, TICKET_SPEC):
        return None
    where = " AND ".join(
        [*readable_sql(principal, TICKET_SPEC, params), f"t.customer_id = {customer}"]
    )
    return (
        "SELECT h.changed_at, h.id, 'STATUS_CHANGE', 'Ticket', h.ticket_id, NULL::uuid, h.from_status, "
        "h.to_status, h.actor_id, NULL::uuid FROM ticket_status_history h "
        f"JOIN ticket t ON t.tenant_id = h.tenant_id AND t.id = h.ticket_id WHERE {where}"
    )


_BRANCHES = {
    EntryKind.ACTIVITY: _activity_branch,
    EntryKind.STAGE_CHANGE: _stage_branch,
    EntryKind.STATUS_CHANGE: _status_branch,
    EntryKind.APPROVAL_REQUESTED: _approval_request_branch,
    EntryKind.APPROVAL_DECISION: _approval_decision_branch,
}


async def _union(
    principal: Principal,
    customer_id: uuid.UUID,
    kinds: Collection[EntryKind] | None,
    params: Params,
) -> str | None:
    """The UNION ALL of the entries the caller may read, None when no kind is readable."""
    if not await get_records(CUSTOMER_SPEC, [customer_id], principal=principal):
        raise NotFound("Customer not found")
    customer = params.add(customer_id)
    branches = [
        sql
        for kind, build in _BRANCHES.items()
        if kinds is None or kind in kinds
        if (sql := build(principal, customer, params)) is not None
    ]
    if not branches:
        return None
    return f"SELECT * FROM ({' UNION ALL '.join(f'({sql})' for sql in branches)}) AS u ({', '.join(_ENTRY_COLUMNS)})"


async def customer_timeline(
    *,
    principal: Principal,
    customer_id: uuid.UUID,
    first: int,
    after: str | None = None,
    kinds: Collection[EntryKind] | None = None,
    before: str | None = None,
    backward: bool = False,
) -> TimelinePage:
    """A page of the customer's timeline, newest first (ties broken by id): the first `first`
    entries after `after` and before `before`, or with `backward` the last `first` of them."""
    bounds = [
        (decode_cursor(cursor, argument), sign)
        for cursor, argument, sign in ((after, "after", "<"), (before, "before", ">"))
        if cursor is not None
    ]
    params = Params()
    union = await _union(principal, customer_id, kinds, params)
    if union is None:
        return TimelinePage(entries=[], has_next=False)
    conditions = [
        f"(e.at, e.id) {sign} ({params.add(at)}::timestamptz, {params.add(entry_id)}::uuid)"
        for (at, entry_id), sign in bounds
    ]
    page_after = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = "ASC" if backward else "DESC"
    # The activity's own columns join the page afterwards, so each branch stays a narrow row.
    sql = (
        f"SELECT e.*, {ACTIVITY_SPEC.select_list} FROM ({union}) e "
        f"LEFT JOIN activity t ON e.kind = 'ACTIVITY' AND t.tenant_id = {params.add(principal.tenant_id)} AND t.id = e.id "
        # Written out, not a parameter, as in domain/records/listing.py.
        f"{page_after} ORDER BY e.at {direction}, e.id {direction} LIMIT {int(first) + 1}"
    )
    records = await fetch_values(sql, params.values)
    more = len(records) > first
    entries = [_entry(record) for record in records[:first]]
    if backward:
        entries.reverse()
        return TimelinePage(entries=entries, has_next=before is not None, has_previous=more)
    return TimelinePage(entries=entries, has_next=more, has_previous=after is not None)


async def count_entries(
    *, principal: Principal, customer_id: uuid.UUID, kinds: Collection[EntryKind] | None = None
) -> int:
    params = Params()
    union = await _union(principal, customer_id, kinds, params)
    if union is None:
        return 0
    total: int = (await fetch_values(f"SELECT count(*) FROM ({union}) e", params.values))[0][0]
    return total


def _entry(record: Any) -> Entry:
    values = dict(zip(_ENTRY_COLUMNS, record[: len(_ENTRY_COLUMNS)], strict=True))
    kind = EntryKind(values.pop("kind"))
    activity = None
    if kind is EntryKind.ACTIVITY:
        activity = decode_row(
            ACTIVITY_SPEC,
            dict(zip(ACTIVITY_SPEC.columns, record[len(_ENTRY_COLUMNS) :], strict=True)),
        )
    return Entry(kind=kind, activity=activity, **values)

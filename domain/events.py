"""Domain events through the outbox: written in the same transaction as the change that causes
them, moved to the queue by the relay after commit, delivered at least once."""

from __future__ import annotations

import contextvars
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tenants.context import current_tenant_id, tenant_connection
from tenants.database import database_client
from tenants.ids import new_id

RELAY_BATCH = 200


# Updates named by what moved (an opportunity's stage, a ticket's status). They are updates all the
# same, so rules and webhook endpoints that ask for `updated` get them too: one change is one event.
NAMED_UPDATES = frozenset({"stage_changed", "status_changed", "survey_answered"})


def action_matches(wanted: str | None, action: str) -> bool:
    """Whether an event's action is what a rule or subscription asks for."""
    return wanted == action or (wanted == "updated" and action in NAMED_UPDATES)


@dataclass(frozen=True)
class Cause:
    """The event whose handling caused the current changes, and how deep the chain already is."""

    event_id: uuid.UUID | None = None
    depth: int = 0
    rule_id: uuid.UUID | None = None  # the automation rule whose actions make the changes
    # Changes whose events reach neither automation rules nor webhooks (an import that turned them
    # off); the events are written all the same, for the consumers that keep data in step.
    silent: bool = False


_cause: contextvars.ContextVar[Cause] = contextvars.ContextVar("tessera_cause", default=Cause())


@contextmanager
def caused_by(event_id: uuid.UUID, depth: int, rule_id: uuid.UUID | None = None) -> Iterator[None]:
    """Changes made inside carry `event_id` as causation, one more level of depth, and the rule
    that made them."""
    token = _cause.set(Cause(event_id, depth + 1, rule_id))
    try:
        yield
    finally:
        _cause.reset(token)


@contextmanager
def silenced() -> Iterator[None]:
    """Events of changes made inside are written `silent`: automation rules and webhooks skip them."""
    token = _cause.set(replace(_cause.get(), silent=True))
    try:
        yield
    finally:
        _cause.reset(token)


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    tenant_id: uuid.UUID
    event_type: str
    record_type: str
    record_id: uuid.UUID
    actor_id: uuid.UUID | None
    occurred_at: datetime
    changes: dict[str, Any]
    causation_id: uuid.UUID | None
    depth: int
    caused_by_rule: uuid.UUID | None = None
    silent: bool = False  # automation rules and webhooks skip it (see silenced)
    # The tenant's delivery configuration version (rules, webhook endpoints) read with the event,
    # so cached configuration can be checked without another statement; None when not read.
    config_version: int | None = None


async def emit(
    record_type: str,
    events: list[tuple[uuid.UUID, str, dict[str, Any]]],
    *,
    actor_id: uuid.UUID | None,
    family: str | None = None,
) -> None:
    """Write one outbox event per (record id, action, {field: [old, new]}) in a single statement.
    Events are named `<record type>.<action>`, or `<family>.<action>` for events of a process
    about a record (`ApprovalRequest.approved` about an Opportunity: record_type names the record,
    so rules on the record's object and webhooks get it with the record)."""
    if not events:
        return
    cause = _cause.get()
    await tenant_connection().execute_query(
        "INSERT INTO outbox_event (tenant_id, id, event_type, record_type, record_id, actor_id, changes, causation_id, depth, "
        "caused_by_rule, silent) "
        "SELECT $1, e.id, $11 || '.' || e.action, $2, e.record_id, $3, e.changes::jsonb, $4, $5, $10, $12 "
        "FROM unnest($6::uuid[], $7::uuid[], $8::text[], $9::text[]) AS e(id, record_id, action, changes)",
        [
            current_tenant_id(),
            record_type,
            actor_id,
            cause.event_id,
            cause.depth,
            [new_id() for _ in events],
            [e[0] for e in events],
            [e[1] for e in events],
            [json.dumps(e[2]) for e in events],
            cause.rule_id,
            family or record_type,
            cause.silent,
        ],
    )


def event_action(event_type: str, record_type: str) -> str:
    """What rules match an event on: the action of the record's own events (`updated`), the whole
    name of a family's events about it (`ApprovalRequest.approved`)."""
    family, _, action = event_type.partition(".")
    return action if family == record_type else event_type


async def pending_tenants() -> list[uuid.UUID]:
    """Tenants with unpublished events (ids only; their events stay behind row-level security)."""
    rows = await database_client().execute_query_dict(
        "SELECT outbox_pending_tenants() AS tenant_id"
    )
    return [row["tenant_id"] for row in rows]


@dataclass(frozen=True)
class Backlog:
    """Events written and not yet published, over every tenant."""

    events: int
    oldest_age_seconds: float  # how long the oldest has waited; 0 when there is none


async def outbox_backlog() -> Backlog:
    """How far behind the relay is (counts only; no tenant's events are read)."""
    rows = await database_client().execute_query_dict(
        "SELECT events, coalesce(extract(epoch FROM clock_timestamp() - oldest), 0)::float8 AS age FROM outbox_backlog()"
    )
    return Backlog(events=rows[0]["events"], oldest_age_seconds=max(0.0, rows[0]["age"]))


async def requeue_undelivered(*, grace_seconds: float = 300, batch: int = 10_000) -> int:
    """Put back in the outbox the events that were published at least `grace_seconds` ago and
    never delivered (the queue lost them); returns how many. Each event is checked once."""
    rows = await database_client().execute_query_dict(
        "SELECT outbox_requeue_undelivered(make_interval(secs => $1), $2) AS requeued",
        [grace_seconds, batch],
    )
    requeued: int = rows[0]["requeued"]
    return requeued


async def claim_unpublished(limit: int = RELAY_BATCH) -> list[Event]:
    """Lock and mark published the current tenant's oldest unpublished events. Concurrent relays
    skip each other's locked rows; if the caller's transaction rolls back, they stay unpublished."""
    rows = await tenant_connection().execute_query_dict(
        "UPDATE outbox_event SET published_at = now() WHERE tenant_id = $1 AND id IN ("
        "  SELECT id FROM outbox_event WHERE tenant_id = $1 AND published_at IS NULL "
        "  ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, tenant_id, event_type, record_type, record_id, actor_id, occurred_at, changes, causation_id, depth, "
        "caused_by_rule, silent, seq",
        [current_tenant_id(), limit],
    )
    rows.sort(key=lambda row: row["seq"])
    return [_event(r) for r in rows]


def _event(r: dict[str, Any]) -> Event:
    return Event(
        id=r["id"],
        tenant_id=r["tenant_id"],
        event_type=r["event_type"],
        record_type=r["record_type"],
        record_id=r["record_id"],
        actor_id=r["actor_id"],
        occurred_at=r["occurred_at"],
        changes=json.loads(r["changes"]) if isinstance(r["changes"], str) else r["changes"],
        causation_id=r["causation_id"],
        depth=r["depth"],
        caused_by_rule=r["caused_by_rule"],
        silent=bool(r.get("silent")),
    )


async def load_event(event_id: uuid.UUID) -> Event | None:
    """One event of the current tenant."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM outbox_event WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), event_id],
    )
    return _event(rows[0]) if rows else None


async def receive_event(event_id: uuid.UUID, consumer: str) -> Event | None:
    """The event, noting in the same statement that `consumer` received it (the delivery log).
    None for an event that is not in the outbox (e.g. a message left in the queue from a database
    that was since replaced): such a message is dropped, not retried."""
    rows = await tenant_connection().execute_query_dict(
        "WITH found AS (SELECT * FROM outbox_event WHERE tenant_id = $1 AND id = $2), "
        "delivered AS (INSERT INTO event_delivery (tenant_id, event_id, consumer) SELECT tenant_id, id, $3 FROM found "
        "ON CONFLICT DO NOTHING) SELECT found.*, coalesce((SELECT version FROM delivery_config_version "
        "WHERE tenant_id = $1), 0) AS config_version FROM found",
        [current_tenant_id(), event_id, consumer],
    )
    return replace(_event(rows[0]), config_version=rows[0]["config_version"]) if rows else None


async def record_delivery(event_id: uuid.UUID, consumer: str) -> bool:
    """Note that `consumer` handled the event; False if it had already (deliveries repeat)."""
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO event_delivery (tenant_id, event_id, consumer) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        [current_tenant_id(), event_id, consumer],
    )
    return bool(rows)

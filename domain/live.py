"""Live updates: what the relay announces to the API processes after an event committed, and what
each subscriber may learn of it.

The announcement carries ids and field names only, never values: every subscriber's API process
reads the change again as that subscriber (their tenant's transaction, their visibility and hidden
fields) before sending anything (api/subscriptions)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.automation.targets import spec_of
from domain.errors import Forbidden
from domain.events import Event
from domain.identity.principal import Principal
from domain.records.field_access import Access, field_rules
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import visibility_sql
from tenants.context import current_tenant_id, tenant_connection

# One channel for every tenant: each API process routes announcements to its own subscribers.
CHANNEL = "tessera:live"
NOTIFICATION = "Notification"  # the record type of notification events (domain/notifications.py)
# Actions a subscriber who sees the record hears of even when every changed field is hidden.
_ALWAYS_TOLD = frozenset({"created", "deleted", "restored"})


@dataclass(frozen=True)
class Announcement:
    tenant_id: uuid.UUID
    event_id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    action: str  # created, updated, deleted, stage_changed...
    fields: tuple[str, ...]  # the names of the fields that changed
    occurred_at: datetime


def announce(event: Event) -> bytes:
    return json.dumps(
        {
            "tenant": str(event.tenant_id),
            "event": str(event.id),
            "type": event.record_type,
            "id": str(event.record_id),
            "action": event.event_type.split(".", 1)[1],
            "fields": sorted(event.changes),
            "at": event.occurred_at.isoformat(),
        }
    ).encode()


def read_announcement(data: bytes | str) -> Announcement | None:
    """The announcement in a message; None for anything else on the channel."""
    try:
        raw: dict[str, Any] = json.loads(data)
        return Announcement(
            tenant_id=uuid.UUID(raw["tenant"]),
            event_id=uuid.UUID(raw["event"]),
            record_type=str(raw["type"]),
            record_id=uuid.UUID(raw["id"]),
            action=str(raw["action"]),
            fields=tuple(str(f) for f in raw["fields"]),
            occurred_at=datetime.fromisoformat(raw["at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def readable_object(principal: Principal, object_name: str) -> RecordSpec:
    """The spec of a standard or custom object the principal may read (NotFound, Forbidden)."""
    spec = await spec_of(object_name)
    spec.require(principal, Action.READ)
    return spec


async def visible_fields(
    principal: Principal, spec: RecordSpec, announcement: Announcement
) -> tuple[str, ...] | None:
    """The changed fields the principal may see, or None if the record is not theirs to see (or
    their rights on the object are gone). Deleted records count: whoever saw one learns it went."""
    try:
        spec.require(principal, Action.READ)
    except Forbidden:  # the role or the token's scopes changed since the subscription began
        return None
    params = Params()
    where = [
        f"t.tenant_id = {params.add(current_tenant_id())}",
        f"t.id = {params.add(announcement.record_id)}",
    ]
    visible = visibility_sql(principal, spec, params, "t")
    if visible:
        where.append(visible)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id FROM {spec.table} t WHERE {' AND '.join(where)}", params.values
    )
    if not rows:
        return None
    rules = await field_rules(principal, spec.record_type)
    fields = tuple(f for f in announcement.fields if rules.get(f) is not Access.HIDDEN)
    if announcement.fields and not fields and announcement.action not in _ALWAYS_TOLD:
        return None  # only hidden fields changed: nothing the subscriber may know of happened
    return fields


async def own_notification(
    principal: Principal, notification_id: uuid.UUID
) -> dict[str, Any] | None:
    """The notification, if it is addressed to the principal."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM notification WHERE tenant_id = $1 AND id = $2 AND user_id = $3",
        [current_tenant_id(), notification_id, principal.user_id],
    )
    return rows[0] if rows else None

"""The audit trail: who changed what, when, with each field's old and new value. Each entry is
also emitted as a domain event through the outbox."""

from __future__ import annotations

import json
import uuid
from typing import Any

from domain.events import emit
from domain.identity.roles import Role
from domain.records.rights import READ_ONLY
from domain.records.rows import jsonable
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

AUDIT_SPEC = RecordSpec(
    record_type="AuditEvent",
    table="audit_event",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("action", "action", Kind.TEXT),
        FieldSpec("actor_id", "actor_id", Kind.UUID),
        FieldSpec("occurred_at", "occurred_at", Kind.DATETIME, sortable=True),
        FieldSpec("changes", "changes", Kind.JSON, filterable=False),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("record_type", "record_type", Kind.TEXT),
    ),
    owned=False,
    soft_delete=False,
    default_sort="occurred_at",
    # History is read through its record, whose rights and scope were checked already.
    scope_area=None,
    rights={role: READ_ONLY for role in Role},
)


async def record_events(
    spec: RecordSpec,
    events: list[tuple[uuid.UUID, str, dict[str, tuple[Any, Any]]]],
    *,
    actor_id: uuid.UUID | None,
) -> None:
    """Append one audit entry per (record id, action, {column: (old, new)}) in a single statement,
    and its one outbox event: a change is one entry and one event, whatever it names (updated,
    stage_changed, status_changed...)."""
    if not events:
        return
    ids, record_ids, actions, changes = [], [], [], []
    outbox: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
    for record_id, action, diff in events:
        ids.append(new_id())
        record_ids.append(record_id)
        actions.append(action)
        named = _named_changes(spec, diff)
        changes.append(json.dumps(named))
        outbox.append((record_id, action, named))
    await tenant_connection().execute_query(
        "INSERT INTO audit_event (tenant_id, id, record_type, record_id, action, actor_id, changes) "
        "SELECT $1, e.id, $2, e.record_id, e.action, $3, e.changes::jsonb "
        "FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[]) AS e(id, record_id, action, changes)",
        [current_tenant_id(), spec.record_type, actor_id, ids, record_ids, actions, changes],
    )
    # The same changes, as events for automations and integrations, in the same transaction.
    await emit(spec.record_type, outbox, actor_id=actor_id)


def _named_changes(spec: RecordSpec, diff: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """{field name: [old, new]}, with JSONB value columns split into one entry per changed key."""
    named: dict[str, list[Any]] = {}
    for column, (old, new) in diff.items():
        prefix = spec.audit_by_key.get(column)
        if prefix is not None and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            before, after = old or {}, new or {}
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    named[prefix + key] = [jsonable(before.get(key)), jsonable(after.get(key))]
        else:
            named[spec.name_of(column)] = [jsonable(old), jsonable(new)]
    return named

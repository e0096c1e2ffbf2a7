"""Time-based triggers, fired by `tessera scheduler`:

- `{"on": "date", "field": "end_date", "offsetDays": -30}`: when a date field of the record, moved
  by offsetDays, is today (a day of grace covers a scheduler that was down);
- `{"on": "idle", "days": 3}`: when the record has had no activity for that long (its last
  activity, else its last change), once per idle stretch;
- `{"on": "schedule", "cron": "0 9 * * 1"}`: at each tick of a cron expression, for every record
  of the object that meets the conditions.

Each (rule, record, occasion) runs once: the run's event id is derived from them, and the unique
run key of the engine does the rest, whichever scheduler instance got there."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from croniter import croniter

from domain.automation.engine import resume_due, run_rule_for
from domain.automation.rules import RULE_SPEC
from domain.automation.targets import spec_of
from domain.crm.activities import TRACKS_LAST_ACTIVITY
from domain.custom.metadata import load_object
from domain.events import Event
from domain.records.rows import decode_row
from domain.records.spec import Kind
from tenants.context import current_tenant_id, tenant_connection

BATCH = 200  # records per rule and pass: the rest come in the next pass
_NAMESPACE = uuid.UUID("4f8b2e3c-6a41-4c4f-9a67-1b7a9f3f0d2e")


async def time_rules() -> list[dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_rule WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL "
        "AND trigger->>'on' IN ('date', 'idle', 'schedule') ORDER BY created_at, id", [current_tenant_id()])
    return [decode_row(RULE_SPEC, row) for row in rows]


async def due_occasions(rule: dict[str, Any], now: datetime) -> list[Event]:
    """Synthetic events for the records whose occasion has come and not been handled yet."""
    trigger, record_type = rule["trigger"], rule["object"]
    spec = await spec_of(record_type)
    tenant = current_tenant_id()
    params: list[Any] = [tenant, rule["id"]]
    where = ["t.tenant_id = $1", "t.deleted_at IS NULL"]
    if spec.table == "custom_record":  # custom objects share one table
        params.append((await load_object(record_type)).id)
        where.append(f"t.object_id = ${len(params)}")
    if trigger["on"] == "date":
        if not spec.has(trigger["field"]) or spec.field(trigger["field"]).kind not in (Kind.DATE, Kind.DATETIME, Kind.TEXT):
            return []
        occasion = f"(({spec.field(trigger['field']).sql('t')})::date + {int(trigger.get('offsetDays', 0))})"
        params.append(now.date())
        where.append(f"{occasion} BETWEEN ${len(params)}::date - 1 AND ${len(params)}::date")
        since = f"${len(params)}::date - 1"
    elif trigger["on"] == "idle":
        anchor = "coalesce(t.last_activity_at, t.created_at)" if record_type in TRACKS_LAST_ACTIVITY else "t.updated_at"
        occasion = anchor
        params.append(now - timedelta(days=float(trigger["days"])))
        where.append(f"{anchor} <= ${len(params)}")
        since = anchor
    else:
        tick = croniter(trigger["cron"], now).get_prev(datetime)
        occasion = f"'{tick.isoformat()}'::text"
        params.append(tick)
        since = f"${len(params)}"
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id, ({occasion})::text AS occasion FROM {spec.table} t WHERE {' AND '.join(where)} "
        f"AND NOT EXISTS (SELECT 1 FROM automation_run r WHERE r.tenant_id = t.tenant_id AND r.rule_id = $2 "
        f"AND r.record_id = t.id AND r.started_at >= {since}) ORDER BY t.id LIMIT {BATCH}", params)
    return [Event(id=uuid.uuid5(_NAMESPACE, f"{rule['id']}:{row['id']}:{row['occasion']}"), tenant_id=tenant,
                  event_type=f"{record_type}.{trigger['on']}", record_type=record_type, record_id=row["id"], actor_id=None,
                  occurred_at=now, changes={}, causation_id=None, depth=0) for row in rows]


async def fire_due(now: datetime | None = None) -> int:
    """One pass for the current tenant: time-triggered rules, then waiting runs; returns how many ran."""
    now = now or datetime.now(timezone.utc)
    ran = 0
    for rule in await time_rules():
        for event in await due_occasions(rule, now):
            ran += await run_rule_for(rule, event)
    return ran + await resume_due(now)

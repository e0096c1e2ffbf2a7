"""Time-based triggers, fired by `tessera scheduler`:

- `{"on": "date", "field": "end_date", "offsetDays": -30}`: when a date field of the record, moved
  by offsetDays, is today (a day of grace covers a scheduler that was down);
- `{"on": "idle", "days": 3}`: when the record has had no activity for that long (its last
  activity, else its last change), once per idle stretch;
- `{"on": "schedule", "cron": "0 9 * * 1"}`: at each tick of a cron expression, for every record
  of the object that meets the conditions.

Days, dates and cron ticks are read on the tenant's wall clock (its time zone setting); with
`"businessTime": true` date offsets and idle days count working days of the tenant's default
calendar, or of the one `"calendar"` names (local_time.py).

Each (rule, record, occasion) runs once: the run's event id is derived from them, and the unique
run key of the engine does the rest, whichever scheduler instance got there."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.automation.condition_sql import condition_sql
from domain.automation.conditions import evaluate
from domain.automation.engine import resume_due, run_rule_for
from domain.automation.local_time import (
    calendar_of,
    field_dates_firing,
    idle_cutoff,
    last_tick,
    zone,
)
from domain.automation.related import with_related
from domain.automation.rules import RULE_SPEC
from domain.automation.targets import spec_of, values_of_row
from domain.crm.activities import TRACKS_LAST_ACTIVITY
from domain.custom.metadata import load_object
from domain.events import Event
from domain.records.naming import domain_name
from domain.records.rows import decode_row
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.records.sql import Params
from tenants.context import current_tenant_id, tenant_connection

BATCH = 200  # runs per rule and pass: the rest come in the next pass
PAGE = 200  # records read per statement while looking for them
MAX_SCAN = 2_000  # records whose conditions are checked in Python per rule and pass, at most
_NAMESPACE = uuid.UUID("4f8b2e3c-6a41-4c4f-9a67-1b7a9f3f0d2e")
# Where each rule's last pass stopped reading ((tenant, rule) -> last record id), so records its
# SQL selects but its conditions (checked in Python) refuse cannot keep later ones waiting: the
# next pass reads on from there, and from the start again once it reaches the end. Only a hint:
# a new process starts from the beginning.
_resume: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = {}


async def time_rules() -> list[dict[str, Any]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM automation_rule WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL "
        "AND trigger->>'on' IN ('date', 'idle', 'schedule') ORDER BY created_at, id",
        [current_tenant_id()],
    )
    return [decode_row(RULE_SPEC, row) for row in rows]


async def selection(
    rule: dict[str, Any],
    now: datetime,
    after: uuid.UUID | None = None,
    upto: uuid.UUID | None = None,
) -> tuple[RecordSpec, str, list[Any]] | None:
    """The statement reading, in id order after `after` (and up to `upto`), the records of the rule's object whose
    occasion has come, that its conditions may hold for (written in SQL where they can be), and
    that it has not acted on for this occasion yet (runs skipped without acting do not count).
    None when the trigger names no usable field."""
    trigger, record_type = rule["trigger"], rule["object"]
    spec = await spec_of(record_type)
    params = Params(current_tenant_id(), rule["id"])
    where = ["t.tenant_id = $1", "t.deleted_at IS NULL"]
    if spec.table == "custom_record":  # custom objects share one table
        where.append(f"t.object_id = {params.add((await load_object(record_type)).id)}")
    local = await zone()
    calendar = await calendar_of(trigger)
    if trigger["on"] == "date":
        field_name = domain_name(trigger["field"])  # rules are the client's documents
        if not spec.has(field_name) or spec.field(field_name).kind not in (
            Kind.DATE,
            Kind.DATETIME,
            Kind.TEXT,
        ):
            return None
        day = _local_date(spec.field(field_name), params.add(local.key))
        offset = int(trigger.get("offsetDays", 0))
        today = now.astimezone(local).date()
        if calendar is None:
            occasion = f"({day} + {offset})"
            where.append(
                f"{occasion} BETWEEN {params.add(today)}::date - 1 AND {params.add(today)}::date"
            )
        else:
            # The field dates that fire today (or yesterday: a day of grace), found in Python from the
            # calendar, so the statement still compares the field itself.
            dates = sorted(
                {
                    *field_dates_firing(calendar, today, offset),
                    *field_dates_firing(calendar, today - timedelta(days=1), offset),
                }
            )
            occasion = day
            where.append(f"{day} = ANY({params.add(dates)}::date[])")
        since = f"{params.add(today)}::date - 1"
    elif trigger["on"] == "idle":
        anchor = (
            "coalesce(t.last_activity_at, t.created_at)"
            if record_type in TRACKS_LAST_ACTIVITY
            else "t.updated_at"
        )
        occasion = anchor
        where.append(
            f"{anchor} <= {params.add(idle_cutoff(now, trigger['days'], local, calendar))}"
        )
        since = anchor
    else:
        tick = last_tick(trigger["cron"], now, local)
        occasion = f"'{tick.isoformat()}'::text"
        since = params.add(tick)
    narrowed = condition_sql(rule["conditions"], spec, params)
    if narrowed:
        where.append(f"({narrowed})")
    if after is not None:
        where.append(f"t.id > {params.add(after)}")
    if upto is not None:
        where.append(f"t.id <= {params.add(upto)}")
    return (
        spec,
        (
            f"SELECT {spec.select_list}, ({occasion})::text AS occasion FROM {spec.table} t WHERE {' AND '.join(where)} "
            f"AND NOT EXISTS (SELECT 1 FROM automation_run r WHERE r.tenant_id = t.tenant_id AND r.rule_id = $2 "
            f"AND r.record_id = t.id AND r.started_at >= {since} AND r.status <> 'SKIPPED') ORDER BY t.id LIMIT {PAGE}"
        ),
        params.values,
    )


def _local_date(field: FieldSpec, zone_name: str) -> str:
    """SQL for the date a date or date-time field holds on the tenant's wall clock (`zone_name`, a
    parameter). Custom fields hold text: a date ("2026-05-01") is read as it is, a date and time
    ("2026-05-01T01:00:00.000000Z") in the tenant's zone."""
    value = field.sql("t")
    if field.kind is Kind.DATETIME:
        return f"(({value}) AT TIME ZONE {zone_name})::date"
    if field.kind is Kind.TEXT:
        return (
            f"(CASE WHEN length({value}) > 10 THEN (({value})::timestamptz AT TIME ZONE {zone_name})::date "
            f"ELSE ({value})::date END)"
        )
    return f"({value})::date"


async def due_occasions(rule: dict[str, Any], now: datetime) -> list[Event]:
    """Synthetic events for the records whose occasion has come and not been handled yet, and that
    meet the rule's conditions. Records that do not meet them get no run at all, so one that
    starts to meet them later (a lead moving from NEW to WORKING) is still reached."""
    tenant = current_tenant_id()
    key = (tenant, rule["id"])
    started = after = _resume.get(key)
    upto: uuid.UUID | None = (
        None  # on the second lap (from the beginning): up to where the first began
    )
    due: list[Event] = []
    scanned = 0
    while len(due) < BATCH and scanned < MAX_SCAN:
        found = await selection(rule, now, after, upto)
        if found is None:
            return []
        spec, sql, params = found
        rows = await tenant_connection().execute_query_dict(sql, params)
        scanned += len(rows)
        for row in rows:
            occasion = row.pop("occasion")
            values = values_of_row(spec, row)
            if evaluate(
                rule["conditions"],
                current=await with_related(rule["object"], values, rule["conditions"]),
                previous={},
                changed=set(),
                actor={},
            ):
                due.append(
                    Event(
                        id=uuid.uuid5(_NAMESPACE, f"{rule['id']}:{row['id']}:{occasion}"),
                        tenant_id=tenant,
                        event_type=f"{rule['object']}.{rule['trigger']['on']}",
                        record_type=rule["object"],
                        record_id=row["id"],
                        actor_id=None,
                        occurred_at=now,
                        changes={},
                        causation_id=None,
                        depth=0,
                    )
                )
        if len(rows) == PAGE:
            after = _resume[key] = rows[-1]["id"]
            continue
        _resume.pop(key, None)  # read to the end: the next pass starts from the beginning
        if started is None or upto is not None:
            break
        after, upto = None, started  # a pass that began midway reads the beginning too
    return due


async def fire_due(now: datetime | None = None) -> int:
    """One pass for the current tenant: time-triggered rules, then waiting runs; returns how many ran."""
    now = now or datetime.now(timezone.utc)
    ran = 0
    for rule in await time_rules():
        for event in await due_occasions(rule, now):
            ran += await run_rule_for(rule, event)
    return ran + await resume_due(now)

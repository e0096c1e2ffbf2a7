"""The normalised keys of records, kept in duplicate_key so that "which records share this email"
is an index probe, not a scan in Python. A record has one row per (field as compared, key): the
field is stored as `name:KIND` (`emails:EMAIL`, `title:COMPANY_NAME`) because one text field may
be compared in more than one way. Keys are written with the record, in its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import orjson

from domain.duplicates.fields import source_of
from domain.duplicates.normalise import block_of
from domain.duplicates.rules import Condition, Rule, active_rules
from domain.records.sql import Params
from tenants.context import current_tenant_id, tenant_connection

REBUILD_BATCH = 1000
Key = tuple[str, str]  # (label, normalised key)


def label(condition: Condition) -> str:
    return f"{condition.field}:{condition.kind.value}"


def compared(rules: Iterable[Rule]) -> dict[str, Condition]:
    """The fields (as compared) that `rules` read, by label."""
    return {label(c): c for rule in rules for c in rule.conditions}


def keys_of(row: dict[str, Any], wanted: dict[str, Condition]) -> set[Key]:
    return {
        (name, key)
        for name, condition in wanted.items()
        for key in condition.matchable.keys(row, condition.kind)
    }


async def stored_keys(record_type: str, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[Key]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT record_id, field, key FROM duplicate_key WHERE tenant_id = $1 AND record_type = $2 "
        "AND record_id = ANY($3::uuid[])",
        [current_tenant_id(), record_type, record_ids],
    )
    found: dict[uuid.UUID, set[Key]] = {record_id: set() for record_id in record_ids}
    for row in rows:
        found[row["record_id"]].add((row["field"], row["key"]))
    return found


async def replace_keys(
    record_type: str, record_id: uuid.UUID, keys: set[Key], current: set[Key] | None = None
) -> set[str]:
    """Make the record's stored keys `keys`; the labels that gained a key (what a write may have
    made a duplicate by)."""
    if current is None:
        current = (await stored_keys(record_type, [record_id]))[record_id]
    gone, added = current - keys, keys - current
    conn = tenant_connection()
    if gone:
        await conn.execute_query(
            "DELETE FROM duplicate_key WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3 "
            "AND (field, key) IN (SELECT * FROM unnest($4::text[], $5::text[]))",
            [
                current_tenant_id(),
                record_type,
                record_id,
                [g[0] for g in gone],
                [g[1] for g in gone],
            ],
        )
    if added:
        await _insert(record_type, [(record_id, name, key) for name, key in added])
    return {name for name, _ in added}


async def add_keys(record_type: str, keyed: dict[uuid.UUID, set[Key]]) -> None:
    """Store the keys of records that have none yet (new records), in one statement."""
    rows = [(record_id, name, key) for record_id, keys in keyed.items() for name, key in keys]
    if rows:
        await _insert(record_type, rows)


async def _insert(record_type: str, rows: list[tuple[uuid.UUID, str, str]]) -> None:
    params = Params(
        current_tenant_id(),
        record_type,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [block_of(r[2]) for r in rows],
    )
    await tenant_connection().execute_query(
        "INSERT INTO duplicate_key (tenant_id, record_type, record_id, field, key, block) "
        "SELECT $1, $2, * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) ON CONFLICT DO NOTHING",
        params.values,
    )


async def rebuild_keys(record_type: str) -> int:
    """Key every live record of `record_type` again for the rules it has now (after a rule
    change, and before a tenant-wide scan); returns how many records were read."""
    source = await source_of(record_type)
    if source is None:
        return 0
    wanted = compared(await active_rules(record_type))
    conn, tenant = tenant_connection(), current_tenant_id()
    await conn.execute_query(
        "DELETE FROM duplicate_key WHERE tenant_id = $1 AND record_type = $2", [tenant, record_type]
    )
    if not wanted:
        return 0
    columns = sorted(
        {"data" if c.matchable.in_data else s for c in wanted.values() for s in c.matchable.sources}
    )
    after, read = uuid.UUID(int=0), 0
    while True:
        extra, extra_params = source.where("t", 4)
        rows = await conn.execute_query_dict(
            f"SELECT t.id, {', '.join('t.' + c for c in columns)} FROM {source.table} t WHERE t.tenant_id = $1 "
            f"AND t.deleted_at IS NULL AND t.id > $2{extra} ORDER BY t.id LIMIT $3",
            [tenant, after, REBUILD_BATCH, *extra_params],
        )
        if not rows:
            return read
        batch = [
            (row["id"], name, key) for row in rows for name, key in keys_of(_decoded(row), wanted)
        ]
        if batch:
            await _insert(record_type, batch)
        read += len(rows)
        after = rows[-1]["id"]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    # asyncpg hands jsonb over as text here (no RecordSpec decodes these partial rows).
    if isinstance(row.get("data"), str):
        return {**row, "data": orjson.loads(row["data"])}
    return row

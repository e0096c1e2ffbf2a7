"""What points at a record, and moving it from merged records to their survivor (and back).

Each move returns what it changed, kept with the merge, so that an unmerge puts back exactly that:
rows that point at the survivor again are moved back only if they still point at it."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from domain.custom.fieldtypes import FieldType
from domain.custom.files import CUSTOM_RECORD
from domain.custom.metadata import ObjectDef, load_objects
from domain.custom.rollups import refresh_rollups
from tenants.context import current_tenant_id, tenant_connection

# Columns of other records that name a record of each standard type.
FOREIGN_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Customer": (
        ("contact", "customer_id"),
        ("opportunity", "customer_id"),
        ("ticket", "customer_id"),
        ("lead", "converted_customer_id"),
    ),
    "Contact": (
        ("opportunity", "primary_contact_id"),
        ("ticket", "contact_id"),
        ("lead", "converted_contact_id"),
    ),
    "Lead": (),
}
# Tables that name records by (record_type, record_id): the timeline, external ids, approval history.
BY_TYPE_AND_ID = ("activity", "external_id", "approval_request")
_KEYS = {"activity": ("id",), "approval_request": ("id",), "external_id": ("system", "external_id")}


async def move_all(
    record_type: str, survivor: uuid.UUID, merged: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Point everything that points at `merged` at `survivor`; what moved, for the merge's log."""
    moves: list[dict[str, Any]] = []
    conn, tenant = tenant_connection(), current_tenant_id()
    for table, column in FOREIGN_KEYS.get(record_type, ()):
        rows = await conn.execute_query_dict(
            f"WITH old AS (SELECT id, {column} AS was FROM {table} WHERE tenant_id = $1 AND {column} = ANY($2::uuid[]) "
            f"FOR UPDATE) UPDATE {table} t SET {column} = $3, version = version + 1, updated_at = now() FROM old "
            f"WHERE t.tenant_id = $1 AND t.id = old.id RETURNING t.id, old.was",
            [tenant, merged, survivor],
        )
        if rows:
            moves.append(
                {
                    "table": table,
                    "column": column,
                    "rows": [[str(r["id"]), str(r["was"])] for r in rows],
                }
            )
    for table in BY_TYPE_AND_ID:
        keys = _KEYS[table]
        rows = await conn.execute_query_dict(
            f"WITH old AS (SELECT {', '.join(keys)}, record_id AS was FROM {table} WHERE tenant_id = $1 AND record_type = $2 "
            f"AND record_id = ANY($3::uuid[]) FOR UPDATE) UPDATE {table} t SET record_id = $4 FROM old WHERE t.tenant_id = $1 "
            f"AND t.record_type = $2 AND {' AND '.join(f't.{k} = old.{k}' for k in keys)} "
            f"RETURNING {', '.join('t.' + k for k in keys)}, old.was",
            [tenant, record_type, merged, survivor],
        )
        if rows:
            moves.append(
                {
                    "table": table,
                    "keys": list(keys),
                    "rows": [[*(str(r[k]) for k in keys), str(r["was"])] for r in rows],
                }
            )
    files = await conn.execute_query_dict(
        "WITH old AS (SELECT id, record_id AS was FROM stored_file WHERE tenant_id = $1 AND record_type = $2 "
        "AND record_id = ANY($3::uuid[]) FOR UPDATE) UPDATE stored_file t SET record_id = $4 FROM old "
        "WHERE t.tenant_id = $1 AND t.id = old.id RETURNING t.id, old.was",
        [tenant, _files_type(record_type), merged, survivor],
    )
    if files:  # attachments, and so the FILE and IMAGE values the survivor may take over
        moves.append(
            {"table": "stored_file", "rows": [[str(r["id"]), str(r["was"])] for r in files]}
        )
    added = await conn.execute_query_dict(
        "INSERT INTO record_tag (tenant_id, record_type, record_id, tag_id) SELECT DISTINCT $1::uuid, $2::text, $4::uuid, tag_id "
        "FROM record_tag WHERE tenant_id = $1 AND record_type = $2 AND record_id = ANY($3::uuid[]) "
        "ON CONFLICT DO NOTHING RETURNING tag_id",
        [tenant, record_type, merged, survivor],
    )
    if added:
        moves.append({"table": "record_tag", "added": [str(r["tag_id"]) for r in added]})
    for obj, field in await _relations_to(record_type):
        moved = await _move_relation(obj, field, survivor, merged)
        if moved:
            moves.append(
                {"table": "custom_record", "object": obj.api_name, "field": field, "rows": moved}
            )
    return moves


async def undo_all(record_type: str, survivor: uuid.UUID, moves: list[dict[str, Any]]) -> None:
    """Put back what `move_all` moved, where it still points at the survivor."""
    conn, tenant = tenant_connection(), current_tenant_id()
    for move in moves:
        table = move["table"]
        if table == "record_tag":
            await conn.execute_query(
                "DELETE FROM record_tag WHERE tenant_id = $1 AND record_type = $2 AND record_id = $3 AND tag_id = ANY($4::uuid[])",
                [tenant, record_type, survivor, [uuid.UUID(t) for t in move["added"]]],
            )
        elif table == "custom_record":
            await _undo_relation(move["object"], move["field"], survivor, move["rows"])
        elif table == "stored_file":
            await conn.execute_query(
                "UPDATE stored_file t SET record_id = m.was FROM unnest($2::uuid[], $3::uuid[]) AS m(id, was) "
                "WHERE t.tenant_id = $1 AND t.id = m.id AND t.record_id = $4",
                [
                    tenant,
                    [uuid.UUID(r[0]) for r in move["rows"]],
                    [uuid.UUID(r[1]) for r in move["rows"]],
                    survivor,
                ],
            )
        elif "column" in move:
            column = move["column"]
            if (table, column) not in FOREIGN_KEYS.get(record_type, ()):
                raise ValueError(
                    f"unexpected move {table}.{column}"
                )  # names spliced into SQL come from our own list
            await conn.execute_query(
                f"UPDATE {table} t SET {column} = m.was, version = version + 1, updated_at = now() "
                f"FROM unnest($2::uuid[], $3::uuid[]) AS m(id, was) WHERE t.tenant_id = $1 AND t.id = m.id AND t.{column} = $4",
                [
                    tenant,
                    [uuid.UUID(r[0]) for r in move["rows"]],
                    [uuid.UUID(r[1]) for r in move["rows"]],
                    survivor,
                ],
            )
        else:
            keys = _KEYS[table]
            columns = [[r[i] for r in move["rows"]] for i in range(len(keys))]
            casts = ["uuid" if k == "id" else "text" for k in keys]
            unnest = ", ".join(f"${i + 4}::{cast}[]" for i, cast in enumerate(casts))
            await conn.execute_query(
                f"UPDATE {table} t SET record_id = m.was FROM unnest({unnest}, ${len(keys) + 4}::uuid[]) AS m({', '.join(keys)}, was) "
                f"WHERE t.tenant_id = $1 AND t.record_type = $2 AND t.record_id = $3 AND "
                f"{' AND '.join(f't.{k} = m.{k}' for k in keys)}",
                [
                    tenant,
                    record_type,
                    survivor,
                    *[
                        [uuid.UUID(v) for v in c] if cast == "uuid" else c
                        for c, cast in zip(columns, casts, strict=True)
                    ],
                    [uuid.UUID(r[-1]) for r in move["rows"]],
                ],
            )


def _files_type(record_type: str) -> str:
    """The record type files are attached under: a standard type's own, CustomRecord for the
    records of every custom object."""
    return record_type if record_type in FOREIGN_KEYS else CUSTOM_RECORD


async def _relations_to(record_type: str) -> list[tuple[ObjectDef, str]]:
    """(custom object, relation field) pairs whose field points at records of `record_type`."""
    return [
        (obj, f.api_name)
        for obj in await load_objects()
        for f in obj.live_fields
        if f.type is FieldType.RELATION and f.setting("target") == record_type
    ]


async def _move_relation(
    obj: ObjectDef, field: str, survivor: uuid.UUID, merged: list[uuid.UUID]
) -> list[list[str]]:
    """Relation values of `obj` records naming a merged record now name the survivor; the
    rollups over them are recomputed for the merged records and the survivor."""
    rows = await tenant_connection().execute_query_dict(
        "WITH old AS (SELECT id, data AS before FROM custom_record WHERE tenant_id = $1 AND object_id = $2 AND data->>$3 = ANY($4::text[]) "
        "FOR UPDATE) UPDATE custom_record t SET data = jsonb_set(t.data, ARRAY[$3], to_jsonb($5::text)), version = version + 1, "
        "updated_at = now() FROM old WHERE t.tenant_id = $1 AND t.id = old.id RETURNING t.id, old.before, t.data",
        [current_tenant_id(), obj.id, field, [str(m) for m in merged], str(survivor)],
    )
    if not rows:
        return []
    await refresh_rollups(obj, [_data(r["before"]) for r in rows], [_data(r["data"]) for r in rows])
    return [[str(r["id"]), str(_data(r["before"])[field])] for r in rows]


async def _undo_relation(
    object_name: str, field: str, survivor: uuid.UUID, moved: list[list[str]]
) -> None:
    obj = next((o for o in await load_objects() if o.api_name == object_name), None)
    if obj is None:
        return  # the object is gone: nothing points anywhere any more
    rows = await tenant_connection().execute_query_dict(
        "WITH m AS (SELECT * FROM unnest($4::uuid[], $5::text[]) AS m(id, was)), "
        "old AS (SELECT c.id, c.data AS before, m.was FROM custom_record c JOIN m ON m.id = c.id WHERE c.tenant_id = $1 "
        "AND c.object_id = $2 AND c.data->>$3 = $6 FOR UPDATE OF c) "
        "UPDATE custom_record t SET data = jsonb_set(t.data, ARRAY[$3], to_jsonb(old.was)), version = version + 1, "
        "updated_at = now() FROM old WHERE t.tenant_id = $1 AND t.id = old.id RETURNING old.before, t.data",
        [
            current_tenant_id(),
            obj.id,
            field,
            [uuid.UUID(r[0]) for r in moved],
            [r[1] for r in moved],
            str(survivor),
        ],
    )
    if rows:
        await refresh_rollups(
            obj, [_data(r["before"]) for r in rows], [_data(r["data"]) for r in rows]
        )


def _data(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str) else (value or {})

"""`tessera indexer`: builds and drops the indexes admins ask for on custom objects (see
domain/custom/indexes.py). Runs as the owner role, outside any tenant transaction, because index
DDL on the shared table is the owner's; CREATE INDEX CONCURRENTLY never blocks tenants' writes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import asyncpg
import structlog

from domain.custom.indexes import fields_of, index_statement
from domain.custom.metadata import field_from_row
from domain.custom.specs import FIELD_SPEC
from domain.records.rows import decode_row
from tenants.database import connection_credentials

log = structlog.get_logger("tessera.indexer")
_NAME = re.compile(r"^cri_[0-9a-f]{32}$")
BATCH = 20


async def build_pending(conn: asyncpg.Connection) -> int:
    """Build or drop what is pending; returns how many definitions were handled."""
    rows = await conn.fetch(
        "SELECT * FROM custom_index WHERE status IN ('PENDING', 'DROPPING') ORDER BY created_at LIMIT $1",
        BATCH,
    )
    for row in rows:
        name = row["index_name"]
        if not _NAME.match(name):  # never splice anything else into DDL
            await _finish(conn, row, "FAILED", "invalid index name")
            continue
        if row["status"] == "DROPPING":
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            await conn.execute(
                "DELETE FROM custom_index WHERE tenant_id = $1 AND id = $2",
                row["tenant_id"],
                row["id"],
            )
            log.info("custom index dropped", index=name, tenant_id=str(row["tenant_id"]))
            continue
        defs = {
            r["api_name"]: field_from_row(decode_row(FIELD_SPEC, dict(r)))
            for r in await conn.fetch(
                "SELECT * FROM custom_field WHERE tenant_id = $1 AND object_id = $2 AND deleted_at IS NULL",
                row["tenant_id"],
                row["object_id"],
            )
        }
        wanted = fields_of(dict(row))
        if any(entry["field"] not in defs for entry in wanted):
            await _finish(conn, row, "FAILED", "a field of this index was deleted")
            continue
        try:
            await conn.execute(
                index_statement(name, [(defs[e["field"]], e["descending"]) for e in wanted])
            )
        except asyncpg.PostgresError as exc:
            # An interrupted concurrent build leaves an invalid index behind: remove it.
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            await _finish(conn, row, "FAILED", str(exc)[:500])
            log.warning("custom index failed", index=name, error=str(exc))
            continue
        await _finish(conn, row, "READY", None)
        log.info("custom index built", index=name, tenant_id=str(row["tenant_id"]))
    return len(rows)


async def _finish(
    conn: asyncpg.Connection, row: asyncpg.Record, status: str, error: str | None
) -> None:
    await conn.execute(
        "UPDATE custom_index SET status = $3, error = $4, updated_at = now(), version = version + 1 "
        "WHERE tenant_id = $1 AND id = $2",
        row["tenant_id"],
        row["id"],
        status,
        error,
    )


async def run(
    database_url: str,
    *,
    poll_seconds: float,
    once: bool,
    on_pass: Callable[[], None] = lambda: None,
) -> None:
    conn = await asyncpg.connect(**connection_credentials(database_url))
    try:
        while True:
            handled = await build_pending(conn)
            on_pass()
            if once:
                return
            if handled < BATCH:
                await asyncio.sleep(poll_seconds)
    finally:
        await conn.close()

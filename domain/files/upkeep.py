"""Operator upkeep of stored files (`tessera files ...`, docs/operations.md): moving the bytes of
files written before the object store (PostgreSQL chunks) into it, and sweeping the store of bytes
no row names (an upload whose transaction died before it could remove them)."""

from __future__ import annotations

import time
import uuid

from domain.files.storage import current_store, file_id_of, object_key
from domain.files.store import COLUMNS, spool_file
from tenants.context import tenant_connection, tenant_transaction

MOVE_BATCH = 20


async def move_to_store(tenant_id: uuid.UUID) -> int:
    """Move the tenant's files still kept in chunks into the store, a few per transaction; the
    number moved. A file's row says `in_store` only once its bytes are there, and its chunks go in
    the same transaction, so a stopped run leaves every file readable and can simply run again."""
    moved = 0
    while True:
        async with tenant_transaction(tenant_id):
            rows = await tenant_connection().execute_query_dict(
                f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND complete "
                "AND NOT in_store ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                [tenant_id, MOVE_BATCH],
            )
            for row in rows:
                with await spool_file(tenant_id, row) as data:
                    await current_store().put(object_key(tenant_id, row["id"]), data)
                await tenant_connection().execute_query(
                    "UPDATE stored_file SET in_store = true WHERE tenant_id = $1 AND id = $2",
                    [tenant_id, row["id"]],
                )
                await tenant_connection().execute_query(
                    "DELETE FROM file_chunk WHERE tenant_id = $1 AND file_id = $2",
                    [tenant_id, row["id"]],
                )
        moved += len(rows)
        if len(rows) < MOVE_BATCH:
            return moved


async def sweep(tenant_id: uuid.UUID, *, older_than_seconds: int = 3600) -> int:
    """Remove the tenant's stored bytes that no file row names; the number removed. Bytes younger
    than `older_than_seconds` (told by the file id, a time-ordered UUID) are left alone: their
    upload's transaction may still be open."""
    store = current_store()
    cutoff_ms = (time.time() - older_than_seconds) * 1000
    candidates = {}
    for key in await store.keys(tenant_id):
        file_id = file_id_of(key)
        if file_id is not None and file_id.int >> 80 < cutoff_ms:  # the id's first 48 bits: ms
            candidates[file_id] = key
    if not candidates:
        return 0
    async with tenant_transaction(tenant_id):
        rows = await tenant_connection().execute_query_dict(
            "SELECT id FROM stored_file WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
            [tenant_id, list(candidates)],
        )
    for row in rows:
        del candidates[row["id"]]
    for key in candidates.values():
        await store.delete(key)
    return len(candidates)

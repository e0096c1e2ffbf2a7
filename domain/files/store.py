"""Files: a row of metadata in PostgreSQL (`stored_file`, under row-level security) and the bytes
in the object store chosen by settings (domain/files/storage.py). Written from a stream inside the
caller's tenant transaction: the bytes are kept aside (in memory while small) until the size limit
has held, then stored under the tenant's key; a transaction that rolls back removes them again, and
a deleted row's bytes go once its transaction has committed. Content types are told from the
bytes, never taken from the client.

Files written before migration 0031 keep their bytes in PostgreSQL chunks (`file_chunk`, not
`in_store`) and are read from there until `tessera files move-to-store` moves them."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import IO, Any

import filetype

from domain.errors import InvalidInput, NotFound
from domain.files.storage import current_store, object_key
from domain.identity.principal import Principal
from tenants.context import (
    after_commit,
    after_rollback,
    current_tenant_id,
    tenant_connection,
    tenant_transaction,
)
from tenants.ids import new_id

CHUNK_BYTES = 256 * 1024
SNIFF_BYTES = 8192
SPOOL_BYTES = 1024 * 1024  # kept in memory up to this, on disk beyond
PURPOSES = ("IMPORT", "EXPORT", "ATTACHMENT")
COLUMNS = (
    "id",
    "purpose",
    "filename",
    "content_type",
    "size",
    "sha256",
    "record_type",
    "record_id",
    "job_id",
    "created_by",
    "created_at",
    "expires_at",
    "in_store",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff(head: bytes, filename: str) -> str:
    """The content type the first bytes show; text is text/csv when named so, else text/plain."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return str(kind.mime)
    if head and _text(head):
        return "text/csv" if filename.lower().endswith((".csv", ".tsv", ".txt")) else "text/plain"
    return "application/octet-stream"


def _text(head: bytes) -> bool:
    """Text in some encoding: no control characters but white space (binary formats have many)."""
    controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r\f") + head.count(0x7F)
    return controls <= len(head) // 100


def clean_filename(name: str | None) -> str:
    """The last path part of what the client called the file, without control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|')[:255].strip()
    return base or "file"


async def save_file(
    chunks: AsyncIterable[bytes],
    *,
    purpose: str,
    filename: str,
    max_bytes: int,
    principal: Principal,
    record: tuple[str, uuid.UUID] | None = None,
    job_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Store what `chunks` yields as a new file; InvalidInput FILE_TOO_LARGE past `max_bytes`
    (nothing is stored then) and EMPTY_FILE for nothing."""
    tenant_id, file_id = current_tenant_id(), new_id()
    name = clean_filename(filename)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        digest, size, head = hashlib.sha256(), 0, b""
        async for piece in chunks:
            size += len(piece)
            if size > max_bytes:
                raise InvalidInput.single(
                    "file", "FILE_TOO_LARGE", f"files may be at most {max_bytes} bytes"
                )
            digest.update(piece)
            if len(head) < SNIFF_BYTES:
                head += piece[: SNIFF_BYTES - len(head)]
            spool.write(piece)
        if size == 0:
            raise InvalidInput.single("file", "EMPTY_FILE", "the file is empty")
        rows = await tenant_connection().execute_query_dict(
            "INSERT INTO stored_file (tenant_id, id, purpose, filename, content_type, size, sha256, "
            "created_by, record_type, record_id, job_id, complete, in_store) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true, true) "
            f"RETURNING {', '.join(COLUMNS)}",
            [
                tenant_id,
                file_id,
                purpose,
                name,
                sniff(head, name),
                size,
                digest.hexdigest(),
                principal.user_id,
                record[0] if record else None,
                record[1] if record else None,
                job_id,
            ],
        )
        key = object_key(tenant_id, file_id)
        after_rollback(lambda: current_store().delete(key))
        spool.seek(0)
        await current_store().put(key, spool)
    return rows[0]


async def get_file(
    file_id: uuid.UUID, *, purpose: str | None = None, created_by: uuid.UUID | None = None
) -> dict[str, Any]:
    """A complete file of the current tenant (of `purpose`, made by `created_by` when given); NotFound otherwise."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND id = $2 AND complete"
    values: list[Any] = [current_tenant_id(), file_id]
    if purpose is not None:
        values.append(purpose)
        sql += f" AND purpose = ${len(values)}"
    if created_by is not None:
        values.append(created_by)
        sql += f" AND created_by = ${len(values)}"
    rows = await tenant_connection().execute_query_dict(sql, values)
    if not rows:
        raise NotFound("no such file")
    return rows[0]


async def read_file(tenant_id: uuid.UUID, row: dict[str, Any]) -> AsyncIterator[bytes]:
    """The bytes of the file `row` (read by get_file in `tenant_id`'s transaction), piece by piece.
    Needs no open transaction: a slow reader (a download) holds none while it reads."""
    if row["in_store"]:
        async for piece in current_store().read(
            object_key(tenant_id, row["id"]), chunk_bytes=CHUNK_BYTES
        ):
            yield piece
        return
    after = 0
    while True:  # bytes from before the store: a short transaction per few chunks
        async with tenant_transaction(tenant_id):
            chunks = await tenant_connection().execute_query_dict(
                "SELECT seq, data FROM file_chunk WHERE tenant_id = $1 AND file_id = $2 AND seq > $3 "
                "ORDER BY seq LIMIT 4",
                [tenant_id, row["id"], after],
            )
        for chunk in chunks:
            yield bytes(chunk["data"])
        if len(chunks) < 4:
            return
        after = chunks[-1]["seq"]


async def spool_file(tenant_id: uuid.UUID, row: dict[str, Any]) -> IO[bytes]:
    """The file's bytes in a temporary file (in memory while small), at its start; the caller closes it."""
    data = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    async for piece in read_file(tenant_id, row):
        data.write(piece)
    data.seek(0)
    return data


async def delete_files(where: str, values: list[Any]) -> list[dict[str, Any]]:
    """Delete the current tenant's files matching `where` (SQL over stored_file, parameters from $2
    on) with their chunks; their stored bytes go once the transaction has committed."""
    tenant_id = current_tenant_id()
    rows = await tenant_connection().execute_query_dict(
        f"DELETE FROM stored_file WHERE tenant_id = $1 AND ({where}) RETURNING {', '.join(COLUMNS)}",
        [tenant_id, *values],
    )
    keys = [object_key(tenant_id, row["id"]) for row in rows if row["in_store"]]
    if keys:
        after_commit(lambda: _delete_keys(keys))
    return rows


async def _delete_keys(keys: list[str]) -> None:
    store = current_store()
    for key in keys:
        await store.delete(key)


async def delete_file(file_id: uuid.UUID) -> None:
    await delete_files("id = $2", [file_id])

"""Files as rows and chunks of bytes in PostgreSQL (migration 0021). Written from a stream inside
the caller's tenant transaction (a file too large, or an upload cut short, leaves nothing), read
back chunk by chunk. Content types are told from the bytes, never taken from the client.

Why PostgreSQL rather than a directory: row-level security isolates the bytes exactly as it
isolates the metadata, a file and the record it belongs to are written and purged in one
transaction, workers on other machines read uploads without a shared volume, and backups hold
everything. The size limits (domain/files/limits.py) keep this within what PostgreSQL stores well."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import filetype

from domain.errors import InvalidInput, NotFound
from domain.identity.principal import Principal
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

CHUNK_BYTES = 256 * 1024
SNIFF_BYTES = 8192
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
    (the caller's transaction then rolls back whatever was written) and EMPTY_FILE for nothing."""
    tenant_id, file_id = current_tenant_id(), new_id()
    conn = tenant_connection()
    name = clean_filename(filename)
    await conn.execute_query(
        "INSERT INTO stored_file (tenant_id, id, purpose, filename, content_type, created_by, record_type, record_id, job_id) "
        "VALUES ($1, $2, $3, $4, 'application/octet-stream', $5, $6, $7, $8)",
        [
            tenant_id,
            file_id,
            purpose,
            name,
            principal.user_id,
            record[0] if record else None,
            record[1] if record else None,
            job_id,
        ],
    )
    digest, size, seq, head, pending = hashlib.sha256(), 0, 0, b"", bytearray()
    async for piece in chunks:
        size += len(piece)
        if size > max_bytes:
            raise InvalidInput.single(
                "file", "FILE_TOO_LARGE", f"files may be at most {max_bytes} bytes"
            )
        digest.update(piece)
        if len(head) < SNIFF_BYTES:
            head += piece[: SNIFF_BYTES - len(head)]
        pending += piece
        while len(pending) >= CHUNK_BYTES:
            seq += 1
            await _write_chunk(file_id, seq, bytes(pending[:CHUNK_BYTES]))
            del pending[:CHUNK_BYTES]
    if size == 0:
        raise InvalidInput.single("file", "EMPTY_FILE", "the file is empty")
    if pending:
        seq += 1
        await _write_chunk(file_id, seq, bytes(pending))
    rows = await conn.execute_query_dict(
        "UPDATE stored_file SET size = $3, sha256 = $4, content_type = $5, complete = true WHERE tenant_id = $1 AND id = $2 "
        f"RETURNING {', '.join(COLUMNS)}",
        [tenant_id, file_id, size, digest.hexdigest(), sniff(head, name)],
    )
    return rows[0]


async def _write_chunk(file_id: uuid.UUID, seq: int, data: bytes) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO file_chunk (tenant_id, file_id, seq, data) VALUES ($1, $2, $3, $4)",
        [current_tenant_id(), file_id, seq, data],
    )


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


async def read_file(
    file_id: uuid.UUID, *, chunks_per_read: int = 8, after: int = 0, once: bool = False
) -> AsyncIterator[bytes]:
    """The file's bytes, chunk by chunk (a few chunks per statement), inside the tenant
    transaction; from chunk `after` on, and only one statement's worth with `once`."""
    while True:
        rows = await tenant_connection().execute_query_dict(
            "SELECT seq, data FROM file_chunk WHERE tenant_id = $1 AND file_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
            [current_tenant_id(), file_id, after, chunks_per_read],
        )
        for row in rows:
            yield bytes(row["data"])
        if once or len(rows) < chunks_per_read:
            return
        after = rows[-1]["seq"]


async def delete_file(file_id: uuid.UUID) -> None:
    await tenant_connection().execute_query(
        "DELETE FROM stored_file WHERE tenant_id = $1 AND id = $2", [current_tenant_id(), file_id]
    )

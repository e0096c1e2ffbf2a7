"""Files attached to records, standard or custom. Rights follow the record: whoever may read a
record lists and downloads its files, whoever may update it attaches and deletes them; a record
the caller cannot see has no files for them (NotFound, as the record itself)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from typing import Any

from domain.automation.targets import STANDARD
from domain.custom.metadata import record_spec
from domain.custom.records import get_custom_records
from domain.errors import Forbidden, NotFound
from domain.files.limits import LIMITS
from domain.files.store import COLUMNS, delete_files, save_file
from domain.identity.principal import Principal
from domain.records.listing import get_records
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from tenants.context import current_tenant_id, tenant_connection

CUSTOM_RECORD = "CustomRecord"
ATTACHABLE = (*STANDARD, CUSTOM_RECORD)
MAX_LISTED = 100


async def _record(principal: Principal, record_type: str, record_id: uuid.UUID) -> RecordSpec:
    """The spec of a record the principal may see; NotFound otherwise."""
    try:
        if record_type in STANDARD:
            found = await get_records(STANDARD[record_type][0], [record_id], principal=principal)
            if record_id in found:
                return STANDARD[record_type][0]
        elif record_type == CUSTOM_RECORD:
            custom = await get_custom_records(principal=principal, ids=[record_id])
            if record_id in custom:
                return record_spec(custom[record_id][0])
    except Forbidden:
        pass  # no right to read the type: the record does not exist for this caller
    raise NotFound("no such record")


async def _require(
    principal: Principal, record_type: str, record_id: uuid.UUID, action: Action
) -> None:
    spec = await _record(principal, record_type, record_id)
    if action is not Action.READ:
        spec.require(principal, action)


async def attach(
    *,
    principal: Principal,
    record_type: str,
    record_id: uuid.UUID,
    chunks: AsyncIterable[bytes],
    filename: str,
) -> dict[str, Any]:
    """Store a file on the record (update right); at most MAX_ATTACHMENT_BYTES."""
    await _require(principal, record_type, record_id, Action.UPDATE)
    return await save_file(
        chunks,
        purpose="ATTACHMENT",
        filename=filename,
        max_bytes=LIMITS.max_attachment_bytes,
        principal=principal,
        record=(record_type, record_id),
    )


async def list_attachments(
    *, principal: Principal, record_type: str, record_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The record's files, newest first (read right)."""
    await _require(principal, record_type, record_id, Action.READ)
    return await tenant_connection().execute_query_dict(
        f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND purpose = 'ATTACHMENT' AND complete "
        f"AND record_type = $2 AND record_id = $3 ORDER BY created_at DESC, id DESC LIMIT {MAX_LISTED}",
        [current_tenant_id(), record_type, record_id],
    )


async def attachments_by_id(
    *, principal: Principal, attachment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The attachments among `attachment_ids` whose records the principal may read, by id (one
    query for the files; the records' visibility is checked per attachment)."""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND id = ANY($2::uuid[]) "
        "AND purpose = 'ATTACHMENT' AND complete",
        [current_tenant_id(), attachment_ids],
    )
    readable = {}
    for row in rows:
        try:
            await _require(principal, row["record_type"], row["record_id"], Action.READ)
        except (NotFound, Forbidden):
            continue
        readable[row["id"]] = row
    return readable


async def get_attachment(
    *, principal: Principal, attachment_id: uuid.UUID, action: Action = Action.READ
) -> dict[str, Any]:
    """An attachment of a record the principal may read (or update, for `action`); NotFound otherwise."""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND id = $2 AND purpose = 'ATTACHMENT' AND complete",
        [current_tenant_id(), attachment_id],
    )
    if not rows:
        raise NotFound("no such attachment")
    await _require(principal, rows[0]["record_type"], rows[0]["record_id"], action)
    return rows[0]


async def delete_attachment(*, principal: Principal, attachment_id: uuid.UUID) -> dict[str, Any]:
    """Remove the file and its bytes (update right on its record)."""
    row = await get_attachment(
        principal=principal, attachment_id=attachment_id, action=Action.UPDATE
    )
    await delete_files("id = $2", [attachment_id])
    return row

"""Files attached to records, standard or custom. Rights follow the record: whoever may read a
record lists and downloads its files, whoever may update it attaches and deletes them; a record
the caller cannot see has no files for them (NotFound, as the record itself)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Any

from domain.automation.targets import STANDARD
from domain.custom.files import CUSTOM_RECORD
from domain.custom.metadata import record_spec
from domain.custom.records import get_custom_records
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.files.limits import LIMITS
from domain.files.store import COLUMNS, delete_files, save_file
from domain.identity.principal import Principal
from domain.records.listing import Listing, get_records
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from tenants.context import current_tenant_id, tenant_connection

ATTACHABLE = (*STANDARD, CUSTOM_RECORD)


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


def attachment_cursor(row: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(f"Attachment:{row['id']}".encode()).decode()


def _after(cursor: str | None, field: str) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "Attachment":
            raise ValueError(kind)
        return uuid.UUID(value)
    except (ValueError, UnicodeError):
        raise InvalidInput.single(field, "INVALID_CURSOR", "a cursor of this list") from None


@dataclass(frozen=True)
class Page:
    """Which page of each record's files: newest first; `first` after a cursor, or `last` before one."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


async def attachment_pages(
    record_type: str, record_ids: list[uuid.UUID], page: Page
) -> dict[uuid.UUID, Listing]:
    """A page of the files of each record (whose visibility the caller has checked), newest
    first, in one statement for all of them; totalCount costs one more, when asked."""
    backward = page.last is not None
    size = page.last if backward else page.first
    assert size is not None, "the caller gives first or last"
    after = _after(page.after, "after")
    before = _after(page.before, "before")
    tenant_id = current_tenant_id()
    rows = await tenant_connection().execute_query_dict(
        f"SELECT * FROM (SELECT {', '.join(COLUMNS)}, row_number() OVER (PARTITION BY record_id "
        f"ORDER BY id {'ASC' if backward else 'DESC'}) AS n FROM stored_file WHERE tenant_id = $1 "
        "AND purpose = 'ATTACHMENT' AND complete AND record_type = $2 AND record_id = ANY($3::uuid[]) "
        "AND ($4::uuid IS NULL OR id < $4) AND ($5::uuid IS NULL OR id > $5)) page WHERE n <= $6 "
        "ORDER BY record_id, n",
        [tenant_id, record_type, record_ids, after, before, size + 1],
    )
    by_record: dict[uuid.UUID, list[dict[str, Any]]] = {record_id: [] for record_id in record_ids}
    for row in rows:
        by_record[row["record_id"]].append(row)

    def listing(record_id: uuid.UUID, found: list[dict[str, Any]]) -> Listing:
        more = len(found) > size
        shown = found[:size]

        async def count() -> int:
            counted = await tenant_connection().execute_query_dict(
                "SELECT count(*) AS n FROM stored_file WHERE tenant_id = $1 AND purpose = 'ATTACHMENT' "
                "AND complete AND record_type = $2 AND record_id = $3",
                [tenant_id, record_type, record_id],
            )
            total: int = counted[0]["n"]
            return total

        return Listing(
            rows=list(reversed(shown)) if backward else shown,
            cursor=attachment_cursor,
            has_next=before is not None if backward else more,
            has_previous=more if backward else after is not None,
            count=count,
        )

    return {record_id: listing(record_id, found) for record_id, found in by_record.items()}


async def list_attachments(
    *, principal: Principal, record_type: str, record_id: uuid.UUID, page: Page
) -> Listing:
    """A page of the record's files, newest first (read right)."""
    await _require(principal, record_type, record_id, Action.READ)
    return (await attachment_pages(record_type, [record_id], page))[record_id]


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


async def attachment_rows(attachment_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The attachments among `attachment_ids`, by id, for callers that have already checked that
    their records are visible (a record's FILE and IMAGE values)."""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {', '.join(COLUMNS)} FROM stored_file WHERE tenant_id = $1 AND id = ANY($2::uuid[]) "
        "AND purpose = 'ATTACHMENT' AND complete",
        [current_tenant_id(), attachment_ids],
    )
    return {row["id"]: row for row in rows}


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

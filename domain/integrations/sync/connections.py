"""Sync connections, defined by tenant admins: which connector, where the system is, its
credentials (never shown again), how often to sync, which customer fields map to which of the
system's, and who wins a conflict.

    settings = {"customerFields": {"name": "name", "region": "region"},      # Tessera field -> system field
                "conflicts": {"default": "newest", "fields": {"region": "erp"}}}

A field's owner is `erp` (the system's value always wins and is never pushed), `tessera` (ours
always wins and is never pulled) or `newest` (when both changed since they last agreed, the
later change wins)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.integrations.sync.rest_erp import RestErpConnector
from domain.outbound.http import destination_problem
from domain.records.listing import Listing, list_log
from domain.records.rights import ALL, READ_ONLY, Action
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

CONNECTORS = {"rest_erp": RestErpConnector}
OWNERS = ("newest", "erp", "tessera")
CUSTOMER_FIELDS = (
    "name",
    "website",
    "domain",
    "industry",
    "size",
    "region",
    "tier",
    "creditRating",
)
DEFAULT_SETTINGS = {
    "customerFields": {"name": "name", "region": "region", "industry": "industry"},
    "conflicts": {"default": "newest", "fields": {}},
}

SYNC_SPEC = RecordSpec(
    record_type="SyncConnection",
    table="sync_connection",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("connector", "connector", Kind.TEXT),
        FieldSpec("system", "system", Kind.TEXT),
        FieldSpec("base_url", "base_url", Kind.TEXT),
        FieldSpec("settings", "settings", Kind.JSON),
        FieldSpec("interval_seconds", "interval_seconds", Kind.INT),
        FieldSpec("enabled", "enabled", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights={Role.ADMIN: ALL},
)


def _check_settings(settings: Any, errors: list[FieldError]) -> dict[str, Any]:
    if settings is None:
        return DEFAULT_SETTINGS
    if not isinstance(settings, dict):
        errors.append(
            FieldError(
                "settings", "INVALID_SETTINGS", "an object with customerFields and conflicts"
            )
        )
        return DEFAULT_SETTINGS
    fields = settings.get("customerFields", DEFAULT_SETTINGS["customerFields"])
    conflicts = settings.get("conflicts", DEFAULT_SETTINGS["conflicts"])
    if not isinstance(fields, dict) or not fields:
        errors.append(
            FieldError("settings.customerFields", "REQUIRED", "Tessera field -> the system's field")
        )
        fields = {}
    for name, theirs in fields.items():
        if name not in CUSTOMER_FIELDS or not isinstance(theirs, str) or not theirs:
            errors.append(
                FieldError(
                    f"settings.customerFields.{name}",
                    "UNKNOWN_FIELD",
                    f"one of {', '.join(CUSTOMER_FIELDS)}",
                )
            )
    if not isinstance(conflicts, dict) or conflicts.get("default", "newest") not in OWNERS:
        errors.append(
            FieldError("settings.conflicts.default", "INVALID_CHOICE", " or ".join(OWNERS))
        )
        conflicts = {}
    for name, owner in (conflicts.get("fields") or {}).items():
        if name not in fields or owner not in OWNERS:
            errors.append(
                FieldError(
                    f"settings.conflicts.fields.{name}",
                    "INVALID_CHOICE",
                    f"a mapped field -> {' or '.join(OWNERS)}",
                )
            )
    return {
        "customerFields": fields,
        "conflicts": {
            "default": conflicts.get("default", "newest"),
            "fields": conflicts.get("fields") or {},
        },
    }


async def _check(input: dict[str, Any], creating: bool) -> tuple[dict[str, Any], str | None]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key, column in (("name", "name"), ("system", "system")):
        if creating or key in input:
            text = str(input.get(key) or "").strip()
            if not 1 <= len(text) <= (200 if key == "name" else 50):
                errors.append(FieldError(key, "REQUIRED", f"a {key}"))
            values[column] = text
    if creating:
        if input.get("connector") not in CONNECTORS:
            errors.append(FieldError("connector", "INVALID_CHOICE", ", ".join(CONNECTORS)))
        values["connector"] = input.get("connector")
    if creating or "baseUrl" in input:
        problem = await destination_problem(str(input.get("baseUrl") or ""))
        if problem:
            errors.append(FieldError("baseUrl", *problem))
        values["base_url"] = input.get("baseUrl")
    if creating or "settings" in input:
        values["settings"] = _check_settings(input.get("settings"), errors)
    if "intervalSeconds" in input:
        if (
            not isinstance(input["intervalSeconds"], int)
            or not 10 <= input["intervalSeconds"] <= 86400
        ):
            errors.append(FieldError("intervalSeconds", "OUT_OF_RANGE", "10 seconds to a day"))
        values["interval_seconds"] = input["intervalSeconds"]
    if "enabled" in input:
        values["enabled"] = bool(input["enabled"])
    if errors:
        raise InvalidInput(errors)
    return values, input.get("credentials")


async def create_connection(*, principal: Principal, input: dict[str, Any]) -> dict[str, Any]:
    SYNC_SPEC.require(principal, Action.CREATE)
    values, credentials = await _check(input, True)
    row = (await insert_records(SYNC_SPEC, [values], principal=principal))[0]
    await _set_credentials(row["id"], credentials)
    # Pushing starts with the changes made from now on (customers already here go with their next change).
    await tenant_connection().execute_query(
        "UPDATE sync_connection SET cursors = jsonb_build_object('push', (SELECT coalesce(max(seq), 0) FROM outbox_event "
        "WHERE tenant_id = $1)) WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), row["id"]],
    )
    return row


async def _set_credentials(connection_id: uuid.UUID, credentials: str | None) -> None:
    # Kept out of the audited columns, so no history shows them.
    await tenant_connection().execute_query(
        "UPDATE sync_connection SET credentials = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), connection_id, credentials],
    )


async def update_connection(
    *, principal: Principal, connection_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    SYNC_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(SYNC_SPEC, connection_id, principal=principal)
    check_version(SYNC_SPEC, row, version)
    values, credentials = await _check(input, False)
    if "credentials" in input:
        await _set_credentials(connection_id, credentials)
    return await update_record(SYNC_SPEC, row, values, principal=principal)


async def delete_connection(*, principal: Principal, connection_id: uuid.UUID) -> dict[str, Any]:
    SYNC_SPEC.require(principal, Action.DELETE)
    row = await lock_record(SYNC_SPEC, connection_id, principal=principal)
    return await set_deleted(SYNC_SPEC, row, deleted=True, principal=principal)


async def run_soon(*, principal: Principal, connection_id: uuid.UUID) -> dict[str, Any]:
    """Make the connection due now: the scheduler's next pass (within seconds) runs it."""
    SYNC_SPEC.require(principal, Action.UPDATE)
    await lock_record(SYNC_SPEC, connection_id, principal=principal)
    await tenant_connection().execute_query(
        "UPDATE sync_connection SET next_run_at = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), connection_id, datetime.now(timezone.utc)],
    )
    return await load_connection(connection_id)


async def list_connections(*, principal: Principal) -> list[dict[str, Any]]:
    SYNC_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sync_connection WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        [current_tenant_id()],
    )
    return [decode_row(SYNC_SPEC, row) for row in rows]


async def load_connection(connection_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sync_connection WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
        + (" FOR UPDATE" if lock else ""),
        [current_tenant_id(), connection_id],
    )
    if not rows:
        raise NotFound("sync connection not found")
    row = decode_row(SYNC_SPEC, rows[0])
    row["cursors"] = decode_row(SYNC_SPEC, {"settings": rows[0]["cursors"]})["settings"]
    return row


SYNC_LOG_SPEC = RecordSpec(
    record_type="SyncLogEntry",
    table="sync_log",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("connection_id", "connection_id", Kind.UUID),
        FieldSpec("run_id", "run_id", Kind.UUID),
        FieldSpec("direction", "direction", Kind.TEXT),
        FieldSpec("stream", "stream", Kind.TEXT),
        FieldSpec("external_id", "external_id", Kind.TEXT),
        FieldSpec("record_type", "record_type", Kind.TEXT),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("status", "status", Kind.TEXT),
        FieldSpec("detail", "detail", Kind.TEXT),
        FieldSpec("at", "at", Kind.DATETIME, sortable=True),
    ),
    owned=False,
    soft_delete=False,
    scope_area=SYNC_SPEC.scope_area,
    rights={role: READ_ONLY for role in SYNC_SPEC.rights},
)


async def page_sync_log(
    *,
    principal: Principal,
    connection_id: uuid.UUID | None,
    status: str | None,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the sync log, newest first: each record pulled or pushed, each run's summary."""
    return await list_log(
        SYNC_LOG_SPEC,
        principal=principal,
        newest="at",
        where={"connection_id": connection_id, "status": status},
        first=first,
        after=after,
        before=before,
        backward=backward,
    )

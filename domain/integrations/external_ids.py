"""External ids: a record of any standard or custom type may carry ids of other systems (an ERP's
customer number, a shop's order id). One (type, system, id) maps to one record, so pushing the
same external record twice updates it instead of duplicating it."""

from __future__ import annotations

import json
import uuid

from domain.errors import Conflict, FieldError, InvalidInput
from tenants.context import current_tenant_id, tenant_connection

MAX_SYSTEM, MAX_ID = 50, 200


def check_external(
    system: object, external_id: object, where: str = "externalId"
) -> tuple[str, str]:
    """(system, id) as clean text, or field errors."""
    errors = []
    system_text, id_text = (
        str(system or "").strip(),
        str(external_id if external_id is not None else "").strip(),
    )
    if not 1 <= len(system_text) <= MAX_SYSTEM:
        errors.append(
            FieldError(
                f"{where}.system", "REQUIRED", f"a system name of 1 to {MAX_SYSTEM} characters"
            )
        )
    if not 1 <= len(id_text) <= MAX_ID:
        errors.append(FieldError(f"{where}.id", "REQUIRED", f"an id of 1 to {MAX_ID} characters"))
    if errors:
        raise InvalidInput(errors)
    return system_text, id_text


async def find(record_type: str, system: str, external_id: str) -> uuid.UUID | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT record_id FROM external_id WHERE tenant_id = $1 AND record_type = $2 AND system = $3 AND external_id = $4",
        [current_tenant_id(), record_type, system, external_id],
    )
    return rows[0]["record_id"] if rows else None


async def link(record_type: str, record_id: uuid.UUID, system: str, external_id: str) -> None:
    """Attach the external id to the record; CONFLICT if it already names another record.
    Customers also show it in their `externalIds`."""
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO external_id (tenant_id, record_type, system, external_id, record_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (tenant_id, record_type, system, external_id) DO UPDATE SET record_id = external_id.record_id "
        "RETURNING record_id",
        [current_tenant_id(), record_type, system, external_id, record_id],
    )
    if rows[0]["record_id"] != record_id:
        raise Conflict(f"{system} id {external_id} already belongs to another {record_type}")
    if record_type == "Customer":
        await tenant_connection().execute_query(
            "UPDATE customer SET external_ids = external_ids || $3::jsonb WHERE tenant_id = $1 AND id = $2 "
            "AND NOT external_ids @> $3::jsonb",
            [current_tenant_id(), record_id, json.dumps([{"system": system, "id": external_id}])],
        )


async def ids_of(
    record_type: str, record_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT record_id, system, external_id FROM external_id WHERE tenant_id = $1 AND record_type = $2 "
        "AND record_id = ANY($3::uuid[]) ORDER BY system, external_id",
        [current_tenant_id(), record_type, record_ids],
    )
    found: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row["record_id"], []).append((row["system"], row["external_id"]))
    return found

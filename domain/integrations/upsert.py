"""Upserts by external id: partners push records by their own ids, and the same external record
always lands on the same Tessera record. Up to 100 per call, all or nothing, with each failing
item's field errors (items.N.field)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.targets import create_values, known_type, update_values
from domain.errors import Conflict, FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.integrations import external_ids
from tenants.context import tenant_connection

MAX_ITEMS = 100


async def upsert_records(
    *, principal: Principal, object_name: str, system: str, items: list[tuple[str, dict[str, Any]]]
) -> list[tuple[uuid.UUID, bool]]:
    """(record id, created?) per item, in order. Every item is tried (each in a savepoint), so all
    problems are reported together; any problem undoes the whole call."""
    if not await known_type(object_name):
        raise InvalidInput.single(
            "object", "UNKNOWN_OBJECT", "a standard type (Lead, Customer, ...) or a custom object"
        )
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput.single("items", "OUT_OF_RANGE", f"1 to {MAX_ITEMS} items")
    conn = tenant_connection()
    results: list[tuple[uuid.UUID, bool]] = []
    errors: list[FieldError] = []
    for n, (external_id, values) in enumerate(items):
        await conn.execute_query("SAVEPOINT upsert_item")
        try:
            clean_system, clean_id = external_ids.check_external(
                system, external_id, where=f"items.{n}.externalId"
            )
            results.append(
                await _upsert_one(principal, object_name, clean_system, clean_id, values)
            )
            await conn.execute_query("RELEASE SAVEPOINT upsert_item")
        except InvalidInput as exc:
            await conn.execute_query("ROLLBACK TO SAVEPOINT upsert_item")
            errors += [
                FieldError(
                    e.field if e.field.startswith(f"items.{n}.") else f"items.{n}.{e.field}",
                    e.code,
                    e.message,
                )
                for e in exc.field_errors
            ]
        except (Conflict, NotFound) as exc:
            await conn.execute_query("ROLLBACK TO SAVEPOINT upsert_item")
            errors.append(
                FieldError(
                    f"items.{n}", "CONFLICT" if isinstance(exc, Conflict) else "NOT_FOUND", str(exc)
                )
            )
    if errors:
        raise InvalidInput(errors)
    return results


async def _upsert_one(
    principal: Principal, object_name: str, system: str, external_id: str, values: dict[str, Any]
) -> tuple[uuid.UUID, bool]:
    record_id = await external_ids.find(object_name, system, external_id)
    if record_id is not None:
        await update_values(object_name, record_id, values, principal=principal)
        return record_id, False
    record_id = await create_values(object_name, values, principal=principal)
    await external_ids.link(object_name, record_id, system, external_id)
    return record_id, True

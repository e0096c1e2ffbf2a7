"""What both sides last agreed on, per external record, and the sync log."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.identity.principal import Principal
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id


@dataclass(frozen=True)
class Ctx:
    connection_id: uuid.UUID
    run_id: uuid.UUID
    system: str
    settings: dict[str, Any]
    principal: Principal


def norm(value: Any) -> str | None:
    """Values compared as text (numbers with two decimals, times in ISO form), so the same value
    read from the system's JSON and from our columns compares equal."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    return str(value)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "agreed": json.loads(row["agreed"]) if isinstance(row["agreed"], str) else row["agreed"],
    }


async def state_of(ctx: Ctx, stream: str, external_id: str) -> dict[str, Any] | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sync_state WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3 AND external_id = $4",
        [current_tenant_id(), ctx.connection_id, stream, external_id],
    )
    return _decoded(rows[0]) if rows else None


async def state_of_record(
    ctx: Ctx, stream: str, record_type: str, record_id: uuid.UUID
) -> dict[str, Any] | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM sync_state WHERE tenant_id = $1 AND connection_id = $2 AND stream = $3 AND record_type = $4 AND record_id = $5",
        [current_tenant_id(), ctx.connection_id, stream, record_type, record_id],
    )
    return _decoded(rows[0]) if rows else None


async def save_state(
    ctx: Ctx,
    stream: str,
    external_id: str,
    record_type: str,
    record_id: uuid.UUID,
    agreed: dict[str, Any],
    external_updated_at: datetime | None,
) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO sync_state (tenant_id, connection_id, stream, external_id, record_type, record_id, agreed, external_updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (tenant_id, connection_id, stream, external_id) DO UPDATE "
        "SET record_id = EXCLUDED.record_id, agreed = EXCLUDED.agreed, synced_at = now(), "
        "external_updated_at = COALESCE(EXCLUDED.external_updated_at, sync_state.external_updated_at)",
        [
            current_tenant_id(),
            ctx.connection_id,
            stream,
            external_id,
            record_type,
            record_id,
            json.dumps(agreed),
            external_updated_at,
        ],
    )


async def log(
    ctx: Ctx,
    direction: str,
    stream: str | None,
    external_id: str | None,
    record_type: str | None,
    record_id: uuid.UUID | None,
    status: str,
    detail: str | None,
) -> None:
    await tenant_connection().execute_query(
        "INSERT INTO sync_log (tenant_id, id, connection_id, run_id, direction, stream, external_id, record_type, record_id, status, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            current_tenant_id(),
            new_id(),
            ctx.connection_id,
            ctx.run_id,
            direction,
            stream,
            external_id,
            record_type,
            record_id,
            status,
            detail,
        ],
    )

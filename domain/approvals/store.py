"""Reading and writing approval requests and their tasks: the rows, decoded."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from domain.errors import NotFound
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_PAGE = 100


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def request_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "definition": _json(row["definition"]), "history": _json(row["history"])}


async def lock_request(request_id: uuid.UUID) -> dict[str, Any]:
    """The request, locked for this transaction: decisions on one request happen one at a time."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_request WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        [current_tenant_id(), request_id],
    )
    if not rows:
        raise NotFound("approval request not found")
    return request_row(rows[0])


async def load_request(request_id: uuid.UUID) -> dict[str, Any]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_request WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), request_id],
    )
    if not rows:
        raise NotFound("approval request not found")
    return request_row(rows[0])


async def save_request(request: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Write `changes` (columns) to the request, one version up; returns it as it is now."""
    request.update(changes)
    columns = list(changes)
    values = [json.dumps(v) if c in ("history", "definition") else v for c, v in changes.items()]
    sets = ", ".join(
        f"{c} = ${i + 3}{'::jsonb' if c in ('history', 'definition') else ''}"
        for i, c in enumerate(columns)
    )
    rows = await tenant_connection().execute_query_dict(
        f"UPDATE approval_request SET {sets}, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 "
        "RETURNING *",
        [current_tenant_id(), request["id"], *values],
    )
    return request_row(rows[0])


def noted(request: dict[str, Any], event: str, **details: Any) -> list[dict[str, Any]]:
    """The request's history with one more entry (what happened, when, to which step)."""
    entry = {
        "event": event,
        "at": datetime.now(timezone.utc).isoformat(),
        **{
            k: (str(v) if isinstance(v, uuid.UUID) else v)
            for k, v in details.items()
            if v is not None
        },
    }
    return [*request["history"], entry]


async def tasks_of(request_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Every task of the requests, in the order they were asked and decided."""
    if not request_ids:
        return []
    return await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_task WHERE tenant_id = $1 AND request_id = ANY($2::uuid[]) ORDER BY round, created_at, id",
        [current_tenant_id(), request_ids],
    )


async def round_tasks(request: dict[str, Any]) -> list[dict[str, Any]]:
    return await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_task WHERE tenant_id = $1 AND request_id = $2 AND round = $3 ORDER BY created_at, id",
        [current_tenant_id(), request["id"], request["round"]],
    )


async def add_tasks(
    request: dict[str, Any], step_index: int, approvers: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Pending tasks for the approvers of the request's current round (each at most once); who was added."""
    if not approvers:
        return []
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO approval_task (tenant_id, id, request_id, step_index, round, approver_id, status) "
        "SELECT $1, t.id, $2, $3, $4, t.approver, 'PENDING' FROM unnest($5::uuid[], $6::uuid[]) AS t(id, approver) "
        "ON CONFLICT (tenant_id, request_id, round, approver_id) DO NOTHING RETURNING approver_id",
        [
            current_tenant_id(),
            request["id"],
            step_index,
            request["round"],
            [new_id() for _ in approvers],
            approvers,
        ],
    )
    added = {row["approver_id"] for row in rows}
    return [a for a in approvers if a in added]


async def close_pending(request: dict[str, Any]) -> None:
    """The round's tasks nobody decided are closed: the step is settled without them."""
    await tenant_connection().execute_query(
        "UPDATE approval_task SET status = 'CLOSED', decided_at = now() WHERE tenant_id = $1 AND request_id = $2 "
        "AND status = 'PENDING'",
        [current_tenant_id(), request["id"]],
    )


async def cancel_timers(request: dict[str, Any]) -> None:
    """The request's timers that have not fired will not: the step they watch is over."""
    await tenant_connection().execute_query(
        "UPDATE approval_timer SET fired_at = now() WHERE tenant_id = $1 AND request_id = $2 AND fired_at IS NULL",
        [current_tenant_id(), request["id"]],
    )

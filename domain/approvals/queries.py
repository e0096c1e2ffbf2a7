"""Reading approvals: what waits on the caller (their own tasks and those delegated to them), the
requests the caller may see, and a record's requests with each step's decisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from domain.approvals import store
from domain.approvals.delegation import delegators_of
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.sql import Params
from tenants.context import current_tenant_id, tenant_connection

STATUSES = ("PENDING", "APPROVED", "REJECTED", "RECALLED", "CANCELLED")


@dataclass(frozen=True)
class TaskFilter:
    record_type: str | None = None
    process_id: uuid.UUID | None = None
    delegated: bool | None = None  # True: only work delegated to me; False: only my own


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    record_type: str | None = None
    record_id: uuid.UUID | None = None
    process_id: uuid.UUID | None = None
    submitted_by: uuid.UUID | None = None
    ids: list[uuid.UUID] | None = None


def _task_where(
    principal: Principal, delegators: list[uuid.UUID], filter: TaskFilter, params: Params
) -> str:
    mine = [principal.user_id] if filter.delegated is not True else []
    theirs = delegators if filter.delegated is not False else []
    where = [
        "t.tenant_id = $1",
        "t.status = 'PENDING'",
        f"t.approver_id = ANY({params.add(mine + theirs)}::uuid[])",
        "r.status = 'PENDING'",
    ]
    if filter.record_type:
        where.append(f"r.record_type = {params.add(filter.record_type)}")
    if filter.process_id:
        where.append(f"r.process_id = {params.add(filter.process_id)}")
    return " AND ".join(where)


async def my_approvals(
    *,
    principal: Principal,
    filter: TaskFilter,
    first: int,
    after: uuid.UUID | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The caller's pending tasks (and those of people who delegated to the caller now), oldest
    first, with their requests; and how many there are in all."""
    delegators = await delegators_of(principal.user_id, datetime.now(timezone.utc))
    params = Params(current_tenant_id())
    where = _task_where(principal, delegators, filter, params)
    conn = tenant_connection()
    count = (
        await conn.execute_query_dict(
            f"SELECT count(*) AS n FROM approval_task t JOIN approval_request r ON r.tenant_id = t.tenant_id AND r.id = t.request_id "
            f"WHERE {where}",
            params.values,
        )
    )[0]["n"]
    page_where = where + (f" AND t.id > {params.add(after)}" if after else "")
    rows = await conn.execute_query_dict(
        f"SELECT t.id AS task_id, t.approver_id, t.created_at AS asked_at, r.* FROM approval_task t JOIN approval_request r "
        f"ON r.tenant_id = t.tenant_id AND r.id = t.request_id WHERE {page_where} ORDER BY t.id LIMIT {params.add(min(first, store.MAX_PAGE))}",
        params.values,
    )
    return [
        {
            **store.request_row(row),
            "on_behalf_of": row["approver_id"] if row["approver_id"] != principal.user_id else None,
        }
        for row in rows
    ], int(count)


async def list_requests(
    *,
    principal: Principal,
    filter: RequestFilter,
    first: int,
    after: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Requests, newest first: all of them for admins and managers, for others those they submitted
    or have (had) a part in deciding, themselves or by delegation."""
    params = Params(current_tenant_id())
    where = ["r.tenant_id = $1"]
    for column, value in (
        ("status", filter.status),
        ("record_type", filter.record_type),
        ("record_id", filter.record_id),
        ("process_id", filter.process_id),
        ("submitted_by", filter.submitted_by),
    ):
        if value is not None:
            where.append(f"r.{column} = {params.add(value)}")
    if filter.ids is not None:
        where.append(f"r.id = ANY({params.add(filter.ids)}::uuid[])")
    if not principal.has_role(Role.ADMIN, Role.MANAGER):
        people = params.add(
            [principal.user_id, *await delegators_of(principal.user_id, datetime.now(timezone.utc))]
        )
        where.append(
            f"(r.submitted_by = {params.add(principal.user_id)} OR EXISTS (SELECT 1 FROM approval_task t "
            f"WHERE t.tenant_id = r.tenant_id AND t.request_id = r.id AND (t.approver_id = ANY({people}::uuid[]) "
            f"OR t.decided_by = ANY({people}::uuid[]))))"
        )
    if after:
        where.append(f"r.id < {params.add(after)}")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT r.* FROM approval_request r WHERE {' AND '.join(where)} ORDER BY r.id DESC "
        f"LIMIT {params.add(min(first, store.MAX_PAGE))}",
        params.values,
    )
    return [store.request_row(row) for row in rows]


async def requests_of_records(record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Every request of the records (whose visibility the caller's read of them settled), newest first."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_request WHERE tenant_id = $1 AND record_id = ANY($2::uuid[]) ORDER BY submitted_at DESC, id DESC",
        [current_tenant_id(), record_ids],
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {record_id: [] for record_id in record_ids}
    for row in rows:
        found[row["record_id"]].append(store.request_row(row))
    return found


async def visible_requests(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The requests among `ids` the principal may read (as list_requests), by id."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(ids), store.MAX_PAGE):
        chunk = ids[start : start + store.MAX_PAGE]
        rows = await list_requests(
            principal=principal, filter=RequestFilter(ids=chunk), first=len(chunk)
        )
        found.update((row["id"], row) for row in rows)
    return found


async def requests_by_id(request_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Requests by id, for callers who already know the caller may read their records (a
    customer's timeline lists only requests on records the caller may read)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM approval_request WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
        [current_tenant_id(), request_ids],
    )
    return {row["id"]: store.request_row(row) for row in rows}

"""Saved reports and dashboards: stored per tenant, owned by their creator, private or shared
with roles and teams. Who may read one: its owner, admins, and (when shared) members of a shared
role or team; who may change or delete it: its owner and admins. Running a report is the API's
(it rebuilds the query from the saved parameters); a report's numbers are always computed for the
reader, with the reader's visibility, never the owner's."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.sql import Params
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_WIDGETS = 24
MAX_SHARES = 50


class Visibility(str, Enum):
    PRIVATE = "PRIVATE"
    SHARED = "SHARED"


class Chart(str, Enum):
    TABLE = "TABLE"
    NUMBER = "NUMBER"
    BAR = "BAR"
    LINE = "LINE"
    PIE = "PIE"
    FUNNEL = "FUNNEL"


@dataclass
class Sharing:
    visibility: Visibility = Visibility.PRIVATE
    roles: tuple[Role, ...] = ()
    team_ids: tuple[uuid.UUID, ...] = ()


_TABLES = {"report": "saved_report", "dashboard": "dashboard"}


def readable_sql(principal: Principal, params: Params, alias: str = "r") -> str:
    """Rows of saved_report / dashboard the principal may read (not deleted)."""
    clauses = [
        f"{alias}.tenant_id = {params.add(current_tenant_id())}",
        f"{alias}.deleted_at IS NULL",
    ]
    if principal.role is Role.ADMIN:
        return " AND ".join(clauses)
    me = params.add(principal.user_id)
    teams = (
        f"(SELECT coalesce(array_agg(team_id), '{{}}') FROM team_member WHERE tenant_id = {alias}.tenant_id "
        f"AND user_id = {me})"
    )
    clauses.append(
        f"({alias}.owner_id = {me} OR ({alias}.visibility = 'SHARED' AND "
        f"({params.add(principal.role.value)} = ANY({alias}.shared_roles) OR {alias}.shared_team_ids && {teams})))"
    )
    return " AND ".join(clauses)


async def _check_sharing(sharing: Sharing, errors: list[FieldError]) -> None:
    if len(sharing.roles) + len(sharing.team_ids) > MAX_SHARES:
        errors.append(
            FieldError(
                "sharedTeamIds", "TOO_MANY", f"share with at most {MAX_SHARES} roles and teams"
            )
        )
    if sharing.team_ids:
        rows = await tenant_connection().execute_query_dict(
            "SELECT id FROM team WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL",
            [current_tenant_id(), list(sharing.team_ids)],
        )
        missing = set(sharing.team_ids) - {row["id"] for row in rows}
        if missing:
            errors.append(
                FieldError(
                    "sharedTeamIds", "NOT_FOUND", "every shared team must be a team of the tenant"
                )
            )


def _check_name(name: str | None, errors: list[FieldError], required: bool) -> None:
    if name is None:
        if required:
            errors.append(FieldError("name", "REQUIRED", "name is required"))
        return
    if not 1 <= len(name.strip()) <= 200:
        errors.append(FieldError("name", "OUT_OF_RANGE", "name must be 1 to 200 characters"))


async def save(
    kind: str,
    *,
    principal: Principal,
    record_id: uuid.UUID | None,
    version: int | None,
    values: dict[str, Any],
    sharing: Sharing | None,
    errors: list[FieldError],
) -> dict[str, Any]:
    """Create (record_id None) or update a saved report or dashboard; `values` are its own columns
    (name, description, and kind/params or widgets). All checks first, one statement after."""
    table = _TABLES[kind]
    _check_name(values.get("name"), errors, required=record_id is None)
    if sharing is not None:
        await _check_sharing(sharing, errors)
    if errors:
        raise InvalidInput(errors)
    columns = dict(values)
    if sharing is not None:
        columns.update(
            visibility=sharing.visibility.value,
            shared_roles=[r.value for r in sharing.roles],
            shared_team_ids=list(sharing.team_ids),
        )
    for name in ("params", "widgets"):
        if name in columns:
            columns[name] = json.dumps(columns[name])
    casts = {
        "params": "::jsonb",
        "widgets": "::jsonb",
        "shared_roles": "::text[]",
        "shared_team_ids": "::uuid[]",
    }
    conn = tenant_connection()
    if record_id is None:
        columns.update(tenant_id=current_tenant_id(), id=new_id(), owner_id=principal.user_id)
        names = list(columns)
        markers = ", ".join(
            f"${index + 1}{casts.get(name, '')}" for index, name in enumerate(names)
        )
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({markers}) RETURNING *"
        return _decoded((await conn.execute_query_dict(sql, list(columns.values())))[0])
    current = await get(kind, principal=principal, record_id=record_id, for_update=True)
    if current["owner_id"] != principal.user_id and principal.role is not Role.ADMIN:
        raise Forbidden(f"only its owner or an admin may change this {kind}")
    if version is not None and version != current["version"]:
        raise Conflict(f"the {kind} changed since version {version}; read it again")
    params = Params(current_tenant_id(), record_id)
    sets = [f"{name} = {params.add(value)}{casts.get(name, '')}" for name, value in columns.items()]
    sets += ["version = version + 1", "updated_at = now()"]
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE tenant_id = $1 AND id = $2 RETURNING *"
    return _decoded((await conn.execute_query_dict(sql, params.values))[0])


async def delete(kind: str, *, principal: Principal, record_id: uuid.UUID) -> dict[str, Any]:
    current = await get(kind, principal=principal, record_id=record_id, for_update=True)
    if current["owner_id"] != principal.user_id and principal.role is not Role.ADMIN:
        raise Forbidden(f"only its owner or an admin may delete this {kind}")
    rows = await tenant_connection().execute_query_dict(
        f"UPDATE {_TABLES[kind]} SET deleted_at = now(), version = version + 1 WHERE tenant_id = $1 AND id = $2 RETURNING *",
        [current_tenant_id(), record_id],
    )
    return _decoded(rows[0])


async def get(
    kind: str, *, principal: Principal, record_id: uuid.UUID, for_update: bool = False
) -> dict[str, Any]:
    """One saved report or dashboard the principal may read; NotFound otherwise."""
    found = await get_many(kind, principal=principal, ids=[record_id], for_update=for_update)
    if record_id not in found:
        raise NotFound(f"no such {kind}")
    return found[record_id]


async def get_many(
    kind: str, *, principal: Principal, ids: list[uuid.UUID], for_update: bool = False
) -> dict[uuid.UUID, dict[str, Any]]:
    params = Params()
    where = readable_sql(principal, params)
    sql = (
        f"SELECT * FROM {_TABLES[kind]} r WHERE {where} AND r.id = ANY({params.add(ids)}::uuid[])"
        f"{' FOR UPDATE' if for_update else ''}"
    )
    return {
        row["id"]: _decoded(row)
        for row in await tenant_connection().execute_query_dict(sql, params.values)
    }


async def list_saved(kind: str, *, principal: Principal, limit: int = 200) -> list[dict[str, Any]]:
    """The reports or dashboards the principal may read, by name."""
    params = Params()
    sql = f"SELECT * FROM {_TABLES[kind]} r WHERE {readable_sql(principal, params)} ORDER BY r.name, r.id LIMIT {int(limit)}"
    return [
        _decoded(row) for row in await tenant_connection().execute_query_dict(sql, params.values)
    ]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("params", "widgets"):
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row

"""Teams: groups of members with a manager; they own records together and drive visibility."""

from __future__ import annotations

import uuid
from typing import Any

from domain.errors import InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.audit import record_events
from domain.records.rights import ALL, READ_ONLY
from domain.records.rows import group_rows
from domain.records.spec import COMMON_FIELDS, MEMBER, FieldSpec, Kind, RecordSpec
from domain.records.validation import Checker
from tenants.context import current_tenant_id, tenant_connection

MAX_MEMBERS = 500

TEAM_SPEC = RecordSpec(
    record_type="Team",
    table="team",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("manager_id", "manager_id", Kind.UUID, references=MEMBER),
    ),
    owned=False,
    scope_area="admin",
    unique={"team_name_key": "name"},
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: READ_ONLY,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


def _validate(check: Checker) -> None:
    check.text("name", required=True, max_length=200)
    check.reference("manager_id")


async def create_team(*, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    """Create a team, with its members if `memberIds` is given."""
    member_ids = values.pop("member_ids", None)
    row = (await service.create(TEAM_SPEC, [values], principal=principal, validate=_validate))[0]
    if member_ids is not None:
        await _set_members(row["id"], member_ids, principal=principal)
    return row


async def update_team(*, principal: Principal, change: service.Change) -> dict[str, Any]:
    """Rename, change the manager, or replace the member list (`memberIds`)."""
    values = dict(change.values)
    member_ids = values.pop("member_ids", None)
    row = (
        await service.update(
            TEAM_SPEC,
            [service.Change(change.id, change.version, values)],
            principal=principal,
            validate=_validate,
        )
    )[0]
    if member_ids is not None:
        await _set_members(row["id"], member_ids, principal=principal)
    return row


async def _set_members(
    team_id: uuid.UUID, member_ids: list[uuid.UUID], *, principal: Principal
) -> None:
    wanted = list(dict.fromkeys(member_ids))
    if len(wanted) > MAX_MEMBERS:
        raise InvalidInput.single(
            "member_ids", "TOO_MANY", f"a team has at most {MAX_MEMBERS} members"
        )
    conn = tenant_connection()
    tenant = current_tenant_id()
    known = await conn.execute_query_dict(
        "SELECT user_id FROM membership WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])",
        [tenant, wanted],
    )
    missing = set(wanted) - {row["user_id"] for row in known}
    if missing:
        raise InvalidInput.single(
            "member_ids", "NOT_FOUND", f"{len(missing)} of the members do not exist"
        )
    before = (await members_of([team_id]))[team_id]
    await conn.execute_query(
        "DELETE FROM team_member WHERE tenant_id = $1 AND team_id = $2", [tenant, team_id]
    )
    await conn.execute_query(
        "INSERT INTO team_member (tenant_id, team_id, user_id) SELECT $1, $2, unnest($3::uuid[])",
        [tenant, team_id, wanted],
    )
    if set(before) != set(wanted):
        await record_events(
            TEAM_SPEC,
            [(team_id, "members_changed", {"member_ids": (before, sorted(wanted))})],
            actor_id=principal.user_id,
        )


async def members_of(team_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Member ids of each team, in one query."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT team_id, user_id FROM team_member WHERE tenant_id = $1 AND team_id = ANY($2::uuid[]) "
        "ORDER BY user_id",
        [current_tenant_id(), team_ids],
    )
    return group_rows(rows, "team_id", team_ids, lambda row: row["user_id"])


async def create_teams(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[dict[str, Any]]:
    return [await create_team(principal=principal, values=dict(item)) for item in items]


async def update_teams(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[dict[str, Any]]:
    return [await update_team(principal=principal, change=change) for change in changes]

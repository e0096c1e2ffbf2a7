"""Team mutations (admins)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.crm.inputs import CreateTeamInput, DeleteInput, RestoreInput, UpdateTeamInput
from api.crm.mutations.common import change_of
from api.crm.types import TeamType
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from api.records.inputs import values_of
from domain.crm import teams
from domain.crm.teams import TEAM_SPEC
from domain.records import service

TYPE = TEAM_SPEC.record_type


@strawberry.mutation(permission_classes=[Authenticated])
async def create_team(info: Info, input: CreateTeamInput) -> TeamType:
    return TeamType.from_row(await teams.create_team(principal=principal_of(info), values=values_of(input)))


@strawberry.mutation(permission_classes=[Authenticated])
async def update_team(info: Info, input: UpdateTeamInput) -> TeamType:
    return TeamType.from_row(await teams.update_team(principal=principal_of(info), change=change_of(input, TYPE)))


@strawberry.mutation(permission_classes=[Authenticated])
async def delete_team(info: Info, input: DeleteInput) -> TeamType:
    row = await service.delete(TEAM_SPEC, decode_id(input.id, expected=TYPE, field="id"), input.version,
                               principal=principal_of(info))
    return TeamType.from_row(row)


@strawberry.mutation(permission_classes=[Authenticated])
async def restore_team(info: Info, input: RestoreInput) -> TeamType:
    row = await service.restore(TEAM_SPEC, decode_id(input.id, expected=TYPE, field="id"), principal=principal_of(info))
    return TeamType.from_row(row)

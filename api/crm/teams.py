"""Teams: their inputs, list and mutations (the Team type is the kernel's: api/records/teams.py)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.crm.listing import list_connection
from api.permissions import Authenticated
from api.records.crud import (
    RecordWrites,
    create_mutation,
    delete_mutation,
    restore_mutation,
    update_mutation,
)
from api.records.generated import filter_input, order_input
from api.records.pagination import Connection
from api.records.teams import TeamType
from domain.crm import teams
from domain.crm.teams import TEAM_SPEC

TeamFilter = filter_input(TEAM_SPEC)
TeamOrder = order_input(TEAM_SPEC)


@strawberry.input
class TeamFields:
    name: str | None = UNSET
    manager_id: relay.GlobalID | None = UNSET
    member_ids: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description="Replaces the member list"
    )


@strawberry.input
class CreateTeamInput(TeamFields):
    name: str


@strawberry.input
class UpdateTeamInput(TeamFields):
    id: relay.GlobalID
    version: int


@strawberry.type
class TeamQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def teams(
        self,
        info: Info,
        filter: TeamFilter | None = None,
        order_by: list[TeamOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TeamType]:
        return await list_connection(
            info, TEAM_SPEC, TeamType, filter, order_by, first, after, last=last, before=before
        )


TEAM_WRITES = RecordWrites(
    TEAM_SPEC, TeamType, create=teams.create_teams, update=teams.update_teams
)


@strawberry.type
class TeamMutations:
    update_team = update_mutation(TEAM_WRITES, UpdateTeamInput)
    delete_team = delete_mutation(TEAM_WRITES)
    restore_team = restore_mutation(TEAM_WRITES)
    create_team = create_mutation(TEAM_WRITES, CreateTeamInput)

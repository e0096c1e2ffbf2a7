"""The Owned mixin: the owner and team of a record (what record visibility is decided by)."""

from __future__ import annotations

import uuid

import strawberry

from api.records.relations import relation
from api.records.teams import TeamType
from api.records.users import UserType
from domain.crm.teams import TEAM_SPEC


@strawberry.type
class Owned:
    """Mixin: the owner and team of an owned record."""

    owner_id: strawberry.Private[uuid.UUID | None]
    team_id: strawberry.Private[uuid.UUID | None]

    owner = relation(column="owner_id", target=None, type=UserType)
    team = relation(column="team_id", target=TEAM_SPEC, type=TeamType)

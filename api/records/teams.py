"""The Team type: part of the kernel because every owned record points at its team."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.records import loaders
from api.records.history import WithHistory
from api.records.record import Record, from_columns, resolve_record_nodes
from api.records.relations import relation
from api.records.users import UserType
from domain.crm.teams import TEAM_SPEC
from domain.records.spec import RecordSpec


@strawberry.type(name="Team")
class TeamType(relay.Node, Record, WithHistory):
    SPEC: ClassVar[RecordSpec] = TEAM_SPEC
    node_id: relay.NodeID[str]
    name: str
    manager_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TeamType:
        return from_columns(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, TEAM_SPEC, info, node_ids)

    manager = relation(column="manager_id", target=None, type=UserType)

    @strawberry.field
    async def members(self, info: Info) -> list[UserType]:
        ids = await loaders.team_members(info).load(uuid.UUID(self.node_id))
        return [
            u for u in [UserType.from_row(r) for r in await loaders.users(info).load_many(ids)] if u
        ]

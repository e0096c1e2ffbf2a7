"""Members of the tenant as GraphQL sees them: the User type (what owners, assignees, managers
and authors point at) and the Role enum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.execution import Prefetched
from api.permissions import principal_of
from api.records.record import from_columns, uuids
from domain.identity.directory import users_by_id
from domain.identity.roles import Role as DomainRole
from domain.records.includes import MEMBER_COLUMNS

# strawberry.enum marks the domain's enum itself: one class, which mypy then reads as a type.
strawberry.enum(DomainRole, name="Role", description="Built-in roles of a tenant member")
Role = DomainRole


@strawberry.type(name="User", description="A member of the tenant")
class UserType(relay.Node, Prefetched):
    COLUMNS: ClassVar[tuple[str, ...]] = MEMBER_COLUMNS
    node_id: relay.NodeID[str]
    email: str
    name: str
    role: str = strawberry.field(
        description="admin, manager, member, agent or viewer (in this tenant)"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any] | None) -> UserType | None:
        return None if row is None else from_columns(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal_of(info)
        wanted = list(node_ids)
        by_id = {str(k): cls.from_row(v) for k, v in (await users_by_id(uuids(wanted))).items()}
        return [by_id.get(node_id) for node_id in wanted]

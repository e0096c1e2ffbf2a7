"""The tenant's members, for owner and assignee pickers (the User type is the kernel's)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.permissions import Authenticated, principal_of
from api.records.pagination import page_size
from api.records.users import Role, UserType
from domain.identity.directory import list_members


@strawberry.type
class MemberQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The tenant's members by name (for owner and assignee pickers)",
    )
    async def members(
        self, info: Info, search: str | None = None, role: Role | None = None, first: int = 100
    ) -> list[UserType]:
        principal_of(info)
        rows = await list_members(
            search=search, role=role.value if role else None, limit=page_size(first)
        )
        return [user for row in rows if (user := UserType.from_row(row)) is not None]

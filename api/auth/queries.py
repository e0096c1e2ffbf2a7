"""Queries of the auth area."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.types import ApiTokenType, Me, TenantType, global_id
from api.permissions import ADMIN_READ, Authenticated, principal_of
from api.records.pagination import Connection, listing_connection, page_of
from api.records.users import Role
from domain.identity import api_tokens
from domain.identity.principal import Principal
from domain.identity.profile import get_profile


@strawberry.type
class AuthQueries:
    @strawberry.field(permission_classes=[Authenticated], description="The caller and their tenant")
    async def me(self, info: Info) -> Me:
        return await load_me(principal_of(info))

    @strawberry.field(
        permission_classes=[ADMIN_READ], description="The tenant's API tokens, oldest first"
    )
    async def api_tokens(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiTokenType]:
        listing = await api_tokens.list_api_tokens(
            principal=principal_of(info), **page_of(first, after, last, before).listing_args()
        )
        return listing_connection(listing, ApiTokenType.from_row)


async def load_me(principal: Principal) -> Me:
    """The caller and their tenant, as `me` shows them."""
    profile = await get_profile(principal=principal)
    return Me(
        id=global_id("User", profile.user_id),
        email=profile.email,
        name=profile.name,
        role=Role(principal.role),
        tenant=TenantType.from_profile(profile),
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
        locale=profile.locale,
        time_zone=profile.time_zone,
    )

"""GraphQL types of the auth area; no rules live here, only the shape clients see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import check_access, principal_of
from api.records.record import nodes_in_order
from api.records.users import Role
from domain.identity import api_tokens
from domain.identity.models import ApiToken
from domain.identity.profile import Profile, get_profile
from domain.identity.roles import Role as DomainRole


@strawberry.type
class AuthPayload:
    access_token: str = strawberry.field(
        description="Short-lived JWT; send as `Authorization: Bearer`"
    )
    refresh_token: str = strawberry.field(
        description="Opaque, single-use; trade it with refreshSession"
    )
    expires_at: datetime = strawberry.field(description="When the access token expires")


@strawberry.type(name="Tenant", description="The organisation the caller's credential belongs to")
class TenantType(relay.Node):
    node_id: relay.NodeID[str]
    slug: str
    name: str

    @classmethod
    def from_profile(cls, profile: Profile) -> TenantType:
        return cls(
            node_id=str(profile.tenant_id), slug=profile.tenant_slug, name=profile.tenant_name
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Only the caller's own tenant: every other tenant id is no node."""
        principal = principal_of(info)

        async def own(ids: list[UUID]) -> dict[UUID, Profile]:
            if principal.tenant_id not in ids:
                return {}
            return {principal.tenant_id: await get_profile(principal=principal)}

        return await nodes_in_order(node_ids, own, cls.from_profile)


@strawberry.type
class Me:
    id: strawberry.ID
    email: str
    name: str
    role: Role
    tenant: TenantType
    scopes: list[str] | None = strawberry.field(
        description="The scopes of the API token in use; null for a user's own session"
    )
    locale: str | None = strawberry.field(
        default=None,
        description='The language of messages the user chose ("en", "zh-CN"); null: the request\'s '
        "Accept-Language, else the tenant's locale",
    )
    time_zone: str | None = strawberry.field(
        default=None, description="The user's IANA time zone; null: the tenant's"
    )


@strawberry.type(name="ApiToken")
class ApiTokenType(relay.Node):
    token_id: relay.NodeID[str]
    name: str
    scopes: list[str]
    hint: str = strawberry.field(description="Start and end of the secret, to tell tokens apart")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiTokenType:
        return cls(
            token_id=str(row["id"]),
            name=row["name"],
            scopes=list(row["scopes"]),
            hint=row["hint"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )

    @classmethod
    def from_model(cls, token: ApiToken) -> ApiTokenType:
        return cls.from_row(
            {
                name: getattr(token, name)
                for name in (
                    "id",
                    "name",
                    "scopes",
                    "hint",
                    "created_at",
                    "expires_at",
                    "last_used_at",
                    "revoked_at",
                )
            }
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # relay.Node's overloads, answered by one signature
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiTokenType | None]:
        check_access(principal_of(info), roles=(DomainRole.ADMIN,), scope="admin:read")
        wanted = list(node_ids)
        ids = [_uuid_or_none(node_id) for node_id in wanted]
        rows = await api_tokens.get_api_tokens(ids=[i for i in ids if i is not None])
        by_id = {str(row.id): cls.from_model(row) for row in rows}
        return [by_id.get(node_id) for node_id in wanted]


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiTokenType
    secret: str = strawberry.field(description="The token itself. Shown once; store it now.")


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def global_id(type_name: str, value: UUID) -> strawberry.ID:
    return strawberry.ID(relay.to_base64(type_name, str(value)))

"""Inputs of the auth mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay


@strawberry.input
class LoginInput:
    tenant: str = strawberry.field(description="The tenant's slug")
    email: str
    password: str


@strawberry.input
class RefreshSessionInput:
    refresh_token: str


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[str] = strawberry.field(description="e.g. crm:read, crm:write, admin:write")
    expires_at: datetime | None = None


@strawberry.input
class RevokeApiTokenInput:
    id: relay.GlobalID

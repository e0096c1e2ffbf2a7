"""login, refreshSession and logout: parse, call the domain, map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.inputs import LoginInput, RefreshSessionInput
from api.auth.throttle import throttle_login
from api.auth.types import AuthPayload
from api.permissions import principal_of
from domain.errors import Forbidden
from domain.identity import sessions
from domain.identity.principal import CredentialKind


def _payload(issued: sessions.IssuedSession) -> AuthPayload:
    return AuthPayload(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_at=issued.expires_at,
    )


@strawberry.mutation(description="Sign in to one tenant with email and password")
async def login(info: Info, input: LoginInput) -> AuthPayload:
    await throttle_login(info.context, tenant=input.tenant, email=input.email)
    issued = await sessions.login(
        config=info.context.token_config,
        tenant_slug=input.tenant,
        email=input.email,
        password=input.password,
    )
    return _payload(issued)


@strawberry.mutation(description="Trade a refresh token for a new access and refresh token")
async def refresh_session(info: Info, input: RefreshSessionInput) -> AuthPayload:
    issued = await sessions.refresh_session(
        config=info.context.token_config, refresh_token=input.refresh_token
    )
    return _payload(issued)


@strawberry.mutation(description="End the current session")
async def logout(info: Info) -> bool:
    principal = principal_of(info)
    if principal.kind is not CredentialKind.SESSION:
        raise Forbidden("API tokens are ended with revokeApiToken, not logout")
    await sessions.logout(principal=principal)
    return True

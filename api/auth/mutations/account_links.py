"""acceptInvitation, requestPasswordReset and resetPassword: the links people get by email.
Public (no credential): the link's secret, or nothing at all, is what the caller has."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.throttle import throttle_password_reset
from api.auth.types import AuthPayload
from domain.identity import invitations, password_reset


@strawberry.input
class AcceptInvitationInput:
    token: str = strawberry.field(description="The `token` of the invitation link")
    password: str
    name: str | None = None


@strawberry.input
class RequestPasswordResetInput:
    tenant: str = strawberry.field(description="The tenant's slug")
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` of the reset link")
    password: str


@strawberry.mutation(
    description="Set your password with an invitation link and sign in; the link works once"
)
async def accept_invitation(info: Info, input: AcceptInvitationInput) -> AuthPayload:
    issued = await invitations.accept_invitation(
        config=info.context.token_config,
        secret=input.token,
        password=input.password,
        name=input.name,
    )
    return AuthPayload(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_at=issued.expires_at,
    )


@strawberry.mutation(
    description="Email a password reset link to an active member; always true, so nobody learns "
    "whether an address is known"
)
async def request_password_reset(info: Info, input: RequestPasswordResetInput) -> bool:
    await throttle_password_reset(info.context, tenant=input.tenant, email=input.email)
    await password_reset.request_password_reset(tenant_slug=input.tenant, email=input.email)
    return True


@strawberry.mutation(
    description="Choose a new password with a reset link; the link works once and every session "
    "of yours in that tenant ends"
)
async def reset_password(info: Info, input: ResetPasswordInput) -> bool:
    await password_reset.reset_password(secret=input.token, password=input.password)
    return True

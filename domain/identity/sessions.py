"""Login, refresh-token rotation with reuse detection, and logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from domain.errors import Forbidden, Unauthenticated
from domain.identity import secrets
from domain.identity.access_tokens import TokenConfig, issue_access_token
from domain.identity.models import AuthSession, RefreshToken
from domain.identity.passwords import verify_password
from domain.identity.principal import Principal
from domain.identity.roles import Role
from tenants import registry
from tenants.context import current_tenant_id, owned, tenant_connection, tenant_transaction
from tenants.ids import new_id

# One message for every login failure, so a caller never learns whether the tenant, the email or
# the password was wrong.
INVALID_CREDENTIALS = "Invalid credentials"
INVALID_REFRESH = "Invalid or expired refresh token"


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    refresh_token: str
    expires_at: datetime


async def login(
    *, config: TokenConfig, tenant_slug: str, email: str, password: str
) -> IssuedSession:
    """Check a user's password in one tenant and open a new session there."""
    tenant = await registry.find_by_slug(tenant_slug.strip().lower())
    if tenant is None:
        await verify_password(None, password)
        raise Unauthenticated(INVALID_CREDENTIALS)
    async with tenant_transaction(tenant.id):
        rows = await tenant_connection().execute_query_dict(
            "SELECT u.id, u.password_hash, m.role FROM app_user u "
            "JOIN membership m ON m.user_id = u.id AND m.tenant_id = $1 AND m.status = 'active' "
            "WHERE lower(u.email) = lower($2)",
            [tenant.id, email.strip()],
        )
        user = rows[0] if rows else None
        if (
            not await verify_password(user["password_hash"] if user else None, password)
            or user is None
        ):
            raise Unauthenticated(INVALID_CREDENTIALS)
        if not tenant.is_active:
            raise Forbidden("This tenant is suspended")
        session = await AuthSession.create(id=new_id(), tenant_id=tenant.id, user_id=user["id"])
        return await _issue(config, session, Role(user["role"]))


async def refresh_session(*, config: TokenConfig, refresh_token: str) -> IssuedSession:
    """Trade a refresh token for a new pair. A token is good once: presenting a used one means it
    was stolen or replayed, so the whole session (every token descended from the login) is revoked."""
    tenant_id = secrets.parse_refresh_token(refresh_token)
    tenant = await registry.find_by_id(tenant_id) if tenant_id else None
    if tenant is None:
        raise Unauthenticated(INVALID_REFRESH)
    reused = False
    async with tenant_transaction(tenant.id):
        token = (
            await owned(RefreshToken)
            .filter(token_hash=secrets.digest(refresh_token))
            .select_for_update()
            .first()
        )
        if token is None:
            raise Unauthenticated(INVALID_REFRESH)
        session = await owned(AuthSession).get(id=token.session_id)
        if token.used_at is not None:
            await _revoke(session, reason="refresh token reused")
            reused = True
        else:
            if session.revoked_at is not None or token.expires_at <= _now():
                raise Unauthenticated(INVALID_REFRESH)
            if not tenant.is_active:
                raise Unauthenticated("This tenant is suspended")
            role = await _current_role(session.user_id)
            if role is None:
                raise Unauthenticated(INVALID_REFRESH)
            token.used_at = _now()
            await token.save(update_fields=["used_at"])
            session.last_refreshed_at = token.used_at
            await session.save(update_fields=["last_refreshed_at"])
            return await _issue(config, session, role)
    # Raised after the commit above, so the revocation sticks.
    assert reused
    raise Unauthenticated(INVALID_REFRESH)


async def logout(*, principal: Principal) -> None:
    """End the caller's session: its refresh tokens and access tokens stop working at once."""
    session = await owned(AuthSession).get_or_none(id=principal.credential_id)
    if session is not None and session.revoked_at is None:
        await _revoke(session, reason="logout")


async def open_session(
    *, config: TokenConfig, tenant_id: uuid.UUID, user_id: uuid.UUID, role: Role
) -> IssuedSession:
    """A new session for a member who just proved who they are another way (an invitation link);
    must run in the tenant's transaction."""
    session = await AuthSession.create(id=new_id(), tenant_id=tenant_id, user_id=user_id)
    return await _issue(config, session, role)


async def revoke_member_sessions(*, user_id: uuid.UUID, reason: str) -> int:
    """End every open session of a member of the current tenant; returns how many."""
    return await (
        owned(AuthSession)
        .filter(user_id=user_id, revoked_at=None)
        .update(revoked_at=_now(), revoked_reason=reason)
    )


async def _issue(config: TokenConfig, session: AuthSession, role: Role) -> IssuedSession:
    refresh = secrets.new_refresh_token(session.tenant_id)
    await RefreshToken.create(
        id=new_id(),
        tenant_id=session.tenant_id,
        session_id=session.id,
        token_hash=secrets.digest(refresh),
        expires_at=_now() + timedelta(seconds=config.refresh_ttl_seconds),
    )
    access, expires_at = issue_access_token(
        config,
        user_id=session.user_id,
        tenant_id=session.tenant_id,
        role=role,
        session_id=session.id,
    )
    return IssuedSession(access, refresh, datetime.fromtimestamp(expires_at, tz=timezone.utc))


async def _revoke(session: AuthSession, *, reason: str) -> None:
    session.revoked_at = _now()
    session.revoked_reason = reason
    await session.save(update_fields=["revoked_at", "revoked_reason"])


async def _current_role(user_id: uuid.UUID) -> Role | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT role FROM membership WHERE tenant_id = $1 AND user_id = $2 AND status = 'active'",
        [current_tenant_id(), user_id],
    )
    return Role(rows[0]["role"]) if rows else None


def _now() -> datetime:
    return datetime.now(timezone.utc)

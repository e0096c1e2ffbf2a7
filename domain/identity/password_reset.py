"""Password reset by email: whoever controls an active member's address may set a new password
through a single-use, expiring link. Asking never tells whether the address is known."""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.identity import account_links
from domain.identity.account_links import Purpose
from domain.identity.invitations import check_password
from domain.identity.passwords import hash_password
from domain.identity.sessions import revoke_member_sessions
from tenants import registry
from tenants.context import tenant_connection, tenant_transaction


async def request_password_reset(*, tenant_slug: str, email: str) -> None:
    """Mail a reset link if `email` is an active member of the tenant; silently nothing otherwise."""
    account_links.ensure_mail_configured()
    tenant = await registry.find_by_slug(tenant_slug.strip().lower())
    if tenant is None or not tenant.is_active:
        return
    async with tenant_transaction(tenant.id):
        rows = await tenant_connection().execute_query_dict(
            "SELECT u.id, u.email FROM app_user u "
            "JOIN membership m ON m.user_id = u.id AND m.tenant_id = $1 AND m.status = 'active' "
            "WHERE lower(u.email) = lower($2) AND u.password_hash IS NOT NULL",
            [tenant.id, email.strip()],
        )
        if not rows:
            return
        user = rows[0]
        link_id, secret = await account_links.create_link(
            user_id=user["id"], purpose=Purpose.PASSWORD_RESET
        )
        minutes = int(account_links.link_settings().reset_lifetime.total_seconds() // 60)
        await account_links.mail_link(
            to=user["email"],
            link_id=link_id,
            subject=f"Reset your Tessera password for {tenant.name}",
            body=(
                "Someone (hopefully you) asked to reset your password.\n\n"
                f"Choose a new one here (the link works once, for {minutes} minutes):\n"
                f"{account_links.link_url(Purpose.PASSWORD_RESET, secret)}\n\n"
                "If it was not you, ignore this email: your password stays as it is.\n"
            ),
        )


async def reset_password(*, secret: str, password: str) -> None:
    """Redeem a reset link: the new password, and every session of the member in that tenant ends."""
    check_password(password)
    tenant_id = account_links.tenant_of(secret)
    tenant = await registry.find_by_id(tenant_id) if tenant_id else None
    if tenant is None or not tenant.is_active:
        raise InvalidInput.single("token", "INVALID_LINK", account_links.INVALID_LINK)
    password_hash = await hash_password(password)
    async with tenant_transaction(tenant.id):
        user_id = await account_links.redeem_link(secret=secret, purpose=Purpose.PASSWORD_RESET)
        active = await tenant_connection().execute_query_dict(
            "SELECT 1 FROM membership WHERE tenant_id = $1 AND user_id = $2 AND status = 'active'",
            [tenant.id, user_id],
        )
        if not active:
            raise InvalidInput.single("token", "INVALID_LINK", account_links.INVALID_LINK)
        await tenant_connection().execute_query(
            "UPDATE app_user SET password_hash = $2, updated_at = now() WHERE id = $1",
            [user_id, password_hash],
        )
        await revoke_member_sessions(user_id=user_id, reason="password reset")

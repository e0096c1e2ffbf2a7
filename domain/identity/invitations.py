"""Inviting people by email: an admin names an address and a role; the person gets a single-use,
expiring link, sets a password with it and is signed in.

Users are global and the application role cannot insert into `app_user`: the user behind a new
address is created (without a password) by the one privileged path, the database function
`tessera_user_for_invitation` (migration 0034). Everything else is a row of the tenant's own
`membership` and `account_link`, under row-level security."""

from __future__ import annotations

import uuid
from typing import Any

from domain.errors import FieldError, InvalidInput
from domain.identity import account_links
from domain.identity.access_tokens import TokenConfig
from domain.identity.account_links import Purpose
from domain.identity.members import MemberStatus, get_member
from domain.identity.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.identity.sessions import IssuedSession, open_session
from tenants import registry
from tenants.context import current_tenant_id, tenant_connection, tenant_transaction
from tenants.ids import new_id

MAX_EMAIL_LENGTH = 320
MAX_NAME_LENGTH = 200


def check_email(email: str, field: str = "email") -> str:
    email = email.strip()
    local, at, domain = email.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > MAX_EMAIL_LENGTH
        or any(c.isspace() for c in email)
        or "@" in domain
    ):
        raise InvalidInput.single(field, "INVALID", "not a valid email address")
    return email


def check_password(password: str, field: str = "password") -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput.single(
            field, "LENGTH", f"password must be {MIN_LENGTH}-{MAX_LENGTH} characters"
        )


async def invite_member(
    *, principal: Principal, email: str, role: Role, name: str = ""
) -> dict[str, Any]:
    """Invite `email` with `role`, or send a pending invitation again (a new link; the old one dies).
    An address that is already an active or deactivated member is refused."""
    email = check_email(email)
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput([FieldError("name", "LENGTH", f"name is at most {MAX_NAME_LENGTH}")])
    account_links.ensure_mail_configured()
    conn = tenant_connection()
    tenant_id = current_tenant_id()
    rows = await conn.execute_query_dict(
        "SELECT tessera_user_for_invitation($1, $2, $3) AS id", [new_id(), email, name]
    )
    user_id: uuid.UUID = rows[0]["id"]
    existing = await conn.execute_query_dict(
        "SELECT status FROM membership WHERE tenant_id = $1 AND user_id = $2", [tenant_id, user_id]
    )
    if existing and existing[0]["status"] != MemberStatus.INVITED.value:
        raise InvalidInput.single("email", "ALREADY_MEMBER", f"{email} is already a member")
    if existing:
        await conn.execute_query(
            "UPDATE membership SET role = $3, invited_by = $4, invited_at = now() "
            "WHERE tenant_id = $1 AND user_id = $2",
            [tenant_id, user_id, role.value, principal.user_id],
        )
    else:
        await conn.execute_query(
            "INSERT INTO membership (tenant_id, user_id, role, status, invited_by, invited_at) "
            "VALUES ($1, $2, $3, 'invited', $4, now())",
            [tenant_id, user_id, role.value, principal.user_id],
        )
    link_id, secret = await account_links.create_link(user_id=user_id, purpose=Purpose.INVITATION)
    tenant_rows = await conn.execute_query_dict(
        "SELECT name FROM tenant WHERE id = $1", [tenant_id]
    )
    hours = int(account_links.link_settings().invitation_lifetime.total_seconds() // 3600)
    await account_links.mail_link(
        to=email,
        link_id=link_id,
        subject=f"You are invited to {tenant_rows[0]['name']} on Tessera",
        body=(
            f"You have been invited to join {tenant_rows[0]['name']} as {role.value}.\n\n"
            f"Set your password and sign in here (the link works once, for {hours} hours):\n"
            f"{account_links.link_url(Purpose.INVITATION, secret)}\n"
        ),
    )
    return await get_member(user_id)


async def accept_invitation(
    *, config: TokenConfig, secret: str, password: str, name: str | None = None
) -> IssuedSession:
    """Redeem an invitation link: set the password (and name), become active, get a session.
    The link proves control of the address, as a password reset link does, so it may set the
    password of a user who already has one elsewhere (users are global: one password)."""
    check_password(password)
    if name is not None and len(name.strip()) > MAX_NAME_LENGTH:
        raise InvalidInput.single("name", "LENGTH", f"name is at most {MAX_NAME_LENGTH}")
    tenant_id = account_links.tenant_of(secret)
    tenant = await registry.find_by_id(tenant_id) if tenant_id else None
    if tenant is None or not tenant.is_active:
        raise InvalidInput.single("token", "INVALID_LINK", account_links.INVALID_LINK)
    password_hash = await hash_password(password)
    async with tenant_transaction(tenant.id):
        user_id = await account_links.redeem_link(secret=secret, purpose=Purpose.INVITATION)
        conn = tenant_connection()
        member = await conn.execute_query_dict(
            "UPDATE membership SET status = 'active' "
            "WHERE tenant_id = $1 AND user_id = $2 AND status = 'invited' RETURNING role",
            [tenant.id, user_id],
        )
        if not member:  # deactivated meanwhile
            raise InvalidInput.single("token", "INVALID_LINK", account_links.INVALID_LINK)
        await conn.execute_query(
            "UPDATE app_user SET password_hash = $2, name = COALESCE($3, name), updated_at = now() "
            "WHERE id = $1",
            [user_id, password_hash, name.strip() if name is not None else None],
        )
        return await open_session(
            config=config, tenant_id=tenant.id, user_id=user_id, role=Role(member[0]["role"])
        )

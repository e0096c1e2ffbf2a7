"""Single-use, expiring links sent by email: an invitation to join a tenant and set a password,
and a password reset. The secret embeds its tenant (like refresh tokens) so redeeming it opens that
tenant's transaction without any lookup across tenants; only its SHA-256 hash is stored."""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from domain.errors import InvalidInput, Unavailable
from domain.identity.secrets import digest
from domain.outbound.config import outbound_config
from domain.outbound.mail import MailNotConfigured, send_mail
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

LINK_PREFIX = "tsl_"
INVALID_LINK = "This link is invalid, was already used or has expired"


class Purpose(str, Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


@dataclass(frozen=True)
class LinkSettings:
    app_url: str = "http://localhost:5173"  # the frontend that opens the links
    invitation_lifetime: timedelta = timedelta(hours=72)
    reset_lifetime: timedelta = timedelta(hours=1)


_settings = [LinkSettings()]


def configure_account_links(settings: LinkSettings) -> None:
    """Where links point and how long they work (settings: APP_URL, INVITATION_LINK_HOURS,
    PASSWORD_RESET_LINK_MINUTES)."""
    _settings[:] = [settings]


def link_settings() -> LinkSettings:
    return _settings[0]


def new_secret(tenant_id: uuid.UUID) -> str:
    raw = tenant_id.bytes + secrets.token_bytes(32)
    return LINK_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def tenant_of(secret: str) -> uuid.UUID | None:
    """The tenant inside a well-formed link secret, or None."""
    if not secret.startswith(LINK_PREFIX) or len(secret) > 100:
        return None
    encoded = secret[len(LINK_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    return uuid.UUID(bytes=raw[:16]) if len(raw) == 48 else None


def _lifetime(purpose: Purpose) -> timedelta:
    config = link_settings()
    return config.invitation_lifetime if purpose is Purpose.INVITATION else config.reset_lifetime


def link_url(purpose: Purpose, secret: str) -> str:
    page = "accept-invitation" if purpose is Purpose.INVITATION else "reset-password"
    return f"{link_settings().app_url.rstrip('/')}/{page}?token={secret}"


def ensure_mail_configured() -> None:
    """Links only travel by email: refuse before anything is written when mail cannot be sent."""
    if not outbound_config().smtp_url:
        raise Unavailable("Email is not configured on this server (SMTP_URL)")


async def create_link(*, user_id: uuid.UUID, purpose: Purpose) -> tuple[uuid.UUID, str]:
    """A new link for a member of the current tenant; earlier unused links of the same purpose stop
    working, so only the latest email is good. Returns (link id, secret)."""
    tenant_id = current_tenant_id()
    conn = tenant_connection()
    await conn.execute_query(
        "UPDATE account_link SET used_at = now() "
        "WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL",
        [tenant_id, user_id, purpose.value],
    )
    link_id = new_id()
    secret = new_secret(tenant_id)
    await conn.execute_query(
        "INSERT INTO account_link (tenant_id, id, user_id, purpose, token_hash, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        [
            tenant_id,
            link_id,
            user_id,
            purpose.value,
            digest(secret),
            datetime.now(timezone.utc) + _lifetime(purpose),
        ],
    )
    return link_id, secret


async def redeem_link(*, secret: str, purpose: Purpose) -> uuid.UUID:
    """Use a link once; the member it was made for. Must run in the secret's tenant transaction."""
    rows = await tenant_connection().execute_query_dict(
        "UPDATE account_link SET used_at = now() "
        "WHERE tenant_id = $1 AND token_hash = $2 AND purpose = $3 AND used_at IS NULL "
        "AND expires_at > now() RETURNING user_id",
        [current_tenant_id(), digest(secret), purpose.value],
    )
    if not rows:
        raise InvalidInput.single("token", "INVALID_LINK", INVALID_LINK)
    user_id: uuid.UUID = rows[0]["user_id"]
    return user_id


async def mail_link(*, to: str, link_id: uuid.UUID, subject: str, body: str) -> None:
    try:
        await send_mail([to], subject, body, message_id=f"link-{link_id}")
    except MailNotConfigured as exc:
        raise Unavailable("Email is not configured on this server (SMTP_URL)") from exc

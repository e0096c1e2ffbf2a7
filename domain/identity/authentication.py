"""Turning a bearer credential (session JWT or partner API token) into a Principal.

Two steps, because the tenant must be known before its RLS-protected rows can be read:
`read_bearer` checks the credential offline and names its tenant; `authenticate`, run inside that
tenant's transaction, checks it is still good (tenant active, session or token not revoked, user
still a member) in one query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from domain.errors import Unauthenticated
from domain.identity import secrets
from domain.identity.access_tokens import AccessClaims, TokenConfig, decode_access_token
from domain.identity.principal import CredentialKind, Principal
from domain.identity.roles import Role
from tenants.context import current_tenant_id, tenant_connection

NO_LONGER_VALID = "Token is no longer valid"
# Writing last_used_at on every request would turn reads into writes; a minute is precise enough.
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class BearerCredential:
    tenant_id: uuid.UUID
    token: str
    claims: AccessClaims | None  # None for API tokens


def read_bearer(config: TokenConfig, token: str) -> BearerCredential:
    """Offline checks: API token format and checksum, or JWT signature and claims."""
    if token.startswith(secrets.API_TOKEN_PREFIX):
        tenant_id = secrets.parse_api_token(token)
        if tenant_id is None:
            raise Unauthenticated("Invalid API token")
        return BearerCredential(tenant_id, token, None)
    claims = decode_access_token(config, token)
    return BearerCredential(claims.tenant_id, token, claims)


async def authenticate(credential: BearerCredential) -> Principal:
    """The principal behind a credential; must run in `tenant_transaction(credential.tenant_id)`."""
    if current_tenant_id() != credential.tenant_id:
        raise Unauthenticated("Invalid credentials")
    if credential.claims is None:
        return await _authenticate_api_token(credential)
    return await _authenticate_session(credential.claims)


async def _authenticate_session(claims: AccessClaims) -> Principal:
    rows = await tenant_connection().execute_query_dict(
        "SELECT t.status, m.role, m.status AS member_status, s.revoked_at, s.user_id AS session_user "
        "FROM tenant t "
        "LEFT JOIN membership m ON m.tenant_id = t.id AND m.user_id = $2 "
        "LEFT JOIN auth_session s ON s.tenant_id = t.id AND s.id = $3 "
        "WHERE t.id = $1",
        [claims.tenant_id, claims.user_id, claims.session_id],
    )
    row = rows[0] if rows else None
    if (
        row is None
        or row["status"] != "active"
        or row["role"] is None
        or row["member_status"] != "active"  # deactivated: every credential stops at once
        or row["session_user"] != claims.user_id
        or row["revoked_at"] is not None
    ):
        raise Unauthenticated(NO_LONGER_VALID)
    return Principal(
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        role=Role(row["role"]),  # the current role, not the one frozen into the token
        kind=CredentialKind.SESSION,
        credential_id=claims.session_id,
    )


async def _authenticate_api_token(credential: BearerCredential) -> Principal:
    conn = tenant_connection()
    rows = await conn.execute_query_dict(
        "SELECT a.id, a.user_id, a.scopes, a.expires_at, a.revoked_at, a.last_used_at, m.role, "
        "m.status AS member_status, t.status "
        "FROM api_token a "
        "JOIN membership m ON m.tenant_id = a.tenant_id AND m.user_id = a.user_id "
        "JOIN tenant t ON t.id = a.tenant_id "
        "WHERE a.tenant_id = $1 AND a.token_hash = $2",
        [credential.tenant_id, secrets.digest(credential.token)],
    )
    row = rows[0] if rows else None
    now = datetime.now(timezone.utc)
    if row is None:
        raise Unauthenticated("Invalid API token")
    if (
        row["status"] != "active"
        or row["revoked_at"] is not None
        or row["member_status"] != "active"
    ):
        raise Unauthenticated(NO_LONGER_VALID)
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthenticated("API token has expired")
    last_used = row["last_used_at"]
    if last_used is None or (now - last_used).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        await conn.execute_query(
            "UPDATE api_token SET last_used_at = now() WHERE tenant_id = $1 AND id = $2",
            [credential.tenant_id, row["id"]],
        )
    return Principal(
        tenant_id=credential.tenant_id,
        user_id=row["user_id"],
        role=Role(row["role"]),
        kind=CredentialKind.API_TOKEN,
        credential_id=row["id"],
        scopes=frozenset(row["scopes"]),
    )

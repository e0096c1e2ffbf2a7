"""Partner API tokens: created by admins, shown once, stored as a hash, limited by scopes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from domain.identity import secrets
from domain.identity.models import ApiToken
from domain.identity.principal import Principal
from domain.identity.roles import SCOPES, Role
from domain.records.listing import Listing, list_records
from domain.records.rights import READ_ONLY
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, owned
from tenants.ids import new_id

MAX_ACTIVE_TOKENS_PER_TENANT = 100
MAX_NAME_LENGTH = 100

# For listing through the shared keyset machinery; the hash column is never read back.
API_TOKEN_SPEC = RecordSpec(
    record_type="ApiToken",
    table="api_token",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("user_id", "user_id", Kind.UUID),
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("scopes", "scopes", Kind.TEXT_ARRAY),
        FieldSpec("hint", "hint", Kind.TEXT, filterable=False),
        FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
        FieldSpec("expires_at", "expires_at", Kind.DATETIME, sortable=True),
        FieldSpec("last_used_at", "last_used_at", Kind.DATETIME, sortable=True),
        FieldSpec("revoked_at", "revoked_at", Kind.DATETIME, sortable=True),
    ),
    owned=False,
    soft_delete=False,
    scope_area="admin",
    rights={Role.ADMIN: READ_ONLY},
)


@dataclass(frozen=True)
class CreatedApiToken:
    token: ApiToken
    secret: str  # returned once, never stored


async def create_api_token(
    *, principal: Principal, name: str, scopes: list[str], expires_at: datetime | None
) -> CreatedApiToken:
    """Create a token acting for the calling user, limited to `scopes`."""
    name = name.strip()
    wanted = sorted(set(scopes))
    errors: list[FieldError] = []
    if not name or len(name) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", "LENGTH", f"name must be 1-{MAX_NAME_LENGTH} characters"))
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if not wanted:
        errors.append(FieldError("scopes", "REQUIRED", "at least one scope is required"))
    elif unknown:
        errors.append(
            FieldError(
                "scopes",
                "UNKNOWN_SCOPE",
                f"unknown scopes {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}",
            )
        )
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        if expires_at <= datetime.now(timezone.utc):
            errors.append(FieldError("expiresAt", "IN_PAST", "expiresAt must be in the future"))
    if errors:
        raise InvalidInput(errors)
    # A token must not mint a more powerful token than itself.
    if any(not principal.allows(scope) for scope in wanted):
        raise Forbidden("A token cannot grant scopes it does not have")
    active = await owned(ApiToken).filter(revoked_at=None).count()
    if active >= MAX_ACTIVE_TOKENS_PER_TENANT:
        raise InvalidInput.single(
            "name", "LIMIT", f"at most {MAX_ACTIVE_TOKENS_PER_TENANT} active tokens per tenant"
        )
    tenant_id = current_tenant_id()
    secret = secrets.new_api_token(tenant_id)
    token = await ApiToken.create(
        id=new_id(),
        tenant_id=tenant_id,
        user_id=principal.user_id,
        name=name,
        scopes=wanted,
        token_hash=secrets.digest(secret),
        hint=secrets.api_token_hint(secret),
        expires_at=expires_at,
    )
    return CreatedApiToken(token, secret)


async def revoke_api_token(*, token_id: uuid.UUID) -> ApiToken:
    """Revoke a token of the current tenant; revoking twice is harmless."""
    token = await owned(ApiToken).get_or_none(id=token_id)
    if token is None:
        raise NotFound("API token not found")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(timezone.utc)
        await token.save(update_fields=["revoked_at"])
    return token


async def get_api_tokens(*, ids: list[uuid.UUID]) -> list[ApiToken]:
    """Tokens of the current tenant among `ids` (others are invisible)."""
    return await owned(ApiToken).filter(id__in=ids)


async def list_api_tokens(
    *,
    principal: Principal,
    first: int,
    after: str | None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """The tenant's tokens, oldest first, revoked ones included (they show when they were revoked)."""
    return await list_records(
        API_TOKEN_SPEC,
        principal=principal,
        first=first,
        after=after,
        before=before,
        backward=backward,
    )

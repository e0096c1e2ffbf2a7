"""Who is acting: a user with a session, or a partner's API token acting for the user who made it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.identity.roles import Role, scope_grants


class CredentialKind(str, Enum):
    SESSION = "session"
    API_TOKEN = "api_token"


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    kind: CredentialKind
    credential_id: uuid.UUID
    # None for sessions: a user's own session is limited by role alone.
    scopes: frozenset[str] | None = None

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope_grants(self.scopes, scope)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


def acting_for(definition: dict[str, Any], *, tenant_id: uuid.UUID) -> Principal:
    """Who background work (a rule, an inbound endpoint, a sync connection) acts as: full rights,
    in the name of whoever last saved its definition, so the audit trail names a person."""
    return Principal(
        tenant_id=tenant_id,
        user_id=definition["updated_by"] or definition["created_by"],
        role=Role.ADMIN,
        kind=CredentialKind.SESSION,
        credential_id=definition["id"],
    )

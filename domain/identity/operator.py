"""Acting as a tenant member from operator commands (scripts, CLI), where nobody has logged in."""

from __future__ import annotations

from domain.errors import NotFound
from domain.identity.principal import CredentialKind, Principal
from domain.identity.roles import Role
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id


async def member_principal(*, email: str | None = None) -> Principal:
    """The member with `email`, or the longest-standing admin, of the current tenant."""
    tenant_id = current_tenant_id()
    if email:
        sql = (
            "SELECT m.user_id, m.role FROM membership m JOIN app_user u ON u.id = m.user_id "
            "WHERE m.tenant_id = $1 AND lower(u.email) = lower($2)"
        )
        params = [tenant_id, email]
    else:
        sql = (
            "SELECT user_id, role FROM membership WHERE tenant_id = $1 AND role = 'admin' "
            "ORDER BY created_at LIMIT 1"
        )
        params = [tenant_id]
    rows = await tenant_connection().execute_query_dict(sql, params)
    if not rows:
        raise NotFound(f"no member {email!r}" if email else "the tenant has no admin")
    return Principal(
        tenant_id=tenant_id,
        user_id=rows[0]["user_id"],
        role=Role(rows[0]["role"]),
        kind=CredentialKind.SESSION,
        credential_id=new_id(),  # not a stored session: operator commands never log in
    )

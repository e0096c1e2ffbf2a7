"""Creating tenants with their first admin, and adding users to tenants (operator commands)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import FieldError, InvalidInput
from domain.identity.models import Membership, User
from domain.identity.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from domain.identity.roles import Role
from tenants import registry
from tenants.context import owned, tenant_connection, tenant_transaction
from tenants.ids import new_id
from tenants.models import Tenant


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    admin: User


def _validate_user(email: str, password: str) -> None:
    errors = []
    if "@" not in email or len(email) > 320 or email.strip() != email:
        errors.append(FieldError("email", "INVALID", "not a valid email address"))
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        errors.append(
            FieldError(
                "password", "LENGTH", f"password must be {MIN_LENGTH}-{MAX_LENGTH} characters"
            )
        )
    if errors:
        raise InvalidInput(errors)


async def provision_tenant(
    *, slug: str, name: str, admin_email: str, admin_password: str, admin_name: str = ""
) -> ProvisionedTenant:
    """Register a tenant and its first admin in one transaction. Needs the owner role."""
    _validate_user(admin_email, admin_password)
    password_hash = await hash_password(admin_password)
    from tortoise.transactions import in_transaction

    async with in_transaction():
        tenant = await registry.create_tenant(slug=slug, name=name)
        async with tenant_transaction(tenant.id):
            user = await _add_user(tenant, admin_email, password_hash, admin_name, Role.ADMIN)
    return ProvisionedTenant(tenant, user)


async def add_user(
    *, tenant_slug: str, email: str, password: str, role: Role, name: str = ""
) -> User:
    """Give a (new or existing) user a role in a tenant. Needs the owner role."""
    _validate_user(email, password)
    tenant = await registry.find_by_slug(tenant_slug)
    if tenant is None:
        raise InvalidInput.single("tenant", "NOT_FOUND", f"no tenant {tenant_slug!r}")
    password_hash = await hash_password(password)
    async with tenant_transaction(tenant.id):
        return await _add_user(tenant, email, password_hash, name, role)


async def _add_user(tenant: Tenant, email: str, password_hash: str, name: str, role: Role) -> User:
    # Users are global: an email already known elsewhere joins this tenant with its own password.
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM app_user WHERE lower(email) = lower($1)", [email]
    )
    if rows:
        user = await User.get(id=rows[0]["id"])
    else:
        user = await User.create(id=new_id(), email=email, name=name, password_hash=password_hash)
    if await owned(Membership).filter(user_id=user.id).exists():
        raise InvalidInput.single(
            "email", "ALREADY_MEMBER", f"{email} already belongs to {tenant.slug}"
        )
    await Membership.create(user_id=user.id, tenant_id=tenant.id, role=role.value)
    return user

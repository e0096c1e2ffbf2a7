"""Everything a new tenant starts with: its registry entry, first admin, default pipeline and
duplicate rules."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from domain.crm.pipelines import create_default_pipeline
from domain.duplicates.admin import create_default_rules
from domain.identity.principal import CredentialKind, Principal
from domain.identity.provisioning import ProvisionedTenant, provision_tenant
from domain.identity.roles import Role
from tenants.context import tenant_transaction
from tenants.ids import new_id


async def onboard_tenant(
    *, slug: str, name: str, admin_email: str, admin_password: str, admin_name: str = ""
) -> ProvisionedTenant:
    """Provision a tenant and set up its defaults, all or nothing. Needs the owner role."""
    async with in_transaction():
        provisioned = await provision_tenant(
            slug=slug,
            name=name,
            admin_email=admin_email,
            admin_password=admin_password,
            admin_name=admin_name,
        )
        admin = Principal(
            tenant_id=provisioned.tenant.id,
            user_id=provisioned.admin.id,
            role=Role.ADMIN,
            kind=CredentialKind.SESSION,
            credential_id=new_id(),
        )
        async with tenant_transaction(provisioned.tenant.id):
            await create_default_pipeline(principal=admin)
            await create_default_rules(principal=admin)
    return provisioned

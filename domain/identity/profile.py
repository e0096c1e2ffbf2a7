"""What the caller may know about themselves."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Unauthenticated
from domain.identity.models import User
from domain.identity.principal import Principal
from tenants import registry
from tenants.models import Tenant


@dataclass(frozen=True)
class Profile:
    user: User
    tenant: Tenant


async def get_profile(*, principal: Principal) -> Profile:
    """The calling user and the tenant their credential belongs to."""
    user = await User.get_or_none(id=principal.user_id)
    tenant = await registry.find_by_id(principal.tenant_id)
    if user is None or tenant is None:
        raise Unauthenticated("Token is no longer valid")
    return Profile(user, tenant)

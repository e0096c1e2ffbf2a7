"""Looking up, creating and suspending tenants. Writes need the owner role (operator commands)."""

from __future__ import annotations

import re
import uuid

from tenants.ids import new_id
from tenants.models import ACTIVE, SUSPENDED, Tenant

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class TenantError(ValueError):
    """A tenant could not be created or changed (bad slug, duplicate, unknown)."""


async def find_by_slug(slug: str) -> Tenant | None:
    """The tenant with this slug, or None."""
    return await Tenant.get_or_none(slug=slug)


async def find_by_id(tenant_id: uuid.UUID) -> Tenant | None:
    """The tenant with this id, or None."""
    return await Tenant.get_or_none(id=tenant_id)


async def create_tenant(*, slug: str, name: str) -> Tenant:
    """Register a new tenant; the slug is its permanent, URL-safe handle."""
    if not SLUG_PATTERN.match(slug):
        raise TenantError(
            "slug must be 1-63 lowercase letters, digits or hyphens, not starting or ending with '-'"
        )
    if not name.strip():
        raise TenantError("name must not be empty")
    if await Tenant.exists(slug=slug):
        raise TenantError(f"tenant {slug!r} already exists")
    return await Tenant.create(id=new_id(), slug=slug, name=name.strip(), status=ACTIVE)


async def set_status(*, slug: str, suspended: bool) -> Tenant:
    """Suspend a tenant (its tokens stop working at once) or make it active again."""
    tenant = await find_by_slug(slug)
    if tenant is None:
        raise TenantError(f"no tenant {slug!r}")
    tenant.status = SUSPENDED if suspended else ACTIVE
    await tenant.save(update_fields=["status"])
    return tenant

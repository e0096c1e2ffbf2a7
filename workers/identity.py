"""Identity jobs."""

from __future__ import annotations

import uuid

import dramatiq

from domain.identity.maintenance import purge_expired_refresh_tokens
from tenants.context import tenant_transaction


@dramatiq.actor(actor_name="identity.purge_expired_credentials", max_retries=3)
async def purge_expired_credentials(tenant_id: str) -> None:
    async with tenant_transaction(uuid.UUID(tenant_id)):
        await purge_expired_refresh_tokens()

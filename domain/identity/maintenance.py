"""Housekeeping of credentials that can never be used again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.identity.models import RefreshToken
from tenants.context import owned

# Used tokens are kept a while after expiry so a late replay is still recognised as reuse.
RETENTION = timedelta(days=7)


async def purge_expired_refresh_tokens() -> int:
    """Delete the current tenant's refresh tokens that expired over a week ago; returns how many."""
    cutoff = datetime.now(timezone.utc) - RETENTION
    return await owned(RefreshToken).filter(expires_at__lt=cutoff).delete()

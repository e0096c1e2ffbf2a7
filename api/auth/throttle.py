"""Slowing down password guessing: per account and per client address."""

from __future__ import annotations

from api.context import Context
from api.errors import rate_limited
from api.ratelimit import hit


async def throttle_login(context: Context, *, tenant: str, email: str) -> None:
    """RATE_LIMITED once an account or a client address has tried too often in the window."""
    limits = context.rate_limits
    client = context.request.client.host if context.request.client else "unknown"
    keys = (
        (f"login:{tenant.strip().lower()}:{email.strip().lower()}", limits.login_per_identity),
        (f"login-client:{client}", limits.login_per_client),
    )
    for key, limit in keys:
        retry_after = await hit(
            context.redis, key, limit=limit, window_seconds=limits.login_window_seconds
        )
        if retry_after is not None:
            raise rate_limited(retry_after)

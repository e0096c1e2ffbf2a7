"""Slowing down password guessing (and reset mail floods): per account and per client address."""

from __future__ import annotations

from api.context import Context
from api.errors import rate_limited
from api.ratelimit import hit


async def _throttle(context: Context, prefix: str, *, tenant: str, email: str) -> None:
    limits = context.rate_limits
    client = context.request.client.host if context.request.client else "unknown"
    keys = (
        (f"{prefix}:{tenant.strip().lower()}:{email.strip().lower()}", limits.login_per_identity),
        (f"{prefix}-client:{client}", limits.login_per_client),
    )
    for key, limit in keys:
        retry_after = await hit(
            context.redis, key, limit=limit, window_seconds=limits.login_window_seconds
        )
        if retry_after is not None:
            raise rate_limited(retry_after)


async def throttle_login(context: Context, *, tenant: str, email: str) -> None:
    """RATE_LIMITED once an account or a client address has tried too often in the window."""
    await _throttle(context, "login", tenant=tenant, email=email)


async def throttle_password_reset(context: Context, *, tenant: str, email: str) -> None:
    """Reset requests send email: the login limits apply to them too, under keys of their own."""
    await _throttle(context, "reset", tenant=tenant, email=email)

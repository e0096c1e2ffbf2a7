"""Rate limits kept in redis: a sliding-window counter (two fixed windows, the older one weighted
by how much of it still overlaps the window), so each key costs two small counters.

Limits fail open: with redis unreachable the API keeps serving (and logs it), because refusing all
traffic would turn a cache outage into a full outage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger("tessera.ratelimit")


@dataclass
class RateLimits:
    """Configurable at start-up (settings) and per instance; a limit of 0 turns that limit off."""

    tenant_per_minute: int = 3000
    token_per_minute: int = 600  # per API token (partners), within the tenant's limit
    login_per_identity: int = 10  # per tenant + email, per login window
    login_per_client: int = 100  # per client address, per login window
    login_window_seconds: int = 300


async def hit(
    redis: Redis, key: str, *, limit: int, window_seconds: int, peek: bool = False
) -> float | None:
    """Count one hit on `key`; None if within `limit`, else seconds until the caller may retry.
    With `peek`, count nothing and answer whether one more hit would be over the limit."""
    if limit <= 0:
        return None
    now = time.time()
    window = int(now // window_seconds)
    elapsed = now - window * window_seconds
    current_key, previous_key = f"rl:{key}:{window}", f"rl:{key}:{window - 1}"
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.incrby(current_key, 0 if peek else 1)
            pipe.expire(current_key, window_seconds * 2)
            pipe.get(previous_key)
            current, _, previous = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning(
            "rate limit check skipped: redis unavailable", key=key, error=type(exc).__name__
        )
        return None
    previous = int(previous or 0)
    current += 1 if peek else 0
    overlap = 1 - elapsed / window_seconds
    if previous * overlap + current <= limit:
        return None
    if current > limit or previous == 0:
        return max(1.0, math.ceil(window_seconds - elapsed))
    # When will the older window's weighted share have decayed enough?
    needed_overlap = (limit - current) / previous
    return max(1.0, math.ceil((overlap - needed_overlap) * window_seconds))

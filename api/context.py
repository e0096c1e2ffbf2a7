"""Per-request context: who is calling, the request id, and per-request DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response

from api.ratelimit import RateLimits
from domain.errors import Unauthenticated
from domain.identity.access_tokens import TokenConfig
from domain.identity.authentication import BearerCredential
from domain.identity.principal import Principal


@dataclass
class Context:
    request: Request
    response: Response
    request_id: str
    token_config: TokenConfig
    redis: Redis
    rate_limits: RateLimits
    credential: BearerCredential | None = None
    # Set when the Authorization header was present but unusable; every operation then fails.
    credential_error: Unauthenticated | None = None
    principal: Principal | None = None
    # The language of error messages ("en" | "zh-CN"), set by api/extensions/locale.py when errors
    # are to be worded; None: the request's Accept-Language decides.
    locale: str | None = None
    # DataLoaders live here, never at module level: a module-level cache would cross tenants.
    loaders: dict[str, Any] = field(default_factory=dict)
    # Over WebSocket: the connection_init payload (set by strawberry) and the connection's
    # api.subscriptions.session.LiveSession (typed loosely: this module sits below that package).
    connection_params: dict[str, Any] | None = None
    # Lists may answer with JSON built by PostgreSQL (api/records/compiled.py): HTTP requests on
    # the planned executor only.
    compiled_reads: bool = False
    live: Any = None

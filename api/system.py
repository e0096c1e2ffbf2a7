"""Operational endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.metrics import REGISTRY
from domain.errors import Unavailable, describe
from tenants.database import ReachabilityProbe, is_unreachable

CHECK_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> Response:
    """The process is alive and serving; says nothing about its dependencies."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when PostgreSQL (as the application role) and redis both answer. PostgreSQL is asked
    on a connection of the probe's own: a busy pool is load, not a reason to take the instance
    out of a load balancer."""
    redis: Redis = request.app.state.redis
    probe: ReachabilityProbe = request.app.state.db_probe
    checks = {
        "postgres": await _check(probe.check(CHECK_TIMEOUT_SECONDS)),
        "redis": await _check(redis.ping()),
    }
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


async def unavailable(request: Request, exc: Exception) -> Response:
    """PostgreSQL is out of reach (inbound hooks and forms): 503, to be retried later."""
    if not is_unreachable(exc):
        raise exc  # some other failure: a 500 as before
    structlog.get_logger("tessera.http").warning("service unavailable", cause=describe(exc))
    retry = Unavailable()
    return JSONResponse(
        {"status": str(retry)}, 503, headers={"Retry-After": str(int(retry.retry_after_seconds))}
    )


async def metrics(request: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _check(awaitable) -> str:
    try:
        await asyncio.wait_for(awaitable, CHECK_TIMEOUT_SECONDS)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by type only
        return f"error: {type(exc).__name__}"

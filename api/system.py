"""Operational endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.metrics import REGISTRY
from tenants.database import database_client

CHECK_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> Response:
    """The process is alive and serving; says nothing about its dependencies."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when PostgreSQL (as the application role) and redis both answer."""
    redis: Redis = request.app.state.redis
    checks = {
        "postgres": await _check(database_client().execute_query("SELECT 1")),
        "redis": await _check(redis.ping()),
    }
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503)


async def metrics(request: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _check(awaitable) -> str:  # noqa: ANN001
    try:
        await asyncio.wait_for(awaitable, CHECK_TIMEOUT_SECONDS)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by type only
        return f"error: {type(exc).__name__}"

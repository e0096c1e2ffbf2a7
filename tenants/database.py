"""Connecting tortoise to PostgreSQL from a URL, including pgserver's unix-socket URLs."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

CONNECTION = "default"


def connection_credentials(url: str) -> dict[str, object]:
    """Split a postgresql:// URL into asyncpg keyword arguments (`?host=/dir` means a unix socket)."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "host": query.get("host") or parts.hostname or "localhost",
        "port": int(query.get("port") or parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "database": (parts.path or "/postgres").lstrip("/") or "postgres",
    }


async def connect(url: str, model_modules: Sequence[str], *, pool_size: int = 10) -> None:
    """Open the tortoise connection pool; one per process (API, worker, CLI)."""
    credentials = connection_credentials(url) | {"minsize": 1, "maxsize": pool_size}
    await Tortoise.init(
        config={
            "connections": {CONNECTION: {"engine": "tortoise.backends.asyncpg", "credentials": credentials}},
            "apps": {"tessera": {"models": list(model_modules), "default_connection": CONNECTION}},
            "use_tz": True,
            "timezone": "UTC",
        },
        # uvicorn's lifespan and dramatiq's event loop run in other tasks than the requests/jobs.
        _enable_global_fallback=True,
    )


def database_client() -> BaseDBAsyncClient:
    """The process's database client (tortoise's default connection): inside a tenant's
    transaction its connection, outside one the pool, for statements that belong to no tenant
    (readiness checks, the outbox relay's scan)."""
    return connections.get(CONNECTION)


async def disconnect() -> None:
    await Tortoise.close_connections()

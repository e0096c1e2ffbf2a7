"""Connecting tortoise to PostgreSQL from a URL, including pgserver's unix-socket URLs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any, TypedDict
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import set_global_context

CONNECTION = "default"

# What PostgreSQL being away looks like: the server starting or shutting down, no connection
# slots left, a connection that broke; and refused, cut or timed-out connections (OSError, which
# tortoise's DBConnectionError is too) when raised by the database driver, not by other I/O.
_SERVER_AWAY = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
UNREACHABLE_ERRORS = (OSError, *_SERVER_AWAY)
_DRIVER_MODULES = ("asyncpg", "tortoise")


class DatabaseUnavailable(ConnectionError):
    """PostgreSQL cannot be reached now; the same request may well succeed later."""


def is_unreachable(error: BaseException | None) -> bool:
    """Whether `error`, or an error that caused it, says PostgreSQL cannot be reached."""
    seen = 0
    while error is not None and seen < 10:  # a cause chain is short; the bound guards a cycle
        if isinstance(error, (DatabaseUnavailable, *_SERVER_AWAY)):
            return True
        if isinstance(error, OSError) and _raised_by_the_driver(error):
            return True
        error = (
            error.__cause__
            if error.__cause__ is not None
            else (None if error.__suppress_context__ else error.__context__)
        )
        seen += 1
    return False


def _raised_by_the_driver(error: BaseException) -> bool:
    """An OSError from a webhook call is no news about PostgreSQL: look where it came from."""
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__", "").startswith(_DRIVER_MODULES):
            return True
        frame = frame.tb_next
    return False


class TenantConnection(asyncpg.Connection):
    """asyncpg's connection for pools whose every use is a tenant transaction (see `connect`).

    A request transaction's BEGIN carries the tenant setting along (`BEGIN; SELECT set_config(
    'app.tenant_id', ...)`, one round trip instead of two): `fold_tenant_setting` asks for it, and
    asyncpg's transaction start sends its BEGIN through `execute`, where it is added.
    `tenant_setting_sent` says whether that happened; when it did not (another asyncpg, a BEGIN
    sent otherwise), the caller sets the tenant with a statement of its own, so a missed fold
    costs a round trip, never the setting.
    """

    _pending_setting: str | None = None
    _setting_sent = False

    def fold_tenant_setting(self, tenant_id: uuid.UUID) -> None:
        self._pending_setting, self._setting_sent = str(uuid.UUID(str(tenant_id))), False

    def tenant_setting_sent(self) -> bool:
        sent, self._pending_setting, self._setting_sent = self._setting_sent, None, False
        return sent

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:  # noqa: ASYNC109
        setting = self._pending_setting
        if setting is not None and not args and query.startswith("BEGIN"):
            self._pending_setting = None
            # A UUID's text (checked above): nothing in it needs quoting.
            status: str = await super().execute(
                f"{query} SELECT set_config('app.tenant_id', '{setting}', true);", timeout=timeout
            )
            self._setting_sent = True
            return status
        result: str = await super().execute(query, *args, timeout=timeout)
        return result


class StatelessTenantConnection(TenantConnection):
    """For the API's pool: no reset query when a connection goes back to the pool.

    asyncpg's pool resets a released connection with `SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL;`, one more round trip per request. Nothing the API runs leaves
    session state behind: every request is one transaction, the tenant setting is
    transaction-local (`set_config(..., true)`), cursors close with their transaction, and the
    API takes no session advisory locks and listens on no pooled connection (the relay and the
    scheduler do, on pools of their own, which keep the reset). An open transaction is still
    rolled back by asyncpg on release.
    """

    def get_reset_query(self) -> str:
        return ""


class Credentials(TypedDict):
    host: str
    port: int
    user: str
    password: str
    database: str


def connection_credentials(url: str) -> Credentials:
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


async def connect(
    url: str, model_modules: Sequence[str], *, pool_size: int = 10, stateless: bool = False
) -> None:
    """Open the tortoise connection pool; one per process (API, worker, CLI). Its connections
    fold the tenant setting into a request transaction's BEGIN; `stateless` (the API) also skips
    asyncpg's reset query on release (tenants/connection.py says when that is safe)."""
    credentials = {
        **connection_credentials(url),
        "minsize": 1,
        "maxsize": pool_size,
        "connection_class": StatelessTenantConnection if stateless else TenantConnection,
    }
    context = await Tortoise.init(
        config={
            "connections": {
                CONNECTION: {"engine": "tortoise.backends.asyncpg", "credentials": credentials}
            },
            "apps": {"tessera": {"models": list(model_modules), "default_connection": CONNECTION}},
            "use_tz": True,
            "timezone": "UTC",
        },
    )
    # uvicorn's lifespan and dramatiq's event loop run in other tasks than the requests and jobs,
    # which must see the connections all the same: the context is the process's, for every task.
    set_global_context(context)


def database_client() -> BaseDBAsyncClient:
    """The process's database client (tortoise's default connection): inside a tenant's
    transaction its connection, outside one the pool, for statements that belong to no tenant
    (readiness checks, the outbox relay's scan)."""
    client: BaseDBAsyncClient = connections.get(CONNECTION)
    return client


async def disconnect() -> None:
    await Tortoise.close_connections()


def pool_usage() -> tuple[int, int, int] | None:
    """(open, idle, maximum) connections of this process's pool; None until it has opened."""
    # tortoise keeps the asyncpg pool in `_pool` and offers no public way to it; asyncpg's
    # counters on it are public. tests/db/test_library_seams.py fails if tortoise moves it.
    try:
        pool = getattr(connections.get(CONNECTION), "_pool", None)
    except RuntimeError:  # tortoise is not initialised in this process (yet)
        return None
    if pool is None:
        return None
    return pool.get_size(), pool.get_idle_size(), pool.get_max_size()


class ReachabilityProbe:
    """Whether PostgreSQL answers, on a connection of the probe's own: a pool whose connections
    are all busy says nothing about that, so readiness must not wait for one of them."""

    def __init__(self, url: str) -> None:
        self.credentials = connection_credentials(url)
        self.connection: asyncpg.Connection | None = None
        self.lock = asyncio.Lock()

    async def check(self, timeout_seconds: float) -> None:
        """Raises when PostgreSQL does not answer `SELECT 1` within the time."""
        async with self.lock:
            try:
                async with asyncio.timeout(timeout_seconds):
                    if self.connection is None or self.connection.is_closed():
                        self.connection = await asyncpg.connect(**self.credentials)
                    await self.connection.fetchval("SELECT 1")
            except BaseException:
                await self.close()  # open afresh next time
                raise

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.terminate()

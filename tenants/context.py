"""The tenant that the current request or job acts for, and the tenant-scoped transaction."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar, cast

import structlog
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from tenants.connection import RequestConnection, request_transaction
from tenants.database import CONNECTION

ModelT = TypeVar("ModelT", bound=Model)

_current_tenant: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "tessera_tenant", default=None
)


_transaction_cache: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "tessera_tx_cache", default=None
)


Action = Callable[[], Awaitable[None]]
log = structlog.get_logger("tessera.db")


class _Hooks:
    """What runs once the outermost tenant transaction has ended: work outside the database that
    must follow its outcome (stored files' bytes: removed after a commit that deleted their rows,
    removed after a rollback that undid their upload)."""

    def __init__(self) -> None:
        self.entries: list[tuple[bool, Action]] = []  # (on commit?, action)

    def cut(self, mark: int) -> list[Action]:
        """Forget what was registered since `mark` (a savepoint rolled back): the rollback actions
        among them, to run now, as their work is undone whatever the outer transaction does."""
        undone = [action for on_commit, action in self.entries[mark:] if not on_commit]
        del self.entries[mark:]
        return undone


_hooks: contextvars.ContextVar[_Hooks | None] = contextvars.ContextVar(
    "tessera_tx_hooks", default=None
)


def after_commit(action: Action) -> None:
    """Run `action` once the tenant transaction open now has committed (never if it rolls back)."""
    _open_hooks().entries.append((True, action))


def after_rollback(action: Action) -> None:
    """Run `action` if the tenant transaction open now (or its savepoint) rolls back."""
    _open_hooks().entries.append((False, action))


def _open_hooks() -> _Hooks:
    current_tenant_id()
    hooks = _hooks.get()
    if hooks is None:
        raise NoTenantError("no tenant-scoped transaction is open")
    return hooks


async def _run(actions: list[Action]) -> None:
    """Run each action; one that fails is logged and skipped (what it left behind is orphaned
    bytes, which `tessera files sweep` removes), it never fails the request that committed."""
    for action in actions:
        try:
            await action()
        except Exception:
            log.exception("transaction_hook_failed")


class NoTenantError(RuntimeError):
    """Tenant-owned data was touched outside `tenant_transaction`."""


def current_tenant_id() -> uuid.UUID:
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise NoTenantError("no tenant-scoped transaction is open")
    return tenant_id


@asynccontextmanager
async def tenant_transaction(tenant_id: uuid.UUID) -> AsyncIterator[BaseDBAsyncClient]:
    """Open a transaction in which PostgreSQL's row-level security sees only `tenant_id`.

    `set_config(..., true)` is transaction-local, so a pooled connection never carries one tenant's
    setting into the next transaction. Tortoise routes every query inside this block to `conn`,
    which concurrent resolvers share safely (tenants/connection.py). Inside an open transaction
    this is a savepoint of it.
    """
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError("tenant_id must be a UUID")
    outer = _hooks.get()
    hooks = outer if outer is not None else _Hooks()
    hooks_token = _hooks.set(hooks) if outer is None else None
    mark = len(hooks.entries)
    try:
        async with _transaction(tenant_id) as conn:
            if not getattr(conn, "tenant_set", False):  # else it went with the BEGIN
                await conn.execute_query(
                    "SELECT set_config('app.tenant_id', $1, true)", [str(tenant_id)]
                )
            token = _current_tenant.set(tenant_id)
            cache_token = _transaction_cache.set({})
            try:
                yield conn
            finally:
                _transaction_cache.reset(cache_token)
                _current_tenant.reset(token)
    except BaseException:
        if hooks_token is not None:
            _hooks.reset(hooks_token)
        await _run(hooks.cut(mark))
        raise
    if hooks_token is not None:  # the outermost transaction committed
        _hooks.reset(hooks_token)
        await _run([action for on_commit, action in hooks.entries if on_commit])


def _transaction(tenant_id: uuid.UUID) -> AbstractAsyncContextManager[Any]:
    current = connections.get(CONNECTION)
    if isinstance(current, TransactionalDBClient):
        return in_transaction()
    return request_transaction(current, tenant_id)


def transaction_cache() -> dict[str, Any]:
    """A dict that lives as long as the open tenant transaction: for what is read once per
    transaction (e.g. a role's field rules) and shared by every resolver of the request."""
    current_tenant_id()
    cache = _transaction_cache.get()
    if cache is None:  # a transaction opened by other means (tests, operator tools)
        cache = {}
        _transaction_cache.set(cache)
    return cache


def tenant_connection() -> BaseDBAsyncClient:
    """The connection of the open tenant transaction, for hand-written SQL."""
    current_tenant_id()
    client: BaseDBAsyncClient = connections.get(CONNECTION)
    return client


async def fetch_values(sql: str, values: list[Any]) -> list[Sequence[Any]]:
    """Rows of hand-written SQL as sequences of values in select order: for the hot reads that
    split or rename columns themselves, without a dict per row first."""
    conn = tenant_connection()
    # asyncpg's records index and iterate like sequences (its stubs do not say so).
    if isinstance(conn, RequestConnection):
        return cast(list[Sequence[Any]], await conn.fetch_values(sql, values))
    async with conn.acquire_connection() as connection:  # a transaction opened by other means
        return cast(list[Sequence[Any]], await connection.fetch(sql, *values))


def owned(model: type[ModelT]) -> QuerySet[ModelT]:
    """`model`'s rows of the current tenant. RLS would filter them anyway for the application role,
    but not for the owner role that operator commands use: the tenant filter is always explicit."""
    return model.filter(tenant_id=current_tenant_id())

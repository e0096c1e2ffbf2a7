"""The connection of one tenant transaction, shared safely by everything the request runs at once.

A GraphQL request resolves its fields concurrently (aliases, DataLoader batches, relation lookups)
and all of them use the request's one transaction connection, while PostgreSQL runs one statement
at a time on it. So every statement, BEGIN, COMMIT, ROLLBACK and savepoint takes the connection's
turn; a statement runs to its end even if the resolver that asked for it is cancelled (graphql-core
cancels siblings when a non-null field fails, and a statement cut off mid-way leaves the connection
busy cancelling, failing the next statement or the COMMIT); and once the transaction has ended,
late work of the request fails with TransactionEnded instead of touching a connection that is back
in the pool, perhaps serving another tenant.

The pool connection is returned whatever happens: an error or a cancellation at any step, even a
failed BEGIN. A connection that cannot be cleaned up is closed by asyncpg and the pool opens a new one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import structlog
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.connection import connections

from tenants.database import CONNECTION, DatabaseUnavailable, is_unreachable

T = TypeVar("T")
log = structlog.get_logger("tessera.db")


class TransactionEnded(RuntimeError):
    """A statement came after its transaction had ended (late work of a request that failed)."""


class _Ended:
    """Whether the transaction is over; shared by the transaction and its savepoints."""

    def __init__(self) -> None:
        self.value = False


class _Turn:
    """Exclusive use of the connection for one statement (or the transaction's own commands)."""

    __slots__ = ("last", "owner")

    def __init__(self, owner: RequestConnection, *, last: bool = False) -> None:
        self.owner = owner
        self.last = last

    async def __aenter__(self) -> asyncpg.Connection:
        owner = self.owner
        await owner.turn.acquire()
        if owner.ended.value:
            owner.turn.release()
            raise TransactionEnded("the request's transaction has already ended")
        if self.last:
            owner.ended.value = True
        return owner.connection

    async def __aexit__(self, *exc_info: object) -> None:
        self.owner.turn.release()


async def _to_the_end(statement: Coroutine[Any, Any, T]) -> T:
    """Await `statement`; if the caller is cancelled, the statement still runs to its end (holding
    the connection's turn), so the connection is never left half-way through a command."""
    task = asyncio.ensure_future(statement)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.add_done_callback(_forget)
        raise


def _forget(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # nobody waits for it any more; retrieving it keeps asyncio from logging it


class RequestConnection(TransactionWrapper):
    """tortoise's transaction client for the request's connection, with turns (see the module doc)."""

    def __init__(
        self,
        pool_client: AsyncpgDBClient,
        connection: asyncpg.Connection,
        *,
        turn: asyncio.Lock | None = None,
        ended: _Ended | None = None,
    ) -> None:
        super().__init__(pool_client)
        self.connection = connection
        self._connection = connection  # what tortoise's own code reads
        self.turn = turn or asyncio.Lock()
        self.ended = ended or _Ended()
        self.tenant_set = False  # whether the BEGIN set the tenant (TenantConnection)

    def acquire_connection(self) -> _Turn:  # type: ignore[override]
        return _Turn(self)

    def _in_transaction(self) -> TransactionContext:
        # tortoise's nested transaction (a savepoint) on this connection, taking the same turns.
        return NestedTransactionContext(
            RequestConnection(self._parent, self.connection, turn=self.turn, ended=self.ended)
        )

    async def begin(self) -> None:
        await self.begin_for(None)

    async def begin_for(self, tenant_id: uuid.UUID | None) -> bool:
        """Start the transaction; with `tenant_id`, whether its setting went with the BEGIN
        (TenantConnection)."""
        async with _Turn(self) as connection:
            self.transaction = connection.transaction()
            fold = getattr(connection, "fold_tenant_setting", None)  # through the pool's proxy
            if tenant_id is None or fold is None:
                await self.transaction.start()
                return False
            fold(tenant_id)
            try:
                await self.transaction.start()
            finally:
                sent: bool = getattr(connection, "tenant_setting_sent")()  # noqa: B009 - the proxy's
            return sent

    async def commit(self) -> None:  # releases a savepoint
        async with _Turn(self):
            await super().commit()

    async def rollback(self) -> None:  # rolls back to a savepoint
        async with _Turn(self):
            await super().rollback()

    async def finish(self, *, commit: bool) -> None:
        """End the transaction once the statements queued before have run; nothing runs after."""
        async with _Turn(self, last=True):
            await (super().commit() if commit else super().rollback())

    async def execute_insert(self, query: str, values: list[Any]) -> asyncpg.Record | None:
        return await _to_the_end(super().execute_insert(query, values))

    async def execute_many(self, query: str, values: list[Any]) -> None:
        return await _to_the_end(super().execute_many(query, values))

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        return await _to_the_end(super().execute_query(query, values))

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        return await _to_the_end(super().execute_query_dict(query, values))

    async def execute_script(self, query: str) -> None:
        return await _to_the_end(super().execute_script(query))

    async def fetch_values(self, sql: str, values: Sequence[Any]) -> list[asyncpg.Record]:
        """Rows of `sql` as asyncpg records (no dict per row)."""
        return await _to_the_end(self._fetch(sql, values))

    async def _fetch(self, sql: str, values: Sequence[Any]) -> list[asyncpg.Record]:
        async with _Turn(self) as connection:
            return await connection.fetch(sql, *values)


@asynccontextmanager
async def request_transaction(
    pool_client: AsyncpgDBClient, tenant_id: uuid.UUID | None = None
) -> AsyncIterator[RequestConnection]:
    """A transaction on a connection of the pool; tortoise routes this task's queries to it.
    With `tenant_id`, its BEGIN tries to set the tenant too (`tenant_set` says if it did)."""
    async with _leased(pool_client) as connection:
        client = RequestConnection(pool_client, connection)
        token = connections.set(CONNECTION, client)
        try:
            try:
                client.tenant_set = await client.begin_for(tenant_id)
            except Exception as exc:
                if is_unreachable(exc):
                    raise DatabaseUnavailable(str(exc)) from exc
                raise
            try:
                yield client
            except BaseException:
                await client.finish(commit=False)
                raise
            await client.finish(commit=True)
        finally:
            connections.reset(token)


@asynccontextmanager
async def _leased(pool_client: AsyncpgDBClient) -> AsyncIterator[asyncpg.Connection]:
    """A pool connection, given back however the block ends."""
    lease = pool_client.acquire_connection()
    try:
        connection = await lease.__aenter__()
    except Exception as exc:
        if is_unreachable(exc):
            raise DatabaseUnavailable(str(exc)) from exc
        raise
    try:
        yield connection
    finally:
        try:
            await lease.__aexit__(None, None, None)
        except Exception as exc:  # noqa: BLE001 - asyncpg closed what it could not clean; the pool replaces it
            log.warning("connection closed instead of reused", error=f"{type(exc).__name__}: {exc}")

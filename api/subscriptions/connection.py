"""strawberry's graphql-transport-ws handler, with what a long-lived connection needs here: server
pings (no pong by the next ping closes), the credential watched (closed when it expires or is
revoked), each operation on a context of its own, and a slow consumer dropped alone."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing, suppress
from dataclasses import replace
from typing import Any, cast

import structlog
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    PongMessage,
)

from api.subscriptions.hub import LiveHub, LiveLimits
from api.subscriptions.session import UNAUTHORIZED_CLOSE, LiveSession
from domain.errors import Unauthenticated

log = structlog.get_logger("tessera.live")

HEARTBEAT_CLOSE = 4408  # no pong in time: the client is gone or stuck
SLOW_CONSUMER_CLOSE = 1008  # policy violation: the client did not read its messages in time
_CLOSE_TIMEOUT_SECONDS = 5.0  # closing must not hang on a socket nobody reads


class LiveConnectionHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle(self) -> None:
        hub: LiveHub = cast(Any, self.view).live_hub  # api/http.py's GraphQLEndpoint
        self.limits: LiveLimits = hub.limits
        self.connection_init_wait_timeout = type(self.connection_init_wait_timeout)(
            seconds=self.limits.init_timeout_seconds
        )
        self._pong_due = False
        self._closing = False
        self._side_tasks: set[asyncio.Task[None]] = set()
        self.context.live = LiveSession(hub, self.close_connection, self.drop_slow_consumer)
        watcher = asyncio.create_task(self._watch(), name="live-watch")
        try:
            await super().handle()
        finally:
            watcher.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await watcher

    async def handle_pong(self, message: PongMessage) -> None:
        self._pong_due = False

    async def close_connection(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        log.info("live connection closed by the server", code=code, reason=reason)
        with suppress(Exception):
            await asyncio.wait_for(
                self.websocket.close(code=code, reason=reason), _CLOSE_TIMEOUT_SECONDS
            )

    def drop_slow_consumer(self) -> None:
        """Called by the hub (never waiting): stop this connection's operations and close it."""
        for operation in list(self.operations.values()):
            if operation.task is not None:
                operation.task.cancel()
        task = asyncio.create_task(
            self.close_connection(
                SLOW_CONSUMER_CLOSE, "Slow consumer: messages were not read in time"
            )
        )
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _watch(self) -> None:
        """Pings and credential checks until the connection ends (this task is cancelled then)."""
        ping_every, check_every = self.limits.ping_seconds, self.limits.auth_check_seconds
        next_ping = next_check = 0.0
        while not self._closing:
            session: LiveSession = self.context.live
            if not self.connection_acknowledged:  # strawberry closes connections never initialised
                await asyncio.sleep(min(ping_every, 0.5))
                next_ping, next_check = (
                    time.monotonic() + ping_every,
                    time.monotonic() + check_every,
                )
                continue
            expires_in = session.expires_in()
            deadline = min(next_ping, next_check)
            if expires_in is not None:
                deadline = min(deadline, time.monotonic() + max(expires_in, 0.0))
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            expires_in = session.expires_in()
            if now >= next_check or (expires_in is not None and expires_in <= 0):
                next_check = now + check_every
                try:
                    await session.check()
                except Unauthenticated as exc:
                    await self.close_connection(UNAUTHORIZED_CLOSE, str(exc))
                    return
            if now >= next_ping:
                if self._pong_due:
                    await self.close_connection(
                        HEARTBEAT_CLOSE, "No pong within the heartbeat interval"
                    )
                    return
                self._pong_due = True
                next_ping = now + ping_every
                await self.send_message({"type": "ping"})

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        """strawberry's run_operation (0.341.2), on a copy of the connection's context: each
        operation's DataLoaders are its own, emptied for every event (api/subscriptions/execution.py)."""
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=replace(self.context, loaders={}),
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

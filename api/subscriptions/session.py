"""A WebSocket connection's credential: given in `connection_init`, checked then, again every few
seconds and before every event; when it no longer holds (expired, revoked, member removed, tenant
suspended) the connection is closed."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from api.subscriptions.hub import LiveHub
from domain.errors import Unauthenticated
from domain.identity.access_tokens import TokenConfig
from domain.identity.authentication import BearerCredential, authenticate, read_bearer
from domain.identity.principal import Principal
from tenants.context import tenant_transaction

UNAUTHORIZED_CLOSE = (
    4403  # graphql-transport-ws' "Forbidden": the client gets a new token and reconnects
)

Close = Callable[[int, str], Awaitable[None]]


def token_in(params: dict[str, Any] | None) -> str | None:
    """The bearer token of a connection_init payload: {"authorization": "Bearer <token>"} (any
    case of the key, as Apollo and graphql-ws users write it) or {"token": "<token>"}."""
    if not params:
        return None
    for key, value in params.items():
        if isinstance(value, str) and key.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    bare = params.get("token")
    return bare.strip() if isinstance(bare, str) and bare.strip() else None


class LiveSession:
    """What the subscriptions of one connection share."""

    def __init__(self, hub: LiveHub, close: Close, drop: Callable[[], None]) -> None:
        self.hub = hub
        self.close = close
        self.drop = drop  # the hub calls it when a subscriber's queue is full
        self.credential: BearerCredential | None = None
        self.principal: Principal | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        assert self.credential is not None
        return self.credential.tenant_id

    def expires_in(self) -> float | None:
        """Seconds until the access token expires; None for API tokens (checked in the database)."""
        if self.credential is None or self.credential.claims is None:
            return None
        return self.credential.claims.expires_at - time.time()

    async def open(self, token_config: TokenConfig, token: str | None) -> Principal:
        """Check the credential of connection_init (Unauthenticated if it does not hold)."""
        if token is None:
            raise Unauthenticated('connection_init must carry {"authorization": "Bearer <token>"}')
        self.credential = read_bearer(token_config, token)
        async with tenant_transaction(self.credential.tenant_id):
            return await self._check()

    async def check(self) -> None:
        """Check the credential again, in its own transaction."""
        async with tenant_transaction(self.tenant_id):
            await self._check()

    @asynccontextmanager
    async def as_subscriber(self) -> AsyncIterator[Principal]:
        """The tenant's transaction, with the credential checked again inside it: what the
        subscriber may see now, not when they subscribed. Closes the connection if it no longer holds."""
        async with tenant_transaction(self.tenant_id):
            try:
                principal = await self._check()
            except Unauthenticated as exc:
                await self.close(UNAUTHORIZED_CLOSE, str(exc))
                raise
            yield principal

    async def _check(self) -> Principal:
        assert self.credential is not None
        expires_in = self.expires_in()
        if expires_in is not None and expires_in <= 0:
            raise Unauthenticated("Token has expired")
        self.principal = await authenticate(self.credential)
        return self.principal

"""Runs every authenticated operation inside its tenant's transaction.

The bearer credential was read offline when the request arrived; here, inside the transaction
that RLS confines to the credential's tenant, it is checked against the database (revoked,
suspended...), and the resolvers run. A mutation operation that returns any error is rolled back
as a whole, so a client never has to guess what was half-written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.context import Context
from api.errors import ApiError, ErrorCode, rate_limited
from api.ratelimit import hit
from domain.errors import Unauthenticated
from domain.identity.authentication import authenticate
from domain.identity.principal import CredentialKind
from tenants.context import tenant_transaction


class _RollBack(Exception):
    """Raised inside the transaction to undo a failed mutation."""


async def _limited(context: Context) -> float | None:
    """Seconds to wait if the tenant, or the API token making the request, is over its limit."""
    principal = context.principal
    assert principal is not None  # asked once the request is authenticated
    retry_after = await hit(
        context.redis,
        f"tenant:{principal.tenant_id}",
        limit=context.rate_limits.tenant_per_minute,
        window_seconds=60,
    )
    if retry_after is None and principal.kind is CredentialKind.API_TOKEN:
        retry_after = await hit(
            context.redis,
            f"token:{principal.credential_id}",
            limit=context.rate_limits.token_per_minute,
            window_seconds=60,
        )
    return retry_after


class TenantScope(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        if context.credential_error is not None:
            self._fail(ErrorCode.UNAUTHENTICATED, str(context.credential_error))
            yield
            return
        if context.credential is None:
            yield  # anonymous: only fields without permission classes (login, refresh) resolve
            return
        yielded = False
        try:
            async with tenant_transaction(context.credential.tenant_id):
                try:
                    context.principal = await authenticate(context.credential)
                except Unauthenticated as exc:
                    self._fail(ErrorCode.UNAUTHENTICATED, str(exc))
                    yielded = True
                    yield
                    return
                structlog.contextvars.bind_contextvars(tenant_id=str(context.principal.tenant_id))
                retry_after = await _limited(context)
                if retry_after is not None:
                    error = rate_limited(retry_after)
                    self.execution_context.result = GraphQLExecutionResult(
                        data=None, errors=[error]
                    )
                yielded = True
                yield
                if self._failed_mutation():
                    raise _RollBack
        except _RollBack:
            pass
        except Exception as exc:
            if yielded:
                raise
            # The database failed before the resolvers ran: report it once, as UNAVAILABLE when
            # PostgreSQL is out of reach, else as INTERNAL (ObserveOperation logs the cause).
            self.execution_context.result = GraphQLExecutionResult(
                data=None, errors=[GraphQLError(str(exc), original_error=exc)]
            )
            yield

    def _fail(self, code: ErrorCode, message: str) -> None:
        self.execution_context.result = GraphQLExecutionResult(
            data=None, errors=[ApiError(code, message)]
        )

    def _failed_mutation(self) -> bool:
        result = self.execution_context.result
        operation = self.execution_context.operation_type
        return operation == OperationType.MUTATION and bool(result is not None and result.errors)

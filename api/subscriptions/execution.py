"""Each event of a subscription is executed (its selection set resolved: the record, its relations)
inside its subscriber's tenant transaction, as the subscriber, with the credential checked again:
the payload says how (`in_scope`), and this executor mixin opens it around that one execution.
The transaction is closed before the result is sent, so a slow client never holds a connection
of the pool."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from inspect import isawaitable
from typing import Any

InScope = Callable[[], AbstractAsyncContextManager[Any]]
SCOPE_ATTRIBUTE = "in_scope"  # the payloads' (strawberry.Private) attribute holding an InScope


class ScopedEventExecution:
    """Mixed in before the executor class (api/schema.py)."""

    root_value: Any

    def execute_operation(self, serially: bool | None = None) -> Any:
        scope: InScope | None = getattr(self.root_value, SCOPE_ATTRIBUTE, None)
        if scope is None:  # queries, mutations, and a subscription's first step
            return super().execute_operation(serially)  # type: ignore[misc]

        async def in_scope() -> Any:
            async with scope():
                result = super(ScopedEventExecution, self).execute_operation(serially)  # type: ignore[misc]
                return await result if isawaitable(result) else result

        return in_scope()

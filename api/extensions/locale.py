"""Picks the language of an operation's error messages, only when there are errors to word: the
caller's profile locale, else Accept-Language, else the tenant's locale (domain/i18n). It runs
after the operation's own transaction has ended (a failed mutation rolled back, perhaps after a
failed statement), so it reads in a short transaction of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from strawberry.extensions import SchemaExtension

from api.context import Context
from domain.i18n import negotiate
from domain.i18n.choice import choose_locale
from tenants.context import tenant_transaction

log = structlog.get_logger("tessera.api")


class PickLocale(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        result = self.execution_context.result
        context: Context = self.execution_context.context
        if result is None or not result.errors or context.principal is None:
            return
        header = context.request.headers.get("accept-language")
        try:
            async with tenant_transaction(context.principal.tenant_id):
                context.locale = await choose_locale(context.principal.user_id, header)
        except Exception as exc:  # noqa: BLE001 - the errors themselves matter more than their language
            log.warning("locale not read; errors worded from the request alone", cause=repr(exc))
            context.locale = negotiate(header)

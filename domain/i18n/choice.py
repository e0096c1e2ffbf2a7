"""Which language a caller gets: their profile's locale, else what the request asks for
(Accept-Language), else the tenant's locale setting."""

from __future__ import annotations

import uuid

from domain.errors import FieldError, InvalidInput
from domain.i18n.catalog import EN, ZH
from domain.i18n.negotiation import negotiate
from domain.identity.principal import Principal
from domain.tenant_settings import current_settings
from tenants.context import tenant_connection

LOCALES = (EN, ZH)


async def user_locale(user_id: uuid.UUID) -> str | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT locale FROM app_user WHERE id = $1", [user_id]
    )
    return rows[0]["locale"] if rows else None


async def choose_locale(user_id: uuid.UUID | None, accept_language: str | None) -> str:
    """The locale for a caller of the tenant in context (user_id None: not signed in)."""
    own = await user_locale(user_id) if user_id is not None else None
    return own or negotiate(accept_language) or (await current_settings()).locale


async def set_user_locale(*, principal: Principal, locale: str | None) -> str | None:
    """Set (or with None clear) the caller's own locale; it applies in every tenant they belong to."""
    if locale is not None and locale not in LOCALES:
        raise InvalidInput([FieldError("locale", "INVALID_CHOICE", f"one of {', '.join(LOCALES)}")])
    await tenant_connection().execute_query(
        "UPDATE app_user SET locale = $2 WHERE id = $1", [principal.user_id, locale]
    )
    return locale

"""The caller's own preferences."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.queries import load_me
from api.auth.types import Me
from api.permissions import principal_of
from domain.i18n.choice import set_user_locale


@strawberry.input
class SetMyLocaleInput:
    locale: str | None = strawberry.field(
        description='"en" or "zh-CN"; null: follow Accept-Language, then the tenant'
    )


@strawberry.mutation(description="Choose the language of your messages (errors, notifications)")
async def set_my_locale(info: Info, input: SetMyLocaleInput) -> Me:
    principal = principal_of(info)
    await set_user_locale(principal=principal, locale=input.locale)
    return await load_me(principal)

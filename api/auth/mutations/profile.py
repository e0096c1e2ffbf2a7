"""The caller's own preferences."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.queries import load_me
from api.auth.types import Me
from api.permissions import principal_of
from domain.i18n.choice import set_user_locale
from domain.identity.profile import update_profile


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


@strawberry.input
class UpdateMyProfileInput:
    name: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description='An IANA zone ("Europe/Paris"); null: the tenant\'s'
    )
    locale: str | None = strawberry.field(
        default=strawberry.UNSET, description='"en" or "zh-CN"; null: Accept-Language, then tenant'
    )


@strawberry.mutation(description="Change your own name, time zone or locale (only what you send)")
async def update_my_profile(info: Info, input: UpdateMyProfileInput) -> Me:
    principal = principal_of(info)
    changes = {
        key: value
        for key, value in (
            ("name", input.name),
            ("time_zone", input.time_zone),
            ("locale", input.locale),
        )
        if value is not strawberry.UNSET
    }
    await update_profile(principal=principal, changes=changes)
    return await load_me(principal)

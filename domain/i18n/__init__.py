"""The language of the texts Tessera writes: error messages, field-error messages and system
notifications, in English ("en") and Simplified Chinese ("zh-CN"). Codes and field paths never
change with the language; only `message` texts do.

    translate("error.FORBIDDEN", "zh-CN")                     # the closed error set, by code
    translate("field.INVALID_PHONE", "zh-CN")                 # field-error messages, by code
    translate("notification.webhook_disabled.body", "en", url=..., reason=...)
    error_message("Your role does not allow this", "FORBIDDEN", "zh-CN")
    negotiate("zh-TW, zh;q=0.9, en;q=0.8")                    # Accept-Language -> "zh-CN" | "en" | None

Which language a caller gets: their own profile's locale, else the request's Accept-Language,
else the tenant's locale setting (api/extensions/tenant_scope.py picks it; docs/service-levels.md)."""

from __future__ import annotations

from domain.i18n.catalog import EN, ERRORS, FIELDS, MESSAGES, NOTIFICATIONS, ZH
from domain.i18n.negotiation import negotiate, supported

LOCALES = (EN, ZH)

__all__ = [
    "EN",
    "LOCALES",
    "ZH",
    "error_message",
    "field_message",
    "negotiate",
    "supported",
    "translate",
]


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # a placeholder without a value stays readable instead of failing


def translate(code_or_key: str, locale: str | None, **params: object) -> str:
    """The text of a catalog key (`error.X`, `field.X`, `notification.x`) in `locale` (English
    for any other), with `params` filled in; the key itself when the catalog has no such text."""
    area, _, name = code_or_key.partition(".")
    texts: dict[str, str] | None
    if area == "error":
        texts = ERRORS.get(name)
    elif area == "field":
        zh = FIELDS.get(name)
        texts = None if zh is None else {ZH: zh, EN: name.replace("_", " ").capitalize()}
    elif area == "notification":
        texts = NOTIFICATIONS.get(name)
    else:
        texts = ERRORS.get(code_or_key)
    if texts is None:
        return code_or_key
    text = texts.get(locale or EN) or texts[EN]
    return text.format_map(_Params(params)) if params else text


def error_message(message: str, code: str, locale: str | None) -> str:
    """An error's message for the caller: as written in English; in Chinese its own translation
    when the catalog has one, else the error code's."""
    if locale != ZH:
        return message
    return MESSAGES.get(message) or translate(f"error.{code}", ZH)


def field_message(message: str, code: str, locale: str | None) -> str:
    """A field error's message: as written in English (with its specifics); in Chinese the code's
    text, or the English one when the catalog has none for the code."""
    if locale != ZH:
        return message
    return FIELDS.get(code) or message

"""Choosing a supported locale from what a client or a profile asks for."""

from __future__ import annotations

from domain.i18n.catalog import EN, ZH

MAX_HEADER = 500  # longer Accept-Language headers are ignored, not parsed
# Chinese tags that mean traditional script (Taiwan, Hong Kong, Macau) are not served Simplified Chinese.
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def supported(tag: str | None) -> str | None:
    """The locale a language tag maps to: en-* is "en", zh / zh-CN / zh-Hans / zh-SG is "zh-CN"."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    if tag == "en" or tag.startswith("en-"):
        return EN
    if tag == "zh" or (tag.startswith("zh-") and not tag.startswith(_TRADITIONAL)):
        return ZH
    return None


def negotiate(header: str | None) -> str | None:
    """The supported locale an Accept-Language header prefers most (by q, then order); None when
    it names none of them."""
    if not header or len(header) > MAX_HEADER:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        rest = rest.strip()
        if rest.startswith("q="):
            try:
                quality = float(rest[2:])
            except ValueError:
                continue
        locale = supported(tag)
        if locale is not None and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else None

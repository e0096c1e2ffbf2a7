"""Phone numbers: read as people type them, stored as E.164 (+8613800138000).

A number written in international form (+86 138 0013 8000, 0086...) is read as such; a national
one (13800138000, (0)30 1234567) needs a region, the tenant's `phoneRegion` setting: in a CN
tenant 13800138000 is +8613800138000, in a tenant without a region it is refused.

Record writes (standard phone fields and custom fields of type phone) validate synchronously, deep
inside field checks, so the tenant's region is loaded once per transaction by the write's entry
point (`await load_region()`) and read there with `region_in_effect()`."""

from __future__ import annotations

import phonenumbers

from domain.errors import InvalidInput
from domain.tenant_settings import current_settings
from tenants.context import NoTenantError, transaction_cache

_KEY = "phone_region"


def e164(text: str, region: str | None) -> str | None:
    """E.164 for a valid number (international, or national in `region`), else None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        parsed = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def problem(text: object, region: str | None) -> str:
    """Why `text` was refused, for a field error's message."""
    if region:
        return f"{text!r} is not a valid phone number (international, or national in {region})"
    return f"{text!r} is not a valid phone number in international form (+<country code> ...)"


def to_e164(text: str, region: str | None, *, field: str = "phone") -> str:
    """E.164 for `text`; InvalidInput (INVALID_PHONE at `field`) when it is not a valid number."""
    number = e164(text, region)
    if number is None:
        raise InvalidInput.single(field, "INVALID_PHONE", problem(text, region))
    return number


async def load_region() -> str | None:
    """Read the tenant's phone region for the open transaction (the writes' entry points call it)."""
    region = (await current_settings()).phone_region
    transaction_cache()[_KEY] = region
    return region


def region_in_effect() -> str | None:
    """The tenant's phone region as loaded for this transaction; None when not loaded (or no tenant)."""
    try:
        value = transaction_cache().get(_KEY)
    except NoTenantError:
        return None
    return value if isinstance(value, str) else None

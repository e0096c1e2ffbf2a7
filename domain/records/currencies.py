"""Currency codes: ISO 4217's list of current codes, as pycountry ships it (from Debian's iso-codes)."""

from __future__ import annotations

import pycountry

CURRENCY_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)
CURRENCY_MESSAGE = "an ISO 4217 currency code such as USD or CNY"


def is_currency(code: object) -> bool:
    """Whether `code` is a current ISO 4217 code, written as the standard writes it (upper case)."""
    return isinstance(code, str) and code in CURRENCY_CODES

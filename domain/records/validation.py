"""Checking one record's input field by field, collecting every problem before any write."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from domain import phones
from domain.errors import FieldError
from domain.records.currencies import CURRENCY_MESSAGE, is_currency
from domain.records.spec import RecordSpec

# Decimal columns are numeric(18, 2); a value past these bounds could not be stored, or not even
# sent to PostgreSQL (asyncpg cannot encode 1e999999), so it is refused as a field error.
MAX_DECIMAL = Decimal(10) ** 16
MAX_DECIMAL_PLACES = 16
DECIMAL_RANGE = f"a finite number below 10^16 with at most {MAX_DECIMAL_PLACES} decimal places"


def in_decimal_range(number: Decimal) -> bool:
    # The places as written: 0E-1000000 is zero, and still more than asyncpg can send.
    exponent = number.as_tuple().exponent
    return (
        number.is_finite()
        and abs(number) < MAX_DECIMAL
        and isinstance(exponent, int)
        and exponent >= -MAX_DECIMAL_PLACES
    )


class Checker:
    """Reads `item` (API field name -> value); fills `values` (column -> value) and `errors`."""

    def __init__(self, spec: RecordSpec, item: dict[str, Any], *, creating: bool) -> None:
        self.spec = spec
        self.item = item
        self.creating = creating
        self.values: dict[str, Any] = {}
        self.errors: list[FieldError] = []
        self.read: set[str] = (
            set()
        )  # the names the type's validation looked at: what clients may write

    def error(self, name: str, code: str, message: str) -> None:
        self.errors.append(FieldError(name, code, message))

    def _take(self, name: str, required: bool) -> tuple[bool, Any]:
        self.read.add(name)
        if name not in self.item:
            if required and self.creating:
                self.error(name, "REQUIRED", f"{name} is required")
            return False, None
        value = self.item[name]
        if value is None and required:
            self.error(name, "REQUIRED", f"{name} cannot be empty")
            return False, None
        return True, value

    def _set(self, name: str, value: Any) -> None:
        self.values[self.spec.field(name).column] = value

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int = 200,
        choices: frozenset[str] | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if value is None:
            self._set(name, None)
            return
        value = str(value).strip()
        if required and not value:
            self.error(name, "REQUIRED", f"{name} cannot be empty")
        elif len(value) > max_length:
            self.error(name, "TOO_LONG", f"{name} must be at most {max_length} characters")
        elif choices is not None and value not in choices:
            self.error(
                name, "INVALID_CHOICE", f"{name} must be one of {', '.join(sorted(choices))}"
            )
        elif pattern is not None and value and not pattern.match(value):
            self.error(name, "INVALID_FORMAT", f"{name} is not valid")
        else:
            self._set(name, value or None)

    def currency(self, name: str) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        code = None if value is None else str(value).strip() or None
        if code is not None and not is_currency(code):
            self.error(name, "INVALID_CURRENCY", f"{name} must be {CURRENCY_MESSAGE}")
            return
        self._set(name, code)

    def boolean(self, name: str) -> None:
        present, value = self._take(name, required=False)
        if present:
            self._set(name, bool(value))

    def decimal(self, name: str, *, minimum: Decimal | int | None = None) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        try:
            number = None if value is None else Decimal(str(value))
        except InvalidOperation:
            self.error(name, "INVALID_NUMBER", f"{name} is not a number")
            return
        if number is not None and not in_decimal_range(number):
            self.error(name, "OUT_OF_RANGE", f"{name} must be {DECIMAL_RANGE}")
            return
        if number is not None and minimum is not None and number < minimum:
            self.error(name, "TOO_SMALL", f"{name} must be at least {minimum}")
            return
        # Rounded as PostgreSQL rounds into numeric(18, 2) (half away from zero).
        self._set(
            name,
            None if number is None else number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        )

    def reference(self, name: str, *, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        try:
            self._set(
                name,
                value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value)),
            )
        except ValueError:
            self.error(name, "INVALID_ID", f"{name} is not an id")

    def json_object(
        self, name: str, *, allowed_keys: frozenset[str] | None = None, max_values: int = 50
    ) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        if value is not None and (not isinstance(value, dict) or len(value) > max_values):
            self.error(
                name,
                "INVALID_OBJECT",
                f"{name} must be an object with at most {max_values} entries",
            )
            return
        if value and allowed_keys is not None and not set(value) <= allowed_keys:
            unknown = ", ".join(sorted(set(value) - allowed_keys))
            self.error(name, "UNKNOWN_KEYS", f"{name} has unknown keys: {unknown}")
            return
        self._set(name, value)

    def emails(self, name: str, *, max_items: int = 10) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        if value is not None and not isinstance(value, list):
            self.error(name, "INVALID_LIST", f"{name} must be a list")
            return
        normalised = []
        for index, email in enumerate(value or []):
            try:
                normalised.append(validate_email(str(email), check_deliverability=False).normalized)
            except EmailNotValidError as exc:
                self.error(f"{name}.{index}", "INVALID_EMAIL", str(exc))
        self._list(name, normalised, max_items)

    def phones(self, name: str, *, max_items: int = 10) -> None:
        """Phone numbers in international form, stored as E.164 (+8613800138000)."""
        present, value = self._take(name, required=False)
        if not present:
            return
        if value is not None and not isinstance(value, list):
            self.error(name, "INVALID_LIST", f"{name} must be a list")
            return
        normalised = []
        for index, phone in enumerate(value or []):
            number = normalise_phone(str(phone))
            if number is None:
                self.error(
                    f"{name}.{index}",
                    "INVALID_PHONE",
                    phones.problem(phone, phones.region_in_effect()),
                )
            else:
                normalised.append(number)
        self._list(name, normalised, max_items)

    def date(self, name: str, *, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if value is not None and not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                self.error(name, "INVALID_DATE", f"{name} is not a date (YYYY-MM-DD)")
                return
        self._set(name, value)

    def datetime(self, name: str) -> None:
        present, value = self._take(name, required=False)
        if present:
            self._set(name, value)

    def integer(self, name: str, *, minimum: int, maximum: int, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            self.error(name, "INVALID_NUMBER", f"{name} must be a whole number")
            return
        if value is not None and not minimum <= value <= maximum:
            self.error(name, "OUT_OF_RANGE", f"{name} must be between {minimum} and {maximum}")
            return
        self._set(name, value)

    def email(self, name: str) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        try:
            self._set(
                name,
                None
                if value is None
                else validate_email(str(value), check_deliverability=False).normalized,
            )
        except EmailNotValidError as exc:
            self.error(name, "INVALID_EMAIL", str(exc))

    def phone(self, name: str) -> None:
        present, value = self._take(name, required=False)
        if not present:
            return
        normalised = None if value is None else normalise_phone(str(value))
        if value is not None and normalised is None:
            self.error(name, "INVALID_PHONE", phones.problem(value, phones.region_in_effect()))
            return
        self._set(name, normalised)

    def _list(self, name: str, values: list[str], max_items: int) -> None:
        if len(values) > max_items:
            self.error(name, "TOO_MANY", f"at most {max_items} values")
            return
        self._set(name, list(dict.fromkeys(values)))  # dedupe, keep order


def normalise_phone(value: str) -> str | None:
    """E.164 (+8613800138000) for a valid number: international, or national in the tenant's phone
    region when the write loaded it (domain/phones.py); else None."""
    return phones.e164(value, phones.region_in_effect())

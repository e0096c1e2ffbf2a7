"""The value types of custom fields: how each parses and normalises input, how it is stored in
JSONB, and how it can be filtered and sorted."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

import nh3
from email_validator import EmailNotValidError, validate_email

from domain import phones
from domain.custom.patterns import PatternError, full_match
from domain.records.currencies import CURRENCY_MESSAGE, is_currency
from domain.records.spec import Kind
from domain.records.validation import normalise_phone


class FieldType(str, Enum):
    TEXT = "TEXT"
    LONG_TEXT = "LONG_TEXT"
    RICH_TEXT = "RICH_TEXT"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    CURRENCY = "CURRENCY"
    PERCENT = "PERCENT"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    DATETIME = "DATETIME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    URL = "URL"
    SINGLE_SELECT = "SINGLE_SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    RATING = "RATING"
    RELATION = "RELATION"
    USER = "USER"
    AUTO_NUMBER = "AUTO_NUMBER"
    FORMULA = "FORMULA"
    ROLLUP = "ROLLUP"
    JSON = "JSON"
    ADDRESS = "ADDRESS"
    FILE = "FILE"
    IMAGE = "IMAGE"


class FormulaResult(str, Enum):
    NUMBER = "NUMBER"
    TEXT = "TEXT"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"


class Invalid(ValueError):
    """A value a field refuses: `code` and a message for the field error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# Types whose value is a file attached to the same record (domain/custom/files.py).
FILE_TYPES = frozenset({FieldType.FILE, FieldType.IMAGE})
# Types whose values the system computes; clients never write them.
COMPUTED = frozenset({FieldType.AUTO_NUMBER, FieldType.FORMULA, FieldType.ROLLUP})
TEXT_LIMITS = {FieldType.TEXT: 255, FieldType.LONG_TEXT: 10_000, FieldType.RICH_TEXT: 50_000}
ADDRESS_KEYS = frozenset({"street", "city", "state", "region", "postalCode", "country"})
MAX_JSON_CHARS = 16_000
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)
_KINDS = {
    FieldType.INTEGER: Kind.DECIMAL,
    FieldType.DECIMAL: Kind.DECIMAL,
    FieldType.PERCENT: Kind.DECIMAL,
    FieldType.RATING: Kind.DECIMAL,
    FieldType.CURRENCY: Kind.DECIMAL,
    FieldType.ROLLUP: Kind.DECIMAL,
    FieldType.BOOLEAN: Kind.BOOL,
    FieldType.MULTI_SELECT: Kind.TEXT_ARRAY,
    FieldType.JSON: Kind.JSON,
    FieldType.ADDRESS: Kind.JSON,
}
_FORMULA_KINDS = {FormulaResult.NUMBER: Kind.DECIMAL, FormulaResult.BOOLEAN: Kind.BOOL}
_NOT_SORTABLE = frozenset(
    {
        FieldType.LONG_TEXT,
        FieldType.RICH_TEXT,
        FieldType.MULTI_SELECT,
        FieldType.JSON,
        FieldType.ADDRESS,
        FieldType.FILE,
        FieldType.IMAGE,
    }
)


@dataclass(frozen=True)
class FieldDef:
    """One custom field as its object's metadata describes it."""

    id: uuid.UUID
    api_name: str
    label: str
    type: FieldType
    required: bool = False
    unique: bool = False
    read_only: bool = False
    default: Any = None
    help_text: str | None = None
    config: dict[str, Any] | None = (
        None  # per type: options, max, prefix, digits, expression, target...
    )
    validation: dict[str, Any] | None = None  # min, max, minLength, maxLength, pattern, message
    position: int = 0
    deprecated: bool = False
    deleted: bool = False
    version: int = 1

    def setting(self, name: str, default: Any = None) -> Any:
        return (self.config or {}).get(name, default)

    def rule(self, name: str) -> Any:
        return (self.validation or {}).get(name)

    @property
    def computed(self) -> bool:
        return self.type in COMPUTED

    @property
    def kind(self) -> Kind:
        """How the stored value compares in SQL."""
        if self.type is FieldType.FORMULA:
            return _FORMULA_KINDS.get(
                FormulaResult(self.setting("resultType", "NUMBER")), Kind.TEXT
            )
        return _KINDS.get(self.type, Kind.TEXT)

    @property
    def sortable(self) -> bool:
        return self.type not in _NOT_SORTABLE

    @property
    def filterable(self) -> bool:
        return self.type not in (FieldType.JSON, FieldType.ADDRESS)

    @property
    def path(self) -> tuple[str, ...]:
        """Where the comparable value sits in the record's JSONB (currency compares by amount)."""
        return (self.api_name, "amount") if self.type is FieldType.CURRENCY else (self.api_name,)


def parse(field: FieldDef, raw: Any) -> Any:
    """The stored form of `raw` for `field` (never None: callers handle missing values)."""
    parser = _PARSERS[field.type]
    value = parser(field, raw)
    _check_rules(field, value)
    return value


def parse_filter_value(field: FieldDef, raw: Any, *, pattern: bool = False) -> Any:
    """A filter operand in the stored form, so comparisons match what writes stored."""
    if raw is None:
        return None
    if pattern:  # like / ilike take a pattern, not a value
        return str(raw)
    if field.type in (FieldType.CURRENCY, FieldType.ROLLUP):
        return _decimal(field, raw)
    if field.type in (FieldType.AUTO_NUMBER, FieldType.FORMULA):
        return _formula_operand(field, raw)
    if field.type is FieldType.MULTI_SELECT:
        return _text(field, raw, limit=255)
    return _PARSERS[field.type](field, raw)


def unique_key(field: FieldDef, value: Any) -> str:
    """The text under which a unique field's value is claimed (case-insensitive for text)."""
    if isinstance(value, dict):
        return f"{value.get('currency')}:{value.get('amount')}"
    text = str(value)
    return text.lower() if field.type in (FieldType.TEXT, FieldType.EMAIL, FieldType.URL) else text


def decimal_value(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(field: FieldDef, raw: Any, *, limit: int | None = None) -> str:
    if not isinstance(raw, (str, int, float, Decimal)) or isinstance(raw, bool):
        raise Invalid("INVALID_TEXT", f"{field.api_name} must be text")
    value = str(raw).strip()
    maximum = limit or TEXT_LIMITS.get(field.type, 255)
    if len(value) > maximum:
        raise Invalid("TOO_LONG", f"{field.api_name} must be at most {maximum} characters")
    return value


def _rich_text(field: FieldDef, raw: Any) -> str:
    # Sanitised on the way in: scripts, event handlers and javascript: links never get stored.
    return nh3.clean(_text(field, raw))


def _integer(field: FieldDef, raw: Any) -> int:
    if isinstance(raw, bool):
        raise Invalid("INVALID_INTEGER", f"{field.api_name} must be a whole number")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise Invalid("INVALID_INTEGER", f"{field.api_name} must be a whole number") from exc
    if number != number.to_integral_value() or abs(number) >= 2**53:
        raise Invalid("INVALID_INTEGER", f"{field.api_name} must be a whole number")
    return int(number)


def _decimal(field: FieldDef, raw: Any) -> str:
    if isinstance(raw, bool):
        raise Invalid("INVALID_NUMBER", f"{field.api_name} must be a number")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise Invalid("INVALID_NUMBER", f"{field.api_name} must be a number") from exc
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise Invalid("INVALID_NUMBER", f"{field.api_name} must be a finite number below 10^15")
    places = int(field.setting("decimalPlaces", 2))
    # Stored as text: JSON numbers are floats to most clients, and money must not drift.
    return str(number.quantize(Decimal(1).scaleb(-places)))


def _percent(field: FieldDef, raw: Any) -> str:
    return _decimal(field, raw)


def _currency(field: FieldDef, raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        amount, code = raw.get("amount"), raw.get("currency") or field.setting("currency")
        if set(raw) - {"amount", "currency"}:
            raise Invalid("INVALID_CURRENCY", f"{field.api_name} takes only amount and currency")
    else:
        amount, code = raw, field.setting("currency")
    if amount is None:
        raise Invalid("INVALID_CURRENCY", f"{field.api_name} needs an amount")
    if not is_currency(code):
        raise Invalid("INVALID_CURRENCY", f"{field.api_name} needs {CURRENCY_MESSAGE}")
    return {"amount": _decimal(field, amount), "currency": code}


def _boolean(field: FieldDef, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise Invalid("INVALID_BOOLEAN", f"{field.api_name} must be true or false")
    return raw


def _date(field: FieldDef, raw: Any) -> str:
    try:
        return (
            raw
            if isinstance(raw, date) and not isinstance(raw, datetime)
            else date.fromisoformat(str(raw))
        ).isoformat()
    except ValueError as exc:
        raise Invalid("INVALID_DATE", f"{field.api_name} must be a date (YYYY-MM-DD)") from exc


def _datetime(field: FieldDef, raw: Any) -> str:
    try:
        moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise Invalid(
            "INVALID_DATETIME", f"{field.api_name} must be an ISO 8601 date and time"
        ) from exc
    if moment.tzinfo is None:
        raise Invalid(
            "INVALID_DATETIME",
            f"{field.api_name} needs a time zone (e.g. 2026-05-01T09:00:00+08:00)",
        )
    # One fixed format in UTC, so stored values compare and sort correctly as text.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _email(field: FieldDef, raw: Any) -> str:
    try:
        return validate_email(_text(field, raw), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Invalid("INVALID_EMAIL", str(exc)) from exc


def _phone(field: FieldDef, raw: Any) -> str:
    number = normalise_phone(_text(field, raw))
    if number is None:
        raise Invalid("INVALID_PHONE", phones.problem(raw, phones.region_in_effect()))
    return number


def _url(field: FieldDef, raw: Any) -> str:
    value = _text(field, raw, limit=2000)
    if not _URL.match(value):
        raise Invalid("INVALID_URL", f"{field.api_name} must be an http(s) URL")
    return value


def _single_select(field: FieldDef, raw: Any) -> str:
    value = _text(field, raw)
    if value not in field.setting("options", []):
        raise Invalid(
            "INVALID_CHOICE",
            f"{field.api_name} must be one of {', '.join(field.setting('options', []))}",
        )
    return value


def _multi_select(field: FieldDef, raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise Invalid("INVALID_CHOICE", f"{field.api_name} must be a list of options")
    options = field.setting("options", [])
    unknown = [str(v) for v in raw if v not in options]
    if unknown:
        raise Invalid(
            "INVALID_CHOICE",
            f"{field.api_name}: {', '.join(unknown)} not among {', '.join(options)}",
        )
    return list(dict.fromkeys(raw))


def _rating(field: FieldDef, raw: Any) -> int:
    value = _integer(field, raw)
    top = int(field.setting("max", 5))
    if not 1 <= value <= top:
        raise Invalid("OUT_OF_RANGE", f"{field.api_name} must be between 1 and {top}")
    return value


def _identifier(field: FieldDef, raw: Any) -> str:
    try:
        return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
    except ValueError as exc:
        raise Invalid("INVALID_ID", f"{field.api_name} must be a record id") from exc


def _file(field: FieldDef, raw: Any) -> str:
    try:
        return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
    except ValueError as exc:
        raise Invalid("INVALID_ID", f"{field.api_name} must be the id of a file") from exc


def _json(field: FieldDef, raw: Any) -> Any:
    if not isinstance(raw, (dict, list)):
        raise Invalid("INVALID_JSON", f"{field.api_name} must be a JSON object or list")
    if len(json.dumps(raw)) > MAX_JSON_CHARS:
        raise Invalid(
            "TOO_LONG", f"{field.api_name} must be at most {MAX_JSON_CHARS} characters of JSON"
        )
    return raw


def _address(field: FieldDef, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) - ADDRESS_KEYS:
        raise Invalid(
            "INVALID_ADDRESS", f"{field.api_name} takes the keys {', '.join(sorted(ADDRESS_KEYS))}"
        )
    return {key: _text(field, value) for key, value in raw.items() if value not in (None, "")}


def _computed(field: FieldDef, raw: Any) -> Any:
    raise Invalid("READ_ONLY", f"{field.api_name} is computed and cannot be written")


def _formula_operand(field: FieldDef, raw: Any) -> Any:
    if field.type is FieldType.FORMULA and field.kind is Kind.DECIMAL:
        return _decimal(field, raw)
    if field.type is FieldType.FORMULA and field.kind is Kind.BOOL:
        return _boolean(field, raw)
    return _text(field, raw)


_PARSERS = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.RICH_TEXT: _rich_text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.CURRENCY: _currency,
    FieldType.PERCENT: _percent,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.EMAIL: _email,
    FieldType.PHONE: _phone,
    FieldType.URL: _url,
    FieldType.SINGLE_SELECT: _single_select,
    FieldType.MULTI_SELECT: _multi_select,
    FieldType.RATING: _rating,
    FieldType.RELATION: _identifier,
    FieldType.USER: _identifier,
    FieldType.AUTO_NUMBER: _computed,
    FieldType.FORMULA: _computed,
    FieldType.ROLLUP: _computed,
    FieldType.JSON: _json,
    FieldType.ADDRESS: _address,
    FieldType.FILE: _file,
    FieldType.IMAGE: _file,
}


def _check_rules(field: FieldDef, value: Any) -> None:
    """The admin's validation rules: min/max for numbers, lengths and a pattern for text."""
    message = field.rule("message")
    number = (
        value.get("amount")
        if isinstance(value, dict) and field.type is FieldType.CURRENCY
        else value
    )
    if field.kind is Kind.DECIMAL and number is not None:
        amount = Decimal(str(number))
        if field.rule("min") is not None and amount < Decimal(str(field.rule("min"))):
            raise Invalid(
                "TOO_SMALL", message or f"{field.api_name} must be at least {field.rule('min')}"
            )
        if field.rule("max") is not None and amount > Decimal(str(field.rule("max"))):
            raise Invalid(
                "TOO_LARGE", message or f"{field.api_name} must be at most {field.rule('max')}"
            )
    if isinstance(value, str) and field.kind is Kind.TEXT:
        if field.rule("minLength") is not None and len(value) < field.rule("minLength"):
            raise Invalid(
                "TOO_SHORT",
                message
                or f"{field.api_name} must be at least {field.rule('minLength')} characters",
            )
        if field.rule("maxLength") is not None and len(value) > field.rule("maxLength"):
            raise Invalid(
                "TOO_LONG",
                message or f"{field.api_name} must be at most {field.rule('maxLength')} characters",
            )
        if field.rule("pattern"):
            try:
                matched = full_match(str(field.rule("pattern")), value)
            except PatternError as exc:
                raise Invalid(
                    "INVALID_PATTERN",
                    f"{field.api_name}'s pattern cannot be checked ({exc}); an admin must fix it",
                ) from exc
            if not matched:
                raise Invalid(
                    "INVALID_FORMAT",
                    message or f"{field.api_name} does not match the required format",
                )

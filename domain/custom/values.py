"""Checking a record's custom values against its fields: every failing field reported at once,
defaults applied, computed fields (formulas, auto-numbers) filled, uniqueness claimed in the
database. Shared by custom objects' records and standard objects' `customFields`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.custom import formula
from domain.custom.fieldtypes import FieldDef, FieldType, Invalid, parse, unique_key
from domain.custom.linkage import apply_linkage
from domain.errors import FieldError, InvalidInput
from tenants.context import current_tenant_id, tenant_connection

MAX_VALUES = 500


@dataclass(frozen=True)
class Checked:
    values: dict[str, Any]
    columns: dict[str, Any]  # built-in columns set by fills (team_id, owner_id)
    errors: list[FieldError]


def check_values(
    fields: tuple[FieldDef, ...],
    given: Any,
    *,
    current: dict[str, Any] | None,
    prefix: str,
    locked: frozenset[str] = frozenset(),
) -> Checked:
    """The record's complete values after applying `given` (field -> value, None clears) to
    `current` (None when creating), the fills of built-in columns, and the field errors, each
    named `prefix + field`. `locked` fields (hidden or read-only for the caller's role) cannot be
    written."""
    errors: list[FieldError] = []
    if given is None:
        given = {}
    if not isinstance(given, dict) or len(given) > MAX_VALUES:
        return Checked(
            {},
            {},
            [
                FieldError(
                    prefix.rstrip("."),
                    "INVALID_OBJECT",
                    f"values must be an object of at most {MAX_VALUES} fields",
                )
            ],
        )
    live = {f.api_name: f for f in fields if not f.deleted}
    values = dict(current or {})
    for name, raw in given.items():
        field = live.get(name)
        if field is None:
            errors.append(FieldError(prefix + name, "UNKNOWN_FIELD", f"there is no field {name!r}"))
        elif field.computed or field.read_only or name in locked:
            errors.append(FieldError(prefix + name, "READ_ONLY", f"{name} is read-only"))
        elif raw is None:
            values.pop(name, None)
        else:
            try:
                values[name] = parse(field, raw)
            except Invalid as exc:
                errors.append(FieldError(prefix + name, exc.code, str(exc)))
    creating = current is None
    for field in live.values():
        if (
            creating
            and field.api_name not in given
            and field.default is not None
            and not field.computed
        ):
            values[field.api_name] = field.default  # defaults were checked when the field was saved
    values, columns, linkage_errors = apply_linkage(
        fields, {k: v for k, v in given.items() if k in live}, values, prefix
    )
    errors += linkage_errors
    for field in live.values():
        if field.required and not field.computed and values.get(field.api_name) in (None, "", []):
            if not any(e.field == prefix + field.api_name for e in errors):
                errors.append(
                    FieldError(prefix + field.api_name, "REQUIRED", f"{field.api_name} is required")
                )
    # Values of fields deleted since are kept (a restore brings them back) but not validated.
    return Checked(values, columns, errors)


def compute_formulas(fields: tuple[FieldDef, ...], values: dict[str, Any]) -> dict[str, Any]:
    """`values` with every formula field recomputed from the record's other values."""
    result = dict(values)
    for field in fields:
        if field.type is not FieldType.FORMULA or field.deleted:
            continue
        try:
            value = formula.evaluate(formula.parse(field.setting("expression", "")), values)
        except formula.FormulaError:
            value = (
                None  # e.g. text where a number was expected: no value rather than a failed write
            )
        value = _formula_value(field, value)
        if value is None:
            result.pop(field.api_name, None)
        else:
            result[field.api_name] = value
    return result


def _formula_value(field: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    kind = field.setting("resultType", "NUMBER")
    if kind == "NUMBER":
        try:
            return str(round(formula.as_number(value), int(field.setting("decimalPlaces", 2))))
        except formula.FormulaError:
            return None
    if kind == "BOOLEAN":
        return bool(value)
    return str(value)


async def assign_auto_numbers(
    fields: tuple[FieldDef, ...], values: dict[str, Any]
) -> dict[str, Any]:
    """Numbers for a new record's auto-number fields: the sequence row's lock makes duplicates
    impossible (gaps after a rollback are allowed)."""
    result = dict(values)
    for field in fields:
        if field.type is FieldType.AUTO_NUMBER and not field.deleted:
            rows = await tenant_connection().execute_query_dict(
                "INSERT INTO custom_sequence (tenant_id, field_id, last_value) VALUES ($1, $2, 1) "
                "ON CONFLICT (tenant_id, field_id) DO UPDATE SET last_value = custom_sequence.last_value + 1 "
                "RETURNING last_value",
                [current_tenant_id(), field.id],
            )
            digits = int(field.setting("digits", 4))
            result[field.api_name] = (
                f"{field.setting('prefix', '')}{rows[0]['last_value']:0{digits}d}"
            )
    return result


async def claim_unique(
    fields: tuple[FieldDef, ...],
    record_id: uuid.UUID,
    values: dict[str, Any],
    previous: dict[str, Any] | None,
    *,
    prefix: str,
) -> list[FieldError]:
    """Claim this record's values of unique fields; errors for values another record holds.

    A claim is a row keyed (tenant, field, value): of two concurrent writers of one value the
    second waits for the first and then finds the key taken."""
    conn = tenant_connection()
    errors = []
    for field in fields:
        if not field.unique or field.deleted:
            continue
        new = values.get(field.api_name)
        old = (previous or {}).get(field.api_name)
        if previous is not None and new == old:
            continue
        await conn.execute_query(
            "DELETE FROM custom_unique_value WHERE tenant_id = $1 AND field_id = $2 AND record_id = $3",
            [current_tenant_id(), field.id, record_id],
        )
        if new is None:
            continue
        claimed = await conn.execute_query_dict(
            "INSERT INTO custom_unique_value (tenant_id, field_id, value, record_id) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING RETURNING record_id",
            [current_tenant_id(), field.id, unique_key(field, new), record_id],
        )
        if not claimed:
            errors.append(
                FieldError(
                    prefix + field.api_name,
                    "TAKEN",
                    f"another record already has this {field.api_name}",
                )
            )
    return errors


async def release_unique(record_id: uuid.UUID) -> None:
    """A deleted record frees its unique values (a restore claims them again)."""
    await tenant_connection().execute_query(
        "DELETE FROM custom_unique_value WHERE tenant_id = $1 AND record_id = $2",
        [current_tenant_id(), record_id],
    )


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors)

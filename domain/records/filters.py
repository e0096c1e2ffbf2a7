"""Filter trees (all / any / not over per-field conditions) compiled to parameterised SQL.

Only fields the RecordSpec marks filterable can be used, and only with operators that make sense
for their kind; anything else is a field error, never SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.errors import FieldError, InvalidInput
from domain.records.spec import Kind, RecordSpec
from domain.records.sql import Params
from domain.records.validation import DECIMAL_RANGE, in_decimal_range

MAX_CONDITIONS = 50
MAX_DEPTH = 5
MAX_LIST_VALUES = 100


class Op(str, Enum):
    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "notIn"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    LIKE = "like"
    ILIKE = "ilike"
    IS_NULL = "isNull"


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    value: Any


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class NotOf:
    part: Filter


Filter = Condition | AllOf | AnyOf | NotOf

_ORDERED_KINDS = {Kind.TEXT, Kind.INT, Kind.DECIMAL, Kind.DATETIME, Kind.DATE}
_ALLOWED = {
    Op.EQ: None,
    Op.NEQ: None,
    Op.IN: None,
    Op.NOT_IN: None,
    Op.IS_NULL: None,  # None: every kind
    Op.GT: _ORDERED_KINDS,
    Op.GTE: _ORDERED_KINDS,
    Op.LT: _ORDERED_KINDS,
    Op.LTE: _ORDERED_KINDS,
    Op.LIKE: {Kind.TEXT},
    Op.ILIKE: {Kind.TEXT},
}
_COMPARE = {Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
_SQL_TYPES = {
    Kind.TEXT: "text",
    Kind.INT: "bigint",
    Kind.DECIMAL: "numeric",
    Kind.BOOL: "boolean",
    Kind.DATETIME: "timestamptz",
    Kind.DATE: "date",
    Kind.UUID: "uuid",
}


def named_fields(node: Filter | None) -> set[str]:
    """Every field name a filter tree uses."""
    if node is None:
        return set()
    if isinstance(node, Condition):
        return {node.field}
    if isinstance(node, NotOf):
        return named_fields(node.part)
    return set().union(*(named_fields(part) for part in node.parts))


def compile_filter(spec: RecordSpec, node: Filter, params: Params, *, alias: str = "t") -> str:
    """SQL for `node`, with its values added to `params`; InvalidInput lists every bad condition."""
    errors: list[FieldError] = []
    count = [0]
    sql = _compile(spec, node, params, alias, errors, count, depth=1)
    if count[0] > MAX_CONDITIONS:
        errors.append(FieldError("filter", "TOO_COMPLEX", f"at most {MAX_CONDITIONS} conditions"))
    if errors:
        raise InvalidInput(errors)
    return sql


def _compile(
    spec: RecordSpec,
    node: Filter,
    params: Params,
    alias: str,
    errors: list[FieldError],
    count: list[int],
    depth: int,
) -> str:
    if depth > MAX_DEPTH:
        errors.append(FieldError("filter", "TOO_DEEP", f"filters nest at most {MAX_DEPTH} levels"))
        return "FALSE"
    if isinstance(node, Condition):
        count[0] += 1
        return _condition(spec, node, params, alias, errors)
    if isinstance(node, NotOf):
        # "not" is the complement: rows where the inner condition is not true, NULLs included.
        return f"NOT coalesce(({_compile(spec, node.part, params, alias, errors, count, depth + 1)}), false)"
    parts = [_compile(spec, part, params, alias, errors, count, depth + 1) for part in node.parts]
    if not parts:
        return "TRUE"
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    return "(" + joiner.join(f"({part})" for part in parts) + ")"


def _condition(
    spec: RecordSpec, cond: Condition, params: Params, alias: str, errors: list[FieldError]
) -> str:
    where = f"filter.{cond.field}"
    if not spec.has(cond.field) or not spec.field(cond.field).filterable:
        errors.append(FieldError(where, "NOT_FILTERABLE", f"{cond.field} cannot be filtered on"))
        return "FALSE"
    field = spec.field(cond.field)
    allowed = _ALLOWED[cond.op]
    if allowed is not None and field.kind not in allowed:
        errors.append(
            FieldError(where, "BAD_OPERATOR", f"{cond.op.value} does not apply to {cond.field}")
        )
        return "FALSE"
    if field.kind is Kind.DECIMAL and not all(in_decimal_range(v) for v in _decimals(cond.value)):
        errors.append(
            FieldError(where, "OUT_OF_RANGE", f"{cond.field} compares with {DECIMAL_RANGE}")
        )
        return "FALSE"
    column = field.sql(alias)
    if field.json_path and field.kind is Kind.TEXT_ARRAY:
        return _json_array_condition(field.name, column, cond, params, errors)
    if cond.op is Op.IS_NULL:
        if field.kind is Kind.TEXT_ARRAY:
            return f"cardinality({column}) = 0" if cond.value else f"cardinality({column}) > 0"
        return f"{column} IS NULL" if cond.value else f"{column} IS NOT NULL"
    if field.kind in (Kind.TEXT_ARRAY, Kind.JSON):
        if cond.op is Op.EQ and field.kind is Kind.TEXT_ARRAY:
            return f"{params.add(cond.value)} = ANY({column})"  # "has this value"
        errors.append(
            FieldError(where, "BAD_OPERATOR", f"{cond.op.value} does not apply to {cond.field}")
        )
        return "FALSE"
    if cond.op in (Op.IN, Op.NOT_IN):
        values = list(cond.value or [])
        if len(values) > MAX_LIST_VALUES:
            errors.append(FieldError(where, "TOO_MANY_VALUES", f"at most {MAX_LIST_VALUES} values"))
            return "FALSE"
        placeholder = f"{params.add(values)}::{_SQL_TYPES[field.kind]}[]"
        if cond.op is Op.IN:
            return f"{column} = ANY({placeholder})"
        return f"({column} IS NULL OR {column} <> ALL({placeholder}))"
    if cond.value is None:
        errors.append(FieldError(where, "NULL_VALUE", f"use isNull to match missing {cond.field}"))
        return "FALSE"
    placeholder = params.add(cond.value)
    if cond.op is Op.EQ:
        return f"{column} = {placeholder}"
    if cond.op is Op.NEQ:
        return f"{column} IS DISTINCT FROM {placeholder}"  # rows without a value count as different
    if cond.op in (Op.LIKE, Op.ILIKE):
        if _ends_in_escape(str(cond.value)):
            errors.append(
                FieldError(
                    where,
                    "INVALID_PATTERN",
                    "a pattern cannot end in a lone backslash (it escapes the next character; write \\\\ for one)",
                )
            )
            return "FALSE"
        return f"{column} {'LIKE' if cond.op is Op.LIKE else 'ILIKE'} {placeholder}"
    return f"{column} {_COMPARE[cond.op]} {placeholder}"


def _ends_in_escape(pattern: str) -> bool:
    """PostgreSQL refuses a LIKE pattern whose last backslash (the escape character) escapes nothing."""
    return (len(pattern) - len(pattern.rstrip("\\"))) % 2 == 1


def _decimals(value: Any) -> list[Decimal]:
    """The decimal values of a condition (one, or the list of in/notIn); others are checked elsewhere."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, Decimal)]


def _json_array_condition(
    name: str, column: str, cond: Condition, params: Params, errors: list[FieldError]
) -> str:
    """A list of strings inside JSONB (multi-select values): isNull means empty, eq means "has"."""
    empty = f"coalesce(jsonb_array_length({column}), 0) = 0"
    if cond.op is Op.IS_NULL:
        return empty if cond.value else f"NOT {empty}"
    if cond.op is Op.EQ and cond.value is not None:
        return f"coalesce({column} ? {params.add(str(cond.value))}, false)"
    errors.append(
        FieldError(f"filter.{name}", "BAD_OPERATOR", f"{cond.op.value} does not apply to {name}")
    )
    return "FALSE"

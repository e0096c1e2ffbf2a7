"""A rule's conditions as SQL, so the scheduler selects only the records a time-based rule may act
on instead of loading (and logging) every record of the object.

The SQL never leaves out a record the conditions hold for in a time-based run (no previous
values, nothing changed, no actor): where a comparison cannot be written with the same meaning
as `conditions.evaluate` (text containment, related records, custom fields, dates compared as
text...), it narrows nothing, and the scheduler evaluates the conditions in Python on what the
SQL selected. Each part is compiled to (sql, exact): `exact` says the SQL holds exactly when the
condition does, which `not` and `any` need to stay sound; sql None means "no narrowing"."""

from __future__ import annotations

import math
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from domain.automation.conditions import comparable, evaluate
from domain.records.naming import domain_name
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.records.sql import Params

Compiled = tuple[str | None, bool]
_ALWAYS: Compiled = (None, True)
_NEVER: Compiled = ("FALSE", True)
_UNKNOWN: Compiled = (None, False)


def condition_sql(tree: Any, spec: RecordSpec, params: Params, alias: str = "t") -> str | None:
    """SQL over `alias` that holds for every record `tree` holds for in a time-based run (None:
    it narrows nothing); its parameters are added to `params`."""
    sql, _ = _compile(tree, spec, params, alias)
    return sql


def _compile(tree: Any, spec: RecordSpec, params: Params, alias: str) -> Compiled:
    """The part as SQL; a part that ends up narrowing nothing leaves no parameters behind (an
    unused parameter has no type, which PostgreSQL refuses)."""
    mark = len(params.values)
    compiled = _compile_part(tree, spec, params, alias)
    if compiled[0] is None:
        del params.values[mark:]
    return compiled


def _compile_part(tree: Any, spec: RecordSpec, params: Params, alias: str) -> Compiled:
    if not tree:
        return _ALWAYS
    if "all" in tree:
        parts = [_compile(part, spec, params, alias) for part in tree["all"]]
        sqls = [sql for sql, _ in parts if sql is not None]
        return (" AND ".join(f"({sql})" for sql in sqls) if sqls else None), all(
            exact for _, exact in parts
        )
    if "any" in tree:
        parts = [_compile(part, spec, params, alias) for part in tree["any"]]
        if not parts:
            return _NEVER
        if _ALWAYS in parts:
            return _ALWAYS
        if any(sql is None for sql, _ in parts):
            return _UNKNOWN
        return " OR ".join(f"({sql})" for sql, _ in parts), all(exact for _, exact in parts)
    if "not" in tree:
        sql, exact = _compile(tree["not"], spec, params, alias)
        if not exact:
            return _UNKNOWN
        return _NEVER if sql is None else (f"NOT ({sql})", True)
    if (
        "field" not in tree
    ):  # the previous values and the actor: empty in a time-based run, so a constant
        holds = evaluate(tree, current={}, previous={}, changed=set(), actor={})
        return _ALWAYS if holds else _NEVER
    name = domain_name(tree["field"])  # rules are the client's documents
    if not spec.has(name) or spec.field(name).json_path or spec.field(name).lookup is not None:
        return _UNKNOWN  # related records and custom fields: evaluated in Python
    field = spec.field(name)
    sql = _comparison(field, f"{alias}.{field.column}", tree["op"], tree.get("value"), params)
    return (sql, True) if sql is not None else _UNKNOWN


def _comparison(
    field: FieldSpec, column: str, op: str, expected: Any, params: Params
) -> str | None:
    """Exact SQL for one comparison, two-valued (never NULL), or None when there is none."""
    if op == "isNull":
        empty = _empty(field, column)
        return None if empty is None else (empty if expected is not False else f"NOT ({empty})")
    if op in ("eq", "neq"):
        equal = _equal(field, column, expected, params)
        return None if equal is None else (equal if op == "eq" else f"NOT ({equal})")
    if op in ("in", "notIn"):
        options = [_equal(field, column, option, params) for option in expected or []]
        if None in options:
            return None
        inside = " OR ".join(f"({o})" for o in options) or "FALSE"
        return inside if op == "in" else f"NOT ({inside})"
    if op in ("gt", "gte", "lt", "lte"):
        bound = _ordered(field, expected, params)
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return None if bound is None else f"coalesce({column} {sign} {bound}, false)"
    if op == "notWithinDays":
        return _not_within_days(field, column, expected, params)
    return None


def _empty(field: FieldSpec, column: str) -> str | None:
    """What `isNull` sees as empty: None, "" and []."""
    if field.kind is Kind.TEXT:
        return f"({column} IS NULL OR {column} = '')"
    if field.kind is Kind.TEXT_ARRAY:
        return f"({column} IS NULL OR cardinality({column}) = 0)"
    if field.kind in (Kind.INT, Kind.DECIMAL, Kind.BOOL, Kind.DATE, Kind.DATETIME, Kind.UUID):
        return f"{column} IS NULL"
    return None


def _number(value: Any) -> Decimal | None:
    """The value as `comparable` sees a number, if it is a finite one."""
    if isinstance(value, bool) or value is None:
        return None
    seen = comparable(value)
    return seen if isinstance(seen, Decimal) and seen.is_finite() else None


def _equal(field: FieldSpec, column: str, expected: Any, params: Params) -> str | None:
    """`eq` as conditions.evaluate means it, for the kinds where SQL can say the same."""
    if (
        field.kind is Kind.TEXT
        and isinstance(expected, str)
        and isinstance(comparable(expected), str)
    ):
        return f"coalesce({column} = {params.add(expected)}, false)"  # not a number: plain text equality
    if field.kind in (Kind.INT, Kind.DECIMAL) and _number(expected) is not None:
        return f"coalesce({column} = {params.add(_number(expected))}::numeric, false)"
    if field.kind is Kind.BOOL and isinstance(expected, bool):
        return f"coalesce({column} = {params.add(expected)}, false)"
    if field.kind is Kind.UUID and isinstance(expected, str) and _canonical_uuid(expected):
        return f"coalesce({column} = {params.add(uuid.UUID(expected))}::uuid, false)"
    return None


def _canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _ordered(field: FieldSpec, expected: Any, params: Params) -> str | None:
    """The bound of gt/gte/lt/lte: numbers against number fields, ISO dates against date fields
    (which evaluate compares as ISO text, the same order)."""
    if field.kind in (Kind.INT, Kind.DECIMAL) and _number(expected) is not None:
        return f"{params.add(_number(expected))}::numeric"
    if field.kind is Kind.DATE and isinstance(expected, str) and len(expected) == 10:
        try:
            return f"{params.add(date.fromisoformat(expected))}::date"
        except ValueError:
            return None
    return None


def _not_within_days(field: FieldSpec, column: str, expected: Any, params: Params) -> str | None:
    """Empty, or at least `expected` days back (a date: whole days, as evaluate counts them)."""
    if expected is not None and (
        isinstance(expected, bool) or not isinstance(expected, (int, float))
    ):
        return None
    days = float(expected or 0)
    if not math.isfinite(days):
        return None
    if field.kind is Kind.DATETIME:
        return f"({column} IS NULL OR {column} <= now() - make_interval(secs => {params.add(days * 86400)}::float8))"
    if field.kind is Kind.DATE:
        return f"({column} IS NULL OR {column} <= (now() AT TIME ZONE 'UTC')::date - {params.add(math.ceil(days))}::int)"
    return None

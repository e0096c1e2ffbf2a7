"""Sorting on any sortable field with keyset cursors.

Every ordering ends with `id` so rows have a total order; a cursor holds the last row's values of
the ordering's columns, and "after the cursor" is the row-wise comparison spelled out per column,
with NULLs placed first or last as asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.errors import FieldError, InvalidInput
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.records.sql import Params

MAX_ORDER_FIELDS = 3


@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False
    nulls_first: bool | None = None  # None: PostgreSQL's default (last when ascending)

    @property
    def resolved_nulls_first(self) -> bool:
        return self.descending if self.nulls_first is None else self.nulls_first


def resolve(spec: RecordSpec, orders: list[Order] | None) -> list[tuple[FieldSpec, Order]]:
    """The ordering to use, with the `id` tie-breaker; InvalidInput for unsortable fields."""
    orders = list(orders or [Order(spec.default_sort)])
    errors = []
    if len(orders) > MAX_ORDER_FIELDS:
        errors.append(FieldError("order_by", "TOO_MANY", f"at most {MAX_ORDER_FIELDS} sort fields"))
    for order in orders:
        if not spec.has(order.field) or not spec.field(order.field).sortable:
            errors.append(
                FieldError(
                    f"order_by.{order.field}", "NOT_SORTABLE", f"{order.field} cannot be sorted on"
                )
            )
    if errors:
        raise InvalidInput(errors)
    resolved = [(spec.field(order.field), order) for order in orders]
    return [*resolved, (spec.field("id"), Order("id"))]


def order_by_sql(ordering: list[tuple[FieldSpec, Order]], alias: str = "t") -> str:
    return ", ".join(
        f"{field.sql(alias)} {'DESC' if order.descending else 'ASC'} "
        f"NULLS {'FIRST' if order.resolved_nulls_first else 'LAST'}"
        for field, order in ordering
    )


def reverse(ordering: list[tuple[FieldSpec, Order]]) -> list[tuple[FieldSpec, Order]]:
    """The same ordering read from its end: each direction and NULLS placement turned round."""
    return [
        (field, Order(order.field, not order.descending, not order.resolved_nulls_first))
        for field, order in ordering
    ]


def after_sql(
    ordering: list[tuple[FieldSpec, Order]], values: list[Any], params: Params, alias: str = "t"
) -> str:
    """Rows strictly after the row whose ordering values are `values`."""
    alternatives = []
    for index, (field, order) in enumerate(ordering):
        equal_before = [
            f"{f.sql(alias)} IS NOT DISTINCT FROM {params.add(v)}"
            for (f, _), v in zip(ordering[:index], values[:index], strict=True)
        ]
        beyond = _strictly_after(field.sql(alias), order, values[index], params)
        if beyond != "FALSE":
            alternatives.append(" AND ".join([*equal_before, beyond]))
    return "(" + " OR ".join(f"({alt})" for alt in alternatives) + ")" if alternatives else "FALSE"


def _strictly_after(column: str, order: Order, value: Any, params: Params) -> str:
    if value is None:
        return f"{column} IS NOT NULL" if order.resolved_nulls_first else "FALSE"
    base = f"{column} {'<' if order.descending else '>'} {params.add(value)}"
    return base if order.resolved_nulls_first else f"({base} OR {column} IS NULL)"


def cursor_encoder(ordering: list[tuple[FieldSpec, Order]]) -> Callable[[dict[str, Any]], str]:
    """A function giving a row's cursor for this ordering (the signature is computed once)."""
    signature = _signature(ordering)

    def encode(row: dict[str, Any]) -> str:
        payload = [signature, [_to_json(field.read(row)) for field, _ in ordering]]
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    return encode


def decode_cursor(
    ordering: list[tuple[FieldSpec, Order]], cursor: str, *, argument: str = "after"
) -> list[Any]:
    """The values a cursor holds, typed; InvalidInput (on `argument`) if it is not a cursor of
    this ordering."""
    try:
        signature, raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if signature != _signature(ordering) or len(raw) != len(ordering):
            raise ValueError("cursor of another ordering")
        return [
            _from_json(field.kind, value) for (field, _), value in zip(ordering, raw, strict=True)
        ]
    except (ValueError, TypeError) as exc:
        raise InvalidInput.single(
            argument, "INVALID_CURSOR", f"{argument} is not a cursor of this list and order"
        ) from exc


def _signature(ordering: list[tuple[FieldSpec, Order]]) -> str:
    text = ";".join(f"{f.key}:{o.descending}:{o.resolved_nulls_first}" for f, o in ordering)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _to_json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return value


def _from_json(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.DATETIME:
        return datetime.fromisoformat(value)
    if kind is Kind.DATE:
        return date.fromisoformat(value)
    if kind is Kind.UUID:
        return uuid.UUID(value)
    if kind is Kind.DECIMAL:
        return Decimal(value)
    if kind is Kind.INT:
        return int(value)
    if kind is Kind.BOOL:
        return bool(value)
    return str(value)

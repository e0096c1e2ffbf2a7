"""Filters and sort orders that name fields at run time (custom objects' records, and the custom
fields of standard records), turned into the domain's trees with operands as sent; the caller
parses operands per field once it knows the fields."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from api.names import domain_field
from api.records.ordering import NullsOrder, SortDirection
from domain.records.filters import AllOf, AnyOf, Condition, Filter, NotOf, Op
from domain.records.ordering import Order


@strawberry.input(
    description="Conditions on one field (all must hold), combined with and / or / not"
)
class RecordFilter:
    field: str | None = strawberry.field(
        default=None, description="A field's api name, or id, ownerId, teamId, createdAt, updatedAt"
    )
    eq: JSON | None = UNSET
    neq: JSON | None = UNSET
    in_: list[JSON] | None = strawberry.field(default=UNSET, name="in")
    not_in: list[JSON] | None = UNSET
    gt: JSON | None = UNSET
    gte: JSON | None = UNSET
    lt: JSON | None = UNSET
    lte: JSON | None = UNSET
    like: str | None = UNSET
    ilike: str | None = UNSET
    is_null: bool | None = UNSET
    and_: list[RecordFilter] | None = strawberry.field(default=None, name="and")
    or_: list[RecordFilter] | None = strawberry.field(default=None, name="or")
    not_: RecordFilter | None = strawberry.field(default=None, name="not")


@strawberry.input
class RecordOrder:
    field: str
    direction: SortDirection = SortDirection.ASC
    nulls: NullsOrder | None = None


@strawberry.input(description="Sort by a custom field")
class CustomFieldOrder:
    field: str
    direction: SortDirection = SortDirection.ASC


_OPS = {
    "eq": Op.EQ,
    "neq": Op.NEQ,
    "in_": Op.IN,
    "not_in": Op.NOT_IN,
    "gt": Op.GT,
    "gte": Op.GTE,
    "lt": Op.LT,
    "lte": Op.LTE,
    "like": Op.LIKE,
    "ilike": Op.ILIKE,
    "is_null": Op.IS_NULL,
}


def record_filter_tree(node: RecordFilter, *, prefix: str = "") -> Filter:
    """The domain tree of a RecordFilter, field names prefixed with `prefix`."""
    parts: list[Filter] = []
    if node.field is not None:
        for attr, op in _OPS.items():
            raw: Any = getattr(node, attr)
            if raw is not UNSET:
                parts.append(Condition(prefix + domain_field(node.field), op, raw))
    parts += [record_filter_tree(child, prefix=prefix) for child in node.and_ or []]
    if node.or_:
        parts.append(AnyOf(tuple(record_filter_tree(child, prefix=prefix) for child in node.or_)))
    if node.not_ is not None:
        parts.append(NotOf(record_filter_tree(node.not_, prefix=prefix)))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def record_order(entries: list[RecordOrder] | None) -> list[Order] | None:
    if not entries:
        return None
    return [
        Order(
            field=domain_field(e.field),
            descending=e.direction is SortDirection.DESC,
            nulls_first=None if e.nulls is None else e.nulls is NullsOrder.FIRST,
        )
        for e in entries
    ]

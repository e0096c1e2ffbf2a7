"""Filter operator inputs shared by every list, and the conversion of a record type's filter input
(its fields plus `and` / `or` / `not`) into the domain's filter tree."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET, relay

from api.records.dynamic import record_filter_tree
from domain.errors import InvalidInput
from domain.records.filters import AllOf, AnyOf, Condition, Filter, NotOf, Op
from domain.records.spec import CUSTOM_FIELDS_PREFIX

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


@strawberry.input(description="Conditions on a text field; like/ilike take SQL patterns (% and _)")
class StringFilter:
    eq: str | None = UNSET
    neq: str | None = UNSET
    in_: list[str] | None = strawberry.field(name="in", default=UNSET)
    not_in: list[str] | None = UNSET
    gt: str | None = UNSET
    gte: str | None = UNSET
    lt: str | None = UNSET
    lte: str | None = UNSET
    like: str | None = UNSET
    ilike: str | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a number")
class DecimalFilter:
    eq: Decimal | None = UNSET
    neq: Decimal | None = UNSET
    in_: list[Decimal] | None = strawberry.field(name="in", default=UNSET)
    not_in: list[Decimal] | None = UNSET
    gt: Decimal | None = UNSET
    gte: Decimal | None = UNSET
    lt: Decimal | None = UNSET
    lte: Decimal | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a whole number")
class IntFilter:
    eq: int | None = UNSET
    neq: int | None = UNSET
    in_: list[int] | None = strawberry.field(name="in", default=UNSET)
    not_in: list[int] | None = UNSET
    gt: int | None = UNSET
    gte: int | None = UNSET
    lt: int | None = UNSET
    lte: int | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a date")
class DateFilter:
    eq: date | None = UNSET
    neq: date | None = UNSET
    gt: date | None = UNSET
    gte: date | None = UNSET
    lt: date | None = UNSET
    lte: date | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a date and time")
class DateTimeFilter:
    eq: datetime | None = UNSET
    neq: datetime | None = UNSET
    gt: datetime | None = UNSET
    gte: datetime | None = UNSET
    lt: datetime | None = UNSET
    lte: datetime | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a yes/no field")
class BooleanFilter:
    eq: bool | None = UNSET
    neq: bool | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(description="Conditions on a reference, by global id")
class IDFilter:
    eq: relay.GlobalID | None = UNSET
    neq: relay.GlobalID | None = UNSET
    in_: list[relay.GlobalID] | None = strawberry.field(name="in", default=UNSET)
    not_in: list[relay.GlobalID] | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input(
    description="Conditions on a list of texts: eq matches lists containing the value"
)
class StringListFilter:
    eq: str | None = UNSET
    is_null: bool | None = strawberry.field(default=UNSET, description="true: the list is empty")


def to_domain_filter(value: Any, *, path: str = "filter") -> Filter | None:
    """A record type's filter input as a domain filter; sibling conditions are combined with AND."""
    if value is None or value is UNSET:
        return None
    parts: list[Filter] = []
    for field in dataclasses.fields(value):
        given = getattr(value, field.name)
        if given is UNSET or given is None:
            continue
        if field.name == "and_":
            parts.append(
                AllOf(tuple(p for p in (to_domain_filter(v, path=path) for v in given) if p))
            )
        elif field.name == "or_":
            parts.append(
                AnyOf(tuple(p for p in (to_domain_filter(v, path=path) for v in given) if p))
            )
        elif field.name == "not_":
            inner = to_domain_filter(given, path=path)
            if inner:
                parts.append(NotOf(inner))
        elif field.name == "custom_fields":
            parts.append(record_filter_tree(given, prefix=CUSTOM_FIELDS_PREFIX))
        else:
            parts.extend(_conditions(field.name.rstrip("_"), given, path))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _conditions(name: str, operators: Any, path: str) -> list[Condition]:
    conditions = []
    for field in dataclasses.fields(operators):
        given = getattr(operators, field.name)
        if given is UNSET:
            continue
        conditions.append(Condition(name, _OPS[field.name], _plain(given, f"{path}.{name}")))
    return conditions


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [_plain(v, where) for v in value]
    if isinstance(value, relay.GlobalID):
        try:
            return uuid.UUID(value.node_id)
        except ValueError as exc:
            raise InvalidInput.single(where, "INVALID_ID", "not an id of this API") from exc
    return value

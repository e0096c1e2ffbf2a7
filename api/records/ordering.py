"""`orderBy: [{name: ASC}, {createdAt: DESC, nulls: LAST}]`: one field per entry."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET

from domain.errors import InvalidInput
from domain.records.ordering import Order
from domain.records.spec import CUSTOM_FIELDS_PREFIX


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum
class NullsOrder(Enum):
    FIRST = "first"
    LAST = "last"


def to_domain_order(entries: list[Any] | None) -> list[Order] | None:
    if not entries:
        return None
    orders = []
    for index, entry in enumerate(entries):
        chosen = [
            (field.name, getattr(entry, field.name))
            for field in dataclasses.fields(entry)
            if field.name != "nulls" and getattr(entry, field.name) not in (None, UNSET)
        ]
        if len(chosen) != 1:
            raise InvalidInput.single(
                f"orderBy.{index}", "ONE_FIELD", "each orderBy entry names exactly one field"
            )
        name, direction = chosen[0]
        if name == "custom_field":  # {customField: {field, direction}}
            name, direction = CUSTOM_FIELDS_PREFIX + direction.field, direction.direction
        nulls = getattr(entry, "nulls", None)
        orders.append(
            Order(
                name,
                descending=direction is SortDirection.DESC,
                nulls_first=None if nulls in (None, UNSET) else nulls is NullsOrder.FIRST,
            )
        )
    return orders

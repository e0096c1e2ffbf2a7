"""Filter and sort inputs generated from a RecordSpec, so every list offers exactly the fields the
domain can filter and sort on, with the same operators everywhere."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET

from api.records.dynamic import CustomFieldOrder, RecordFilter
from api.records.filters import (
    BooleanFilter,
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    IDFilter,
    IntFilter,
    StringFilter,
    StringListFilter,
)
from api.records.ordering import NullsOrder, SortDirection
from domain.records.spec import Kind, RecordSpec

_OPERATORS = {
    Kind.TEXT: StringFilter,
    Kind.INT: IntFilter,
    Kind.DECIMAL: DecimalFilter,
    Kind.BOOL: BooleanFilter,
    Kind.DATETIME: DateTimeFilter,
    Kind.DATE: DateFilter,
    Kind.UUID: IDFilter,
    Kind.TEXT_ARRAY: StringListFilter,
}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def filter_input(spec: RecordSpec, *, skip: tuple[str, ...] = ()) -> type:
    """`<Type>Filter`: one operator input per filterable field, plus and / or / not."""
    cls: Any = type(f"{spec.record_type}Filter", (), {})
    annotations: dict[str, Any] = {
        "and_": list[cls] | None,
        "or_": list[cls] | None,
        "not_": cls | None,
    }
    namespace: dict[str, Any] = {
        "and_": strawberry.field(name="and", default=UNSET),
        "or_": strawberry.field(name="or", default=UNSET),
        "not_": strawberry.field(name="not", default=UNSET),
    }
    for field in spec.fields:
        if field.filterable and field.kind in _OPERATORS and field.name not in skip:
            annotations[snake(field.name)] = _OPERATORS[field.kind] | None
            namespace[snake(field.name)] = UNSET
    if spec.has("custom_fields"):
        annotations["custom_fields"] = RecordFilter | None
        namespace["custom_fields"] = strawberry.field(
            default=UNSET, description="Conditions on the tenant's custom fields"
        )
    for key, value in namespace.items():
        setattr(cls, key, value)
    cls.__annotations__ = annotations
    return strawberry.input(
        cls, description=f"Conditions on {spec.record_type} fields, combined with AND"
    )


def order_input(spec: RecordSpec) -> type:
    """`<Type>Order`: one sortable field per entry, with where NULLs go."""
    cls: Any = type(f"{spec.record_type}Order", (), {})
    annotations: dict[str, Any] = {}
    for field in spec.fields:
        if field.sortable:
            annotations[snake(field.name)] = SortDirection | None
            setattr(cls, snake(field.name), UNSET)
    if spec.has("custom_fields"):
        annotations["custom_field"] = CustomFieldOrder | None
        cls.custom_field = UNSET
    annotations["nulls"] = NullsOrder | None
    cls.nulls = UNSET
    cls.__annotations__ = annotations
    return strawberry.input(
        cls, description="Exactly one field per entry; later entries break ties"
    )

"""Inputs of the custom-object API, and the filter and order of custom records turned into the
domain's Filter and Order (values parsed per field type, so they compare like stored values)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry import UNSET
from strawberry.relay import GlobalID
from strawberry.scalars import JSON

from api.custom.types import FieldType
from api.custom.values import id_type
from api.records.ids import decode_id
from api.records.ordering import NullsOrder, SortDirection
from domain.custom.fieldtypes import FieldType as DomainFieldType
from domain.custom.fieldtypes import Invalid, parse_filter_value
from domain.custom.metadata import ObjectDef
from domain.errors import FieldError, InvalidInput
from domain.records.filters import AllOf, AnyOf, Condition, Filter, NotOf, Op
from domain.records.ordering import Order
from domain.records.spec import Kind, RecordSpec


@strawberry.input
class CreateObjectInput:
    api_name: str = strawberry.field(description="lower_snake_case, at most 40 characters; never changes")
    label: str
    plural_label: str
    description: str | None = None
    searchable: bool = False
    rights: JSON | None = strawberry.field(default=None, description="{role: [READ, CREATE, UPDATE, DELETE]}")


@strawberry.input
class UpdateObjectInput:
    api_name: str
    version: int
    label: str | None = UNSET
    plural_label: str | None = UNSET
    description: str | None = UNSET
    display_field: str | None = UNSET
    searchable: bool | None = UNSET
    deprecated: bool | None = UNSET
    rights: JSON | None = UNSET


@strawberry.input
class ObjectRefInput:
    api_name: str
    version: int | None = None


@strawberry.input
class CreateFieldInput:
    object: str = strawberry.field(description="A custom object's api name, or Customer, Contact, Lead, Opportunity, Ticket")
    api_name: str
    label: str
    type: FieldType  # type: ignore[valid-type]
    required: bool = False
    unique: bool = False
    read_only: bool = False
    default_value: JSON | None = None
    help_text: str | None = None
    config: JSON | None = None
    validation: JSON | None = None


@strawberry.input
class UpdateFieldInput:
    id: GlobalID
    version: int
    label: str | None = UNSET
    type: FieldType | None = UNSET  # type: ignore[valid-type]
    required: bool | None = UNSET
    read_only: bool | None = UNSET
    default_value: JSON | None = UNSET
    help_text: str | None = UNSET
    config: JSON | None = UNSET
    validation: JSON | None = UNSET
    deprecated: bool | None = UNSET


@strawberry.input
class FieldRefInput:
    id: GlobalID
    version: int | None = None


@strawberry.input
class ReorderFieldsInput:
    object: str
    api_names: list[str]


@strawberry.input
class CreateRecordInput:
    object: str
    values: JSON
    owner_id: GlobalID | None = UNSET
    team_id: GlobalID | None = UNSET


@strawberry.input
class BulkCreateRecordsInput:
    object: str
    items: list[JSON] = strawberry.field(description="Each {values, ownerId?, teamId?}; at most 100")


@strawberry.input
class UpdateRecordInput:
    id: GlobalID
    version: int
    values: JSON | None = UNSET
    owner_id: GlobalID | None = UNSET
    team_id: GlobalID | None = UNSET


@strawberry.input
class BulkUpdateRecordsInput:
    items: list[UpdateRecordInput] = strawberry.field(description="At most 100; all or nothing")


@strawberry.input
class RecordRefInput:
    id: GlobalID
    version: int | None = None


@strawberry.input(description="Conditions on one field (all must hold), combined with and / or / not")
class RecordFilter:
    field: str | None = strawberry.field(default=None, description="A field's api name, or id, ownerId, teamId, createdAt, updatedAt")
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
    and_: list["RecordFilter"] | None = strawberry.field(default=None, name="and")
    or_: list["RecordFilter"] | None = strawberry.field(default=None, name="or")
    not_: Optional["RecordFilter"] = strawberry.field(default=None, name="not")


@strawberry.input
class RecordOrder:
    field: str
    direction: SortDirection = SortDirection.ASC
    nulls: NullsOrder | None = None


_OPS = {"eq": Op.EQ, "neq": Op.NEQ, "in_": Op.IN, "not_in": Op.NOT_IN, "gt": Op.GT, "gte": Op.GTE, "lt": Op.LT,
        "lte": Op.LTE, "like": Op.LIKE, "ilike": Op.ILIKE, "is_null": Op.IS_NULL}
_STANDARD_ID_TYPES = {"id": "CustomRecord", "ownerId": "User", "teamId": "Team", "createdBy": "User", "updatedBy": "User"}


def to_filter(node: RecordFilter | None, obj: ObjectDef, spec: RecordSpec) -> Filter | None:
    """The domain filter of a RecordFilter tree; every bad operand is reported at once."""
    if node is None:
        return None
    errors: list[FieldError] = []
    result = _convert(node, obj, spec, errors)
    if errors:
        raise InvalidInput(errors)
    return result


def _convert(node: RecordFilter, obj: ObjectDef, spec: RecordSpec, errors: list[FieldError]) -> Filter:
    parts: list[Filter] = []
    if node.field is not None:
        for attr, op in _OPS.items():
            raw = getattr(node, attr)
            if raw is UNSET:
                continue
            parts.append(Condition(node.field, op, _operand(node.field, op, raw, obj, spec, errors)))
    parts += [_convert(child, obj, spec, errors) for child in node.and_ or []]
    if node.or_:
        parts.append(AnyOf(tuple(_convert(child, obj, spec, errors) for child in node.or_)))
    if node.not_ is not None:
        parts.append(NotOf(_convert(node.not_, obj, spec, errors)))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _operand(name: str, op: Op, raw: Any, obj: ObjectDef, spec: RecordSpec, errors: list[FieldError]) -> Any:
    if op is Op.IS_NULL or raw is None:
        return raw
    if op in (Op.IN, Op.NOT_IN):
        return [_operand(name, Op.EQ, value, obj, spec, errors) for value in raw or []]
    where = f"filter.{name}"
    field = obj.field(name)
    try:
        if field is not None and not field.deleted:
            if field.type in (DomainFieldType.RELATION, DomainFieldType.USER) and op not in (Op.LIKE, Op.ILIKE):
                return str(decode_id(str(raw), expected=id_type(field), field=where))
            return parse_filter_value(field, raw, pattern=op in (Op.LIKE, Op.ILIKE))
        if name in _STANDARD_ID_TYPES:
            return decode_id(str(raw), expected=_STANDARD_ID_TYPES[name], field=where)
        if spec.has(name) and spec.field(name).kind is Kind.DATETIME:
            return datetime.fromisoformat(str(raw))
    except InvalidInput as exc:
        errors += exc.field_errors
    except (Invalid, ValueError) as exc:
        errors.append(FieldError(where, getattr(exc, "code", "INVALID_VALUE"), str(exc)))
    return raw


def to_order(entries: list[RecordOrder] | None) -> list[Order] | None:
    if not entries:
        return None
    return [Order(field=e.field, descending=e.direction is SortDirection.DESC,
                  nulls_first=None if e.nulls is None else e.nulls is NullsOrder.FIRST) for e in entries]


def uuid_of(value: GlobalID | None, expected: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_id(value, expected=expected, field=field)

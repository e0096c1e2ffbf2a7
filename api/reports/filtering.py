"""The filter of an aggregate: the same RecordFilter custom-object lists take, with operands
parsed per field so they compare like stored values (global ids as UUIDs, dates, numbers)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from api.custom.filtering import normalise_filter
from api.custom.inputs import to_filter
from api.records.dynamic import RecordFilter, record_filter_tree
from api.records.ids import decode_id
from domain.custom.metadata import (
    STANDARD_OBJECTS,
    load_object,
    load_standard_fields,
    record_spec,
    standard_spec,
)
from domain.errors import FieldError, InvalidInput
from domain.records.filters import Condition, Filter, NotOf, Op
from domain.records.spec import CUSTOM_FIELDS_PREFIX, Kind, RecordSpec
from domain.reports.fields import REPORTABLE

# Global id types a reference column may name.
_ID_TYPES = (
    "Customer",
    "Contact",
    "Lead",
    "Opportunity",
    "Ticket",
    "Campaign",
    "Pipeline",
    "Stage",
    "Team",
    "User",
    "CustomRecord",
)


async def aggregate_filter(object_name: str, node: RecordFilter | None) -> Filter | None:
    if node is None:
        return None
    if object_name not in REPORTABLE:
        obj = await load_object(object_name)
        return to_filter(node, obj, record_spec(obj))
    custom = await load_standard_fields(object_name) if object_name in STANDARD_OBJECTS else ()
    spec = (
        standard_spec(object_name, custom)
        if object_name in STANDARD_OBJECTS
        else REPORTABLE[object_name]
    )
    tree = record_filter_tree(node)
    errors: list[FieldError] = []
    tree = _standard_operands(tree, spec, errors)
    if errors:
        raise InvalidInput(errors)
    return normalise_filter(tree, custom, spec, prefix=CUSTOM_FIELDS_PREFIX)


def _standard_operands(node: Filter, spec: RecordSpec, errors: list[FieldError]) -> Filter:
    if isinstance(node, NotOf):
        return NotOf(_standard_operands(node.part, spec, errors))
    if not isinstance(node, Condition):
        return type(node)(tuple(_standard_operands(part, spec, errors) for part in node.parts))
    if (
        node.field.startswith(CUSTOM_FIELDS_PREFIX)
        or not spec.has(node.field)
        or node.op is Op.IS_NULL
        or node.value is None
    ):
        return node
    kind = spec.field(node.field).kind
    where = f"filter.{node.field}"
    try:
        if node.op in (Op.IN, Op.NOT_IN):
            value: Any = [_operand(kind, v, where) for v in node.value or []]
        elif node.op in (Op.LIKE, Op.ILIKE):
            value = node.value
        else:
            value = _operand(kind, node.value, where)
    except InvalidInput as exc:
        errors.extend(exc.field_errors)
        return node
    except (ValueError, TypeError, InvalidOperation):
        errors.append(
            FieldError(where, "INVALID_VALUE", f"{node.value!r} is not a value of {node.field}")
        )
        return node
    return Condition(node.field, node.op, value)


def _operand(kind: Kind, raw: Any, where: str) -> Any:
    if kind is Kind.UUID:
        return decode_id(str(raw), expected=_ID_TYPES, field=where)
    if kind is Kind.DATE:
        return date.fromisoformat(str(raw))
    if kind is Kind.DATETIME:
        return datetime.fromisoformat(str(raw))
    if kind is Kind.DECIMAL:
        if isinstance(raw, bool):
            raise ValueError(raw)
        return Decimal(str(raw))
    if kind is Kind.INT:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(raw)
        return raw
    if kind is Kind.BOOL and not isinstance(raw, bool):
        raise ValueError(raw)
    if kind is Kind.TEXT and not isinstance(raw, str):
        raise ValueError(raw)
    return raw

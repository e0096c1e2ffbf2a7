"""Operands of dynamic filters (RecordFilter) parsed per field, so they compare like stored values:
dates and times normalised, decimals exact, relations and users by global id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.custom.values import BUILT_IN_ID_TYPES, ID_VALUED, id_type
from api.records.ids import decode_id
from domain.custom.fieldtypes import FieldDef, Invalid, parse_filter_value
from domain.errors import FieldError, InvalidInput
from domain.records.filters import Condition, Filter, NotOf, Op
from domain.records.spec import Kind, RecordSpec


def normalise_filter(
    tree: Filter, fields: tuple[FieldDef, ...], spec: RecordSpec, *, prefix: str = ""
) -> Filter:
    """`tree` with every operand in the stored form of its field (custom fields named
    `prefix + api name`); every bad operand is reported at once."""
    errors: list[FieldError] = []
    by_name = {prefix + f.api_name: f for f in fields if not f.deleted}
    result = _normalise(tree, by_name, spec, errors)
    if errors:
        raise InvalidInput(errors)
    return result


def _normalise(
    node: Filter, fields: dict[str, FieldDef], spec: RecordSpec, errors: list[FieldError]
) -> Filter:
    if isinstance(node, Condition):
        return Condition(
            node.field, node.op, _operand(node.field, node.op, node.value, fields, spec, errors)
        )
    if isinstance(node, NotOf):
        return NotOf(_normalise(node.part, fields, spec, errors))
    return type(node)(tuple(_normalise(part, fields, spec, errors) for part in node.parts))


def _operand(
    name: str,
    op: Op,
    raw: Any,
    fields: dict[str, FieldDef],
    spec: RecordSpec,
    errors: list[FieldError],
) -> Any:
    if op is Op.IS_NULL or raw is None:
        return raw
    if op in (Op.IN, Op.NOT_IN):
        return [_operand(name, Op.EQ, value, fields, spec, errors) for value in raw or []]
    where = f"filter.{name}"
    field = fields.get(name)
    try:
        if field is not None:
            if field.type in ID_VALUED and op not in (
                Op.LIKE,
                Op.ILIKE,
            ):
                return str(decode_id(str(raw), expected=id_type(field), field=where))
            return parse_filter_value(field, raw, pattern=op in (Op.LIKE, Op.ILIKE))
        if name in BUILT_IN_ID_TYPES and spec.table == "custom_record":
            return decode_id(str(raw), expected=BUILT_IN_ID_TYPES[name], field=where)
        if spec.has(name) and spec.field(name).kind is Kind.DATETIME and isinstance(raw, str):
            return datetime.fromisoformat(raw)
    except InvalidInput as exc:
        errors += exc.field_errors
    except (Invalid, ValueError) as exc:
        errors.append(FieldError(where, getattr(exc, "code", "INVALID_VALUE"), str(exc)))
    return raw

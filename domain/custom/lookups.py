"""Filtering custom records by a related record's fields, one level deep: `customer.tier` on a
contract compares the tier of the customer its `customer` relation points at. Each such field is
a correlated lookup by primary key; hidden fields of the target stay unusable, and operands are
parsed like the target field's values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.custom.fieldtypes import FieldType, Invalid, parse_filter_value
from domain.custom.metadata import STANDARD_OBJECTS, ObjectDef, custom_field_specs, load_object
from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden
from domain.records.filters import Condition, Filter, NotOf, Op, named_fields
from domain.records.spec import FieldSpec, Kind, RecordSpec

# Kinds whose operands a client can write plainly (ids would need the API's global-id decoding).
_LOOKUP_KINDS = {Kind.TEXT, Kind.INT, Kind.DECIMAL, Kind.BOOL, Kind.DATE, Kind.DATETIME}


async def with_lookups(
    spec: RecordSpec, obj: ObjectDef, principal: Principal, filter: Filter
) -> tuple[RecordSpec, Filter]:
    """`spec` with `relation.field` lookups for the relations the filter names, and the filter
    with their operands parsed."""
    wanted = {name.split(".", 1)[0] for name in named_fields(filter) if "." in name}
    extra: list[FieldSpec] = []
    parsers: dict[str, Any] = {}
    for relation in sorted(wanted):
        field = obj.field(relation)
        if field is None or field.deleted or field.type is not FieldType.RELATION:
            continue  # the filter compiler reports the unknown name
        key = f"((<t>.data #>> '{{{relation}}}')::uuid)"
        target = field.setting("target")
        if target in STANDARD_OBJECTS:
            target_spec = STANDARD_OBJECTS[target]
            gone = hidden(await field_rules(principal, target))
            for f in target_spec.fields:
                if (
                    f.filterable
                    and f.kind in _LOOKUP_KINDS
                    and f.name not in gone
                    and not f.json_path
                ):
                    name = f"{relation}.{f.name}"
                    extra.append(
                        FieldSpec(
                            name,
                            "",
                            f.kind,
                            lookup=_lookup(target_spec.table, f"r.{f.column}", key),
                        )
                    )
                    parsers[name] = _standard_parser(f.kind)
            continue
        try:
            target_obj = await load_object(target)
        except NotFound:
            continue
        gone = hidden(await field_rules(principal, target_obj.api_name))
        live = tuple(
            f
            for f in target_obj.fields
            if not f.deleted and f.filterable and f.api_name not in gone
        )
        for d, d_spec in zip(live, custom_field_specs(live, "data"), strict=True):
            name = f"{relation}.{d.api_name}"
            lookup = _lookup("custom_record", d_spec.sql("r"), key)
            extra.append(replace(d_spec, name=name, lookup=lookup, sortable=False))
            parsers[name] = lambda raw, op, d=d: parse_filter_value(
                d, raw, pattern=op in (Op.LIKE, Op.ILIKE)
            )
    extended = replace(spec, fields=(*spec.fields, *extra))
    return extended, _parse(filter, parsers)


def _lookup(table: str, value_sql: str, key: str) -> str:
    return (
        f"(SELECT {value_sql} FROM {table} r WHERE r.tenant_id = <t>.tenant_id AND r.id = {key} "
        f"AND r.deleted_at IS NULL)"
    )


def _standard_parser(kind: Kind) -> Any:
    converters: dict[Kind, Callable[[Any], Any]] = {
        Kind.DATE: date.fromisoformat,
        Kind.DATETIME: datetime.fromisoformat,
        Kind.DECIMAL: lambda v: Decimal(str(v)),
        Kind.INT: int,
    }
    convert = converters.get(kind)
    return lambda raw, op: convert(raw) if convert and op not in (Op.LIKE, Op.ILIKE) else raw


def _parse(node: Filter, parsers: dict[str, Any]) -> Filter:
    errors: list[FieldError] = []

    def walk(n: Filter) -> Filter:
        if isinstance(n, Condition):
            parser = parsers.get(n.field)
            if parser is None or n.value is None or n.op is Op.IS_NULL:
                return n
            try:
                values = (
                    [parser(v, n.op) for v in n.value]
                    if n.op in (Op.IN, Op.NOT_IN)
                    else parser(n.value, n.op)
                )
            except (Invalid, ValueError, ArithmeticError) as exc:
                errors.append(
                    FieldError(f"filter.{n.field}", getattr(exc, "code", "INVALID_VALUE"), str(exc))
                )
                return n
            return Condition(n.field, n.op, values)
        if isinstance(n, NotOf):
            return NotOf(walk(n.part))
        return type(n)(tuple(walk(p) for p in n.parts))

    result = walk(node)
    if errors:
        raise InvalidInput(errors)
    return result

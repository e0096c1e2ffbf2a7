"""Inputs and results of `aggregate`: typed group keys (with the label naming a referenced
record) and typed measure values."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from api.records.ids import encode_id
from api.records.ordering import SortDirection
from domain.reports import aggregate as domain
from domain.reports.fields import ValueType
from domain.reports.periods import Range

AggregateFunction = strawberry.enum(
    domain.Function,
    name="AggregateFunction",
    description=(
        "COUNT (records, or records with a value of `field`), COUNT_DISTINCT, SUM and AVG (numbers), MIN, MAX, P50 and "
        "P90 (numbers: interpolated percentiles; dates: the actual value at that rank)"
    ),
)
DateBucket = strawberry.enum(
    domain.Bucket,
    name="DateBucket",
    description="Calendar periods in the tenant's time zone; weeks start on its weekStart",
)
RelativeDateRange = strawberry.enum(
    Range,
    name="RelativeDateRange",
    description=(
        "Calendar ranges in the tenant's time zone, seen from `asOf` (default: now); LAST_N_DAYS and NEXT_N_DAYS take `days`"
    ),
)
ReportValueType = strawberry.enum(ValueType, name="ReportValueType")


@strawberry.input(
    description="One level of grouping: a field (dotted for a related record's field: customer.tier), "
    "dates bucketed by a calendar period"
)
class AggregateGroupBy:
    field: str
    bucket: DateBucket | None = None


@strawberry.input(
    description="A measure: function over a field (COUNT needs none); named by alias, else function_field"
)
class AggregateMeasure:
    function: AggregateFunction
    field: str | None = None
    alias: str | None = None


@strawberry.input(description="Sort the groups by a groupBy field or a measure's name")
class AggregateOrder:
    target: str
    direction: SortDirection = SortDirection.ASC


@strawberry.input(description="Keep records whose date field lies in a relative calendar range")
class DatePeriod:
    field: str
    range: RelativeDateRange
    days: int | None = None


@strawberry.type(
    description="One group key: the value (in the field matching its type) and a label naming it"
)
class AggregateKey:
    field: str
    bucket: DateBucket | None
    type: ReportValueType
    id: relay.GlobalID | None = None
    text: str | None = None
    number: Decimal | None = None
    boolean: bool | None = None
    date: date | None = None
    label: str | None = strawberry.field(
        default=None,
        description=(
            "A referenced record's name (null when the caller may not see it or its name); other values as text"
        ),
    )


@strawberry.type(
    description="One measure's value: a number, or a date or date-time for MIN, MAX, P50, P90 of dates"
)
class AggregateValue:
    name: str
    function: AggregateFunction
    field: str | None
    number: Decimal | None = None
    date: date | None = None
    date_time: datetime | None = None


@strawberry.type
class AggregateRow:
    keys: list[AggregateKey]
    values: list[AggregateValue]


@strawberry.type
class AggregateResult:
    rows: list[AggregateRow]
    totals: AggregateRow = strawberry.field(
        description="The measures over every record the filter keeps"
    )
    truncated: bool = strawberry.field(description="More groups exist than `first`")


def key_out(key: domain.Key) -> AggregateKey:
    out = AggregateKey(field=key.field, bucket=key.bucket, type=key.type, label=key.label)
    value = key.value
    if value is None:
        return out
    if key.type is ValueType.ID:
        out.id = encode_id(
            key.id_type or "Node", value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        )
    elif key.type is ValueType.NUMBER:
        out.number = Decimal(value)
    elif key.type is ValueType.BOOLEAN:
        out.boolean = value
    elif key.type is ValueType.DATE:
        out.date = value
    else:
        out.text = str(value)
    if key.type is not ValueType.ID:
        out.label = _text(value)
    return out


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def value_out(value: domain.Value) -> AggregateValue:
    out = AggregateValue(name=value.name, function=value.function, field=value.field)
    if value.value is None:
        return out
    if value.type is ValueType.DATE:
        out.date = value.value
    elif value.type is ValueType.DATETIME:
        out.date_time = value.value
    else:
        out.number = Decimal(value.value)
    return out


def row_out(row: domain.Row) -> AggregateRow:
    return AggregateRow(
        keys=[key_out(k) for k in row.keys], values=[value_out(v) for v in row.values]
    )

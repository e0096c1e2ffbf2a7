"""aggregate(object, filter, groupBy, measures, orderBy, first): grouped measures over the
records of one object that the caller may see, computed by PostgreSQL in one statement.

The statement reads the object's rows (tenant, not deleted, visible, filtered) in `base`, groups
them with GROUPING SETS so the same pass gives the groups and the totals row, keeps the first
groups in the order asked for, and names each kept group's references (customer, owner, team...)
only when the caller may see the named record. Values are always bound parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from domain.custom.lookups import with_lookups
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.records.filters import Filter, compile_filter, named_fields
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from domain.reports.fields import ReportField, Source, ValueType, load_source, usable_label
from domain.reports.periods import (
    Calendar,
    Period,
    check_period,
    date_bounds,
    instant_bounds,
    tenant_calendar,
)
from tenants.context import tenant_connection

MAX_GROUP_BY = 3
MAX_MEASURES = 12
MAX_GROUPS = 1000
DEFAULT_GROUPS = 100


class Function(str, Enum):
    COUNT = "COUNT"
    COUNT_DISTINCT = "COUNT_DISTINCT"
    SUM = "SUM"
    AVG = "AVG"
    MIN = "MIN"
    MAX = "MAX"
    P50 = "P50"
    P90 = "P90"


class Bucket(str, Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # weeks start on the tenant's first day of the week (Monday unless set)
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


_TIME_TYPES = (ValueType.DATE, ValueType.DATETIME)
# Which value types each function measures.
_MEASURES: dict[Function, tuple[ValueType, ...]] = {
    Function.COUNT: tuple(ValueType),
    Function.COUNT_DISTINCT: tuple(ValueType),
    Function.SUM: (ValueType.NUMBER,),
    Function.AVG: (ValueType.NUMBER,),
    Function.MIN: (ValueType.NUMBER, *_TIME_TYPES),
    Function.MAX: (ValueType.NUMBER, *_TIME_TYPES),
    Function.P50: (ValueType.NUMBER, *_TIME_TYPES),
    Function.P90: (ValueType.NUMBER, *_TIME_TYPES),
}
_PERCENTILES = {Function.P50: "0.5", Function.P90: "0.9"}


@dataclass(frozen=True)
class GroupBy:
    field: str
    bucket: Bucket | None = None


@dataclass(frozen=True)
class Measure:
    function: Function
    field: str | None = None
    alias: str | None = None

    @property
    def name(self) -> str:
        if self.alias:
            return self.alias
        if self.field is None:
            return self.function.value.lower()
        return f"{self.function.value.lower()}_{self.field.replace('.', '_')}"


@dataclass(frozen=True)
class OrderBy:
    target: str  # a groupBy field or a measure's name
    descending: bool = False


@dataclass
class Key:
    field: str
    bucket: Bucket | None
    type: ValueType
    id_type: str | None
    value: Any
    label: str | None


@dataclass
class Value:
    name: str
    function: Function
    field: str | None
    type: ValueType  # NUMBER, or DATE / DATETIME for MIN, MAX and percentiles of dates
    value: Any


@dataclass
class Row:
    keys: list[Key]
    values: list[Value]


@dataclass
class Aggregate:
    rows: list[Row]
    totals: Row
    truncated: bool  # more groups than `first`


@dataclass
class AggregateQuery:
    object: str
    filter: Filter | None = None
    periods: list[Period] = field(default_factory=list)
    group_by: list[GroupBy] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=lambda: [Measure(Function.COUNT)])
    order_by: list[OrderBy] = field(default_factory=list)
    first: int = DEFAULT_GROUPS
    as_of: datetime | None = None  # "now" for relative periods


@dataclass
class _Plan:
    keys: list[tuple[GroupBy, ReportField, str]]  # group, field, SQL of the key
    measures: list[tuple[Measure, ReportField | None, ValueType]]
    where: list[str]


async def aggregate(query: AggregateQuery, *, principal: Principal) -> Aggregate:
    """Groups and totals of `query.object`'s records the principal may see (InvalidInput names
    every field that cannot be grouped, measured or filtered by the caller)."""
    params = Params()
    source = await load_source(query.object, principal, params)
    calendar = await tenant_calendar()
    plan = await _plan(query, source, params, calendar, query.as_of or datetime.now(timezone.utc))
    sql = _statement(query, source, plan, await _labels(plan, principal, params))
    records = await tenant_connection().execute_query_dict(sql, params.values)
    groups = [r for r in records if not r["_total"]]
    totals = next((r for r in records if r["_total"]), None)
    return Aggregate(
        rows=[_row(plan, record) for record in groups[: query.first]],
        totals=_row(plan, totals, with_keys=False) if totals else Row([], _empty_values(plan)),
        truncated=len(groups) > query.first,
    )


async def _plan(
    query: AggregateQuery, source: Source, params: Params, calendar: Calendar, now: datetime
) -> _Plan:
    errors: list[FieldError] = []
    if len(query.group_by) > MAX_GROUP_BY:
        errors.append(FieldError("groupBy", "TOO_MANY", f"at most {MAX_GROUP_BY} levels"))
    if not 1 <= len(query.measures) <= MAX_MEASURES:
        errors.append(
            FieldError("measures", "OUT_OF_RANGE", f"between 1 and {MAX_MEASURES} measures")
        )
    if not 1 <= query.first <= MAX_GROUPS:
        errors.append(
            FieldError("first", "OUT_OF_RANGE", f"first must be between 1 and {MAX_GROUPS}")
        )
    keys = []
    for index, group in enumerate(query.group_by):
        resolved = await _group_key(source, group, params, calendar, f"groupBy.{index}", errors)
        if resolved is not None:
            keys.append(resolved)
    measures = []
    names = [m.name for m in query.measures]
    for index, measure in enumerate(query.measures):
        where = f"measures.{index}"
        if names.count(measure.name) > 1:
            errors.append(
                FieldError(f"{where}.alias", "DUPLICATE", f"two measures are named {measure.name}")
            )
        resolved_measure = await _measure(source, measure, where, errors)
        if resolved_measure is not None:
            measures.append(resolved_measure)
    targets = {g.field for g in query.group_by} | set(names)
    for index, order in enumerate(query.order_by):
        if order.target not in targets:
            errors.append(
                FieldError(
                    f"orderBy.{index}.target",
                    "UNKNOWN",
                    f"{order.target} is neither a groupBy field nor a measure",
                )
            )
    conditions = readable_sql(source.principal, source.spec, params)
    conditions += [f"t.{column} = {params.add(value)}" for column, value in source.scope.items()]
    for index, period in enumerate(query.periods):
        conditions += await _period(
            source, period, params, calendar, now, f"periods.{index}", errors
        )
    filter_sql = None
    if query.filter is not None:
        spec, filter = source.spec, query.filter
        if source.obj is not None and any("." in name for name in named_fields(filter)):
            # Custom objects' filters may name a related record's field (`customer.tier`).
            spec, filter = await with_lookups(spec, source.obj, source.principal, filter)
        filter_sql = _compile(spec, filter, params, errors)
    if errors:
        raise InvalidInput(errors)
    if filter_sql is not None:
        conditions.append(filter_sql)
    return _Plan(keys, measures, conditions)


async def _group_key(
    source: Source,
    group: GroupBy,
    params: Params,
    calendar: Calendar,
    where: str,
    errors: list[FieldError],
) -> tuple[GroupBy, ReportField, str] | None:
    found = await source.resolve(group.field)
    if found is None:
        errors.append(
            FieldError(f"{where}.field", "NOT_GROUPABLE", f"{group.field} cannot be grouped by")
        )
        return None
    if group.bucket is not None and found.type not in _TIME_TYPES:
        errors.append(FieldError(f"{where}.bucket", "NOT_A_DATE", f"{group.field} is not a date"))
        return None
    if found.type not in _TIME_TYPES:
        return group, found, found.sql
    # A date-time's calendar date in the tenant's zone (a date as it is), then the bucket's first day.
    day = (
        f"(({found.sql}) AT TIME ZONE {params.add(calendar.zone.key)})::date"
        if found.type is ValueType.DATETIME
        else f"({found.sql})"
    )
    bucket = group.bucket or Bucket.DAY
    if bucket is Bucket.DAY:
        return group, found, day
    if bucket is Bucket.WEEK:  # back to the tenant's first day of the week (isodow: Monday = 1)
        return (
            group,
            found,
            f"({day} - ((extract(isodow FROM {day})::int - 1 - {int(calendar.week_start)} + 7) % 7))",
        )
    return group, found, f"date_trunc('{bucket.value.lower()}', {day}::timestamp)::date"


async def _measure(
    source: Source, measure: Measure, where: str, errors: list[FieldError]
) -> tuple[Measure, ReportField | None, ValueType] | None:
    if measure.field is None:
        if measure.function is not Function.COUNT:
            errors.append(
                FieldError(f"{where}.field", "REQUIRED", f"{measure.function.value} needs a field")
            )
            return None
        return measure, None, ValueType.NUMBER
    found = await source.resolve(measure.field)
    if found is None:
        errors.append(
            FieldError(f"{where}.field", "NOT_MEASURABLE", f"{measure.field} cannot be measured")
        )
        return None
    if found.type not in _MEASURES[measure.function]:
        errors.append(
            FieldError(
                f"{where}.field",
                "NOT_MEASURABLE",
                f"{measure.function.value} does not apply to {measure.field} ({found.type.value.lower()})",
            )
        )
        return None
    counted = measure.function in (Function.COUNT, Function.COUNT_DISTINCT)
    return measure, found, ValueType.NUMBER if counted else found.type


async def _period(
    source: Source,
    period: Period,
    params: Params,
    calendar: Calendar,
    now: datetime,
    where: str,
    errors: list[FieldError],
) -> list[str]:
    problems = check_period(period, where)
    found = await source.resolve(period.field)
    if found is None or found.type not in _TIME_TYPES:
        problems.append(
            FieldError(
                f"{where}.field",
                "NOT_A_DATE",
                f"{period.field} is not a date the caller may filter on",
            )
        )
    if problems or found is None:
        errors += problems
        return []
    if found.type is ValueType.DATE:
        start, end = date_bounds(
            period.range, now.astimezone(calendar.zone).date(), period.days, calendar.week_start
        )
    else:
        start, end = instant_bounds(
            period.range, now, calendar.zone, period.days, calendar.week_start
        )
    return [f"({found.sql}) >= {params.add(start)}", f"({found.sql}) < {params.add(end)}"]


def _compile(
    spec: RecordSpec, filter: Filter, params: Params, errors: list[FieldError]
) -> str | None:
    try:
        return compile_filter(spec, filter, params)
    except InvalidInput as exc:
        errors += exc.field_errors
        return None


async def _labels(plan: _Plan, principal: Principal, params: Params) -> list[str]:
    """Per key, the SQL naming a value `d{i}.k{i}` (NULL::text when the key is not a reference)."""
    labels = []
    for index, (_, found, _) in enumerate(plan.keys):
        if found.label is None:
            labels.append("NULL::text")
        else:
            labels.append(
                (await usable_label(found.label, principal)).sql(
                    f"d{index}.k{index}", principal, params
                )
            )
    return labels


def _aggregate_sql(function: Function, value: str | None, value_type: ValueType) -> str:
    if value is None:
        return "count(*)"
    if function is Function.COUNT:
        return f"count({value})"
    if function is Function.COUNT_DISTINCT:
        return f"count(DISTINCT {value})"
    if function in _PERCENTILES:
        fraction = _PERCENTILES[function]
        if value_type is ValueType.NUMBER:  # interpolated between the two nearest values
            return f"percentile_cont({fraction}) WITHIN GROUP (ORDER BY ({value})::float8)::numeric"
        return (
            f"percentile_disc({fraction}) WITHIN GROUP (ORDER BY {value})"  # dates: an actual value
        )
    return f"{function.value.lower()}({value})"


def _statement(query: AggregateQuery, source: Source, plan: _Plan, labels: list[str]) -> str:
    key_columns = [f"k{i}" for i in range(len(plan.keys))]
    selected = [f"{sql} AS k{i}" for i, (_, _, sql) in enumerate(plan.keys)]
    selected += [
        f"{found.sql} AS v{j}" for j, (_, found, _) in enumerate(plan.measures) if found is not None
    ]
    base = (
        f"SELECT {', '.join(selected) or '1 AS one'} FROM {source.spec.table} t {' '.join(source.joins.values())} "
        f"WHERE {' AND '.join(plan.where)}"
    )
    measures = [
        f"{_aggregate_sql(m.function, None if found is None else f'v{j}', found.type if found else ValueType.NUMBER)} AS m{j}"
        for j, (m, found, _) in enumerate(plan.measures)
    ]
    if not key_columns:
        return f"WITH base AS ({base}) SELECT true AS _total, {', '.join(measures)} FROM base"
    names = {m.name: f"m{j}" for j, (m, _, _) in enumerate(plan.measures)}
    names.update({group.field: f"k{i}" for i, (group, _, _) in enumerate(plan.keys)})
    order = [
        f"{names[o.target]} {'DESC' if o.descending else 'ASC'} NULLS LAST" for o in query.order_by
    ]
    order += [f"{k} ASC NULLS LAST" for k in key_columns]
    keys = ", ".join(key_columns)
    # Each distinct value of a reference key among the kept groups is named once (an owner heads
    # many groups of a three-level report), then joined back to its groups.
    named = [i for i, label in enumerate(labels) if label != "NULL::text"]
    names_sql = "".join(
        f", n{i} AS (SELECT d{i}.k{i} AS key{i}, {labels[i]} AS l{i} FROM (SELECT DISTINCT k{i} FROM top) d{i})"
        for i in named
    )
    joins = " ".join(f"LEFT JOIN n{i} ON n{i}.key{i} = top.k{i}" for i in named)
    label_columns = ", ".join(
        f"n{i}.l{i}" if i in named else f"NULL::text AS l{i}" for i in range(len(labels))
    )
    top_order = ", ".join(f"top.{column}" for column in order)
    return (
        f"WITH base AS ({base}), "
        f"agg AS (SELECT {keys}, GROUPING({keys}) <> 0 AS _total, {', '.join(measures)} FROM base "
        f"GROUP BY GROUPING SETS (({keys}), ())), "
        f"top AS (SELECT * FROM agg WHERE NOT _total ORDER BY {', '.join(order)} LIMIT {int(query.first) + 1})"
        f"{names_sql} "
        f"SELECT top.*, row_number() OVER (ORDER BY {top_order}) AS _pos, {label_columns} FROM top {joins} "
        f"UNION ALL SELECT *, NULL::bigint, {', '.join('NULL::text' for _ in labels)} FROM agg WHERE _total "
        f"ORDER BY _pos NULLS LAST"
    )


def _row(plan: _Plan, record: dict[str, Any], *, with_keys: bool = True) -> Row:
    keys = (
        [
            Key(
                group.field,
                group.bucket,
                ValueType.DATE if found.type in _TIME_TYPES else found.type,
                found.id_type,
                record[f"k{i}"],
                record.get(f"l{i}"),
            )
            for i, (group, found, _) in enumerate(plan.keys)
        ]
        if with_keys
        else []
    )
    values = [
        Value(m.name, m.function, m.field, value_type, record[f"m{j}"])
        for j, (m, _, value_type) in enumerate(plan.measures)
    ]
    return Row(keys, values)


def _empty_values(plan: _Plan) -> list[Value]:
    return [
        Value(
            m.name,
            m.function,
            m.field,
            t,
            0 if m.function in (Function.COUNT, Function.COUNT_DISTINCT) else None,
        )
        for m, _, t in plan.measures
    ]

"""Running a saved report: its kind and parameters (as saved, JSON with the API's names) turned
back into the query they describe, run for the reader, answered as a table. Bad parameters are
BAD_USER_INPUT under `params.`, the same checks as the typed queries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from api.records.dynamic import RecordFilter
from api.records.ids import decode_id
from api.reports.filtering import aggregate_filter
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.reports import aggregate as agg
from domain.reports import attribution, marketing, rfm, sales, service
from domain.reports.periods import Period, Range
from domain.reports.tables import Table, aggregate_table, table_of
from domain.reports.windows import Window


class ReportKind(str, Enum):
    AGGREGATE = "AGGREGATE"
    LIFECYCLE_FUNNEL = "LIFECYCLE_FUNNEL"
    PIPELINE = "PIPELINE"
    WIN_RATES = "WIN_RATES"
    SALES_CYCLE = "SALES_CYCLE"
    TIME_IN_STAGE = "TIME_IN_STAGE"
    SALES_FORECAST = "SALES_FORECAST"
    SALES_LEADERBOARD = "SALES_LEADERBOARD"
    TICKET_VOLUME = "TICKET_VOLUME"
    TICKET_TIMES = "TICKET_TIMES"
    TICKET_BACKLOG = "TICKET_BACKLOG"
    SLA_COMPLIANCE = "SLA_COMPLIANCE"
    TICKET_SATISFACTION = "TICKET_SATISFACTION"
    CAMPAIGN_PERFORMANCE = "CAMPAIGN_PERFORMANCE"
    CAMPAIGN_ATTRIBUTION = "CAMPAIGN_ATTRIBUTION"
    CUSTOMER_RFM = "CUSTOMER_RFM"
    RFM_SEGMENTS = "RFM_SEGMENTS"


_FILTER_OPS = {
    "eq": "eq",
    "neq": "neq",
    "in": "in_",
    "notIn": "not_in",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "like": "like",
    "ilike": "ilike",
    "isNull": "is_null",
}


class _Reader:
    """Reads one saved parameter set, collecting every problem with its path."""

    def __init__(self, params: Any) -> None:
        self.params = params if isinstance(params, dict) else {}
        self.errors: list[FieldError] = []
        if not isinstance(params, dict):
            self.errors.append(FieldError("params", "INVALID", "params must be an object"))

    def fail(self, path: str, code: str, message: str) -> None:
        self.errors.append(FieldError(f"params.{path}", code, message))

    def enum(self, enum: type[Enum], value: Any, path: str, default: Any = None) -> Any:
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            self.fail(path, "INVALID", f"one of {', '.join(e.value for e in enum)}")
            return default

    def integer(self, value: Any, path: str, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "INVALID", "a whole number")
            return default
        return value

    def moment(self, value: Any, path: str) -> datetime | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.fail(path, "INVALID_DATETIME", "an ISO 8601 date and time with its zone")
            return None
        return moment

    def window(self, path: str = "period") -> Window:
        raw = self.params.get(path) or {}
        if not isinstance(raw, dict):
            self.fail(path, "INVALID", "an object {range, days, start, end, asOf}")
            return Window()
        return Window(
            self.enum(Range, raw.get("range"), f"{path}.range"),
            raw.get("days"),
            self.moment(raw.get("start"), f"{path}.start"),
            self.moment(raw.get("end"), f"{path}.end"),
            self.moment(raw.get("asOf"), f"{path}.asOf"),
        )

    def pipeline(self) -> uuid.UUID | None:
        raw = self.params.get("pipelineId")
        if raw is None:
            return None
        try:
            return decode_id(str(raw), expected="Pipeline", field="params.pipelineId")
        except InvalidInput as exc:
            self.errors += exc.field_errors
            return None

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def record_filter(raw: Any, reader: _Reader, path: str = "filter") -> RecordFilter | None:
    """The RecordFilter a saved filter (its JSON shape) stands for."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.fail(path, "INVALID", "a filter object")
        return None
    node = RecordFilter(field=raw.get("field"))
    for name, attr in _FILTER_OPS.items():
        if name in raw:
            setattr(node, attr, raw[name])
    node.and_ = [
        child
        for child in (record_filter(c, reader, f"{path}.and") for c in raw.get("and") or [])
        if child
    ] or None
    node.or_ = [
        child
        for child in (record_filter(c, reader, f"{path}.or") for c in raw.get("or") or [])
        if child
    ] or None
    node.not_ = record_filter(raw.get("not"), reader, f"{path}.not")
    unknown = set(raw) - set(_FILTER_OPS) - {"field", "and", "or", "not"}
    if unknown:
        reader.fail(path, "UNKNOWN", f"unknown filter keys {sorted(unknown)}")
    return node


async def aggregate_query(params: Any) -> agg.AggregateQuery:
    reader = _Reader(params)
    p = reader.params
    if not isinstance(p.get("object"), str):
        reader.fail("object", "REQUIRED", "the object to aggregate")
    node = record_filter(p.get("filter"), reader)
    periods = [
        Period(
            str(x.get("field")),
            reader.enum(Range, x.get("range"), f"periods.{i}.range", Range.THIS_MONTH),
            x.get("days"),
        )
        for i, x in enumerate(p.get("periods") or [])
        if isinstance(x, dict)
    ]
    groups = [
        agg.GroupBy(
            str(x.get("field")), reader.enum(agg.Bucket, x.get("bucket"), f"groupBy.{i}.bucket")
        )
        for i, x in enumerate(p.get("groupBy") or [])
        if isinstance(x, dict)
    ]
    measures = [
        agg.Measure(
            reader.enum(
                agg.Function, x.get("function"), f"measures.{i}.function", agg.Function.COUNT
            ),
            x.get("field"),
            x.get("alias"),
        )
        for i, x in enumerate(p.get("measures") or [])
        if isinstance(x, dict)
    ]
    orders = [
        agg.OrderBy(str(x.get("target")), x.get("direction") == "DESC")
        for x in p.get("orderBy") or []
        if isinstance(x, dict)
    ]
    first = reader.integer(p.get("first"), "first", agg.DEFAULT_GROUPS)
    reader.check()
    try:
        domain_filter = await aggregate_filter(p["object"], node) if node is not None else None
    except InvalidInput as exc:
        raise InvalidInput(
            [FieldError(f"params.{e.field}", e.code, e.message) for e in exc.field_errors]
        ) from exc
    return agg.AggregateQuery(
        object=p["object"],
        filter=domain_filter,
        periods=periods,
        group_by=groups,
        measures=measures or [agg.Measure(agg.Function.COUNT)],
        order_by=orders,
        first=first,
        as_of=reader.moment(p.get("asOf"), "asOf"),
    )


def rfm_thresholds(given: Any, reader: _Reader) -> rfm.Thresholds:
    """Saved RFM thresholds (the API's names), defaults for what is left out."""
    default = rfm.Thresholds()
    if given is None:
        return default
    if not isinstance(given, dict):
        reader.fail("thresholds", "INVALID", "an object of bounds")
        return default

    def bounds(name: str, kind: type, fallback: tuple[Any, ...]) -> tuple[Any, ...]:
        value = given.get(name)
        if value is None:
            return fallback
        try:
            if not isinstance(value, list) or any(isinstance(v, bool) for v in value):
                raise ValueError(name)
            return tuple(kind(str(v)) for v in value)
        except (ValueError, ArithmeticError):
            reader.fail(f"thresholds.{name}", "INVALID", "a list of four numbers")
            return fallback

    return rfm.Thresholds(
        recency_days=bounds("recencyDays", int, default.recency_days),
        frequency=bounds("frequency", int, default.frequency),
        monetary=bounds("monetary", Decimal, default.monetary),
        lookback_days=reader.integer(
            given.get("lookbackDays"), "thresholds.lookbackDays", default.lookback_days
        ),
    )


async def run(kind: ReportKind, params: Any, principal: Principal) -> Table:
    """The report's answer for `principal`; InvalidInput (paths under params.) for bad parameters."""
    try:
        return await _run(kind, params, principal)
    except InvalidInput as exc:
        raise InvalidInput(
            [
                e
                if e.field.startswith("params")
                else FieldError(f"params.{e.field}", e.code, e.message)
                for e in exc.field_errors
            ]
        ) from exc


async def _run(kind: ReportKind, params: Any, principal: Principal) -> Table:
    if kind is ReportKind.AGGREGATE:
        query = await aggregate_query(params)
        return aggregate_table(
            await agg.aggregate(query, principal=principal), [g.field for g in query.group_by]
        )
    reader = _Reader(params)
    p = reader.params
    if kind is ReportKind.PIPELINE:
        pipeline = reader.pipeline()
        reader.check()
        return table_of(await sales.pipeline_by_stage(principal=principal, pipeline_id=pipeline))
    if kind is ReportKind.TICKET_BACKLOG:
        as_of = reader.moment(p.get("asOf"), "asOf")
        reader.check()
        return table_of(await service.backlog(principal=principal, as_of=as_of))
    if kind is ReportKind.SALES_FORECAST:
        pipeline, months = reader.pipeline(), reader.integer(p.get("months"), "months", 6)
        try:
            first_month = date.fromisoformat(str(p.get("fromMonth")))
        except ValueError:
            reader.fail("fromMonth", "INVALID_DATE", "the first month's date (YYYY-MM-DD)")
        reader.check()
        return table_of(
            await sales.forecast(
                principal=principal, first_month=first_month, months=months, pipeline_id=pipeline
            )
        )
    if kind is ReportKind.CAMPAIGN_PERFORMANCE:
        by = reader.enum(
            marketing.CampaignDimension, p.get("by"), "by", marketing.CampaignDimension.CAMPAIGN
        )
        window = reader.window() if p.get("period") else None
        reader.check()
        return table_of(
            await marketing.campaign_performance(principal=principal, window=window, by=by)
        )
    if kind in (ReportKind.CUSTOMER_RFM, ReportKind.RFM_SEGMENTS):
        thresholds = rfm_thresholds(p.get("thresholds"), reader)
        as_of = reader.moment(p.get("asOf"), "asOf")
        segment = reader.enum(rfm.Segment, p.get("segment"), "segment")
        first = reader.integer(p.get("first"), "first", 100)
        reader.check()
        if kind is ReportKind.RFM_SEGMENTS:  # without the per-score counts, which vary by row
            lines = await rfm.rfm_segments(principal=principal, thresholds=thresholds, as_of=as_of)
            return Table(
                ["segment", "customers", "monetary", "share"],
                [[line.segment, line.customers, line.monetary, line.share] for line in lines],
            )
        return table_of(
            await rfm.customer_rfm(
                principal=principal,
                thresholds=thresholds,
                as_of=as_of,
                segment=segment,
                first=first,
            )
        )
    if kind is ReportKind.CAMPAIGN_ATTRIBUTION:
        by = reader.enum(
            marketing.CampaignDimension, p.get("by"), "by", marketing.CampaignDimension.CAMPAIGN
        )
        window = reader.window()
        reader.check()
        return table_of(await attribution.attribution(principal=principal, window=window, by=by))
    window = reader.window()
    if kind in (
        ReportKind.LIFECYCLE_FUNNEL,
        ReportKind.SALES_CYCLE,
        ReportKind.TIME_IN_STAGE,
        ReportKind.SALES_LEADERBOARD,
        ReportKind.WIN_RATES,
    ):
        pipeline = reader.pipeline()
        by = reader.enum(sales.WinRateBy, p.get("by"), "by", sales.WinRateBy.OWNER)
        first = reader.integer(p.get("first"), "first", 10)
        reader.check()
        if kind is ReportKind.LIFECYCLE_FUNNEL:
            return table_of(await sales.lifecycle_funnel(principal=principal, window=window))
        if kind is ReportKind.SALES_CYCLE:
            return table_of(
                [await sales.sales_cycle(principal=principal, window=window, pipeline_id=pipeline)]
            )
        if kind is ReportKind.TIME_IN_STAGE:
            return table_of(
                await sales.time_in_stage(principal=principal, window=window, pipeline_id=pipeline)
            )
        if kind is ReportKind.SALES_LEADERBOARD:
            return table_of(
                await sales.leaderboard(
                    principal=principal, window=window, first=first, pipeline_id=pipeline
                )
            )
        return table_of(
            await sales.win_rates(principal=principal, window=window, by=by, pipeline_id=pipeline)
        )
    by = reader.enum(service.TicketDimension, p.get("by"), "by", service.TicketDimension.NONE)
    if kind is ReportKind.TICKET_VOLUME:
        bucket = reader.enum(agg.Bucket, p.get("bucket"), "bucket", agg.Bucket.DAY)
        reader.check()
        return table_of(
            await service.ticket_volume(principal=principal, window=window, bucket=bucket, by=by)
        )
    reader.check()
    if kind is ReportKind.TICKET_TIMES:
        return table_of(await service.response_times(principal=principal, window=window, by=by))
    if kind is ReportKind.SLA_COMPLIANCE:
        return table_of(
            await service.sla_compliance(
                principal=principal,
                window=window,
                by=by,
                as_of=reader.moment(p.get("asOf"), "asOf"),
            )
        )
    return table_of(await service.satisfaction(principal=principal, window=window, by=by))

"""Report queries: `aggregate` over any standard or custom object."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.dynamic import RecordFilter
from api.records.ordering import SortDirection
from api.reports.customer_queries import CustomerReportQueries
from api.reports.filtering import aggregate_filter
from api.reports.marketing_queries import MarketingReportQueries
from api.reports.sales_queries import SalesReportQueries
from api.reports.saved_api import SavedReportQueries
from api.reports.schedules_api import ReportScheduleQueries
from api.reports.service_queries import ServiceReportQueries
from api.reports.types import (
    AggregateGroupBy,
    AggregateMeasure,
    AggregateOrder,
    AggregateResult,
    DatePeriod,
    row_out,
)
from domain.reports import aggregate as domain
from domain.reports.periods import Period

AUTH = AUTHENTICATED


@strawberry.type
class AggregateQueries:
    @strawberry.field(
        **AUTH,
        description=(
            "Grouped measures over the records of one object (Customer, Contact, Lead, Opportunity, Ticket, Campaign, "
            "Activity or a custom object's api name) that the caller may see, with a totals row (docs/reports.md)"
        ),
    )
    async def aggregate(
        self,
        info: Info,
        object: str,
        filter: RecordFilter | None = None,
        periods: list[DatePeriod] | None = None,
        group_by: list[AggregateGroupBy] | None = None,
        measures: list[AggregateMeasure] | None = None,
        order_by: list[AggregateOrder] | None = None,
        first: int = domain.DEFAULT_GROUPS,
        as_of: datetime | None = None,
    ) -> AggregateResult:
        principal = principal_of(info)
        query = domain.AggregateQuery(
            object=object,
            filter=await aggregate_filter(object, filter),
            periods=[Period(p.field, p.range, p.days) for p in periods or []],
            group_by=[domain.GroupBy(g.field, g.bucket) for g in group_by or []],
            measures=[domain.Measure(m.function, m.field, m.alias) for m in measures]
            if measures
            else [domain.Measure(domain.Function.COUNT)],
            order_by=[
                domain.OrderBy(o.target, o.direction is SortDirection.DESC) for o in order_by or []
            ],
            first=first,
            as_of=as_of,
        )
        result = await domain.aggregate(query, principal=principal)
        return AggregateResult(
            rows=[row_out(r) for r in result.rows],
            totals=row_out(result.totals),
            truncated=result.truncated,
        )


ReportQueries = merge_types(
    "ReportQueries",
    (
        AggregateQueries,
        SalesReportQueries,
        ServiceReportQueries,
        MarketingReportQueries,
        CustomerReportQueries,
        SavedReportQueries,
        ReportScheduleQueries,
    ),
)

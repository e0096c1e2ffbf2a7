"""The standard sales analytics as typed queries (formulas in docs/reports.md)."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id, encode_id
from api.reports.analytics_types import (
    DurationStats,
    ForecastMonth,
    FunnelStage,
    PipelineStageLine,
    ReportWindow,
    WinRateBy,
    WinRateLine,
    durations_out,
    win_rate_out,
)
from domain.reports import sales

AUTH = AUTHENTICATED


@strawberry.type
class SalesReportQueries:
    @strawberry.field(
        **AUTH,
        description="Lead → MQL → SQL → Opportunity → Customer → Advocate: journeys that newly reached "
        "each stage in the window, and the conversion from each stage to the next",
    )
    async def lifecycle_funnel(self, info: Info, period: ReportWindow) -> list[FunnelStage]:
        stages = await sales.lifecycle_funnel(
            principal=principal_of(info), window=period.to_domain()
        )
        return [
            FunnelStage(stage=s.stage, entered=s.entered, conversion_to_next=s.conversion)
            for s in stages
        ]

    @strawberry.field(
        **AUTH,
        description="Deals per stage of a pipeline (the default one if none is named): count, amount, weighted amount",
    )
    async def pipeline_report(
        self, info: Info, pipeline_id: relay.GlobalID | None = None
    ) -> list[PipelineStageLine]:
        lines = await sales.pipeline_by_stage(
            principal=principal_of(info), pipeline_id=_pipeline(pipeline_id)
        )
        return [
            PipelineStageLine(
                stage_id=encode_id("Stage", line.stage_id),
                name=line.name,
                kind=line.kind,
                position=line.position,
                count=line.count,
                amount=line.amount,
                weighted_amount=line.weighted,
            )
            for line in lines
        ]

    @strawberry.field(
        **AUTH,
        description="Win rate, won amount and average won deal of the deals closed in the window, by owner, team or month",
    )
    async def win_rates(
        self,
        info: Info,
        period: ReportWindow,
        by: WinRateBy,
        pipeline_id: relay.GlobalID | None = None,
    ) -> list[WinRateLine]:
        rows = await sales.win_rates(
            principal=principal_of(info),
            window=period.to_domain(),
            by=by,
            pipeline_id=_pipeline(pipeline_id),
        )
        return [win_rate_out(row, by) for row in rows]

    @strawberry.field(
        **AUTH, description="Days from creation to winning, over the deals won in the window"
    )
    async def sales_cycle(
        self, info: Info, period: ReportWindow, pipeline_id: relay.GlobalID | None = None
    ) -> DurationStats:
        return durations_out(
            await sales.sales_cycle(
                principal=principal_of(info),
                window=period.to_domain(),
                pipeline_id=_pipeline(pipeline_id),
            )
        )

    @strawberry.field(
        **AUTH,
        description="Days deals stayed in each stage, over the stays that ended in the window",
    )
    async def time_in_stage(
        self, info: Info, period: ReportWindow, pipeline_id: relay.GlobalID | None = None
    ) -> list[DurationStats]:
        rows = await sales.time_in_stage(
            principal=principal_of(info),
            window=period.to_domain(),
            pipeline_id=_pipeline(pipeline_id),
        )
        return [durations_out(row) for row in rows]

    @strawberry.field(
        **AUTH,
        description="Open deals by expected close month: count, amount, weighted amount (every month, empty ones too)",
    )
    async def sales_forecast(
        self,
        info: Info,
        from_month: date,
        months: int = 6,
        pipeline_id: relay.GlobalID | None = None,
    ) -> list[ForecastMonth]:
        rows = await sales.forecast(
            principal=principal_of(info),
            first_month=from_month,
            months=months,
            pipeline_id=_pipeline(pipeline_id),
        )
        return [
            ForecastMonth(month=r.month, count=r.count, amount=r.amount, weighted_amount=r.weighted)
            for r in rows
        ]

    @strawberry.field(
        **AUTH, description="Owners ranked by won amount in the window, then by deals won"
    )
    async def sales_leaderboard(
        self,
        info: Info,
        period: ReportWindow,
        first: int = 10,
        pipeline_id: relay.GlobalID | None = None,
    ) -> list[WinRateLine]:
        rows = await sales.leaderboard(
            principal=principal_of(info),
            window=period.to_domain(),
            first=first,
            pipeline_id=_pipeline(pipeline_id),
        )
        return [win_rate_out(row, sales.WinRateBy.OWNER) for row in rows]


def _pipeline(pipeline_id: relay.GlobalID | None) -> uuid.UUID | None:
    return (
        decode_id(pipeline_id, expected="Pipeline", field="pipelineId")
        if pipeline_id is not None
        else None
    )

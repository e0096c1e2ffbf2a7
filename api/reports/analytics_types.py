"""Inputs and results of the standard analytics (sales, service, marketing)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from api.records.ids import encode_id
from api.reports.types import RelativeDateRange
from domain.reports import sales
from domain.reports.windows import Window

WinRateBy = strawberry.enum(
    sales.WinRateBy,
    name="WinRateBy",
    description="Group closed deals by owner, team or month of closing",
)


@strawberry.input(
    description="A time window: a relative range seen from asOf (default now) in the tenant's calendar, "
    "or explicit start and end; always [start, end)"
)
class ReportWindow:
    range: RelativeDateRange | None = None
    days: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None

    def to_domain(self) -> Window:
        return Window(self.range, self.days, self.start, self.end, self.as_of)


@strawberry.type(description="One lifecycle stage of the funnel")
class FunnelStage:
    stage: str
    entered: int = strawberry.field(
        description="Journeys that newly reached this stage (or a later one) in the window"
    )
    conversion_to_next: Decimal | None = strawberry.field(
        description="entered(next stage) / entered(this stage), 4 decimals"
    )


@strawberry.type(description="Open and closed deals in one pipeline stage")
class PipelineStageLine:
    stage_id: relay.GlobalID
    name: str
    kind: str
    position: int
    count: int
    amount: Decimal | None = strawberry.field(
        description="Sum of amounts (null when amounts are hidden from the caller)"
    )
    weighted_amount: Decimal | None = strawberry.field(
        description="Sum of amount × probability / 100 (the deal's probability, else its stage's)"
    )


@strawberry.type(description="Deals closed in the window for one owner, team or month")
class WinRateLine:
    owner_id: relay.GlobalID | None = None
    team_id: relay.GlobalID | None = None
    month: date | None = None
    label: str | None = None
    won: int = 0
    lost: int = 0
    win_rate: Decimal | None = strawberry.field(
        default=None, description="won / (won + lost), 4 decimals"
    )
    won_amount: Decimal | None = None
    average_deal: Decimal | None = strawberry.field(
        default=None, description="Average amount of the won deals"
    )


@strawberry.type(description="Durations in days")
class DurationStats:
    stage_id: relay.GlobalID | None = None
    name: str | None = None
    count: int = 0
    average_days: Decimal | None = None
    p50_days: Decimal | None = None
    p90_days: Decimal | None = None


@strawberry.type(description="Open deals expected to close in one month")
class ForecastMonth:
    month: date
    count: int
    amount: Decimal | None
    weighted_amount: Decimal | None


def win_rate_out(row: sales.WinRate, by: sales.WinRateBy) -> WinRateLine:
    line = WinRateLine(
        label=row.label,
        won=row.won,
        lost=row.lost,
        win_rate=row.win_rate,
        won_amount=row.won_amount,
        average_deal=row.average_deal,
    )
    if by is sales.WinRateBy.MONTH:
        line.month = row.key
    elif row.key is not None:
        key = row.key if isinstance(row.key, uuid.UUID) else uuid.UUID(str(row.key))
        if by is sales.WinRateBy.OWNER:
            line.owner_id = encode_id("User", key)
        else:
            line.team_id = encode_id("Team", key)
    return line


def durations_out(row: sales.Durations) -> DurationStats:
    return DurationStats(
        stage_id=encode_id("Stage", row.key) if row.key is not None else None,
        name=row.label,
        count=row.count,
        average_days=row.average_days,
        p50_days=row.p50_days,
        p90_days=row.p90_days,
    )

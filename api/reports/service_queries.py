"""The standard service and marketing analytics as typed queries (formulas in docs/reports.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import encode_id
from api.reports.analytics_types import ReportWindow
from api.reports.types import DateBucket
from domain.reports import marketing, service
from domain.reports.aggregate import Bucket

AUTH = AUTHENTICATED
TicketDimension = strawberry.enum(
    service.TicketDimension,
    name="TicketDimension",
    description="What to split tickets by (NONE: one line for all)",
)
CampaignDimension = strawberry.enum(marketing.CampaignDimension, name="CampaignDimension")


@strawberry.type(
    description="A split of tickets: a plain value (channel, priority...) in `key`, a team or assignee in `id`"
)
class TicketKey:
    key: str | None
    id: relay.GlobalID | None


# ticketTimes' percentile fields by the result name of domain/reports/service.py response_times.
_PERCENTILE_FIELDS = {
    "firstResponseP50Hours": "r50",
    "firstResponseP90Hours": "r90",
    "resolutionP50Hours": "s50",
    "resolutionP90Hours": "s90",
}


def _selected_names(info: Info) -> set[str]:
    """The names selected on the field's items (through fragments): the percentiles nobody asked
    for are not computed."""
    names: set[str] = set()

    def walk(selections: list[Any]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            else:  # fragment spreads and inline fragments: the same level
                walk(selection.selections)

    for field in info.selected_fields:
        walk(field.selections)
    return names


def _key(value: str | None, by: service.TicketDimension) -> TicketKey:
    id_type = service.labels_needed(by)
    if id_type is None or value is None:
        return TicketKey(key=value, id=None)
    return TicketKey(key=None, id=encode_id(id_type, uuid.UUID(value)))


@strawberry.type
class TicketVolumeLine:
    bucket: date
    split: TicketKey
    created: int


@strawberry.type
class TicketTimesLine:
    split: TicketKey
    tickets: int
    responded: int
    first_response_p50_hours: Decimal | None
    first_response_p90_hours: Decimal | None
    resolved: int
    resolution_p50_hours: Decimal | None
    resolution_p90_hours: Decimal | None


@strawberry.type
class BacklogLine:
    status: str
    age: str = strawberry.field(
        description="UNDER_1_DAY, DAYS_1_TO_3, DAYS_3_TO_7, DAYS_7_TO_30 or OVER_30_DAYS"
    )
    count: int


@strawberry.type
class SlaComplianceLine:
    split: TicketKey
    first_response_met: int
    first_response_breached: int
    first_response_rate: Decimal | None
    resolution_met: int
    resolution_breached: int
    resolution_rate: Decimal | None


@strawberry.type
class ScoreCount:
    score: int
    count: int


@strawberry.type
class SatisfactionLine:
    split: TicketKey
    rated: int
    average: Decimal | None
    distribution: list[ScoreCount]


@strawberry.type
class CampaignLine:
    campaign_id: relay.GlobalID | None
    name: str | None
    channel: str | None
    leads: int
    mql: int
    sql: int
    opportunities: int
    won: int
    won_amount: Decimal
    cost: Decimal
    cost_per_lead: Decimal | None
    roi: Decimal | None


@strawberry.type
class ServiceReportQueries:
    @strawberry.field(
        **AUTH,
        description="Tickets created in the window per bucket of creation (tenant calendar) and split",
    )
    async def ticket_volume(
        self,
        info: Info,
        period: ReportWindow,
        bucket: DateBucket = Bucket.DAY,
        by: TicketDimension = service.TicketDimension.NONE,
    ) -> list[TicketVolumeLine]:
        rows = await service.ticket_volume(
            principal=principal_of(info), window=period.to_domain(), bucket=bucket, by=by
        )
        return [
            TicketVolumeLine(bucket=r.bucket, split=_key(r.key, by), created=r.created)
            for r in rows
        ]

    @strawberry.field(
        **AUTH,
        description="Hours to first response and to resolution (P50, P90) of tickets created in the window",
    )
    async def ticket_times(
        self,
        info: Info,
        period: ReportWindow,
        by: TicketDimension = service.TicketDimension.NONE,
    ) -> list[TicketTimesLine]:
        asked = _selected_names(info)
        rows = await service.response_times(
            principal=principal_of(info),
            window=period.to_domain(),
            by=by,
            percentiles=frozenset(
                _PERCENTILE_FIELDS[name] for name in asked & set(_PERCENTILE_FIELDS)
            ),
        )
        return [
            TicketTimesLine(
                split=_key(r.key, by),
                tickets=r.tickets,
                responded=r.responded,
                first_response_p50_hours=r.first_response_p50_hours,
                first_response_p90_hours=r.first_response_p90_hours,
                resolved=r.resolved,
                resolution_p50_hours=r.resolution_p50_hours,
                resolution_p90_hours=r.resolution_p90_hours,
            )
            for r in rows
        ]

    @strawberry.field(
        **AUTH, description="Unresolved tickets per status and age (as of asOf, default now)"
    )
    async def ticket_backlog(self, info: Info, as_of: datetime | None = None) -> list[BacklogLine]:
        rows = await service.backlog(principal=principal_of(info), as_of=as_of)
        return [BacklogLine(status=r.status, age=r.age, count=r.count) for r in rows]

    @strawberry.field(
        **AUTH,
        description="First-response and resolution targets met and breached, tickets created in the window",
    )
    async def sla_compliance(
        self,
        info: Info,
        period: ReportWindow,
        by: TicketDimension = service.TicketDimension.NONE,
        as_of: datetime | None = None,
    ) -> list[SlaComplianceLine]:
        rows = await service.sla_compliance(
            principal=principal_of(info), window=period.to_domain(), by=by, as_of=as_of
        )
        return [
            SlaComplianceLine(
                split=_key(r.key, by),
                first_response_met=r.first_response_met,
                first_response_breached=r.first_response_breached,
                first_response_rate=r.first_response_rate,
                resolution_met=r.resolution_met,
                resolution_breached=r.resolution_breached,
                resolution_rate=r.resolution_rate,
            )
            for r in rows
        ]

    @strawberry.field(
        **AUTH, description="Satisfaction scores (1-5) of tickets resolved in the window"
    )
    async def ticket_satisfaction(
        self,
        info: Info,
        period: ReportWindow,
        by: TicketDimension = service.TicketDimension.NONE,
    ) -> list[SatisfactionLine]:
        rows = await service.satisfaction(
            principal=principal_of(info), window=period.to_domain(), by=by
        )
        return [
            SatisfactionLine(
                split=_key(r.key, by),
                rated=r.rated,
                average=r.average,
                distribution=[ScoreCount(score=s, count=n) for s, n in r.distribution.items()],
            )
            for r in rows
        ]

    @strawberry.field(
        **AUTH,
        description="Per campaign or channel: leads, MQL, SQL, opportunities, won deals and amount, cost, "
        "cost per lead, ROI (leads and deals created in the window, if one is given)",
    )
    async def campaign_performance(
        self,
        info: Info,
        by: CampaignDimension = marketing.CampaignDimension.CAMPAIGN,
        period: ReportWindow | None = None,
    ) -> list[CampaignLine]:
        rows = await marketing.campaign_performance(
            principal=principal_of(info), window=period.to_domain() if period else None, by=by
        )
        return [
            CampaignLine(
                campaign_id=encode_id("Campaign", r.campaign_id) if r.campaign_id else None,
                name=r.name,
                channel=r.channel,
                leads=r.leads,
                mql=r.mql,
                sql=r.sql,
                opportunities=r.opportunities,
                won=r.won,
                won_amount=r.won_amount,
                cost=r.cost,
                cost_per_lead=r.cost_per_lead,
                roi=r.roi,
            )
            for r in rows
        ]

"""Campaign touches and first-/last-touch attribution as typed queries (formulas in docs/reports.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id, encode_id
from api.reports.analytics_types import ReportWindow
from api.reports.service_queries import CampaignDimension
from domain.reports import attribution, marketing, touches

AUTH = AUTHENTICATED
TouchKind = strawberry.enum(
    touches.TouchKind,
    name="TouchKind",
    description="How a lead or contact was linked to a campaign: CREATED with it, CHANGED to it, IMPORTED, "
    "CONVERTED (the contact of a converted lead of the campaign), DEAL (primary contact of a deal of the "
    "campaign), BACKFILLED (a link found in existing data)",
)


@strawberry.type(description="A lead or contact linked to a campaign at a time")
class CampaignTouch:
    campaign_id: relay.GlobalID
    record_id: relay.GlobalID
    touched_at: datetime
    kind: TouchKind


@strawberry.type(
    description="Won revenue credited to a campaign (or channel) by the first-touch and last-touch models; "
    "the line with no campaign and no channel holds deals with no touch"
)
class AttributionLine:
    campaign_id: relay.GlobalID | None
    name: str | None
    channel: str | None
    cost: Decimal
    first_touch_deals: int
    first_touch_revenue: Decimal | None = strawberry.field(
        description="Amount of the won deals whose earliest touch was this campaign's (null when amounts are hidden)"
    )
    last_touch_deals: int
    last_touch_revenue: Decimal | None = strawberry.field(
        description="Amount of the won deals whose latest touch before winning was this campaign's"
    )
    first_touch_roi: Decimal | None = strawberry.field(
        description="(firstTouchRevenue - cost) / cost, 4 decimals; null without cost"
    )
    last_touch_roi: Decimal | None


@strawberry.type
class MarketingReportQueries:
    @strawberry.field(
        **AUTH,
        description="First-touch and last-touch attribution of the revenue of deals won in the window, "
        "per campaign or channel",
    )
    async def campaign_attribution(
        self,
        info: Info,
        period: ReportWindow,
        by: CampaignDimension = marketing.CampaignDimension.CAMPAIGN,
    ) -> list[AttributionLine]:
        lines = await attribution.attribution(
            principal=principal_of(info), window=period.to_domain(), by=by
        )
        return [
            AttributionLine(
                campaign_id=encode_id("Campaign", line.campaign_id) if line.campaign_id else None,
                name=line.name,
                channel=line.channel,
                cost=line.cost,
                first_touch_deals=line.first_touch_deals,
                first_touch_revenue=line.first_touch_revenue,
                last_touch_deals=line.last_touch_deals,
                last_touch_revenue=line.last_touch_revenue,
                first_touch_roi=line.first_touch_roi,
                last_touch_roi=line.last_touch_roi,
            )
            for line in lines
        ]

    @strawberry.field(**AUTH, description="The campaign touches of a lead or contact, oldest first")
    async def campaign_touches(self, info: Info, record_id: relay.GlobalID) -> list[CampaignTouch]:
        record = decode_id(record_id, expected=("Lead", "Contact"), field="recordId")
        found = await touches.touches_of(principal=principal_of(info), record_id=record)
        return [
            CampaignTouch(
                campaign_id=encode_id("Campaign", t.campaign_id),
                record_id=encode_id(t.record_type, t.record_id),
                touched_at=t.touched_at,
                kind=t.kind,
            )
            for t in found
        ]

"""RFM scores and segments of customers as typed queries (formulas and thresholds in docs/reports.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import encode_id
from domain.reports import rfm

AUTH = AUTHENTICATED
RfmSegment = strawberry.enum(
    rfm.Segment,
    name="RfmSegment",
    description="RFM segments, the first rule that holds in this order (docs/reports.md)",
)
_DEFAULT = rfm.Thresholds()


@strawberry.input(
    description="Bounds of the 1-5 scores (four ascending values each) and the lookback period; "
    "what is left out takes its default"
)
class RfmThresholds:
    recency_days: list[int] | None = strawberry.field(
        default=None,
        description=f"Last purchase at most [0] days ago scores 5, ... more than [3] days 1 (default {list(_DEFAULT.recency_days)})",
    )
    frequency: list[int] | None = strawberry.field(
        default=None,
        description=f"Purchases: 1, plus one per bound reached (default {list(_DEFAULT.frequency)})",
    )
    monetary: list[Decimal] | None = strawberry.field(
        default=None,
        description=f"Amount purchased: 1, plus one per bound reached (default {[str(m) for m in _DEFAULT.monetary]})",
    )
    lookback_days: int | None = strawberry.field(
        default=None,
        description=f"Purchases within this many days before asOf count (default {_DEFAULT.lookback_days})",
    )

    def to_domain(self) -> rfm.Thresholds:
        return rfm.Thresholds(
            recency_days=tuple(self.recency_days)
            if self.recency_days is not None
            else _DEFAULT.recency_days,
            frequency=tuple(self.frequency) if self.frequency is not None else _DEFAULT.frequency,
            monetary=tuple(self.monetary) if self.monetary is not None else _DEFAULT.monetary,
            lookback_days=self.lookback_days
            if self.lookback_days is not None
            else _DEFAULT.lookback_days,
        )


def thresholds_of(given: RfmThresholds | None) -> rfm.Thresholds:
    return given.to_domain() if given is not None else _DEFAULT


@strawberry.type(
    description="A customer's recency, frequency and monetary value, scores and segment"
)
class CustomerRfmLine:
    customer_id: relay.GlobalID
    name: str
    last_purchase_at: datetime
    recency_days: int
    frequency: int
    monetary: Decimal | None = strawberry.field(
        description="Amount purchased in the lookback period (null when amounts are hidden)"
    )
    recency_score: int
    frequency_score: int
    monetary_score: int | None
    segment: RfmSegment


@strawberry.type
class RfmScoreCount:
    score: str = strawberry.field(description="R, F and M scores, e.g. 545 (M is - when hidden)")
    customers: int


@strawberry.type(description="One RFM segment")
class RfmSegmentLine:
    segment: RfmSegment
    customers: int
    monetary: Decimal | None
    share: Decimal | None = strawberry.field(
        description="customers / customers scored, 4 decimals; null when none were"
    )
    scores: list[RfmScoreCount]


@strawberry.type
class CustomerReportQueries:
    @strawberry.field(
        **AUTH,
        description="Customers with purchases (won deals, ERP orders) in the lookback period: RFM values, "
        "scores and segment, by monetary value",
    )
    async def customer_rfm(
        self,
        info: Info,
        as_of: datetime | None = None,
        thresholds: RfmThresholds | None = None,
        segment: RfmSegment | None = None,
        first: int = 100,
    ) -> list[CustomerRfmLine]:
        rows = await rfm.customer_rfm(
            principal=principal_of(info),
            thresholds=thresholds_of(thresholds),
            as_of=as_of,
            segment=segment,
            first=first,
        )
        return [
            CustomerRfmLine(
                customer_id=encode_id("Customer", r.customer_id),
                name=r.name,
                last_purchase_at=r.last_purchase_at,
                recency_days=r.recency_days,
                frequency=r.frequency,
                monetary=r.monetary,
                recency_score=r.recency_score,
                frequency_score=r.frequency_score,
                monetary_score=r.monetary_score,
                segment=r.segment,
            )
            for r in rows
        ]

    @strawberry.field(
        **AUTH,
        description="Every RFM segment with its customers, their monetary value and share",
    )
    async def rfm_segments(
        self,
        info: Info,
        as_of: datetime | None = None,
        thresholds: RfmThresholds | None = None,
    ) -> list[RfmSegmentLine]:
        lines = await rfm.rfm_segments(
            principal=principal_of(info), thresholds=thresholds_of(thresholds), as_of=as_of
        )
        return [
            RfmSegmentLine(
                segment=line.segment,
                customers=line.customers,
                monetary=line.monetary,
                share=line.share,
                scores=[RfmScoreCount(score=s, customers=n) for s, n in line.scores.items()],
            )
            for line in lines
        ]

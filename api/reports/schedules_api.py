"""Scheduled delivery of saved reports by e-mail: schedules, their deliveries, and the mutations
that make and cancel them (domain/reports/delivery.py; docs/reports.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id, encode_id
from api.records.nodes import load_nodes
from api.records.pagination import page_size
from domain.reports import delivery

AUTH = AUTHENTICATED
DeliveryFrequency = strawberry.enum(
    delivery.Frequency, name="DeliveryFrequency", description="DAILY, or WEEKLY on a weekday"
)


@strawberry.type(description="One recipient's mail of one period")
class ReportDelivery:
    period: str = strawberry.field(
        description="The local date (daily) or ISO week (weekly), e.g. 2026-W49"
    )
    recipient_id: relay.GlobalID
    status: str = strawberry.field(description="SENT, FAILED or SKIPPED")
    detail: str | None
    rows: int | None
    at: datetime


@strawberry.type(description="A saved report e-mailed to members with its CSV, daily or weekly")
class ReportSchedule(relay.Node):
    node_id: relay.NodeID[str]
    report_id: relay.GlobalID
    owner_id: relay.GlobalID
    frequency: DeliveryFrequency
    weekday: int | None = strawberry.field(
        description="0 = Monday ... 6 = Sunday (weekly schedules)"
    )
    hour: int = strawberry.field(description="Hour of the day in the tenant's time zone")
    recipient_ids: list[relay.GlobalID]
    next_run_at: datetime
    last_run_at: datetime | None
    last_error: str | None
    raw_id: strawberry.Private[Any]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, delivery.schedules_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportSchedule:
        return cls(
            node_id=str(row["id"]),
            report_id=encode_id("SavedReport", row["report_id"]),
            owner_id=encode_id("User", row["owner_id"]),
            frequency=delivery.Frequency(row["frequency"]),
            weekday=row["weekday"],
            hour=row["hour"],
            recipient_ids=[encode_id("User", r) for r in row["recipient_ids"]],
            next_run_at=row["next_run_at"],
            last_run_at=row["last_run_at"],
            last_error=row["last_error"],
            raw_id=row["id"],
        )

    @strawberry.field(description="The latest deliveries, newest first")
    async def deliveries(self, first: int = 20) -> list[ReportDelivery]:
        found = await delivery.deliveries_of([self.raw_id], page_size(first))
        return [
            ReportDelivery(
                period=d["period"],
                recipient_id=encode_id("User", d["recipient_id"]),
                status=d["status"],
                detail=d["detail"],
                rows=d["rows"],
                at=d["at"],
            )
            for d in found[self.raw_id]
        ]


@strawberry.input
class ScheduleReportInput:
    report_id: relay.GlobalID
    frequency: DeliveryFrequency
    weekday: int | None = strawberry.field(
        default=None, description="0 = Monday ... 6 = Sunday; weekly only"
    )
    hour: int = strawberry.field(default=8, description="0-23, in the tenant's time zone")
    recipient_ids: list[relay.GlobalID] = strawberry.field(
        description="Members of the tenant who may read the report (each receives it as they may see it)"
    )


@strawberry.input
class CancelReportScheduleInput:
    id: relay.GlobalID


@strawberry.type
class ReportScheduleQueries:
    @strawberry.field(
        **AUTH,
        description="The caller's report schedules (every one for admins), of one report when named",
    )
    async def report_schedules(
        self, info: Info, report_id: relay.GlobalID | None = None
    ) -> list[ReportSchedule]:
        rows = await delivery.list_schedules(
            principal=principal_of(info),
            report_id=decode_id(report_id, expected="SavedReport", field="reportId")
            if report_id is not None
            else None,
        )
        return [ReportSchedule.from_row(row) for row in rows]


@strawberry.type
class ReportScheduleMutations:
    @strawberry.mutation(
        description="E-mail a saved report the caller may read, daily or weekly, to members who may read it"
    )
    async def schedule_report(self, info: Info, input: ScheduleReportInput) -> ReportSchedule:
        row = await delivery.create_schedule(
            principal=principal_of(info),
            report_id=decode_id(input.report_id, expected="SavedReport", field="reportId"),
            frequency=input.frequency,
            weekday=input.weekday,
            hour=input.hour,
            recipient_ids=[
                decode_id(r, expected="User", field=f"recipientIds.{i}")
                for i, r in enumerate(input.recipient_ids)
            ],
        )
        return ReportSchedule.from_row(row)

    @strawberry.mutation(description="Stop a report schedule (its creator or an admin)")
    async def cancel_report_schedule(
        self, info: Info, input: CancelReportScheduleInput
    ) -> ReportSchedule:
        row = await delivery.cancel_schedule(
            principal=principal_of(info),
            schedule_id=decode_id(input.id, expected="ReportSchedule", field="id"),
        )
        return ReportSchedule.from_row(row)

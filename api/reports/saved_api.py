"""Saved reports and dashboards: types, queries and mutations. A saved report is run for whoever
reads it (their visibility, their field rights), shown as a table or exported as CSV."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id, encode_id
from api.records.record import nodes_in_order
from api.records.users import Role
from api.reports import running
from domain.errors import FieldError, InvalidInput
from domain.identity.roles import Role as DomainRole
from domain.reports import saved
from domain.reports.tables import Table, csv_text

AUTH = AUTHENTICATED
ReportKind = strawberry.enum(
    running.ReportKind,
    name="ReportKind",
    description=(
        "AGGREGATE (params: the aggregate query's arguments, filter as RecordFilter JSON) or a standard analytic "
        "(params: its arguments: period {range, days, start, end, asOf}, by, pipelineId, fromMonth, months, bucket, first)"
    ),
)
ReportVisibility = strawberry.enum(saved.Visibility, name="ReportVisibility")
ChartType = strawberry.enum(
    saved.Chart, name="ChartType", description="A hint for frontends: how to draw a widget"
)


@strawberry.type(
    description="A report's answer: named columns, rows of values (the totals row last for aggregates)"
)
class ReportTable:
    columns: list[str]
    rows: list[list[JSON | None]]


def table_out(table: Table) -> ReportTable:
    return ReportTable(columns=table.columns, rows=[[_json(v) for v in row] for row in table.rows])


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "value") and not isinstance(value, (datetime,)):
        value = value.value
    if isinstance(value, (bool, int, str)):
        return value
    return (
        value.isoformat()
        if isinstance(value, datetime) or hasattr(value, "isoformat")
        else str(value)
    )


def _sharing_out(row: dict[str, Any]) -> dict[str, Any]:
    return dict(
        visibility=saved.Visibility(row["visibility"]),
        shared_roles=[DomainRole(r) for r in row["shared_roles"]],
        shared_team_ids=[encode_id("Team", t) for t in row["shared_team_ids"]],
        owner_id=encode_id("User", row["owner_id"]),
    )


@strawberry.type(
    name="SavedReport", description="A saved aggregate or analytic, run for whoever reads it"
)
class SavedReportType(relay.Node):
    report_id: relay.NodeID[str]
    name: str
    description: str | None
    kind: ReportKind
    params: JSON
    visibility: ReportVisibility
    shared_roles: list[Role]
    shared_team_ids: list[relay.GlobalID]
    owner_id: relay.GlobalID
    version: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedReportType:
        return cls(
            report_id=str(row["id"]),
            name=row["name"],
            description=row["description"],
            kind=running.ReportKind(row["kind"]),
            params=row["params"],
            version=row["version"],
            updated_at=row["updated_at"],
            **_sharing_out(row),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # relay.Node's overloads, answered by one signature
        cls,
        *,
        info: Info,
        node_ids: list[str],
        required: bool = False,
    ) -> list[SavedReportType | None]:
        principal = principal_of(info)
        return await nodes_in_order(
            node_ids,
            lambda ids: saved.get_many("report", principal=principal, ids=ids),
            cls.from_row,
        )

    @strawberry.field(description="The report run now for the caller")
    async def table(self, info: Info) -> ReportTable:
        return table_out(await running.run(self.kind, self.params, principal_of(info)))

    @strawberry.field(
        description="The report run now for the caller, as CSV (RFC 4180, header line, at most 10,000 rows)"
    )
    async def csv(self, info: Info) -> str:
        return csv_text(await running.run(self.kind, self.params, principal_of(info)))


@strawberry.type
class DashboardWidget:
    title: str | None
    chart: ChartType
    report: SavedReportType = strawberry.field(
        description="The widget's report (widgets of reports the caller may not read are left out)"
    )


@strawberry.type(name="Dashboard")
class DashboardType(relay.Node):
    dashboard_id: relay.NodeID[str]
    name: str
    description: str | None
    visibility: ReportVisibility
    shared_roles: list[Role]
    shared_team_ids: list[relay.GlobalID]
    owner_id: relay.GlobalID
    version: int
    updated_at: datetime
    widget_specs: strawberry.Private[list[dict[str, Any]]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DashboardType:
        return cls(
            dashboard_id=str(row["id"]),
            name=row["name"],
            description=row["description"],
            version=row["version"],
            updated_at=row["updated_at"],
            widget_specs=row["widgets"],
            **_sharing_out(row),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # relay.Node's overloads, answered by one signature
        cls,
        *,
        info: Info,
        node_ids: list[str],
        required: bool = False,
    ) -> list[DashboardType | None]:
        principal = principal_of(info)
        return await nodes_in_order(
            node_ids,
            lambda ids: saved.get_many("dashboard", principal=principal, ids=ids),
            cls.from_row,
        )

    @strawberry.field(description="The widgets in order")
    async def widgets(self, info: Info) -> list[DashboardWidget]:
        ids = [uuid.UUID(w["reportId"]) for w in self.widget_specs]
        reports = await saved.get_many("report", principal=principal_of(info), ids=ids)
        return [
            DashboardWidget(
                title=w.get("title"),
                chart=saved.Chart(w["chart"]),
                report=SavedReportType.from_row(reports[i]),
            )
            for w, i in zip(self.widget_specs, ids, strict=True)
            if i in reports
        ]


@strawberry.input
class SharingInput:
    visibility: ReportVisibility = saved.Visibility.PRIVATE
    shared_roles: list[Role] = strawberry.field(default_factory=list)
    shared_team_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)


@strawberry.input
class SaveReportInput:
    id: relay.GlobalID | None = strawberry.field(
        default=None, description="The report to change; none: a new report"
    )
    version: int | None = None
    name: str | None = UNSET
    description: str | None = UNSET
    kind: ReportKind | None = UNSET
    params: JSON | None = UNSET
    sharing: SharingInput | None = UNSET


@strawberry.input
class WidgetInput:
    report_id: relay.GlobalID
    chart: ChartType = saved.Chart.TABLE
    title: str | None = None


@strawberry.input
class SaveDashboardInput:
    id: relay.GlobalID | None = None
    version: int | None = None
    name: str | None = UNSET
    description: str | None = UNSET
    widgets: list[WidgetInput] | None = UNSET
    sharing: SharingInput | None = UNSET


@strawberry.input
class DeleteSavedInput:
    id: relay.GlobalID


def _sharing_in(given: SharingInput | None, errors: list[FieldError]) -> saved.Sharing | None:
    if given is None or given is UNSET:
        return None
    teams = []
    for index, team in enumerate(given.shared_team_ids):
        try:
            teams.append(decode_id(team, expected="Team", field=f"sharing.sharedTeamIds.{index}"))
        except InvalidInput as exc:
            errors += exc.field_errors
    return saved.Sharing(
        saved.Visibility(given.visibility),
        tuple(DomainRole(r) for r in given.shared_roles),
        tuple(teams),
    )


def _given(value: Any) -> bool:
    return value is not UNSET


@strawberry.type
class SavedReportQueries:
    @strawberry.field(
        **AUTH,
        description="Saved reports the caller may read (its own, and those shared with its role or teams)",
    )
    async def saved_reports(self, info: Info) -> list[SavedReportType]:
        return [
            SavedReportType.from_row(row)
            for row in await saved.list_saved("report", principal=principal_of(info))
        ]

    @strawberry.field(**AUTH, description="Dashboards the caller may read")
    async def dashboards(self, info: Info) -> list[DashboardType]:
        return [
            DashboardType.from_row(row)
            for row in await saved.list_saved("dashboard", principal=principal_of(info))
        ]


@strawberry.type
class SavedReportMutations:
    @strawberry.mutation(
        description="Create or change a saved report (the owner or an admin); its parameters are checked by running it"
    )
    async def save_report(self, info: Info, input: SaveReportInput) -> SavedReportType:
        principal = principal_of(info)
        errors: list[FieldError] = []
        record_id = decode_id(input.id, expected="SavedReport", field="id") if input.id else None
        values: dict[str, Any] = {
            k: getattr(input, k) for k in ("name", "description") if _given(getattr(input, k))
        }
        if record_id is None and (not _given(input.kind) or input.kind is None):
            errors.append(FieldError("kind", "REQUIRED", "kind is required"))
        if (_given(input.kind) and input.kind is not None) or _given(input.params):
            current = (
                await saved.get("report", principal=principal, record_id=record_id)
                if record_id
                else None
            )
            kind = (
                running.ReportKind(input.kind)
                if _given(input.kind) and input.kind
                else running.ReportKind(current["kind"])
                if current
                else None
            )
            params = (
                input.params if _given(input.params) else current["params"] if current else None
            ) or {}
            if kind is not None:
                try:
                    await running.run(
                        kind, params, principal
                    )  # the same checks as the query itself
                except InvalidInput as exc:
                    errors += exc.field_errors
                values.update(kind=kind.value, params=params)
        sharing = _sharing_in(input.sharing, errors)
        row = await saved.save(
            "report",
            principal=principal,
            record_id=record_id,
            version=input.version,
            values=values,
            sharing=sharing,
            errors=errors,
        )
        return SavedReportType.from_row(row)

    @strawberry.mutation(description="Delete a saved report (the owner or an admin)")
    async def delete_report(self, info: Info, input: DeleteSavedInput) -> SavedReportType:
        row = await saved.delete(
            "report",
            principal=principal_of(info),
            record_id=decode_id(input.id, expected="SavedReport", field="id"),
        )
        return SavedReportType.from_row(row)

    @strawberry.mutation(
        description="Create or change a dashboard: ordered widgets of saved reports the owner may read"
    )
    async def save_dashboard(self, info: Info, input: SaveDashboardInput) -> DashboardType:
        principal = principal_of(info)
        errors: list[FieldError] = []
        record_id = decode_id(input.id, expected="Dashboard", field="id") if input.id else None
        values: dict[str, Any] = {
            k: getattr(input, k) for k in ("name", "description") if _given(getattr(input, k))
        }
        if _given(input.widgets):
            widgets = input.widgets or []
            if len(widgets) > saved.MAX_WIDGETS:
                errors.append(
                    FieldError("widgets", "TOO_MANY", f"at most {saved.MAX_WIDGETS} widgets")
                )
            ids: list[uuid.UUID | None] = []
            for index, widget in enumerate(widgets):
                try:
                    ids.append(
                        decode_id(
                            widget.report_id,
                            expected="SavedReport",
                            field=f"widgets.{index}.reportId",
                        )
                    )
                except InvalidInput as exc:
                    errors += exc.field_errors
                    ids.append(None)
            readable = await saved.get_many(
                "report", principal=principal, ids=[i for i in ids if i]
            )
            for index, report_id in enumerate(ids):
                if report_id is not None and report_id not in readable:
                    errors.append(
                        FieldError(
                            f"widgets.{index}.reportId",
                            "NOT_FOUND",
                            "no saved report you may read has this id",
                        )
                    )
            values["widgets"] = [
                {"reportId": str(i), "chart": saved.Chart(w.chart).value, "title": w.title}
                for w, i in zip(widgets, ids, strict=True)
            ]
        sharing = _sharing_in(input.sharing, errors)
        row = await saved.save(
            "dashboard",
            principal=principal,
            record_id=record_id,
            version=input.version,
            values=values,
            sharing=sharing,
            errors=errors,
        )
        return DashboardType.from_row(row)

    @strawberry.mutation(description="Delete a dashboard (the owner or an admin)")
    async def delete_dashboard(self, info: Info, input: DeleteSavedInput) -> DashboardType:
        row = await saved.delete(
            "dashboard",
            principal=principal_of(info),
            record_id=decode_id(input.id, expected="Dashboard", field="id"),
        )
        return DashboardType.from_row(row)

"""The standard service analytics: ticket volume, first-response and resolution times, backlog
by status and age, SLA compliance and satisfaction, each one statement over the tickets the caller
may see (TICKET_SPEC's visibility). Formulas: docs/reports.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

from domain.crm.tickets import TICKET_SPEC
from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from domain.reports.aggregate import Bucket
from domain.reports.periods import tenant_calendar
from domain.reports.windows import Window, bounds
from tenants.context import tenant_connection

DONE_STATUSES = ("RESOLVED", "FOLLOWED_UP", "CLOSED")
# Written out (constants), not bound, so that PostgreSQL matches the backlog's partial index
# (migration 0036) in every plan, generic ones included.
_DONE_LIST = ", ".join(f"'{status}'" for status in DONE_STATUSES)
# Backlog ages: [lower, upper) in days, by name.
AGES = (
    ("UNDER_1_DAY", 0, 1),
    ("DAYS_1_TO_3", 1, 3),
    ("DAYS_3_TO_7", 3, 7),
    ("DAYS_7_TO_30", 7, 30),
    ("OVER_30_DAYS", 30, None),
)


class TicketDimension(str, Enum):
    NONE = "NONE"
    CHANNEL = "CHANNEL"
    PRIORITY = "PRIORITY"
    CATEGORY = "CATEGORY"
    STATUS = "STATUS"
    TEAM = "TEAM"
    ASSIGNEE = "ASSIGNEE"


_DIMENSION_SQL = {
    TicketDimension.NONE: "NULL::text",
    TicketDimension.CHANNEL: "t.channel",
    TicketDimension.PRIORITY: "t.priority",
    TicketDimension.CATEGORY: "t.category",
    TicketDimension.STATUS: "t.status",
    TicketDimension.TEAM: "t.team_id::text",
    TicketDimension.ASSIGNEE: "t.owner_id::text",
}


@dataclass
class VolumeLine:
    bucket: date
    key: str | None
    created: int


@dataclass
class TimeLine:
    key: str | None
    tickets: int
    responded: int
    first_response_p50_hours: Decimal | None
    first_response_p90_hours: Decimal | None
    resolved: int
    resolution_p50_hours: Decimal | None
    resolution_p90_hours: Decimal | None


@dataclass
class BacklogLine:
    status: str
    age: str
    count: int


@dataclass
class Compliance:
    key: str | None
    first_response_met: int
    first_response_breached: int
    first_response_rate: Decimal | None
    resolution_met: int
    resolution_breached: int
    resolution_rate: Decimal | None


@dataclass
class Satisfaction:
    key: str | None
    rated: int
    average: Decimal | None
    distribution: dict[int, int]  # score (1-5) -> tickets


def _visible(principal: Principal, params: Params) -> str:
    TICKET_SPEC.require(principal, Action.READ)
    return " AND ".join(readable_sql(principal, TICKET_SPEC, params, "t"))


def _rate(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


async def ticket_volume(
    *, principal: Principal, window: Window, bucket: Bucket, by: TicketDimension
) -> list[VolumeLine]:
    """Tickets created in the window, per bucket of their creation (tenant calendar) and dimension."""
    start, end = await bounds(window)
    calendar = await tenant_calendar()
    params = Params()
    visible = _visible(principal, params)
    day = f"(t.created_at AT TIME ZONE {params.add(calendar.zone.key)})::date"
    if bucket is Bucket.DAY:
        bucket_sql = day
    elif bucket is Bucket.WEEK:
        bucket_sql = f"({day} - ((extract(isodow FROM {day})::int - 1 - {int(calendar.week_start)} + 7) % 7))"
    else:
        bucket_sql = f"date_trunc('{bucket.value.lower()}', {day}::timestamp)::date"
    sql = (
        f"SELECT {bucket_sql} AS bucket, {_DIMENSION_SQL[by]} AS key, count(*) AS n FROM ticket t "
        f"WHERE {visible} AND t.created_at >= {params.add(start)} AND t.created_at < {params.add(end)} "
        f"GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST"
    )
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [VolumeLine(r["bucket"], r["key"], r["n"]) for r in rows]


# Seconds as float8 (what percentile_cont sorts), hours only for the result: dividing every row's
# numeric epoch by 3600 cost more than the sort itself.
_SECONDS = "extract(epoch FROM ({end} - t.created_at))::float8"


def _percentile(fraction: str, value: str, condition: str) -> str:
    return (
        f"round((percentile_cont({fraction}) WITHIN GROUP (ORDER BY {value}) FILTER (WHERE {condition}) "
        f"/ 3600.0)::numeric, 4)"
    )


# The percentiles of response_times by result name.
TIME_PERCENTILES = ("r50", "r90", "s50", "s90")


async def response_times(
    *,
    principal: Principal,
    window: Window,
    by: TicketDimension,
    percentiles: frozenset[str] = frozenset(TIME_PERCENTILES),
) -> list[TimeLine]:
    """Over tickets created in the window: hours to the first response (of those answered) and to
    resolution (of those resolved), P50 (r50, s50) and P90 (r90, s90). Only the `percentiles`
    named are computed, the others are null (each costs a sort of the window's tickets per group)."""
    start, end = await bounds(window)
    params = Params()
    visible = _visible(principal, params)
    response, resolved = (
        _SECONDS.format(end="t.first_response_at"),
        _SECONDS.format(end="t.resolved_at"),
    )

    def percentile(name: str, fraction: str, value: str, condition: str) -> str:
        return _percentile(fraction, value, condition) if name in percentiles else "NULL::numeric"

    sql = f"""
    SELECT {_DIMENSION_SQL[by]} AS key, count(*) AS n,
           count(t.first_response_at) AS responded,
           {percentile("r50", "0.5", response, "t.first_response_at IS NOT NULL")} AS r50,
           {percentile("r90", "0.9", response, "t.first_response_at IS NOT NULL")} AS r90,
           count(t.resolved_at) AS resolved,
           {percentile("s50", "0.5", resolved, "t.resolved_at IS NOT NULL")} AS s50,
           {percentile("s90", "0.9", resolved, "t.resolved_at IS NOT NULL")} AS s90
    FROM ticket t WHERE {visible} AND t.created_at >= {params.add(start)} AND t.created_at < {params.add(end)}
    GROUP BY 1 ORDER BY 1 NULLS LAST"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        TimeLine(
            r["key"], r["n"], r["responded"], r["r50"], r["r90"], r["resolved"], r["s50"], r["s90"]
        )
        for r in rows
    ]


async def backlog(*, principal: Principal, as_of: datetime | None = None) -> list[BacklogLine]:
    """Tickets not yet resolved, per status and age (time since creation, as of `as_of`)."""
    now = as_of or datetime.now(timezone.utc)
    params = Params()
    visible = _visible(principal, params)
    at = params.add(now)
    # age < n days  <=>  created after `now` - n days: each row compares instants, no arithmetic
    # (in UTC, so that n days are n * 24 hours whatever zone `as_of` was given in).
    utc = now.astimezone(timezone.utc)
    cases = " ".join(
        f"WHEN t.created_at > {params.add(utc - timedelta(days=upper))} THEN '{name}'"
        for name, _, upper in AGES
        if upper is not None
    )
    sql = (
        f"SELECT t.status, CASE {cases} ELSE '{AGES[-1][0]}' END AS age, count(*) AS n FROM ticket t "
        f"WHERE {visible} AND t.status NOT IN ({_DONE_LIST}) AND t.created_at <= {at} "
        f"GROUP BY 1, 2"
    )
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    order = {name: index for index, (name, _, _) in enumerate(AGES)}
    return sorted(
        (BacklogLine(r["status"], r["age"], r["n"]) for r in rows),
        key=lambda b: (b.status, order[b.age]),
    )


async def sla_compliance(
    *, principal: Principal, window: Window, by: TicketDimension, as_of: datetime | None = None
) -> list[Compliance]:
    """Over tickets created in the window that had a due time: met = done by the due time;
    breached = done after it, or not done and the due time passed (as of `as_of`); still running
    ones are neither. Rate = met / (met + breached)."""
    start, end = await bounds(window)
    params = Params()
    visible = _visible(principal, params)
    now = params.add(as_of or datetime.now(timezone.utc))

    def judged(done: str, due: str) -> str:
        return (
            f"count(*) FILTER (WHERE {due} IS NOT NULL AND {done} IS NOT NULL AND {done} <= {due}) AS {done.split('.')[1]}_met, "
            f"count(*) FILTER (WHERE {due} IS NOT NULL AND (({done} IS NOT NULL AND {done} > {due}) "
            f"OR ({done} IS NULL AND {due} < {now}))) AS {done.split('.')[1]}_breached"
        )

    sql = (
        f"SELECT {_DIMENSION_SQL[by]} AS key, {judged('t.first_response_at', 't.first_response_due_at')}, "
        f"{judged('t.resolved_at', 't.resolution_due_at')} FROM ticket t "
        f"WHERE {visible} AND t.created_at >= {params.add(start)} AND t.created_at < {params.add(end)} GROUP BY 1 ORDER BY 1 NULLS LAST"
    )
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        Compliance(
            r["key"],
            r["first_response_at_met"],
            r["first_response_at_breached"],
            _rate(
                r["first_response_at_met"],
                r["first_response_at_met"] + r["first_response_at_breached"],
            ),
            r["resolved_at_met"],
            r["resolved_at_breached"],
            _rate(r["resolved_at_met"], r["resolved_at_met"] + r["resolved_at_breached"]),
        )
        for r in rows
    ]


async def satisfaction(
    *, principal: Principal, window: Window, by: TicketDimension
) -> list[Satisfaction]:
    """Satisfaction scores (1-5) of tickets resolved in the window: how many were rated, the
    average, and how many gave each score."""
    start, end = await bounds(window)
    params = Params()
    visible = _visible(principal, params)
    sql = (
        f"SELECT {_DIMENSION_SQL[by]} AS key, count(t.satisfaction_score) AS rated, "
        f"round(avg(t.satisfaction_score), 4) AS average, "
        + ", ".join(
            f"count(*) FILTER (WHERE t.satisfaction_score = {score}) AS s{score}"
            for score in range(1, 6)
        )
        + f" FROM ticket t WHERE {visible} AND t.resolved_at >= {params.add(start)} AND t.resolved_at < {params.add(end)} "
        f"AND t.satisfaction_score IS NOT NULL GROUP BY 1 ORDER BY 1 NULLS LAST"
    )
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        Satisfaction(r["key"], r["rated"], r["average"], {s: r[f"s{s}"] for s in range(1, 6)})
        for r in rows
    ]


def labels_needed(by: TicketDimension) -> str | None:
    """The global id type of a dimension's keys (teams and assignees), None for plain values."""
    return {TicketDimension.TEAM: "Team", TicketDimension.ASSIGNEE: "User"}.get(by)

"""The standard sales analytics, each one SQL statement over the opportunities (and lifecycle
transitions) the caller may see. Amounts are null for roles the opportunity amount is hidden
from, weighted amounts also when the probability is hidden. Formulas: docs/reports.md."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.lifecycle import LIFECYCLE_STAGES
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.errors import Forbidden, InvalidInput
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden
from domain.records.rights import Action
from domain.records.sql import Params
from domain.records.visibility import readable_sql, visibility_sql
from domain.reports.periods import tenant_calendar
from domain.reports.windows import Window, bounds
from tenants.context import current_tenant_id, tenant_connection

MAX_FORECAST_MONTHS = 24
MAX_LEADERS = 100


class WinRateBy(str, Enum):
    OWNER = "OWNER"
    TEAM = "TEAM"
    MONTH = "MONTH"


@dataclass
class FunnelStage:
    stage: str
    entered: int  # journeys that newly reached this stage (or a later one) in the window
    conversion: Decimal | None  # entered(next stage) / entered(this stage)


@dataclass
class StageLine:
    stage_id: uuid.UUID
    name: str
    kind: str
    position: int
    count: int
    amount: Decimal | None
    weighted: Decimal | None


@dataclass
class WinRate:
    key: Any  # an owner's or team's id, or a month's first day
    label: str | None
    won: int
    lost: int
    win_rate: Decimal | None
    won_amount: Decimal | None
    average_deal: Decimal | None


@dataclass
class Durations:
    key: Any
    label: str | None
    count: int
    average_days: Decimal | None
    p50_days: Decimal | None
    p90_days: Decimal | None


@dataclass
class ForecastMonth:
    month: date
    count: int
    amount: Decimal | None
    weighted: Decimal | None


async def _opportunity_access(principal: Principal) -> tuple[bool, bool]:
    """(amount visible, weighted amount visible) for the caller."""
    OPPORTUNITY_SPEC.require(principal, Action.READ)
    gone = hidden(await field_rules(principal, "Opportunity"))
    return "amount" not in gone, "amount" not in gone and "probability" not in gone


def _visible_deals(
    principal: Principal, params: Params, pipeline_id: uuid.UUID | None = None
) -> str:
    """The deals the caller may see (of one pipeline when named), as alias `o`."""
    clauses = readable_sql(principal, OPPORTUNITY_SPEC, params, "o")
    if pipeline_id is not None:
        clauses.append(f"o.pipeline_id = {params.add(pipeline_id)}")
    return " AND ".join(clauses)


_USER_LABEL = (
    "(SELECT coalesce(nullif(u.name, ''), u.email) FROM membership m JOIN app_user u ON u.id = m.user_id "
    "WHERE m.tenant_id = {t} AND m.user_id = {k})"
)
_TEAM_LABEL = "(SELECT name FROM team WHERE tenant_id = {t} AND id = {k} AND deleted_at IS NULL)"


async def lifecycle_funnel(*, principal: Principal, window: Window) -> list[FunnelStage]:
    """How many journeys newly reached each lifecycle stage in the window, and the conversion
    from each stage to the next. A journey is a customer with the leads converted into it, or a
    lead not converted; reaching a later stage counts for the stages skipped on the way."""
    start, end = await bounds(window)
    LEAD_SPEC.require(principal, Action.READ)
    params = Params()
    if _sees_every_journey(principal):
        sql = _funnel_from_reach(params, start, end)
    else:
        sql = _funnel_from_transitions(principal, params, start, end)
    row = (await tenant_connection().execute_query_dict(sql, params.values))[0]
    entered = [row[f"r{rank}"] for rank in range(1, len(LIFECYCLE_STAGES) + 1)]
    return [
        FunnelStage(
            stage, entered[i], _ratio(entered[i + 1], entered[i]) if i + 1 < len(entered) else None
        )
        for i, stage in enumerate(LIFECYCLE_STAGES)
    ]


def _sees_every_journey(principal: Principal) -> bool:
    """Whether the caller reads every lead and customer (then the pre-aggregate is its answer)."""
    try:
        CUSTOMER_SPEC.require(principal, Action.READ)
    except Forbidden:
        return False
    return all(
        visibility_sql(principal, spec, Params()) is None for spec in (LEAD_SPEC, CUSTOMER_SPEC)
    )


def _funnel_from_reach(params: Params, start: datetime, end: datetime) -> str:
    """From `lifecycle_reach` (migration 0033: per journey and rank, the first instant the journey
    reached that stage or a later one, kept by triggers): a journey newly reached rank r in the
    window exactly when that instant is in it."""
    tenant = params.add(current_tenant_id())
    start_p, end_p = params.add(start), params.add(end)
    counts = ", ".join(
        f"count(*) FILTER (WHERE rank = {rank}) AS r{rank}"
        for rank in range(1, len(LIFECYCLE_STAGES) + 1)
    )
    return (
        f"SELECT {counts} FROM lifecycle_reach "
        f"WHERE tenant_id = {tenant} AND reached_at >= {start_p} AND reached_at < {end_p}"
    )


def _funnel_from_transitions(
    principal: Principal, params: Params, start: datetime, end: datetime
) -> str:
    """From the transitions of the leads and customers the caller may see: per journey, the
    furthest stage reached before the window and the furthest reached in it; the journey entered
    every rank between the two."""
    tenant = params.add(current_tenant_id())
    stages = params.add(list(LIFECYCLE_STAGES))
    leads = " AND ".join(readable_sql(principal, LEAD_SPEC, params, "l"))
    try:
        CUSTOMER_SPEC.require(principal, Action.READ)
        customers = " AND ".join(readable_sql(principal, CUSTOMER_SPEC, params, "c"))
    except Forbidden:  # a role that may not read customers counts leads only
        customers = "FALSE"
    start_p, end_p = params.add(start), params.add(end)
    counts = ", ".join(
        f"count(*) FILTER (WHERE before < {rank} AND reached >= {rank}) AS r{rank}"
        for rank in range(1, len(LIFECYCLE_STAGES) + 1)
    )
    return f"""
    WITH moves AS (
        SELECT coalesce(l.converted_customer_id, l.id) AS journey, lt.changed_at, array_position({stages}::text[], lt.to_stage) AS rank
        FROM lifecycle_transition lt JOIN lead l ON l.tenant_id = lt.tenant_id AND l.id = lt.record_id AND {leads}
        WHERE lt.tenant_id = {tenant} AND lt.record_type = 'Lead' AND lt.changed_at < {end_p}
        UNION ALL
        SELECT c.id, lt.changed_at, array_position({stages}::text[], lt.to_stage)
        FROM lifecycle_transition lt JOIN customer c ON c.tenant_id = lt.tenant_id AND c.id = lt.record_id AND {customers}
        WHERE lt.tenant_id = {tenant} AND lt.record_type = 'Customer' AND lt.changed_at < {end_p}
    ), journeys AS (
        SELECT coalesce(max(rank) FILTER (WHERE changed_at < {start_p}), 0) AS before,
               max(rank) FILTER (WHERE changed_at >= {start_p}) AS reached
        FROM moves GROUP BY journey
    )
    SELECT {counts} FROM journeys"""


def _ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


async def pipeline_by_stage(
    *, principal: Principal, pipeline_id: uuid.UUID | None = None
) -> list[StageLine]:
    """Every stage of the pipeline (the default one when none is named) with the number of deals
    in it, their amount, and their amount weighted by each deal's probability (its own, else its
    stage's)."""
    amounts, weighted = await _opportunity_access(principal)
    params = Params()
    tenant = params.add(current_tenant_id())
    pipeline = (
        params.add(pipeline_id)
        if pipeline_id is not None
        else f"(SELECT id FROM pipeline WHERE tenant_id = {tenant} AND is_default AND deleted_at IS NULL)"
    )
    visible = _visible_deals(principal, params)
    sql = f"""
    SELECT s.id, s.name, s.kind, s.position, count(o.id) AS n,
           {"sum(o.amount)" if amounts else "NULL::numeric"} AS amount,
           {"round(sum(o.amount * coalesce(o.probability, s.probability) / 100.0), 2)" if weighted else "NULL::numeric"} AS weighted
    FROM stage s LEFT JOIN opportunity o ON o.tenant_id = s.tenant_id AND o.stage_id = s.id AND {visible}
    WHERE s.tenant_id = {tenant} AND s.pipeline_id = {pipeline} AND s.deleted_at IS NULL
    GROUP BY s.id, s.name, s.kind, s.position ORDER BY s.position, s.id"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        StageLine(r["id"], r["name"], r["kind"], r["position"], r["n"], r["amount"], r["weighted"])
        for r in rows
    ]


async def win_rates(
    *,
    principal: Principal,
    window: Window,
    by: WinRateBy,
    pipeline_id: uuid.UUID | None = None,
) -> list[WinRate]:
    """Deals closed in the window, per owner, team or month of closing: won, lost, win rate
    won / (won + lost), won amount and average won deal."""
    start, end = await bounds(window)
    amounts, _ = await _opportunity_access(principal)
    params = Params()
    visible = _visible_deals(principal, params, pipeline_id)
    if by is WinRateBy.MONTH:
        calendar = await tenant_calendar()
        key = f"date_trunc('month', o.closed_at AT TIME ZONE {params.add(calendar.zone.key)})::date"
        label = "NULL::text"
    else:
        key = "o.owner_id" if by is WinRateBy.OWNER else "o.team_id"
        label = (_USER_LABEL if by is WinRateBy.OWNER else _TEAM_LABEL).format(
            t=params.add(current_tenant_id()), k="g.key"
        )
    sql = f"""
    WITH closed AS (
        SELECT {key} AS key, s.kind, o.amount FROM opportunity o
        JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
        WHERE {visible} AND s.kind IN ('WON', 'LOST') AND o.closed_at >= {params.add(start)} AND o.closed_at < {params.add(end)}
    ), g AS (
        SELECT key, count(*) FILTER (WHERE kind = 'WON') AS won, count(*) FILTER (WHERE kind = 'LOST') AS lost,
               sum(amount) FILTER (WHERE kind = 'WON') AS won_amount, avg(amount) FILTER (WHERE kind = 'WON') AS average_deal
        FROM closed GROUP BY key
    )
    SELECT g.*, {label} AS label FROM g ORDER BY g.key NULLS LAST"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        WinRate(
            r["key"],
            r["label"],
            r["won"],
            r["lost"],
            _ratio(r["won"], r["won"] + r["lost"]),
            r["won_amount"] if amounts else None,
            _round(r["average_deal"]) if amounts else None,
        )
        for r in rows
    ]


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


_DAYS = "extract(epoch FROM ({end} - {start})) / 86400.0"


def _duration_measures(days: str) -> str:
    return (
        f"count(*) AS n, round(avg({days})::numeric, 4) AS average, "
        f"round((percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}))::numeric, 4) AS p50, "
        f"round((percentile_cont(0.9) WITHIN GROUP (ORDER BY {days}))::numeric, 4) AS p90"
    )


async def sales_cycle(
    *, principal: Principal, window: Window, pipeline_id: uuid.UUID | None = None
) -> Durations:
    """Days from creation to winning, over the deals won in the window."""
    start, end = await bounds(window)
    OPPORTUNITY_SPEC.require(principal, Action.READ)
    params = Params()
    visible = _visible_deals(principal, params, pipeline_id)
    days = _DAYS.format(end="o.closed_at", start="o.created_at")
    sql = (
        f"SELECT {_duration_measures(days)} FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id "
        f"WHERE {visible} AND s.kind = 'WON' AND o.closed_at >= {params.add(start)} AND o.closed_at < {params.add(end)}"
    )
    row = (await tenant_connection().execute_query_dict(sql, params.values))[0]
    return Durations(None, None, row["n"], row["average"], row["p50"], row["p90"])


async def time_in_stage(
    *, principal: Principal, window: Window, pipeline_id: uuid.UUID | None = None
) -> list[Durations]:
    """Days deals stayed in each stage, over the stays that ended (the deal moved on) in the window."""
    start, end = await bounds(window)
    OPPORTUNITY_SPEC.require(principal, Action.READ)
    params = Params()
    tenant = params.add(current_tenant_id())
    visible = _visible_deals(principal, params, pipeline_id)
    days = _DAYS.format(end="h.left_at", start="h.entered_at")
    sql = f"""
    SELECT s.id AS key, s.name AS label, s.position, {_duration_measures(days)}
    FROM opportunity_stage_history h
    JOIN opportunity o ON o.tenant_id = h.tenant_id AND o.id = h.opportunity_id AND {visible}
    JOIN stage s ON s.tenant_id = h.tenant_id AND s.id = h.stage_id
    WHERE h.tenant_id = {tenant} AND h.left_at >= {params.add(start)} AND h.left_at < {params.add(end)}
    GROUP BY s.id, s.name, s.position ORDER BY s.position, s.id"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [Durations(r["key"], r["label"], r["n"], r["average"], r["p50"], r["p90"]) for r in rows]


async def forecast(
    *,
    principal: Principal,
    first_month: date,
    months: int,
    pipeline_id: uuid.UUID | None = None,
) -> list[ForecastMonth]:
    """Open deals by the month they are expected to close: count, amount, and amount weighted by
    each deal's probability (its own, else its stage's); every month of the range, empty ones too."""
    if not 1 <= months <= MAX_FORECAST_MONTHS:
        raise InvalidInput.single(
            "months", "OUT_OF_RANGE", f"months must be between 1 and {MAX_FORECAST_MONTHS}"
        )
    amounts, weighted = await _opportunity_access(principal)
    params = Params()
    visible = _visible_deals(principal, params, pipeline_id)
    first = params.add(first_month.replace(day=1))
    sql = f"""
    WITH months AS (SELECT (({first})::date + make_interval(months => i))::date AS month FROM generate_series(0, {int(months) - 1}) AS i)
    SELECT m.month, count(d.stage_id) AS n,
           {"sum(d.amount)" if amounts else "NULL::numeric"} AS amount,
           {"round(sum(d.amount * d.probability / 100.0), 2)" if weighted else "NULL::numeric"} AS weighted
    FROM months m LEFT JOIN (
        SELECT date_trunc('month', o.expected_close_date::timestamp)::date AS month, o.amount, o.stage_id,
               coalesce(o.probability, s.probability) AS probability
        FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
        WHERE {visible} AND s.kind = 'OPEN' AND o.expected_close_date >= {first}
          AND o.expected_close_date < ({first})::date + make_interval(months => {int(months)})
    ) d ON d.month = m.month
    GROUP BY m.month ORDER BY m.month"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [ForecastMonth(r["month"], r["n"], r["amount"], r["weighted"]) for r in rows]


async def leaderboard(
    *,
    principal: Principal,
    window: Window,
    first: int = 10,
    pipeline_id: uuid.UUID | None = None,
) -> list[WinRate]:
    """Owners by won amount in the window (then by deals won), with their win rate."""
    if not 1 <= first <= MAX_LEADERS:
        raise InvalidInput.single(
            "first", "OUT_OF_RANGE", f"first must be between 1 and {MAX_LEADERS}"
        )
    rows = [
        r
        for r in await win_rates(
            principal=principal, window=window, by=WinRateBy.OWNER, pipeline_id=pipeline_id
        )
        if r.key is not None
    ]
    rows.sort(key=lambda r: (-(r.won_amount or 0), -r.won, str(r.key)))
    return rows[:first]

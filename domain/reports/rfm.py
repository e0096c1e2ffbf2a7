"""RFM: each customer's recency, frequency and monetary value from its purchases, scored 1-5
against thresholds, and the segment those scores put it in. Formulas, default thresholds and the
segment rules: docs/reports.md ("RFM customer segments").

A purchase is a won deal of the customer (an ERP order synced as PAID is one: the sync makes it a
won deal, domain/integrations/sync/streams.py), at the time it was paid (the order's `paid_at`
when the deal came from the ERP, else when the deal was won), within the lookback period before
`as_of`. Only customers and deals the caller may see count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden
from domain.records.rights import Action
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import current_tenant_id, tenant_connection

MAX_LOOKBACK_DAYS = 3660
MAX_CUSTOMERS = 1000


class Segment(str, Enum):
    CHAMPIONS = "CHAMPIONS"
    LOYAL = "LOYAL"
    NEW = "NEW"
    POTENTIAL_LOYALISTS = "POTENTIAL_LOYALISTS"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    CANNOT_LOSE = "CANNOT_LOSE"
    AT_RISK = "AT_RISK"
    ABOUT_TO_SLEEP = "ABOUT_TO_SLEEP"
    HIBERNATING = "HIBERNATING"
    LOST = "LOST"


@dataclass(frozen=True)
class Thresholds:
    """Four ascending bounds per measure. Recency: a last purchase at most recency_days[0] days
    ago scores 5, at most [1] days 4, ... more than [3] days 1. Frequency and monetary: 1, plus
    one for each bound the value reaches (>=)."""

    recency_days: tuple[int, ...] = (30, 90, 180, 365)
    frequency: tuple[int, ...] = (2, 3, 5, 8)
    monetary: tuple[Decimal, ...] = (
        Decimal(1000),
        Decimal(5000),
        Decimal(20000),
        Decimal(100000),
    )
    lookback_days: int = 730


@dataclass
class CustomerRfm:
    customer_id: uuid.UUID
    name: str
    last_purchase_at: datetime
    recency_days: int
    frequency: int
    monetary: Decimal | None
    recency_score: int
    frequency_score: int
    monetary_score: int | None
    segment: Segment


@dataclass
class SegmentLine:
    segment: Segment
    customers: int
    monetary: Decimal | None
    share: Decimal | None  # customers / all scored customers
    scores: dict[str, int] = field(default_factory=dict)


def check_thresholds(thresholds: Thresholds) -> None:
    errors = []
    for name, bounds in (
        ("recencyDays", thresholds.recency_days),
        ("frequency", thresholds.frequency),
        ("monetary", thresholds.monetary),
    ):
        if len(bounds) != 4 or any(b < 0 for b in bounds):
            errors.append(
                FieldError(f"thresholds.{name}", "INVALID", "four bounds, none negative, in order")
            )
        elif list(bounds) != sorted(bounds) or len(set(bounds)) != 4:
            errors.append(
                FieldError(f"thresholds.{name}", "NOT_ASCENDING", "bounds must strictly ascend")
            )
    if not 1 <= thresholds.lookback_days <= MAX_LOOKBACK_DAYS:
        errors.append(
            FieldError(
                "thresholds.lookbackDays",
                "OUT_OF_RANGE",
                f"lookbackDays must be between 1 and {MAX_LOOKBACK_DAYS}",
            )
        )
    if errors:
        raise InvalidInput(errors)


def recency_score(days: int, bounds: tuple[int, ...]) -> int:
    return 5 - sum(1 for bound in bounds if days > bound)


def level_score(value: Decimal | int, bounds: tuple[Decimal, ...] | tuple[int, ...]) -> int:
    return 1 + sum(1 for bound in bounds if value >= bound)


def segment_of(r: int, f: int, m: int | None) -> Segment:
    """The first rule that holds, in this order (m None: amounts are hidden, M conditions hold)."""
    rich = m is None or m >= 4
    if r >= 4 and f >= 4 and rich:
        return Segment.CHAMPIONS
    if r >= 3 and f >= 3:
        return Segment.LOYAL
    if r >= 4 and f == 1:
        return Segment.NEW
    if r >= 4:
        return Segment.POTENTIAL_LOYALISTS
    if r == 3:
        return Segment.NEEDS_ATTENTION
    if f >= 4 and rich:
        return Segment.CANNOT_LOSE
    if f >= 3:
        return Segment.AT_RISK
    if r == 2:
        return Segment.ABOUT_TO_SLEEP
    if f >= 2:
        return Segment.HIBERNATING
    return Segment.LOST


# When each deal synced from a PAID ERP order was paid (a valid `paid_at` only); one hash join.
_ISO = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
_PAID = (
    "SELECT st.record_id, max((st.agreed ->> 'paid_at')::timestamptz) AS paid_at FROM sync_state st "
    "WHERE st.tenant_id = {tenant} AND st.stream = 'orders' AND st.record_type = 'Opportunity' "
    "AND st.agreed ->> 'status' = 'PAID' AND st.agreed ->> 'paid_at' ~ '{iso}' GROUP BY st.record_id"
)


async def customer_rfm(
    *,
    principal: Principal,
    thresholds: Thresholds,
    as_of: datetime | None = None,
    segment: Segment | None = None,
    first: int = 100,
) -> list[CustomerRfm]:
    """Scored customers with at least one purchase in the lookback period, by monetary value
    (then frequency, recency), at most `first`; of one segment when named."""
    if not 1 <= first <= MAX_CUSTOMERS:
        raise InvalidInput.single(
            "first", "OUT_OF_RANGE", f"first must be between 1 and {MAX_CUSTOMERS}"
        )
    scored = await _scored(principal, thresholds, as_of)
    picked = [c for c in scored if segment is None or c.segment is segment]
    return picked[:first]


async def rfm_segments(
    *, principal: Principal, thresholds: Thresholds, as_of: datetime | None = None
) -> list[SegmentLine]:
    """Every segment with its number of customers, their monetary value and share of the scored
    customers; in the order of the segment rules."""
    scored = await _scored(principal, thresholds, as_of)
    lines = {s: SegmentLine(s, 0, Decimal(0), None) for s in Segment}
    for customer in scored:
        line = lines[customer.segment]
        line.customers += 1
        if customer.monetary is None:
            line.monetary = None
        elif line.monetary is not None:
            line.monetary += customer.monetary
        score = (
            f"{customer.recency_score}{customer.frequency_score}{customer.monetary_score or '-'}"
        )
        line.scores[score] = line.scores.get(score, 0) + 1
    for line in lines.values():
        if scored:
            line.share = (Decimal(line.customers) / len(scored)).quantize(Decimal("0.0001"))
        line.scores = dict(sorted(line.scores.items(), reverse=True))
    return list(lines.values())


async def _scored(
    principal: Principal, thresholds: Thresholds, as_of: datetime | None
) -> list[CustomerRfm]:
    check_thresholds(thresholds)
    CUSTOMER_SPEC.require(principal, Action.READ)
    OPPORTUNITY_SPEC.require(principal, Action.READ)
    amounts = "amount" not in hidden(await field_rules(principal, "Opportunity"))
    moment = as_of or datetime.now(timezone.utc)
    params = Params()
    customers = " AND ".join(readable_sql(principal, CUSTOMER_SPEC, params, "c"))
    deals = " AND ".join(readable_sql(principal, OPPORTUNITY_SPEC, params, "o"))
    start, end = params.add(moment - timedelta(days=thresholds.lookback_days)), params.add(moment)
    tenant = params.add(current_tenant_id())
    sql = f"""
    WITH erp AS ({_PAID.format(tenant=tenant, iso=_ISO)}), purchases AS (
        SELECT o.customer_id, o.amount, coalesce(erp.paid_at, o.closed_at) AS paid_at
        FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
        LEFT JOIN erp ON erp.record_id = o.id
        WHERE {deals} AND s.kind = 'WON' AND o.customer_id IS NOT NULL AND o.closed_at IS NOT NULL
    )
    SELECT c.id, c.name, max(p.paid_at) AS last_purchase_at, count(*) AS frequency,
           coalesce(sum(p.amount), 0) AS monetary
    FROM purchases p JOIN customer c ON c.tenant_id = {tenant} AND c.id = p.customer_id AND {customers}
    WHERE p.paid_at > {start} AND p.paid_at <= {end}
    GROUP BY c.id, c.name"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    scored = []
    for r in rows:
        days = (moment - r["last_purchase_at"]).days
        rs = recency_score(days, thresholds.recency_days)
        fs = level_score(r["frequency"], thresholds.frequency)
        ms = level_score(r["monetary"], thresholds.monetary) if amounts else None
        scored.append(
            CustomerRfm(
                r["id"],
                r["name"],
                r["last_purchase_at"],
                days,
                r["frequency"],
                r["monetary"] if amounts else None,
                rs,
                fs,
                ms,
                segment_of(rs, fs, ms),
            )
        )
    # With amounts hidden, monetary is None for every customer: the order cannot reveal it.
    scored.sort(
        key=lambda c: (-(c.monetary or 0), -c.frequency, c.recency_days, str(c.customer_id))
    )
    return scored

"""Marketing analytics: per campaign or per channel, the leads campaigns brought, how far they
got in the lifecycle, the deals opened and won from them, what the campaigns cost, cost per lead
and return on investment. One statement over the leads and deals the caller may see; costs are
the campaigns' whole recorded cost. Formulas: docs/reports.md."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.lifecycle import LIFECYCLE_STAGES
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from domain.reports.windows import Window, bounds
from tenants.context import current_tenant_id, tenant_connection


class CampaignDimension(str, Enum):
    CAMPAIGN = "CAMPAIGN"
    CHANNEL = "CHANNEL"


@dataclass
class CampaignLine:
    campaign_id: uuid.UUID | None
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


async def campaign_performance(
    *, principal: Principal, window: Window | None, by: CampaignDimension
) -> list[CampaignLine]:
    """Per campaign (or channel): leads created in the window with the campaign, those whose
    lifecycle reached MQL / SQL (stages never move back), deals created in the window with the
    campaign, those won and their amount, the cost, cost per lead = cost / leads and
    ROI = (won amount - cost) / cost."""
    for spec in (CAMPAIGN_SPEC, LEAD_SPEC, OPPORTUNITY_SPEC):
        spec.require(principal, Action.READ)
    params = Params()
    tenant = params.add(current_tenant_id())
    stages = params.add(list(LIFECYCLE_STAGES))
    leads = " AND ".join(readable_sql(principal, LEAD_SPEC, params, "l"))
    deals = " AND ".join(readable_sql(principal, OPPORTUNITY_SPEC, params, "o"))
    lead_window = deal_window = ""
    if window is not None:
        start, end = await bounds(window)
        first, after = params.add(start), params.add(end)
        lead_window = f"AND l.created_at >= {first} AND l.created_at < {after}"
        deal_window = f"AND o.created_at >= {first} AND o.created_at < {after}"
    key = "c.id" if by is CampaignDimension.CAMPAIGN else "c.channel"
    sql = f"""
    WITH lead_counts AS (
        SELECT l.campaign_id, count(*) AS leads,
               count(*) FILTER (WHERE array_position({stages}::text[], l.lifecycle_stage) >= 2) AS mql,
               count(*) FILTER (WHERE array_position({stages}::text[], l.lifecycle_stage) >= 3) AS sql
        FROM lead l WHERE {leads} AND l.campaign_id IS NOT NULL {lead_window} GROUP BY l.campaign_id
    ), deal_counts AS (
        SELECT o.campaign_id, count(*) AS opportunities, count(*) FILTER (WHERE s.kind = 'WON') AS won,
               coalesce(sum(o.amount) FILTER (WHERE s.kind = 'WON'), 0) AS won_amount
        FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
        WHERE {deals} AND o.campaign_id IS NOT NULL {deal_window} GROUP BY o.campaign_id
    ), per_campaign AS (
        SELECT c.id, c.name, c.channel, coalesce(c.cost, 0) AS cost, coalesce(lc.leads, 0) AS leads, coalesce(lc.mql, 0) AS mql,
               coalesce(lc.sql, 0) AS sql, coalesce(dc.opportunities, 0) AS opportunities, coalesce(dc.won, 0) AS won,
               coalesce(dc.won_amount, 0) AS won_amount
        FROM campaign c LEFT JOIN lead_counts lc ON lc.campaign_id = c.id LEFT JOIN deal_counts dc ON dc.campaign_id = c.id
        WHERE c.tenant_id = {tenant} AND c.deleted_at IS NULL
    )
    SELECT {"c.id" if by is CampaignDimension.CAMPAIGN else "NULL::uuid"} AS campaign_id,
           {"min(c.name)" if by is CampaignDimension.CAMPAIGN else "NULL::text"} AS name, min(c.channel) AS channel,
           sum(c.leads)::bigint AS leads, sum(c.mql)::bigint AS mql, sum(c.sql)::bigint AS sql,
           sum(c.opportunities)::bigint AS opportunities, sum(c.won)::bigint AS won, sum(c.won_amount) AS won_amount,
           sum(c.cost) AS cost
    FROM per_campaign c GROUP BY {key} ORDER BY {"min(c.name), c.id" if by is CampaignDimension.CAMPAIGN else "c.channel"}"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [
        CampaignLine(
            r["campaign_id"],
            r["name"],
            r["channel"],
            r["leads"],
            r["mql"],
            r["sql"],
            r["opportunities"],
            r["won"],
            r["won_amount"],
            r["cost"],
            (r["cost"] / r["leads"]).quantize(Decimal("0.01")) if r["leads"] else None,
            ((r["won_amount"] - r["cost"]) / r["cost"]).quantize(Decimal("0.0001"))
            if r["cost"]
            else None,
        )
        for r in rows
    ]

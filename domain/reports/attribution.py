"""First-touch and last-touch attribution of won revenue to campaigns (or channels).

For each deal won in the window (closed_at in [start, end)) that the caller may see, its people
are the leads converted into the deal or into its customer, the contacts of its customer and its
primary contact, as far as the caller may see them. Their campaign touches up to the moment the
deal was won (touched_at <= closed_at) are the deal's touches. The first-touch model gives the
whole amount of the deal to the campaign of the earliest touch, the last-touch model to the
campaign of the latest one (ties: the touch recorded first). Deals with no touch are credited to
no campaign (the line with no campaign). Formulas and an example: docs/reports.md."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from domain.reports.marketing import CampaignDimension
from domain.reports.windows import Window, bounds
from tenants.context import current_tenant_id, tenant_connection


@dataclass
class AttributionLine:
    campaign_id: uuid.UUID | None
    name: str | None
    channel: str | None
    cost: Decimal
    first_touch_deals: int
    first_touch_revenue: Decimal | None
    last_touch_deals: int
    last_touch_revenue: Decimal | None
    first_touch_roi: Decimal | None
    last_touch_roi: Decimal | None


def _readable(principal: Principal, spec: RecordSpec, params: Params, alias: str) -> str:
    """The caller's visibility of `spec` as a condition; FALSE for a role that may not read it."""
    try:
        spec.require(principal, Action.READ)
    except Forbidden:
        return "FALSE"
    return " AND ".join(readable_sql(principal, spec, params, alias))


async def credited_deals(
    *, principal: Principal, window: Window
) -> list[tuple[uuid.UUID, Decimal | None, uuid.UUID | None, uuid.UUID | None]]:
    """(deal, amount, first-touch campaign, last-touch campaign) of every deal won in the window."""
    start, end = await bounds(window)
    for spec in (CAMPAIGN_SPEC, OPPORTUNITY_SPEC):
        spec.require(principal, Action.READ)
    params = Params()
    tenant = params.add(current_tenant_id())
    deals = " AND ".join(readable_sql(principal, OPPORTUNITY_SPEC, params, "o"))
    leads = _readable(principal, LEAD_SPEC, params, "l")
    contacts = _readable(principal, CONTACT_SPEC, params, "c")
    sql = f"""
    WITH deals AS (
        SELECT o.id, o.amount, o.closed_at, o.customer_id, o.primary_contact_id FROM opportunity o
        JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
        WHERE {deals} AND s.kind = 'WON' AND o.closed_at >= {params.add(start)} AND o.closed_at < {params.add(end)}
    ), people AS (  -- equality joins only, so each one can use its index
        SELECT d.id AS deal, l.id AS person FROM deals d
        JOIN lead l ON l.tenant_id = {tenant} AND l.converted_opportunity_id = d.id AND {leads}
        UNION
        SELECT d.id, l.id FROM deals d
        JOIN lead l ON l.tenant_id = {tenant} AND l.converted_customer_id = d.customer_id AND {leads}
        UNION
        SELECT d.id, c.id FROM deals d
        JOIN contact c ON c.tenant_id = {tenant} AND c.id = d.primary_contact_id AND {contacts}
        UNION
        SELECT d.id, c.id FROM deals d
        JOIN contact c ON c.tenant_id = {tenant} AND c.customer_id = d.customer_id AND {contacts}
    ), touches AS (
        SELECT p.deal, t.campaign_id, t.touched_at, t.id FROM people p
        JOIN deals d ON d.id = p.deal
        JOIN campaign_touch t ON t.tenant_id = {tenant} AND t.record_id = p.person AND t.touched_at <= d.closed_at
    ), firsts AS (
        SELECT DISTINCT ON (deal) deal, campaign_id FROM touches ORDER BY deal, touched_at, id
    ), lasts AS (
        SELECT DISTINCT ON (deal) deal, campaign_id FROM touches ORDER BY deal, touched_at DESC, id
    )
    SELECT d.id, d.amount, f.campaign_id AS first_campaign, l.campaign_id AS last_campaign
    FROM deals d LEFT JOIN firsts f ON f.deal = d.id LEFT JOIN lasts l ON l.deal = d.id ORDER BY d.id"""
    rows = await tenant_connection().execute_query_dict(sql, params.values)
    return [(r["id"], r["amount"], r["first_campaign"], r["last_campaign"]) for r in rows]


async def attribution(
    *, principal: Principal, window: Window, by: CampaignDimension
) -> list[AttributionLine]:
    """Won revenue of the window per campaign (or channel) under the first-touch and last-touch
    models; every live campaign has a line, and deals with no touch the line with no campaign.
    Revenue is null when deal amounts are hidden from the caller."""
    credited = await credited_deals(principal=principal, window=window)
    amounts = "amount" not in hidden(await field_rules(principal, "Opportunity"))
    named = {c for _, _, first, last in credited for c in (first, last) if c is not None}
    campaigns = await tenant_connection().execute_query_dict(
        "SELECT id, name, channel, coalesce(cost, 0) AS cost FROM campaign "
        "WHERE tenant_id = $1 AND (deleted_at IS NULL OR id = ANY($2::uuid[]))",
        [current_tenant_id(), list(named)],
    )
    channel_of = {c["id"]: c["channel"] for c in campaigns}

    def key(campaign_id: uuid.UUID | None) -> Any:
        if by is CampaignDimension.CAMPAIGN or campaign_id is None:
            return campaign_id
        return channel_of.get(campaign_id)

    lines: dict[Any, AttributionLine] = {}
    for campaign in sorted(campaigns, key=lambda c: (c["name"], c["id"])):
        k = key(campaign["id"])
        line = lines.get(k)
        if line is None:
            line = lines[k] = AttributionLine(
                campaign["id"] if by is CampaignDimension.CAMPAIGN else None,
                campaign["name"] if by is CampaignDimension.CAMPAIGN else None,
                campaign["channel"],
                Decimal(0),
                0,
                Decimal(0),
                0,
                Decimal(0),
                None,
                None,
            )
        line.cost += campaign["cost"]
    for _, amount, first, last in credited:
        for campaign_id, is_first in ((first, True), (last, False)):
            k = key(campaign_id)
            if k not in lines:  # no touch: the line of no campaign
                lines[k] = AttributionLine(
                    None, None, None, Decimal(0), 0, Decimal(0), 0, Decimal(0), None, None
                )
            line = lines[k]
            if is_first:
                line.first_touch_deals += 1
                line.first_touch_revenue = (line.first_touch_revenue or Decimal(0)) + (
                    amount or Decimal(0)
                )
            else:
                line.last_touch_deals += 1
                line.last_touch_revenue = (line.last_touch_revenue or Decimal(0)) + (
                    amount or Decimal(0)
                )
    result = sorted(
        lines.values(),
        key=lambda line: (
            line.campaign_id is None and line.channel is None,
            (line.name or "") if by is CampaignDimension.CAMPAIGN else (line.channel or ""),
            str(line.campaign_id),
        ),
    )
    for line in result:
        if not amounts:
            line.first_touch_revenue = line.last_touch_revenue = None
        elif line.cost:
            line.first_touch_roi = _roi(line.first_touch_revenue, line.cost)
            line.last_touch_roi = _roi(line.last_touch_revenue, line.cost)
    return result


def _roi(revenue: Decimal | None, cost: Decimal) -> Decimal | None:
    return None if revenue is None else ((revenue - cost) / cost).quantize(Decimal("0.0001"))

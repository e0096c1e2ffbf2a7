"""Service and marketing analytics checked against Python computations over the tickets, leads
and deals the test made (their times placed in 2019 with the owner connection, away from other
tests' records): volume, response and resolution percentiles, backlog by age, SLA compliance,
satisfaction, campaign performance; visibility by assignee."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tests.reports.support import default_won_stage, percentile
from tests.reports.test_sales import raw
from tests.support.graphql import gql
from tests.support.records import unique

TICKET = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
WINDOW = {"start": "2019-03-01T00:00:00+00:00", "end": "2019-04-01T00:00:00+00:00"}
BASE = datetime(2019, 3, 1, tzinfo=timezone.utc)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


async def _tickets(client, admin, owner_db, user_ids):
    """(assignee, channel, status, created, responded after h, resolved after h, response due h, resolution due h, score)."""
    plan = [
        ("member", "EMAIL", "RESOLVED", 0, 1, 10, 2, 24, 5),
        ("member", "EMAIL", "CLOSED", 24, 3, 30, 2, 24, 3),
        ("member", "PHONE", "ACCEPTED", 48, 0.5, None, 1, 48, None),
        ("agent", "PHONE", "NEW", 72, None, None, 1, 8, None),
        ("agent", "EMAIL", "RESOLVED", 100, 5, 6, None, None, 4),
        ("admin", "WEB", "DIAGNOSING", 400, 2, None, 4, 100, None),
        ("admin", "WEB", "NEW", 800, None, None, None, None, None),  # 2019-04-03: after the window
    ]
    made = []
    for assignee, channel, status, created, responded, resolved, r_due, s_due, score in plan:
        ticket = (
            await gql(
                client,
                TICKET,
                {
                    "i": {
                        "subject": unique("T"),
                        "channel": channel,
                        "assigneeId": user_ids[assignee],
                    }
                },
                token=admin,
            )
        ).data["createTicket"]
        at = BASE + hours(created)
        row = dict(
            assignee=assignee,
            channel=channel,
            status=status,
            created=at,
            responded=at + hours(responded) if responded is not None else None,
            resolved=at + hours(resolved) if resolved is not None else None,
            response_due=at + hours(r_due) if r_due is not None else None,
            resolution_due=at + hours(s_due) if s_due is not None else None,
            score=score,
        )
        await owner_db.execute(
            "UPDATE ticket SET status = $2, created_at = $3, first_response_at = $4, resolved_at = $5, first_response_due_at = $6, "
            "resolution_due_at = $7, satisfaction_score = $8 WHERE id = $1",
            raw(ticket["id"]),
            status,
            at,
            row["responded"],
            row["resolved"],
            row["response_due"],
            row["resolution_due"],
            score,
        )
        made.append(row)
    return made


async def test_service_analytics_match_the_tickets(client, as_alpha, user_ids, owner_db):
    admin = as_alpha["admin"]
    tickets = await _tickets(client, admin, owner_db, user_ids)
    start, end = (datetime.fromisoformat(WINDOW[k]) for k in ("start", "end"))
    inside = [t for t in tickets if start <= t["created"] < end]

    volume = (
        await gql(
            client,
            "query($w: ReportWindow!) { ticketVolume(period: $w, bucket: WEEK, by: CHANNEL) "
            "{ bucket split { key } created } }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["ticketVolume"]
    expected: dict[tuple[str, str], int] = {}
    for t in inside:
        day = t["created"].date()
        week = (day - timedelta(days=day.weekday())).isoformat()
        expected[(week, t["channel"])] = expected.get((week, t["channel"]), 0) + 1
    assert {(v["bucket"], v["split"]["key"]): v["created"] for v in volume} == expected

    times = (
        await gql(
            client,
            "query($w: ReportWindow!) { ticketTimes(period: $w) { split { key } tickets responded "
            "firstResponseP50Hours firstResponseP90Hours resolved resolutionP50Hours resolutionP90Hours } }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["ticketTimes"]
    response = [
        Decimal((t["responded"] - t["created"]).total_seconds()) / 3600
        for t in inside
        if t["responded"]
    ]
    resolution = [
        Decimal((t["resolved"] - t["created"]).total_seconds()) / 3600
        for t in inside
        if t["resolved"]
    ]
    q = Decimal("0.0001")
    assert times == [
        {
            "split": {"key": None},
            "tickets": len(inside),
            "responded": len(response),
            "firstResponseP50Hours": str(percentile(response, 0.5).quantize(q)),
            "firstResponseP90Hours": str(percentile(response, 0.9).quantize(q)),
            "resolved": len(resolution),
            "resolutionP50Hours": str(percentile(resolution, 0.5).quantize(q)),
            "resolutionP90Hours": str(percentile(resolution, 0.9).quantize(q)),
        }
    ]
    # Only the percentiles asked for are computed (here through a fragment); the others stay the same.
    only_response = (
        await gql(
            client,
            "query($w: ReportWindow!) { ticketTimes(period: $w) { ...Times } } "
            "fragment Times on TicketTimesLine { tickets firstResponseP50Hours }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["ticketTimes"]
    assert only_response == [
        {"tickets": len(inside), "firstResponseP50Hours": times[0]["firstResponseP50Hours"]}
    ]

    as_of = BASE + hours(500)
    backlog = (
        await gql(
            client,
            "query($at: DateTime) { ticketBacklog(asOf: $at) { status age count } }",
            {"at": as_of.isoformat()},
            token=admin,
        )
    ).data["ticketBacklog"]
    ages = {}
    for t in tickets:
        if t["status"] in ("RESOLVED", "FOLLOWED_UP", "CLOSED") or t["created"] > as_of:
            continue
        days = (as_of - t["created"]).total_seconds() / 86400
        age = next(
            name
            for name, upper in (
                ("UNDER_1_DAY", 1),
                ("DAYS_1_TO_3", 3),
                ("DAYS_3_TO_7", 7),
                ("DAYS_7_TO_30", 30),
                ("OVER_30_DAYS", None),
            )
            if upper is None or days < upper
        )
        ages[(t["status"], age)] = ages.get((t["status"], age), 0) + 1
    assert {(b["status"], b["age"]): b["count"] for b in backlog} == ages

    compliance = (
        await gql(
            client,
            "query($w: ReportWindow!, $at: DateTime) { slaCompliance(period: $w, asOf: $at) { "
            "firstResponseMet firstResponseBreached firstResponseRate resolutionMet resolutionBreached "
            "resolutionRate } }",
            {"w": WINDOW, "at": as_of.isoformat()},
            token=admin,
        )
    ).data["slaCompliance"]

    def judge(done: str, due: str) -> tuple[int, int]:
        met = sum(1 for t in inside if t[due] and t[done] and t[done] <= t[due])
        breached = sum(
            1
            for t in inside
            if t[due] and ((t[done] and t[done] > t[due]) or (not t[done] and t[due] < as_of))
        )
        return met, breached

    (rm, rb), (sm, sb) = judge("responded", "response_due"), judge("resolved", "resolution_due")
    assert compliance == [
        {
            "firstResponseMet": rm,
            "firstResponseBreached": rb,
            "firstResponseRate": str((Decimal(rm) / (rm + rb)).quantize(q)),
            "resolutionMet": sm,
            "resolutionBreached": sb,
            "resolutionRate": str((Decimal(sm) / (sm + sb)).quantize(q)),
        }
    ]

    rated = [t for t in tickets if t["score"] and t["resolved"] and start <= t["resolved"] < end]
    satisfaction = (
        await gql(
            client,
            "query($w: ReportWindow!) { ticketSatisfaction(period: $w) { rated average "
            "distribution { score count } } }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["ticketSatisfaction"]
    assert satisfaction == [
        {
            "rated": len(rated),
            "average": str((Decimal(sum(t["score"] for t in rated)) / len(rated)).quantize(q)),
            "distribution": [
                {"score": s, "count": sum(t["score"] == s for t in rated)} for s in range(1, 6)
            ],
        }
    ]

    # The member's view: only the tickets assigned to it.
    mine = (
        await gql(
            client,
            "query($w: ReportWindow!) { ticketTimes(period: $w, by: ASSIGNEE) { split { id } tickets } }",
            {"w": WINDOW},
            token=as_alpha["member"],
        )
    ).data["ticketTimes"]
    assert mine == [
        {
            "split": {"id": user_ids["member"]},
            "tickets": sum(t["assignee"] == "member" for t in inside),
        }
    ]


async def test_campaign_performance_matches_leads_and_deals(client, as_alpha, user_ids, owner_db):
    admin = as_alpha["admin"]
    campaigns = {}
    for name, channel, cost in (
        ("Fair", "EVENT", "1000"),
        ("Ads", "ADS", "250"),
        ("Free", "ADS", None),
    ):
        made = await gql(
            client,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }",
            {"i": {"name": unique(name), "channel": channel, **({"cost": cost} if cost else {})}},
            token=admin,
        )
        campaigns[name] = (made.data["createCampaign"]["id"], channel, Decimal(cost or 0))
    won_stage = await default_won_stage(client, admin)
    leads = [
        ("Fair", "LEAD"),
        ("Fair", "MQL"),
        ("Fair", "SQL"),
        ("Fair", "CUSTOMER"),
        ("Ads", "MQL"),
        ("Ads", "LEAD"),
    ]
    for campaign, stage in leads:
        lead = await gql(
            client,
            "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
            {
                "i": {
                    "companyName": unique("C"),
                    "campaignId": campaigns[campaign][0],
                    "lifecycleStage": stage,
                }
            },
            token=admin,
        )
        await owner_db.execute(
            "UPDATE lead SET created_at = $2 WHERE id = $1",
            raw(lead.data["createLead"]["id"]),
            BASE,
        )
    deals = [("Fair", "5000", True), ("Fair", "700", False), ("Ads", "100", True)]
    for campaign, amount, won in deals:
        item = {
            "name": unique("D"),
            "campaignId": campaigns[campaign][0],
            "amount": amount,
            **({"stageId": won_stage} if won else {}),
        }
        deal = await gql(
            client,
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
            {"i": item},
            token=admin,
        )
        await owner_db.execute(
            "UPDATE opportunity SET created_at = $2 WHERE id = $1",
            raw(deal.data["createOpportunity"]["id"]),
            BASE,
        )

    lines = (
        await gql(
            client,
            "query($w: ReportWindow) { campaignPerformance(by: CAMPAIGN, period: $w) { campaignId leads mql sql "
            "opportunities won wonAmount cost costPerLead roi } }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["campaignPerformance"]
    by_id = {line["campaignId"]: line for line in lines}
    rank = ["LEAD", "MQL", "SQL", "OPPORTUNITY", "CUSTOMER", "ADVOCATE"]
    for name, (campaign_id, _, cost) in campaigns.items():
        mine = [stage for c, stage in leads if c == name]
        mine_deals = [(Decimal(a), w) for c, a, w in deals if c == name]
        won_amount = sum((a for a, w in mine_deals if w), Decimal(0))
        line = by_id[campaign_id]
        assert (line["leads"], line["mql"], line["sql"]) == (
            len(mine),
            sum(rank.index(s) >= 1 for s in mine),
            sum(rank.index(s) >= 2 for s in mine),
        )
        assert (
            line["opportunities"],
            line["won"],
            Decimal(line["wonAmount"]),
            Decimal(line["cost"]),
        ) == (len(mine_deals), sum(w for _, w in mine_deals), won_amount, cost)
        assert line["costPerLead"] == (
            str((cost / len(mine)).quantize(Decimal("0.01"))) if mine else None
        )
        assert line["roi"] == (
            str(((won_amount - cost) / cost).quantize(Decimal("0.0001"))) if cost else None
        )

    # By channel: the same leads and deals, and every campaign's cost in the channel (other tests' campaigns too,
    # summed here straight from the table).
    channels = (
        await gql(
            client,
            "query($w: ReportWindow) { campaignPerformance(by: CHANNEL, period: $w) { channel leads won cost } }",
            {"w": WINDOW},
            token=admin,
        )
    ).data["campaignPerformance"]
    ads = next(line for line in channels if line["channel"] == "ADS")
    assert ads["leads"] == sum(1 for c, _ in leads if campaigns[c][1] == "ADS")
    tenant = await owner_db.fetchval(
        "SELECT tenant_id FROM campaign WHERE id = $1", raw(campaigns["Ads"][0])
    )
    spent = await owner_db.fetchval(
        "SELECT coalesce(sum(cost), 0) FROM campaign WHERE tenant_id = $1 AND channel = 'ADS' "
        "AND deleted_at IS NULL",
        tenant,
    )
    assert Decimal(ads["cost"]) == spent

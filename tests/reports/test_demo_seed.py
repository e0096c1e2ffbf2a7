"""`tessera seed demo` gives a new tenant a year of history, and every analytic answers something
non-trivial on it right away; `tessera backfill analytics` restores lifecycle transitions and
campaign touches from the audit trail and the rows, and writes nothing when run again."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from tests.conftest import PASSWORD
from tests.reports.test_sales import raw
from tests.support import cli
from tests.support.graphql import gql, login
from tests.support.records import unique

YEAR = "{range: LAST_N_DAYS, days: 365}"
ANALYTICS = f"""{{
  lifecycleFunnel(period: {YEAR}) {{ stage entered conversionToNext }}
  pipelineReport {{ name kind count amount weightedAmount }}
  winRates(period: {YEAR}, by: OWNER) {{ won lost winRate wonAmount }}
  salesCycle(period: {YEAR}) {{ count averageDays p50Days }}
  timeInStage(period: {YEAR}) {{ name count averageDays }}
  salesForecast(fromMonth: "{datetime.now(timezone.utc).date().replace(day=1).isoformat()}", months: 6) {{ count amount }}
  salesLeaderboard(period: {YEAR}) {{ ownerId wonAmount }}
  ticketVolume(period: {YEAR}, bucket: MONTH) {{ bucket created }}
  ticketTimes(period: {YEAR}) {{ tickets responded firstResponseP50Hours resolved resolutionP90Hours }}
  ticketBacklog {{ status age count }}
  slaCompliance(period: {YEAR}) {{ firstResponseMet firstResponseBreached resolutionMet resolutionBreached }}
  ticketSatisfaction(period: {YEAR}) {{ rated average }}
  campaignPerformance(period: {YEAR}) {{ leads mql sql opportunities won wonAmount cost roi }}
  campaignAttribution(period: {YEAR}) {{ campaignId firstTouchDeals firstTouchRevenue lastTouchDeals }}
  customerRfm(first: 1000) {{ segment }}
  rfmSegments {{ segment customers }}
  aggregate(object: "Lead", groupBy: [{{field: "createdAt", bucket: MONTH}}]) {{ rows {{ keys {{ date }} }} }}
}}"""


async def _fresh_tenant(client) -> tuple[str, str]:
    slug = f"demo{uuid.uuid4().hex[:8]}"
    email = f"admin@{slug}.test"
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            slug,
            "--name",
            slug,
            "--admin-email",
            email,
            "--admin-password",
            PASSWORD,
            timeout=300,
        )
    )
    return slug, (await login(client, slug, email, PASSWORD))["accessToken"]


async def test_every_analytic_has_an_answer_on_the_demo_seed(client):
    slug, token = await _fresh_tenant(client)
    for role in ("manager", "member"):  # owners to compare
        cli.ok(
            await cli.arun(
                "user",
                "add",
                "--tenant",
                slug,
                "--email",
                f"{role}@{slug}.test",
                "--password",
                PASSWORD,
                "--role",
                role,
                timeout=300,
            )
        )
    cli.ok(await cli.arun("seed", "demo", "--tenant", slug, "--size", "small", timeout=300))
    answer = await gql(client, ANALYTICS, token=token)
    assert answer.data, answer.body
    a = answer.data

    entered = {s["stage"]: s["entered"] for s in a["lifecycleFunnel"]}
    assert all(entered[s] > 0 for s in ("LEAD", "MQL", "SQL", "OPPORTUNITY", "CUSTOMER"))
    assert entered["LEAD"] > entered["MQL"] > entered["SQL"]
    assert all(
        Decimal(s["conversionToNext"]) < 1 for s in a["lifecycleFunnel"][:3]
    )  # real drop-off
    assert sum(s["count"] for s in a["pipelineReport"]) == 500
    assert len([s for s in a["pipelineReport"] if s["count"]]) >= 4
    assert sum(r["won"] for r in a["winRates"]) > 0 and sum(r["lost"] for r in a["winRates"]) > 0
    assert len({r["winRate"] for r in a["winRates"]}) > 1  # owners differ
    assert a["salesCycle"]["count"] > 0 and Decimal(a["salesCycle"]["averageDays"]) > 1
    assert len([s for s in a["timeInStage"] if s["count"]]) >= 3
    assert sum(m["count"] for m in a["salesForecast"]) > 0
    assert a["salesLeaderboard"] and Decimal(a["salesLeaderboard"][0]["wonAmount"]) > 0
    assert len(a["ticketVolume"]) >= 5  # months
    times = a["ticketTimes"][0]
    assert times["responded"] > 0 and times["resolved"] > 0
    assert Decimal(times["firstResponseP50Hours"]) > 0
    assert a["ticketBacklog"]
    sla = a["slaCompliance"][0]
    assert sla["firstResponseMet"] > 0 and sla["firstResponseBreached"] > 0
    assert sla["resolutionMet"] > 0 and sla["resolutionBreached"] > 0
    assert a["ticketSatisfaction"][0]["rated"] > 0
    campaigns = a["campaignPerformance"]
    assert sum(c["leads"] for c in campaigns) > 0 and sum(c["won"] for c in campaigns) > 0
    assert any(c["roi"] is not None and Decimal(c["wonAmount"]) > 0 for c in campaigns)
    credited = [c for c in a["campaignAttribution"] if c["campaignId"]]
    assert sum(c["firstTouchDeals"] for c in credited) > 0
    assert len({c["campaignId"] for c in credited if c["firstTouchDeals"]}) >= 3
    segments = {s["segment"]: s["customers"] for s in a["rfmSegments"]}
    assert len([n for n in segments.values() if n]) >= 4
    assert sum(segments.values()) == len(a["customerRfm"])
    assert len(a["aggregate"]["rows"]) >= 10  # leads over a year of months


async def test_backfill_restores_transitions_and_touches_once(client, owner_db):
    slug, admin = await _fresh_tenant(
        client
    )  # a tenant of its own: the back-fill runs on all its data
    campaign = (
        await gql(
            client,
            "mutation($n: String!) { createCampaign(input: {name: $n, channel: EMAIL}) { id } }",
            {"n": unique("Backfill")},
            token=admin,
        )
    ).data["createCampaign"]["id"]
    lead = (
        await gql(
            client,
            "mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }",
            {"i": {"personName": unique("Old"), "campaignId": campaign}},
            token=admin,
        )
    ).data["createLead"]
    moved = await gql(
        client,
        "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { id } }",
        {"i": {"id": lead["id"], "version": lead["version"], "lifecycleStage": "MQL"}},
        token=admin,
    )
    assert moved.data, moved.body
    record = raw(lead["id"])
    transitions = "SELECT from_stage, to_stage, changed_at FROM lifecycle_transition WHERE record_id = $1 ORDER BY changed_at"
    touches = "SELECT campaign_id, touched_at, kind FROM campaign_touch WHERE record_id = $1 ORDER BY touched_at"
    before = (
        [tuple(r) for r in await owner_db.fetch(transitions, record)],
        [tuple(r) for r in await owner_db.fetch(touches, record)],
    )
    assert [t[1] for t in before[0]] == ["LEAD", "MQL"] and [t[2] for t in before[1]] == ["CREATED"]
    # As if the lead had been loaded without its history.
    await owner_db.execute("DELETE FROM lifecycle_transition WHERE record_id = $1", record)
    await owner_db.execute("DELETE FROM campaign_touch WHERE record_id = $1", record)

    out = cli.ok(await cli.arun("backfill", "analytics", "--tenant", slug, timeout=300))
    assert out.strip() == f"{slug}: 2 lifecycle transitions, 1 campaign touches back-filled"
    after = (
        [tuple(r) for r in await owner_db.fetch(transitions, record)],
        [tuple(r) for r in await owner_db.fetch(touches, record)],
    )
    assert after == before
    again = cli.ok(await cli.arun("backfill", "analytics", "--tenant", slug, timeout=300))
    assert again.strip() == f"{slug}: 0 lifecycle transitions, 0 campaign touches back-filled"
    unknown = await cli.arun("backfill", "analytics", "--tenant", "nope", timeout=300)
    assert unknown.code == 1 and "no tenant" in unknown.err

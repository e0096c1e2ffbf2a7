"""The sales analytics, each checked against numbers computed in Python from the deals and leads
the test made (times placed with the owner connection, since the API stamps them with now):
pipeline by stage, win rates by owner / team / month, sales cycle, time in stage, forecast,
leaderboard and the lifecycle funnel; visibility and hidden amounts included."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from tests.reports.support import percentile
from tests.support.custom import api_name, field_codes, make_field
from tests.support.graphql import gql
from tests.support.records import unique

PIPELINE = "mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id stages { id name kind probability } } }"
DEAL = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id version } }"
MOVE = "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { id version } }"
SET = (
    "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { field role access } }"
)
WINDOW = {"start": "2025-01-01T00:00:00+00:00", "end": "2025-07-01T00:00:00+00:00"}


def raw(global_id: str) -> uuid.UUID:
    import base64

    return uuid.UUID(
        base64.b64decode(global_id + "=" * (-len(global_id) % 4)).decode().split(":", 1)[1]
    )


async def _pipeline(client, admin):
    made = await gql(
        client,
        PIPELINE,
        {
            "i": {
                "name": unique("Reports"),
                "stages": [
                    {"name": "Lead in", "probability": 10, "kind": "OPEN"},
                    {"name": "Proposal", "probability": 60, "kind": "OPEN"},
                    {"name": "Won", "probability": 100, "kind": "WON"},
                    {"name": "Lost", "probability": 0, "kind": "LOST"},
                ],
            }
        },
        token=admin,
    )
    pipeline = made.data["createPipeline"]
    return pipeline["id"], {s["name"]: s for s in pipeline["stages"]}


async def _deals(client, admin, owner_db, user_ids, pipeline, stages):
    """Ten deals: (owner, amount, own probability, final stage, created, closed, expected close)."""
    plan = [
        ("member", "100", None, "Won", "2025-01-10", "2025-02-09", None),
        ("member", "300", None, "Won", "2025-02-01", "2025-02-11", None),
        ("member", "50", None, "Lost", "2025-01-05", "2025-03-01", None),
        ("manager", "1000", None, "Won", "2025-03-01", "2025-04-30", None),
        ("manager", "700", None, "Lost", "2025-03-03", "2025-05-01", None),
        (
            "manager",
            "10",
            None,
            "Won",
            "2024-10-01",
            "2024-12-31",
            None,
        ),  # closed before the window
        ("member", "200", 30, "Proposal", "2025-01-01", None, "2025-08-15"),
        ("manager", "400", None, "Proposal", "2025-01-01", None, "2025-08-01"),
        ("member", "80", None, "Lead in", "2025-01-01", None, "2025-10-20"),
        ("admin", "999", None, "Lead in", "2025-01-01", None, None),
    ]
    made = []
    for owner, amount, probability, stage, created, closed, expected in plan:
        item = {
            "name": unique("Deal"),
            "pipelineId": pipeline,
            "stageId": stages["Lead in"]["id"],
            "amount": amount,
            "ownerId": user_ids[owner],
            **({"probability": probability} if probability is not None else {}),
            **({"expectedCloseDate": expected} if expected else {}),
        }
        deal = (await gql(client, DEAL, {"i": item}, token=admin)).data["createOpportunity"]
        if stage != "Lead in":
            await gql(
                client,
                MOVE,
                {
                    "i": {
                        "id": deal["id"],
                        "version": deal["version"],
                        "stageId": stages[stage]["id"],
                    }
                },
                token=admin,
            )
        deal_id = raw(deal["id"])
        created_at = datetime.fromisoformat(created).replace(tzinfo=timezone.utc)
        closed_at = datetime.fromisoformat(closed).replace(tzinfo=timezone.utc) if closed else None
        await owner_db.execute(
            "UPDATE opportunity SET created_at = $2, closed_at = $3 WHERE id = $1",
            deal_id,
            created_at,
            closed_at,
        )
        # The stay in the first stage: from creation to the move (or still there).
        await owner_db.execute(
            "UPDATE opportunity_stage_history SET entered_at = $2, left_at = CASE WHEN left_at IS NULL THEN NULL ELSE $3::timestamptz END "
            "WHERE opportunity_id = $1 AND stage_id = $4",
            deal_id,
            created_at,
            closed_at,
            raw(stages["Lead in"]["id"]),
        )
        await owner_db.execute(
            "UPDATE opportunity_stage_history SET entered_at = $2 WHERE opportunity_id = $1 AND stage_id <> $3",
            deal_id,
            closed_at or created_at,
            raw(stages["Lead in"]["id"]),
        )
        made.append(
            dict(
                owner=owner,
                amount=Decimal(amount),
                probability=probability,
                stage=stage,
                created=created_at,
                closed=closed_at,
                expected=expected,
            )
        )
    return made


async def test_pipeline_win_rates_cycle_stages_forecast_and_leaderboard(
    client, as_alpha, user_ids, owner_db
):
    admin = as_alpha["admin"]
    pipeline, stages = await _pipeline(client, admin)
    deals = await _deals(client, admin, owner_db, user_ids, pipeline, stages)
    probability = {name: s["probability"] for name, s in stages.items()}

    report = (
        await gql(
            client,
            "query($p: ID) { pipelineReport(pipelineId: $p) { name kind count amount weightedAmount } }",
            {"p": pipeline},
            token=admin,
        )
    ).data["pipelineReport"]
    for line in report:
        inside = [d for d in deals if d["stage"] == line["name"]]
        assert line["count"] == len(inside)
        assert Decimal(line["amount"] or 0) == sum(d["amount"] for d in inside)
        weighted = sum(
            d["amount"]
            * (d["probability"] if d["probability"] is not None else probability[d["stage"]])
            / 100
            for d in inside
        )
        assert Decimal(line["weightedAmount"] or 0) == weighted.quantize(Decimal("0.01")), line
    assert [line["name"] for line in report] == ["Lead in", "Proposal", "Won", "Lost"]

    start, end = (datetime.fromisoformat(WINDOW[k]) for k in ("start", "end"))
    closed = [d for d in deals if d["closed"] and start <= d["closed"] < end]
    rates = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { winRates(period: $w, by: OWNER, pipelineId: $p) "
            "{ ownerId label won lost winRate wonAmount averageDeal } }",
            {"w": WINDOW, "p": pipeline},
            token=admin,
        )
    ).data["winRates"]
    for line in rates:
        owner = next(role for role, gid in user_ids.items() if gid == line["ownerId"])
        mine = [d for d in closed if d["owner"] == owner]
        won = [d["amount"] for d in mine if d["stage"] == "Won"]
        lost = [d for d in mine if d["stage"] == "Lost"]
        assert (line["won"], line["lost"]) == (len(won), len(lost))
        assert Decimal(line["winRate"]) == (Decimal(len(won)) / len(mine)).quantize(
            Decimal("0.0001")
        )
        assert Decimal(line["wonAmount"]) == sum(won)
        assert Decimal(line["averageDeal"]) == (sum(won) / len(won)).quantize(Decimal("0.01"))
        assert line["label"]
    assert {line["ownerId"] for line in rates} == {user_ids[d["owner"]] for d in closed}

    months = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { winRates(period: $w, by: MONTH, pipelineId: $p) { month won lost } }",
            {"w": WINDOW, "p": pipeline},
            token=admin,
        )
    ).data["winRates"]
    expected_months: dict[str, list[int]] = {}
    for d in closed:
        counts = expected_months.setdefault(d["closed"].strftime("%Y-%m-01"), [0, 0])
        counts[0 if d["stage"] == "Won" else 1] += 1
    assert {m["month"]: [m["won"], m["lost"]] for m in months} == expected_months

    cycle = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { salesCycle(period: $w, pipelineId: $p) "
            "{ count averageDays p50Days p90Days } }",
            {"w": WINDOW, "p": pipeline},
            token=admin,
        )
    ).data["salesCycle"]
    days = [
        Decimal((d["closed"] - d["created"]).total_seconds()) / 86400
        for d in closed
        if d["stage"] == "Won"
    ]
    assert cycle["count"] == len(days)
    assert Decimal(cycle["averageDays"]) == (sum(days) / len(days)).quantize(Decimal("0.0001"))
    assert Decimal(cycle["p50Days"]) == percentile(days, 0.5).quantize(Decimal("0.0001"))
    assert Decimal(cycle["p90Days"]) == percentile(days, 0.9).quantize(Decimal("0.0001"))

    stays = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { timeInStage(period: $w, pipelineId: $p) { name count averageDays } }",
            {"w": WINDOW, "p": pipeline},
            token=admin,
        )
    ).data["timeInStage"]
    first_stage = [Decimal((d["closed"] - d["created"]).total_seconds()) / 86400 for d in closed]
    assert stays == [
        {
            "name": "Lead in",
            "count": len(first_stage),
            "averageDays": str((sum(first_stage) / len(first_stage)).quantize(Decimal("0.0001"))),
        }
    ]

    forecast = (
        await gql(
            client,
            'query($p: ID) { salesForecast(fromMonth: "2025-08-01", months: 3, pipelineId: $p) '
            "{ month count amount weightedAmount } }",
            {"p": pipeline},
            token=admin,
        )
    ).data["salesForecast"]
    expected_forecast = []
    for month in ("2025-08-01", "2025-09-01", "2025-10-01"):
        due = [
            d
            for d in deals
            if d["expected"]
            and d["expected"][:7] == month[:7]
            and d["stage"] in ("Lead in", "Proposal")
        ]
        weighted = sum(
            d["amount"]
            * (d["probability"] if d["probability"] is not None else probability[d["stage"]])
            / 100
            for d in due
        )
        expected_forecast.append(
            (
                month,
                len(due),
                sum(d["amount"] for d in due) if due else None,
                weighted.quantize(Decimal("0.01")) if due else None,
            )
        )
    assert [
        (
            f["month"],
            f["count"],
            f["amount"] and Decimal(f["amount"]),
            f["weightedAmount"] and Decimal(f["weightedAmount"]),
        )
        for f in forecast
    ] == expected_forecast

    leaders = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { salesLeaderboard(period: $w, pipelineId: $p) { ownerId wonAmount won } }",
            {"w": WINDOW, "p": pipeline},
            token=admin,
        )
    ).data["salesLeaderboard"]
    totals = {}
    for d in closed:
        if d["stage"] == "Won":
            totals[user_ids[d["owner"]]] = totals.get(user_ids[d["owner"]], 0) + d["amount"]
    assert [(entry["ownerId"], Decimal(entry["wonAmount"] or 0)) for entry in leaders] == sorted(
        [
            (owner, totals.get(owner, Decimal(0)))
            for owner in {user_ids[d["owner"]] for d in closed}
        ],
        key=lambda e: -e[1],
    )

    # A member counts only the deals it may see: its own.
    member_rates = (
        await gql(
            client,
            "query($w: ReportWindow!, $p: ID) { winRates(period: $w, by: OWNER, pipelineId: $p) { ownerId won lost } }",
            {"w": WINDOW, "p": pipeline},
            token=as_alpha["member"],
        )
    ).data["winRates"]
    mine = [d for d in closed if d["owner"] == "member"]
    assert member_rates == [
        {
            "ownerId": user_ids["member"],
            "won": sum(d["stage"] == "Won" for d in mine),
            "lost": sum(d["stage"] == "Lost" for d in mine),
        }
    ]
    member_pipeline = (
        await gql(
            client,
            "query($p: ID) { pipelineReport(pipelineId: $p) { name count } }",
            {"p": pipeline},
            token=as_alpha["member"],
        )
    ).data["pipelineReport"]
    assert {line["name"]: line["count"] for line in member_pipeline} == {
        name: sum(1 for d in deals if d["stage"] == name and d["owner"] == "member")
        for name in stages
    }


async def test_hidden_custom_fields_of_deals_are_refused_and_built_in_amounts_reported(
    client, as_alpha
):
    admin, agent = as_alpha["admin"], as_alpha["agent"]
    pipeline, _ = await _pipeline(client, admin)
    margin = api_name("margin")
    await make_field(client, admin, "Opportunity", apiName=margin, type="DECIMAL")
    await gql(
        client,
        DEAL,
        {
            "i": {
                "name": unique("Deal"),
                "pipelineId": pipeline,
                "amount": "500",
                "ownerId": None,
                "expectedCloseDate": "2031-01-10",
                "customFields": {margin: 7},
            }
        },
        token=admin,
    )
    hidden = await gql(
        client,
        SET,
        {
            "input": {
                "object": "Opportunity",
                "field": f"customFields.{margin}",
                "role": "AGENT",
                "access": "HIDDEN",
            }
        },
        token=admin,
    )
    assert hidden.data
    query = (
        'query($f: RecordFilter, $m: [AggregateMeasure!]) { aggregate(object: "Opportunity", filter: $f, measures: $m) '
        "{ totals { values { number } } } }"
    )
    mine = {"field": "pipelineId", "eq": pipeline}
    refused = await gql(
        client,
        query,
        {"f": mine, "m": [{"function": "SUM", "field": f"customFields.{margin}"}]},
        token=agent,
    )
    assert field_codes(refused) == {"measures.0.field": "NOT_MEASURABLE"}
    probe = await gql(
        client,
        query,
        {"f": {"and": [mine, {"field": f"customFields.{margin}", "gt": 5}]}},
        token=agent,
    )
    assert field_codes(probe) == {f"filter.customFields.{margin}": "NOT_FILTERABLE"}
    seen = await gql(
        client,
        query,
        {"f": mine, "m": [{"function": "SUM", "field": f"customFields.{margin}"}]},
        token=admin,
    )
    assert seen.data["aggregate"]["totals"]["values"] == [{"number": "7.00"}]
    # Built-in amounts are never hidden (only made read-only): the agent's forecast shows them.
    forecast = (
        await gql(
            client,
            'query($p: ID) { salesForecast(fromMonth: "2031-01-01", months: 1, pipelineId: $p) '
            "{ count amount weightedAmount } }",
            {"p": pipeline},
            token=agent,
        )
    ).data["salesForecast"]
    assert forecast == [{"count": 1, "amount": "500.00", "weightedAmount": "50.00"}]


async def test_bad_windows_and_ranges(client, as_alpha):
    admin = as_alpha["admin"]
    query = "query($w: ReportWindow!) { salesCycle(period: $w) { count } }"
    assert field_codes(await gql(client, query, {"w": {}}, token=admin)) == {
        "period.start": "REQUIRED",
        "period.end": "REQUIRED",
    }
    assert field_codes(
        await gql(
            client,
            query,
            {"w": {"start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}},
            token=admin,
        )
    ) == {"period.end": "BEFORE_START"}
    assert field_codes(await gql(client, query, {"w": {"range": "LAST_N_DAYS"}}, token=admin)) == {
        "period.days": "OUT_OF_RANGE"
    }
    assert field_codes(
        await gql(
            client, '{ salesForecast(fromMonth: "2025-01-01", months: 99) { count } }', token=admin
        )
    ) == {"months": "OUT_OF_RANGE"}
    relative = await gql(
        client, query, {"w": {"range": "LAST_QUARTER", "asOf": "2025-04-02T00:00:00Z"}}, token=admin
    )
    assert relative.data["salesCycle"]["count"] >= 0

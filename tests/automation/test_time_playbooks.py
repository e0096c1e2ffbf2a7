"""Time-based playbooks: the scheduler's pass (run here with a clock moved forward) fires idle,
date and wait rules once, through the same engine as event rules."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.custom import create_record, make_field, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def scheduler_pass(days_ahead: float = 0) -> int:
    from workers.scheduler import schedule_once

    return await schedule_once(datetime.now(timezone.utc) + timedelta(days=days_ahead))


TIMELINE = "query($id: ID!) { node(id: $id) { ... on Record { version } ... on Opportunity { timeline { edges { node { subject owner { id } } } } } ... on Customer { owner { id } tags timeline { edges { node { subject } } } } ... on Ticket { timeline { edges { node { subject } } } } } }"


async def test_playbook_2_an_idle_opportunity_gets_a_follow_up_task_and_the_managers_are_told(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    team = await gql(
        client,
        "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
        {
            "i": {
                "name": f"Sales {marker}",
                "memberIds": [user_ids["member"]],
                "managerId": user_ids["manager"],
            }
        },
        token=admin,
    )
    assert team.data
    deal = (
        await gql(
            client,
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
            {"i": {"name": f"Deal {marker}", "ownerId": user_ids["member"]}},
            token=admin,
        )
    ).data["createOpportunity"]
    rule = await make_rule(
        client,
        admin,
        name="Idle deals",
        object="Opportunity",
        trigger={"on": "idle", "days": 3},
        conditions={"field": "name", "op": "eq", "value": f"Deal {marker}"},
        actions=[
            {"type": "create_task", "subject": "Follow up {{name}}", "dueInDays": 1},
            {"type": "notify", "to": "owner_manager", "title": "Idle: {{name}}"},
        ],
    )
    try:
        await scheduler_pass(days_ahead=1)  # not idle long enough yet
        assert await runs_of(client, admin, rule["id"]) == []
        await scheduler_pass(days_ahead=4)
        await scheduler_pass(days_ahead=4)  # the same idle stretch fires once
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED"
        tasks = (await gql(client, TIMELINE, {"id": deal["id"]}, token=admin)).data["node"][
            "timeline"
        ]["edges"]
        assert [(t["node"]["subject"], t["node"]["owner"]["id"]) for t in tasks] == [
            (f"Follow up Deal {marker}", user_ids["member"])
        ]
        notes = (
            await gql(
                client,
                "{ notifications(first: 100) { edges { node { title } } } }",
                token=as_alpha["manager"],
            )
        ).nodes("notifications")
        assert f"Idle: Deal {marker}" in [n["title"] for n in notes]
    finally:
        await disable(client, admin, rule)


async def test_playbook_3_a_dormant_customer_returns_to_the_pool(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    customer = await make_customer(
        client, admin, name=f"Quiet {marker}", ownerId=user_ids["member"]
    )
    rule = await make_rule(
        client,
        admin,
        name="Dormant",
        object="Customer",
        trigger={"on": "idle", "days": 90},
        conditions={
            "all": [
                {"field": "name", "op": "eq", "value": f"Quiet {marker}"},
                {"field": "lastOrderAt", "op": "notWithinDays", "value": 90},
            ]
        },
        actions=[
            {"type": "update_fields", "values": {"ownerId": None}},
            {"type": "add_tags", "names": ["dormant"]},
            {"type": "create_task", "subject": "Reactivate {{name}}", "assignTo": "actor"},
        ],
    )
    try:
        await scheduler_pass(days_ahead=91)
        node = (await gql(client, TIMELINE, {"id": customer["id"]}, token=admin)).data["node"]
        assert node["owner"] is None and node["tags"] == ["dormant"]
        assert [e["node"]["subject"] for e in node["timeline"]["edges"]] == [
            f"Reactivate Quiet {marker}"
        ]
    finally:
        await disable(client, admin, rule)


async def test_playbook_4_a_contract_ending_in_30_days_gets_a_renewal(client, as_alpha, marker):
    admin = as_alpha["admin"]
    contract = await make_object(
        client,
        admin,
        [
            dict(apiName="customer", type="RELATION", config={"target": "Customer"}),
            dict(apiName="end_date", type="DATE"),
            dict(apiName="title", type="TEXT"),
        ],
        stem="contract",
    )
    customer = await make_customer(client, admin, name=f"Renewing {marker}")
    ends = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()
    record = (
        await create_record(
            client, admin, contract, {"customer": customer["id"], "end_date": ends, "title": marker}
        )
    ).data
    later = (
        await create_record(
            client, admin, contract, {"customer": customer["id"], "end_date": "2099-01-01"}
        )
    ).data
    assert record and later
    rule = await make_rule(
        client,
        admin,
        name="Renewals",
        object=contract,
        trigger={"on": "date", "field": "end_date", "offsetDays": -30},
        actions=[
            {
                "type": "create_record",
                "object": "Opportunity",
                "values": {"name": "Renewal {{title}}", "customerId": "{{customer}}"},
            },
            {"type": "create_task", "subject": "Renew {{title}}"},
        ],
    )
    try:
        await scheduler_pass()
        await scheduler_pass()
        runs = await runs_of(client, admin, rule["id"])
        assert [r["status"] for r in runs] == ["SUCCEEDED"]
        deals = await gql(
            client,
            "query($n: String!) { opportunities(filter: {name: {eq: $n}}) { edges { node { customer { id } } } } }",
            {"n": f"Renewal {marker}"},
            token=admin,
        )
        assert [e["node"]["customer"]["id"] for e in deals.data["opportunities"]["edges"]] == [
            customer["id"]
        ]
    finally:
        await disable(client, admin, rule)


async def test_playbook_5_a_resolved_ticket_gets_a_follow_up_a_week_later_unless_reopened(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    status = "mutation($i: ChangeTicketStatusInput!) { changeTicketStatus(input: $i) { version status } }"
    rule = await make_rule(
        client,
        admin,
        name="Satisfaction",
        object="Ticket",
        trigger={"on": "status_changed", "to": {"status": "RESOLVED"}},
        conditions={
            "all": [
                {"field": "subject", "op": "contains", "value": marker},
                {"field": "status", "op": "in", "value": ["RESOLVED", "FOLLOWED_UP", "CLOSED"]},
            ]
        },
        actions=[
            {"type": "wait", "days": 7},
            {"type": "create_task", "subject": "How did we do? {{subject}}"},
        ],
    )
    try:
        tickets = []
        for name in ("kept", "reopened"):
            ticket = (
                await gql(
                    client,
                    "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id version } }",
                    {"i": {"subject": f"{name} {marker}"}},
                    token=admin,
                )
            ).data["createTicket"]
            version = ticket["version"]
            for step in ("ACCEPTED", "DIAGNOSING", "DISPATCHED", "RESOLVED"):
                version = (
                    await gql(
                        client,
                        status,
                        {"i": {"id": ticket["id"], "version": version, "status": step}},
                        token=admin,
                    )
                ).data["changeTicketStatus"]["version"]
            tickets.append((ticket["id"], version))
        await deliver()
        reopened_id, version = tickets[1]
        assert (
            await gql(
                client,
                status,
                {"i": {"id": reopened_id, "version": version, "status": "ACCEPTED"}},
                token=admin,
            )
        ).data
        await deliver()
        assert sorted(r["status"] for r in await runs_of(client, admin, rule["id"])) == [
            "WAITING",
            "WAITING",
        ]
        await scheduler_pass(days_ahead=3)  # too early
        assert sorted(r["status"] for r in await runs_of(client, admin, rule["id"])) == [
            "WAITING",
            "WAITING",
        ]
        await scheduler_pass(days_ahead=8)
        assert sorted(r["status"] for r in await runs_of(client, admin, rule["id"])) == [
            "SKIPPED",
            "SUCCEEDED",
        ]
        kept = (await gql(client, TIMELINE, {"id": tickets[0][0]}, token=admin)).data["node"][
            "timeline"
        ]["edges"]
        assert [e["node"]["subject"] for e in kept] == [f"How did we do? kept {marker}"]
        assert (await gql(client, TIMELINE, {"id": reopened_id}, token=admin)).data["node"][
            "timeline"
        ]["edges"] == []
    finally:
        await disable(client, admin, rule)


async def test_playbook_6_lead_scoring_moves_leads_to_mql_at_60(client, as_alpha, user_ids, marker):
    admin = as_alpha["admin"]
    demo = f"demo_{marker}"
    await make_field(client, admin, "Lead", apiName=demo, type="BOOLEAN")
    opened = f"opened_{marker}"
    await make_field(client, admin, "Lead", apiName=opened, type="INTEGER")
    only_mine = {"field": "region", "op": "eq", "value": marker}
    rules = [
        await make_rule(
            client,
            admin,
            name="demo +30",
            object="Lead",
            trigger={"on": "updated", "to": {f"customFields.{demo}": True}},
            conditions=only_mine,
            actions=[{"type": "increment", "field": "score", "by": 30}],
        ),
        await make_rule(
            client,
            admin,
            name="opened +5",
            object="Lead",
            trigger={"on": "updated", "fields": [f"customFields.{opened}"]},
            conditions=only_mine,
            actions=[{"type": "increment", "field": "score", "by": 5}],
        ),
        await make_rule(
            client,
            admin,
            name="idle -10",
            object="Lead",
            trigger={"on": "idle", "days": 30},
            conditions=only_mine,
            actions=[{"type": "increment", "field": "score", "by": -10}],
        ),
        await make_rule(
            client,
            admin,
            name="MQL at 60",
            object="Lead",
            trigger={"on": "updated", "fields": ["score"]},
            conditions={
                "all": [
                    only_mine,
                    {"field": "score", "op": "gte", "value": 60},
                    {"previous": "score", "op": "lt", "value": 60},
                ]
            },
            actions=[
                {"type": "update_fields", "values": {"lifecycleStage": "MQL"}},
                {"type": "notify", "to": "owner", "title": "MQL: {{personName}}"},
            ],
        ),
    ]
    lead_q = "query($id: ID!) { node(id: $id) { ... on Lead { score lifecycleStage version } } }"
    update = "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { version } }"
    try:
        lead = (
            await gql(
                client,
                "mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }",
                {
                    "i": {
                        "personName": f"Scored {marker}",
                        "region": marker,
                        "score": 20,
                        "ownerId": user_ids["member"],
                    }
                },
                token=admin,
            )
        ).data["createLead"]
        version = (
            await gql(
                client,
                update,
                {"i": {"id": lead["id"], "version": lead["version"], "customFields": {demo: True}}},
                token=admin,
            )
        ).data["updateLead"]["version"]
        await deliver()
        state = (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"]
        assert (state["score"], state["lifecycleStage"]) == (50, "LEAD")
        await gql(
            client,
            update,
            {"i": {"id": lead["id"], "version": state["version"], "customFields": {opened: 1}}},
            token=admin,
        )
        await deliver()
        state = (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"]
        assert (state["score"], state["lifecycleStage"]) == (55, "LEAD")
        await scheduler_pass(days_ahead=31)  # idle: -10
        await deliver()
        assert (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"][
            "score"
        ] == 45
        state = (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"]
        await gql(
            client,
            update,
            {"i": {"id": lead["id"], "version": state["version"], "customFields": {opened: 2}}},
            token=admin,
        )
        await deliver()
        await gql(
            client,
            update,
            {
                "i": {
                    "id": lead["id"],
                    "version": state["version"] + 2,
                    "customFields": {demo: False},
                }
            },
            token=admin,
        )
        await deliver()
        state = (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"]
        await gql(
            client,
            update,
            {"i": {"id": lead["id"], "version": state["version"], "customFields": {demo: True}}},
            token=admin,
        )
        await deliver()
        state = (await gql(client, lead_q, {"id": lead["id"]}, token=admin)).data["node"]
        assert (state["score"], state["lifecycleStage"]) == (80, "MQL")
        notes = (
            await gql(
                client,
                "{ notifications(first: 100) { edges { node { title } } } }",
                token=as_alpha["member"],
            )
        ).nodes("notifications")
        assert [n["title"] for n in notes].count(f"MQL: Scored {marker}") == 1
        del version
    finally:
        for rule in rules:
            await disable(client, admin, rule)

"""Assignment tables, activities other than tasks, and stage changes by name."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.graphql import gql

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
OWNER = "query($id: ID!) { node(id: $id) { ... on Lead { owner { id } } } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def test_an_assignment_table_picks_the_owner_by_region_with_a_default(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="By region",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "companyName", "op": "eq", "value": marker},
        actions=[
            {
                "type": "assign_owner",
                "strategy": "table",
                "field": "region",
                "table": {"East": user_ids["member"], "West": user_ids["agent"]},
                "defaultUserId": user_ids["manager"],
            }
        ],
    )
    assert rule["actions"][0]["table"] == {
        "East": user_ids["member"],
        "West": user_ids["agent"],
    }  # global ids out
    try:
        leads = {
            region: (
                await gql(
                    client,
                    LEAD,
                    {"input": {"personName": region, "region": region, "companyName": marker}},
                    token=admin,
                )
            ).data["createLead"]
            for region in ("east ", "West", "North")
        }
        await deliver()
        owners = {
            r: (await gql(client, OWNER, {"id": lead["id"]}, token=admin)).data["node"]["owner"][
                "id"
            ]
            for r, lead in leads.items()
        }
        assert owners == {
            "east ": user_ids["member"],
            "West": user_ids["agent"],
            "North": user_ids["manager"],
        }
    finally:
        await disable(client, admin, rule)


async def test_assignment_tables_are_checked_when_saved(client, as_alpha):
    bad = await gql(
        client,
        "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
        {
            "input": {
                "name": "Bad",
                "object": "Lead",
                "trigger": {"on": "created"},
                "actions": [
                    {"type": "assign_owner", "strategy": "table", "table": {}},
                    {"type": "assign_owner", "strategy": "by_mood"},
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        "actions.0.field": "REQUIRED",
        "actions.0.table": "REQUIRED",
        "actions.1.strategy": "INVALID_CHOICE",
        "actions.1.teamId": "INVALID_ID",
    }


async def test_a_rule_logs_a_note_and_moves_the_deal_to_a_stage_by_name(client, as_alpha, marker):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Big deals",
        object="Opportunity",
        trigger={"on": "created"},
        conditions={
            "all": [
                {"field": "name", "op": "eq", "value": marker},
                {"field": "amount", "op": "gte", "value": 100000},
            ]
        },
        actions=[
            {"type": "change_stage", "stage": "negotiation"},
            {
                "type": "create_task",
                "kind": "NOTE",
                "subject": "Big deal: {{amount}}",
                "body": "Watch it",
            },
        ],
    )
    try:
        deal = (
            await gql(
                client,
                "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
                {"i": {"name": marker, "amount": "250000"}},
                token=admin,
            )
        ).data["createOpportunity"]
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        node = (
            await gql(
                client,
                "query($id: ID!) { node(id: $id) { ... on Opportunity { stage { name } probability "
                "stageHistory { stage { name } leftAt } timeline { edges { node { kind subject body dueAt } } } } } }",
                {"id": deal["id"]},
                token=admin,
            )
        ).data["node"]
        assert node["stage"]["name"] == "Negotiation" and node["probability"] == 75
        assert [(v["stage"]["name"], v["leftAt"] is None) for v in node["stageHistory"]][-1] == (
            "Negotiation",
            True,
        )
        assert [e["node"] for e in node["timeline"]["edges"]] == [
            {"kind": "NOTE", "subject": "Big deal: 250000.00", "body": "Watch it", "dueAt": None}
        ]
    finally:
        await disable(client, admin, rule)


TICKET = "query($id: ID!) { node(id: $id) { ... on Ticket { status firstResponseAt statusHistory { fromStatus toStatus } } } }"


async def _ticket_after_rule(client, admin, marker, status):
    rule = await make_rule(
        client,
        admin,
        name=f"To {status}",
        object="Ticket",
        trigger={"on": "created"},
        conditions={"field": "subject", "op": "eq", "value": marker},
        actions=[{"type": "change_status", "status": status}],
    )
    try:
        ticket = (
            await gql(
                client,
                "mutation($s: String!) { createTicket(input: {subject: $s}) { id } }",
                {"s": marker},
                token=admin,
            )
        ).data["createTicket"]
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        return run, (await gql(client, TICKET, {"id": ticket["id"]}, token=admin)).data["node"]
    finally:
        await disable(client, admin, rule)


async def test_a_rule_moves_a_ticket_along_its_status_flow(client, as_alpha, marker):
    run, ticket = await _ticket_after_rule(client, as_alpha["admin"], marker, "ACCEPTED")
    assert run["status"] == "SUCCEEDED", run
    assert ticket["status"] == "ACCEPTED" and ticket["firstResponseAt"] is not None
    assert [(h["fromStatus"], h["toStatus"]) for h in ticket["statusHistory"]] == [
        (None, "NEW"),
        ("NEW", "ACCEPTED"),
    ]


async def test_a_move_the_flow_does_not_allow_fails_the_step_and_says_why(client, as_alpha, marker):
    run, ticket = await _ticket_after_rule(client, as_alpha["admin"], marker, "FOLLOWED_UP")
    assert run["status"] in ("RETRYING", "FAILED"), run  # retried like any failed step
    assert "ILLEGAL_TRANSITION" in run["reason"] and "not FOLLOWED_UP" in run["reason"], run
    assert ticket["status"] == "NEW" and [h["toStatus"] for h in ticket["statusHistory"]] == ["NEW"]


async def test_status_moves_are_checked_when_the_rule_is_saved(client, as_alpha):
    bad = await gql(
        client,
        "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
        {
            "input": {
                "name": "Bad",
                "object": "Ticket",
                "trigger": {"on": "created"},
                "actions": [
                    {"type": "change_status", "status": "SOLVED"},
                    {"type": "change_status"},
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    assert {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
        "actions.0.status": "INVALID_CHOICE",
        "actions.1.status": "INVALID_CHOICE",
    }

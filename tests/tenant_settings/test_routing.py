"""Ticket routing: round robin and least open among a team's available members (away dates), by
skill when asked, through an automation's assign_owner on ticket creation."""

from __future__ import annotations

import base64

import asyncpg
import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.graphql import gql

SET = "mutation($i: SetMemberRoutingInput!) { setMemberRouting(input: $i) { userId awayFrom awayUntil skills } }"
ROUTING = "{ memberRouting { userId awayFrom awayUntil skills } }"
TICKET = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
ASSIGNEE = "query($id: ID!) { node(id: $id) { ... on Ticket { assignee { id } } } }"


@pytest.fixture(scope="module")
async def people(client, settings_tenant) -> dict[str, str]:
    return {
        role: (await gql(client, "{ me { id } }", token=settings_tenant[role])).data["me"]["id"]
        for role in ("admin", "manager", "agent")
    }


async def _assignees(client, admin, subjects: list[tuple[str, str | None]]) -> list[str]:
    ids = [
        (await gql(client, TICKET, {"i": {"subject": s, "category": c}}, token=admin)).data[
            "createTicket"
        ]["id"]
        for s, c in subjects
    ]
    await deliver()
    return [
        (await gql(client, ASSIGNEE, {"id": i}, token=admin)).data["node"]["assignee"]["id"]
        for i in ids
    ]


async def test_routing_skips_members_away_and_prefers_skills(client, settings_tenant, people):
    admin = settings_tenant["admin"]
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": "Service desk", "memberIds": list(people.values())}},
            token=admin,
        )
    ).data["createTeam"]["id"]
    # Given the manager away for a long while and the agent handling billing
    away = await gql(
        client,
        SET,
        {"i": {"userId": people["manager"], "awayFrom": "2020-01-01", "awayUntil": "2099-12-31"}},
        token=admin,
    )
    assert away.data["setMemberRouting"]["awayUntil"] == "2099-12-31"
    skilled = await gql(
        client,
        SET,
        {"i": {"userId": people["agent"], "skills": ["Billing", "billing ", "Refunds"]}},
        token=settings_tenant["agent"],
    )  # a member sets their own
    assert skilled.data["setMemberRouting"]["skills"] == ["Billing", "Refunds"]
    rule = await make_rule(
        client,
        admin,
        name="Route tickets",
        object="Ticket",
        trigger={"on": "created"},
        actions=[
            {"type": "assign_owner", "strategy": "round_robin", "teamId": team, "bySkill": True}
        ],
    )
    try:
        # Billing tickets go to the agent; others rotate among the available (admin, agent), never the manager
        billing = await _assignees(
            client, admin, [("Invoice wrong", "billing"), ("Refund", "BILLING")]
        )
        assert billing == [people["agent"], people["agent"]]
        others = await _assignees(client, admin, [(f"Printer {n}", "hardware") for n in range(4)])
        assert set(others) == {people["admin"], people["agent"]} and people["manager"] not in others
        assert others[0] != others[1] and others[1] != others[2]
        # Back from leave: the manager takes work again
        await gql(client, SET, {"i": {"userId": people["manager"]}}, token=admin)
        back = await _assignees(client, admin, [(f"Screen {n}", None) for n in range(3)])
        assert set(back) == set(people.values())
    finally:
        await disable(client, admin, rule)


async def test_least_open_counts_open_tickets_of_available_members(client, settings_tenant, people):
    admin = settings_tenant["admin"]
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": "Field service", "memberIds": [people["admin"], people["agent"]]}},
            token=admin,
        )
    ).data["createTeam"]["id"]
    await gql(
        client,
        SET,
        {"i": {"userId": people["agent"], "awayFrom": "2020-01-01", "awayUntil": "2099-12-31"}},
        token=admin,
    )
    rule = await make_rule(
        client,
        admin,
        name="Least open",
        object="Ticket",
        trigger={"on": "created"},
        actions=[{"type": "assign_owner", "strategy": "least_open", "teamId": team}],
    )
    try:
        assert await _assignees(client, admin, [("Visit", None)]) == [people["admin"]]
        # Everyone away: the step fails with a reason, and the ticket keeps no assignee
        await gql(
            client, SET, {"i": {"userId": people["admin"], "awayFrom": "2020-01-01"}}, token=admin
        )
        ticket = (await gql(client, TICKET, {"i": {"subject": "Nobody"}}, token=admin)).data[
            "createTicket"
        ]["id"]
        await deliver()
        assert (await gql(client, ASSIGNEE, {"id": ticket}, token=admin)).data["node"][
            "assignee"
        ] is None
        # a failed step (retried later, as every failure is), with the reason
        failed = [
            r
            for r in await runs_of(client, admin, rule["id"])
            if r["status"] in ("RETRYING", "FAILED")
        ]
        assert failed and "NO_AVAILABLE_MEMBER" in str(failed[0]["steps"])
    finally:
        await disable(client, admin, rule)
        await gql(client, SET, {"i": {"userId": people["admin"]}}, token=admin)
        await gql(client, SET, {"i": {"userId": people["agent"]}}, token=admin)


async def test_who_sets_routing_and_what_is_checked(client, settings_tenant, people):
    agent = settings_tenant["agent"]
    assert (
        await gql(client, SET, {"i": {"userId": people["manager"], "skills": ["x"]}}, token=agent)
    ).codes == ["FORBIDDEN"]
    assert (
        await gql(client, SET, {"i": {"userId": people["agent"]}}, token=settings_tenant["viewer"])
    ).codes == ["FORBIDDEN"]
    bad = await gql(
        client,
        SET,
        {
            "i": {
                "userId": people["agent"],
                "awayFrom": "2026-12-10",
                "awayUntil": "2026-12-01",
                "skills": ["", "ok"],
            }
        },
        token=agent,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    assert {(e["field"], e["code"]) for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
        ("awayUntil", "BEFORE_START"),
        ("skills.0", "LENGTH"),
    }


async def test_routing_facts_stay_in_their_tenant(
    client, settings_tenant, people, as_beta, tenants, app_db
):
    await gql(
        client,
        SET,
        {"i": {"userId": people["agent"], "skills": ["Onsite"]}},
        token=settings_tenant["admin"],
    )
    assert (await gql(client, ROUTING, token=as_beta["admin"])).data["memberRouting"] == []
    # Beta's admin cannot set routing for our member: not a member of beta
    assert (
        await gql(
            client, SET, {"i": {"userId": people["agent"], "skills": ["x"]}}, token=as_beta["admin"]
        )
    ).codes == ["NOT_FOUND"]
    ours = settings_tenant["id"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", ours)
        assert await app_db.fetchval("SELECT count(*) FROM member_routing") >= 1
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM member_routing WHERE tenant_id = $1::uuid", ours
            )
            == 0
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            agent_id = base64.b64decode(people["agent"]).decode().split(":", 1)[1]
            await app_db.execute(
                "INSERT INTO member_routing (tenant_id, user_id) VALUES ($1::uuid, $2::uuid)",
                ours,
                agent_id,
            )

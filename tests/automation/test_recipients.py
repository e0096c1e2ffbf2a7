"""Whom a rule's `owner` names: a ticket's owner is its assignee and `owner_manager` the managers of
the assignee's teams (for notify, send_email, create_task and assign_owner alike); an action whose
recipients resolve to nobody fails its step with the reason instead of reporting success."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.graphql import gql

TICKET = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
NOTIFICATIONS = "{ notifications(first: 100) { edges { node { title } } } }"
TICKET_VIEW = (
    "query($id: ID!) { node(id: $id) { ... on Ticket { assignee { id } team { id } "
    "timeline { edges { node { subject owner { id } } } } } } }"
)


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def titles(client, token: str) -> list[str]:
    return [
        n["title"] for n in (await gql(client, NOTIFICATIONS, token=token)).nodes("notifications")
    ]


async def make_team(client, admin: str, marker: str, members: list[str], manager: str) -> str:
    created = await gql(
        client,
        "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
        {"i": {"name": f"Service {marker}", "memberIds": members, "managerId": manager}},
        token=admin,
    )
    return created.data["createTeam"]["id"]


async def delete_team(client, admin: str, team: str) -> None:
    """Teams stay out of the shared tenant: an agent's leftover team gives the admin a managed
    member, which changes who escalations and approvals by manager reach in later tests."""
    deleted = await gql(
        client,
        "mutation($input: DeleteInput!) { deleteTeam(input: $input) { id } }",
        {"input": {"id": team}},
        token=admin,
    )
    assert deleted.data, deleted.body


async def test_a_ticket_escalation_reaches_the_assignee_and_the_assignees_manager(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    # (the admin manages the team: teams of the tenant's manager would change what it sees in other tests)
    team = await make_team(client, admin, marker, [user_ids["agent"]], user_ids["admin"])
    rule = await make_rule(
        client,
        admin,
        name="Escalate",
        object="Ticket",
        trigger={"on": "created"},
        conditions={"field": "subject", "op": "contains", "value": marker},
        actions=[
            {"type": "notify", "to": "owner", "title": "Yours: {{subject}}"},
            {"type": "notify", "to": "owner_manager", "title": "Watch: {{subject}}"},
            {"type": "create_task", "subject": "Call back {{subject}}", "assignTo": "owner"},
        ],
    )
    try:
        # Given a ticket assigned to an agent whose team has a manager
        ticket = (
            await gql(
                client,
                TICKET,
                {"i": {"subject": f"Down {marker}", "assigneeId": user_ids["agent"]}},
                token=admin,
            )
        ).data["createTicket"]
        # When the rule runs
        await deliver()
        # Then the assignee and the assignee's manager are notified, and the task is the assignee's
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        assert [s["detail"] for s in run["steps"][:2]] == ["notified 1", "notified 1"]
        assert f"Yours: Down {marker}" in await titles(client, as_alpha["agent"])
        assert f"Watch: Down {marker}" in await titles(client, admin)
        tasks = (await gql(client, TICKET_VIEW, {"id": ticket["id"]}, token=admin)).data["node"][
            "timeline"
        ]["edges"]
        assert [(t["node"]["subject"], t["node"]["owner"]["id"]) for t in tasks] == [
            (f"Call back Down {marker}", user_ids["agent"])
        ]
    finally:
        await disable(client, admin, rule)
        await delete_team(client, admin, team)


async def test_assigning_an_owner_to_a_ticket_sets_its_assignee(client, as_alpha, user_ids, marker):
    admin = as_alpha["admin"]
    team = await make_team(client, admin, marker, [user_ids["member"]], user_ids["admin"])
    rule = await make_rule(
        client,
        admin,
        name="Dispatch",
        object="Ticket",
        trigger={"on": "created"},
        conditions={"field": "subject", "op": "contains", "value": marker},
        actions=[
            {"type": "assign_owner", "strategy": "round_robin", "teamId": team},
            {"type": "notify", "to": "owner", "title": "Assigned: {{subject}}"},
        ],
    )
    try:
        ticket = (
            await gql(client, TICKET, {"i": {"subject": f"Leak {marker}"}}, token=admin)
        ).data["createTicket"]
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        node = (await gql(client, TICKET_VIEW, {"id": ticket["id"]}, token=admin)).data["node"]
        assert (node["assignee"]["id"], node["team"]["id"]) == (user_ids["member"], team)
        assert f"Assigned: Leak {marker}" in await titles(client, as_alpha["member"])
    finally:
        await disable(client, admin, rule)
        await delete_team(client, admin, team)


@pytest.mark.parametrize(
    "action, reason",
    [
        ({"type": "notify", "to": "owner", "title": "Nobody"}, "the Ticket has no assignee"),
        (
            {"type": "notify", "to": "owner_manager", "title": "Nobody"},
            "the Ticket has no assignee",
        ),
        ({"type": "send_email", "to": "owner", "subject": "Nobody"}, "the Ticket has no assignee"),
    ],
)
async def test_an_action_that_reaches_nobody_fails_its_step_with_the_reason(
    client, as_alpha, marker, action, reason
):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Unassigned",
        object="Ticket",
        trigger={"on": "created"},
        conditions={"field": "subject", "op": "contains", "value": marker},
        actions=[action],
    )
    try:
        # Given a ticket nobody is assigned to
        assert (await gql(client, TICKET, {"i": {"subject": f"Orphan {marker}"}}, token=admin)).data
        # When the rule runs
        await deliver()
        # Then its step fails, saying why (and it is retried later, as any failed step)
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING"
        assert run["steps"][0]["status"] == "FAILED"
        assert f"nobody to reach: {reason}" in run["reason"]
    finally:
        await disable(client, admin, rule)

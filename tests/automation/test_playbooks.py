"""Automation playbooks through GraphQL, with the relay's and the worker's code delivering events."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import (
    deliver,
    disable,
    exhaust_retries,
    make_rule,
    retry_due,
    runs_of,
)
from tests.support.graphql import gql

LEAD = (
    "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version owner { id } } }"
)
UPDATE_LEAD = (
    "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version score } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on Lead { owner { id } team { id } score status tags version } } }"
NOTIFICATIONS = (
    "{ notifications(unreadOnly: true, first: 100) { edges { node { id title recordId } } } }"
)


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def _team(client, admin, members, manager=None):
    response = await gql(
        client,
        "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
        {"i": {"name": f"East {uuid.uuid4().hex[:6]}", "memberIds": members, "managerId": manager}},
        token=admin,
    )
    return response.data["createTeam"]["id"]


async def test_playbook_1_east_leads_go_round_robin_to_the_east_team_and_owners_are_notified(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    members = [user_ids["member"], user_ids["agent"]]
    team = await _team(client, admin, members)
    region = f"East-{marker}"
    rule = await make_rule(
        client,
        admin,
        name="East leads",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": region},
        actions=[
            {"type": "assign_owner", "strategy": "round_robin", "teamId": team},
            {"type": "notify", "to": "owner", "title": "New lead {{personName}} " + marker},
        ],
    )
    assert rule["actions"][0]["teamId"] == team
    try:
        leads = [
            (
                await gql(
                    client, LEAD, {"input": {"personName": f"P{n}", "region": region}}, token=admin
                )
            ).data["createLead"]
            for n in range(2)
        ]
        west = (
            await gql(
                client,
                LEAD,
                {"input": {"personName": "W", "region": f"West-{marker}"}},
                token=admin,
            )
        ).data["createLead"]
        await deliver()

        owners = [
            (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"]["owner"]["id"]
            for lead in leads
        ]
        assert sorted(owners) == sorted(members)  # one each, in turn
        assert (await gql(client, NODE, {"id": west["id"]}, token=admin)).data["node"]["owner"][
            "id"
        ] == user_ids["admin"]
        for role in ("member", "agent"):
            mine = [
                n
                for n in (await gql(client, NOTIFICATIONS, token=as_alpha[role])).nodes(
                    "notifications"
                )
                if n["title"].endswith(marker)
            ]
            assert len(mine) == 1, role
        runs = await runs_of(client, admin, rule["id"], unmatched=True)
        assert [r["status"] for r in runs if r["recordId"] in {lead["id"] for lead in leads}] == [
            "SUCCEEDED",
            "SUCCEEDED",
        ]
        assert [(r["status"], r["reason"]) for r in runs if r["recordId"] == west["id"]] == [
            ("SKIPPED", "conditions not met")
        ]
        assert all(
            step["status"] == "OK"
            for r in runs
            if r["status"] == "SUCCEEDED"
            for step in r["steps"]
        )
        read = await gql(
            client, "mutation { markNotificationsRead(input: {}) }", token=as_alpha["member"]
        )
        assert read.data["markNotificationsRead"] >= 1
        assert not [
            n
            for n in (await gql(client, NOTIFICATIONS, token=as_alpha["member"])).nodes(
                "notifications"
            )
            if n["title"].endswith(marker)
        ]
    finally:
        await disable(client, admin, rule)


async def test_playbook_7_a_rule_that_changes_its_own_trigger_runs_once(client, as_alpha, marker):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Score floor",
        object="Lead",
        trigger={"on": "updated", "fields": ["score"]},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "update_fields", "values": {"score": 50}}],
    )
    try:
        lead = (
            await gql(
                client, LEAD, {"input": {"personName": "Self", "region": marker}}, token=admin
            )
        ).data["createLead"]
        await gql(
            client,
            UPDATE_LEAD,
            {"input": {"id": lead["id"], "version": lead["version"], "score": 10}},
            token=admin,
        )
        await deliver()
        assert (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"][
            "score"
        ] == 50
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
    finally:
        await disable(client, admin, rule)


async def test_chains_of_rules_stop_at_the_documented_depth(client, as_alpha, marker):
    admin = as_alpha["admin"]
    only_mine = {"field": "region", "op": "eq", "value": marker}
    ping = await make_rule(
        client,
        admin,
        name="ping",
        object="Lead",
        trigger={"on": "updated", "fields": ["score"]},
        conditions=only_mine,
        actions=[
            {"type": "update_fields", "values": {"industry": "x"}},
            {"type": "update_fields", "values": {"industry": None}},
        ],
    )
    pong = await make_rule(
        client,
        admin,
        name="pong",
        object="Lead",
        trigger={"on": "updated", "fields": ["industry"]},
        conditions=only_mine,
        actions=[
            {"type": "update_fields", "values": {"score": 1}},
            {"type": "update_fields", "values": {"score": 2}},
        ],
    )
    try:
        lead = (
            await gql(
                client, LEAD, {"input": {"personName": "Chain", "region": marker}}, token=admin
            )
        ).data["createLead"]
        await gql(
            client,
            UPDATE_LEAD,
            {"input": {"id": lead["id"], "version": lead["version"], "score": 7}},
            token=admin,
        )
        await deliver()
        runs = await runs_of(client, admin, ping["id"]) + await runs_of(client, admin, pong["id"])
        failed = [r for r in runs if r["status"] == "FAILED"]
        assert failed and all("deeper than 5" in r["reason"] for r in failed)
        assert max(r["depth"] for r in runs) == 5
    finally:
        await disable(client, admin, ping)
        await disable(client, admin, pong)


async def test_each_rule_runs_once_per_event_even_if_delivered_twice(client, as_alpha, marker):
    from workers.events import deliver_event

    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Tag and task",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {"type": "add_tags", "names": ["fresh"]},
            {"type": "create_task", "subject": "Call {{personName}}", "dueInDays": 1},
        ],
    )
    try:
        lead = (
            await gql(
                client, LEAD, {"input": {"personName": "Twice", "region": marker}}, token=admin
            )
        ).data["createLead"]
        seen: list = []
        await deliver(seen)
        created = next(
            e
            for e in seen
            if e.event_type == "Lead.created" and str(e.record_id) in _raw(lead["id"])
        )
        await deliver_event(str(created.tenant_id), str(created.id))  # the same event again
        timeline = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Lead { tags timeline { edges { node { subject } } } } } }",
            {"id": lead["id"]},
            token=admin,
        )
        node = timeline.data["node"]
        assert node["tags"] == ["fresh"]
        assert [e["node"]["subject"] for e in node["timeline"]["edges"]] == ["Call Twice"]
        assert len(await runs_of(client, admin, rule["id"])) == 1
    finally:
        await disable(client, admin, rule)


async def test_a_failing_rule_is_recorded_and_other_rules_still_run(client, as_alpha, marker):
    # A value known only at run time (a name is no score) fails there; a fixed bad value is refused when saved.
    admin = as_alpha["admin"]
    only_mine = {"field": "region", "op": "eq", "value": marker}
    broken = await make_rule(
        client,
        admin,
        name="broken",
        object="Lead",
        trigger={"on": "created"},
        conditions=only_mine,
        actions=[
            {"type": "add_tags", "names": ["half"]},
            {"type": "update_fields", "values": {"score": "{{personName}}"}},
        ],
    )
    fine = await make_rule(
        client,
        admin,
        name="fine",
        object="Lead",
        trigger={"on": "created"},
        conditions=only_mine,
        actions=[{"type": "add_tags", "names": ["checked"]}],
    )
    try:
        lead = (
            await gql(
                client, LEAD, {"input": {"personName": "Fails", "region": marker}}, token=admin
            )
        ).data["createLead"]
        await deliver()
        [retrying] = await runs_of(client, admin, broken["id"])
        assert (retrying["status"], retrying["attempts"]) == (
            "RETRYING",
            2,
        ) and "score" in retrying["reason"]
        # The undone first step leaves the log; the failed one stays, with its attempt.
        assert [(s["type"], s["status"], s["attempt"]) for s in retrying["steps"]] == [
            ("update_fields", "FAILED", 1)
        ]
        await retry_due(hours_ahead=0)  # not due yet: nothing happens
        assert (await runs_of(client, admin, broken["id"]))[0]["attempts"] == 2
        await exhaust_retries()
        [failed] = await runs_of(client, admin, broken["id"])
        assert (failed["status"], failed["attempts"]) == (
            "FAILED",
            4,
        ) and "no more retries" in failed["reason"]
        assert [(s["status"], s["attempt"]) for s in failed["steps"]] == [
            ("FAILED", n) for n in (1, 2, 3, 4)
        ]
        assert [r["status"] for r in await runs_of(client, admin, fine["id"])] == ["SUCCEEDED"]
        # The failed rule's first step was undone with it; the other rule's effect stays.
        assert (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"]["tags"] == [
            "checked"
        ]
    finally:
        await disable(client, admin, broken)
        await disable(client, admin, fine)


def _raw(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id


async def test_dry_run_shows_what_would_happen_and_changes_nothing(client, as_alpha, marker):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Dry",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {"type": "add_tags", "names": ["tried"]},
            {"type": "update_fields", "values": {"score": "{{personName}}"}},
        ],
        enabled=False,
    )
    lead = (
        await gql(client, LEAD, {"input": {"personName": "Dry", "region": marker}}, token=admin)
    ).data["createLead"]
    tried = await gql(
        client,
        "mutation($i: TestAutomationRuleInput!) { testAutomationRule(input: $i) }",
        {"i": {"id": rule["id"], "recordId": lead["id"]}},
        token=admin,
    )
    result = tried.data["testAutomationRule"]
    assert result["conditionsMet"] is True
    assert [(s["type"], s["status"]) for s in result["steps"]] == [
        ("add_tags", "OK"),
        ("update_fields", "FAILED"),
    ]
    assert (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"]["tags"] == []
    assert (
        await gql(
            client,
            "mutation($i: TestAutomationRuleInput!) { testAutomationRule(input: $i) }",
            {"i": {"id": rule["id"], "recordId": lead["id"]}},
            token=as_alpha["member"],
        )
    ).codes == ["FORBIDDEN"]


async def test_a_failed_run_can_be_run_again_after_the_rule_is_fixed(client, as_alpha, marker):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Fix me",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "update_fields", "values": {"score": "{{personName}}"}}],
    )
    try:
        lead = (
            await gql(
                client, LEAD, {"input": {"personName": "Again", "region": marker}}, token=admin
            )
        ).data["createLead"]
        await deliver()
        await exhaust_retries()
        [failed] = (
            await gql(
                client,
                'query($r: ID) { automationRuns(ruleId: $r, status: "FAILED") { edges { node { id status } } } }',
                {"r": rule["id"]},
                token=admin,
            )
        ).nodes("automationRuns")
        assert failed["status"] == "FAILED"
        await gql(
            client,
            "mutation($i: UpdateAutomationRuleInput!) { updateAutomationRule(input: $i) { version } }",
            {
                "i": {
                    "id": rule["id"],
                    "version": rule["version"],
                    "actions": [{"type": "update_fields", "values": {"score": 70}}],
                }
            },
            token=admin,
        )
        again = await gql(
            client,
            "mutation($i: RunRefInput!) { rerunAutomationRun(input: $i) }",
            {"i": {"id": failed["id"]}},
            token=admin,
        )
        assert again.data["rerunAutomationRun"] is True
        done = await runs_of(client, admin, rule["id"])
        assert [(r["status"], r["ruleVersion"]) for r in done] == [
            ("SUCCEEDED", rule["version"] + 1)
        ]
        assert (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"][
            "score"
        ] == 70
    finally:
        await disable(client, admin, rule)


async def test_a_rule_converts_qualified_leads(client, as_alpha, marker):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Convert",
        object="Lead",
        trigger={"on": "updated", "to": {"status": "QUALIFIED"}},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "convert_lead", "createOpportunity": True}],
    )
    try:
        lead = (
            await gql(
                client,
                LEAD,
                {
                    "input": {
                        "personName": "Qualified",
                        "companyName": f"Co {marker}",
                        "region": marker,
                    }
                },
                token=admin,
            )
        ).data["createLead"]
        await gql(
            client,
            UPDATE_LEAD,
            {"input": {"id": lead["id"], "version": lead["version"], "status": "QUALIFIED"}},
            token=admin,
        )
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        state = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Lead { status convertedOpportunity { id } } } }",
            {"id": lead["id"]},
            token=admin,
        )
        assert (
            state.data["node"]["status"] == "CONVERTED"
            and state.data["node"]["convertedOpportunity"]
        )
    finally:
        await disable(client, admin, rule)

"""Step timeouts through the real scheduler pass with an injected clock (never a wall-clock wait):
playbook 5 (escalation to the approver's manager after 24 business hours, once), reminders,
automatic decisions, exactly once under concurrent passes; and the automation action
submit_for_approval."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.approvals import (
    RECALL,
    REQUEST,
    delete_process,
    delete_team,
    make_process,
    submit,
    users_step,
    waiting_on,
)
from tests.support.automation import deliver, disable, make_rule
from tests.support.graphql import gql
from workers.scheduler import schedule_once

OPPORTUNITY = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)
TEAM = "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }"
OFFICE_HOURS = {
    "timeZone": "UTC",
    "weeklyHours": {
        day: [{"start": "09:00", "end": "17:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    },
}


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def _deal(client, token):
    return (
        await gql(
            client, OPPORTUNITY, {"input": {"name": f"Deal {uuid.uuid4().hex[:6]}"}}, token=token
        )
    ).data["createOpportunity"]


async def _pass(**ahead: float) -> int:
    return await schedule_once(datetime.now(timezone.utc) + timedelta(**ahead))


async def _office_calendar(client, admin, name):
    version = (await gql(client, "{ tenantSettings { version } }", token=admin)).data[
        "tenantSettings"
    ]["version"]
    saved = await gql(
        client,
        "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { version } }",
        {"i": {"version": version, "calendars": [{"name": name, "calendar": OFFICE_HOURS}]}},
        token=admin,
    )
    assert not saved.errors, saved.body


async def test_playbook_5_a_step_undecided_for_24_business_hours_escalates_to_the_approvers_manager_once(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    office = f"office-{marker}"
    await _office_calendar(client, admin, office)
    team = (
        await gql(
            client,
            TEAM,
            {
                "i": {
                    "name": f"Support {marker}",
                    "memberIds": [user_ids["agent"]],
                    "managerId": user_ids["manager"],
                }
            },
            token=admin,
        )
    ).data["createTeam"]["id"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step(
                "Agent",
                [user_ids["agent"]],
                timeout={"hours": 24, "action": "ESCALATE", "calendar": office},
            )
        ],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        # 25 hours of clock are at most 9 business hours of a 9-to-5 week: nothing yet.
        await _pass(hours=25)
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
        # Three working days (24 business hours) fit in any seven days: escalated, once.
        passes = await asyncio.gather(_pass(days=7), _pass(days=7))
        assert sum(passes) >= 1
        await _pass(days=30)
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert [e["event"] for e in state["history"]].count("escalated") == 1
        decisions = {d["approver"]["id"]: d["status"] for d in state["steps"][0]["decisions"]}
        assert decisions == {user_ids["agent"]: "REASSIGNED", user_ids["manager"]: "PENDING"}
        assert request["id"] in await waiting_on(client, as_alpha["manager"])
        seen: list = []
        await deliver(seen)
        assert [e.event_type for e in seen if e.event_type == "ApprovalRequest.escalated"] == [
            "ApprovalRequest.escalated"
        ]
        approved = await gql(
            client,
            "mutation($i: DecideApprovalInput!) { approve(input: $i) { status } }",
            {"i": {"requestId": request["id"]}},
            token=as_alpha["manager"],
        )
        assert approved.data["approve"]["status"] == "APPROVED"
    finally:
        await delete_process(client, admin, process)
        await delete_team(client, admin, team)


async def test_a_reminder_then_an_automatic_decision(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step(
                "First",
                [user_ids["manager"]],
                timeout={"hours": 10, "remindAfterHours": 2, "action": "APPROVE"},
            ),
            users_step("Second", [user_ids["manager"]], timeout={"hours": 10, "action": "REJECT"}),
        ],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        await _pass(hours=3)
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert [e["event"] for e in state["history"]].count("reminded") == 1 and state[
            "currentStepName"
        ] == "First"
        notes = (
            await gql(
                client,
                "{ notifications(first: 100) { edges { node { title recordId } } } }",
                token=as_alpha["manager"],
            )
        ).nodes("notifications")
        assert any(n["title"].startswith("Reminder") for n in notes)
        await _pass(
            hours=11
        )  # the first step approves itself; the second starts at that pass's clock
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert (state["status"], state["currentStepName"]) == ("PENDING", "Second")
        await _pass(hours=20)  # 9 hours into the second step: not yet
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert state["status"] == "PENDING"
        await _pass(hours=22)
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert state["status"] == "REJECTED" and "timed_out" in [
            e["event"] for e in state["history"]
        ]
    finally:
        await delete_process(client, admin, process)


async def test_a_decided_step_fires_no_timer(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step(
                "Only",
                [user_ids["manager"]],
                timeout={"hours": 1, "remindAfterHours": 0.5, "action": "REJECT"},
            )
        ],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["member"])
        await _pass(hours=2)
        state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert state["status"] == "RECALLED" and not {"reminded", "timed_out"} & {
            e["event"] for e in state["history"]
        }
    finally:
        await delete_process(client, admin, process)


async def test_an_unknown_calendar_is_refused_when_saving(client, as_alpha, user_ids):
    response = await gql(
        client,
        "mutation($input: CreateApprovalProcessInput!) { createApprovalProcess(input: $input) { id } }",
        {
            "input": {
                "name": "x",
                "object": "Lead",
                "steps": [
                    users_step(
                        "x",
                        [user_ids["manager"]],
                        timeout={"hours": 1, "action": "APPROVE", "calendar": "nope"},
                    )
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert response.errors[0]["extensions"]["fieldErrors"] == [
        {
            "field": "steps.0.timeout.calendar",
            "code": "UNKNOWN_CALENDAR",
            "message": "no business calendar has this name",
        }
    ]


async def test_a_rule_submits_records_for_approval(client, as_alpha, user_ids, marker):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        startMode="AUTOMATIC",
        entryCriteria={"field": "name", "op": "contains", "value": marker},
        steps=[users_step("Manager", [user_ids["manager"]])],
    )
    bad = await gql(
        client,
        "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
        {
            "input": {
                "name": "x",
                "object": "Opportunity",
                "trigger": {"on": "created"},
                "actions": [{"type": "submit_for_approval", "processId": user_ids["manager"]}],
            }
        },
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    rule = await make_rule(
        client,
        admin,
        name="Big deals need approval",
        object="Opportunity",
        trigger={"on": "created"},
        conditions={"field": "name", "op": "contains", "value": marker},
        actions=[
            {"type": "submit_for_approval", "processId": process["id"], "comment": "auto: {{name}}"}
        ],
    )
    assert rule["actions"][0]["processId"] == process["id"]
    try:
        await deliver()
        deal = (
            await gql(
                client, OPPORTUNITY, {"input": {"name": f"Deal {marker}"}}, token=as_alpha["member"]
            )
        ).data["createOpportunity"]
        manual = await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        assert manual.errors[0]["extensions"]["fieldErrors"][0]["code"] == "AUTOMATIC_ONLY"
        await deliver()
        read = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Opportunity { approvalRequests { status comment } } } }",
            {"id": deal["id"]},
            token=admin,
        )
        assert read.data["node"]["approvalRequests"] == [
            {"status": "PENDING", "comment": f"auto: Deal {marker}"}
        ]
    finally:
        await disable(client, admin, rule)
        await delete_process(client, admin, process)

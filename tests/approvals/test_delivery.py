"""Approval events reach outgoing webhooks (with the record), and delegations stay with their
tenant and their owner."""

from __future__ import annotations

import email
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook

from tests.support.approvals import decide, delete_process, make_process, submit, users_step
from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.graphql import gql
from tests.support.receiver import Receiver
from workers.scheduler import schedule_once

CREATE_ENDPOINT = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id } } }"
OPPORTUNITY = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)
DELEGATE = (
    "mutation($i: CreateApprovalDelegationInput!) { createApprovalDelegation(input: $i) { id } }"
)
REVOKE = "mutation($i: ApprovalDelegationRefInput!) { revokeApprovalDelegation(input: $i) { revokedAt } }"


async def test_approval_events_are_delivered_by_webhooks_with_the_record(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    receiver = Receiver()
    await deliver()
    made = (
        await gql(
            client,
            CREATE_ENDPOINT,
            {"i": {"url": receiver.url, "eventTypes": ["ApprovalRequest.*"]}},
            token=admin,
        )
    ).data["createWebhookEndpoint"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    try:
        name = f"Hooked {uuid.uuid4().hex[:6]}"
        deal = (
            await gql(client, OPPORTUNITY, {"input": {"name": name}}, token=as_alpha["member"])
        ).data["createOpportunity"]
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        await decide(client, as_alpha["manager"], request["id"], comment="fine")
        await deliver()
        await schedule_once(datetime.now(timezone.utc))
        payloads = [Webhook(made["secret"]).verify(r.body, r.headers) for r in receiver.received]
        mine = [p for p in payloads if p["data"]["record"]["name"] == name]
        assert sorted(p["type"] for p in mine) == sorted(
            [
                "ApprovalRequest.submitted",
                "ApprovalRequest.step_completed",
                "ApprovalRequest.approved",
            ]
        )
        approved = next(p for p in mine if p["type"] == "ApprovalRequest.approved")
        assert (
            approved["data"]["object"] == "Opportunity"
            and approved["data"]["changes"]["status"] == "APPROVED"
        )
        assert approved["data"]["changes"]["comment"] == "fine"
    finally:
        await delete_process(client, admin, process)
        await gql(
            client,
            "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
            {"i": {"id": made["endpoint"]["id"]}},
            token=admin,
        )
        receiver.close()


async def test_delegations_are_checked_and_stay_with_their_tenant_and_owner(
    client, as_alpha, as_beta, user_ids, app_db, tenants
):
    now = datetime.now(timezone.utc)
    window = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(days=1)).isoformat()}
    bad = await gql(
        client,
        DELEGATE,
        {
            "i": {
                "delegateId": user_ids["member"],
                "startsAt": window["endsAt"],
                "endsAt": window["startsAt"],
            }
        },
        token=as_alpha["member"],
    )
    assert {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
        "delegateId": "SELF",
        "endsAt": "OUT_OF_RANGE",
    }
    for_someone = await gql(
        client,
        DELEGATE,
        {"i": {"delegateId": user_ids["agent"], "delegatorId": user_ids["manager"], **window}},
        token=as_alpha["member"],
    )
    assert for_someone.codes == ["FORBIDDEN"]
    made = (
        await gql(
            client,
            DELEGATE,
            {"i": {"delegateId": user_ids["agent"], **window}},
            token=as_alpha["member"],
        )
    ).data
    delegation_id = made["createApprovalDelegation"]["id"]
    foreign = await gql(
        client,
        DELEGATE,
        {"i": {"delegateId": user_ids["agent"], **window}},
        token=as_beta["member"],
    )
    assert foreign.errors[0]["extensions"]["fieldErrors"] == [
        {"field": "delegateId", "code": "NOT_FOUND", "message": "no such member"}
    ]
    assert (
        await gql(client, REVOKE, {"i": {"id": delegation_id}}, token=as_beta["admin"])
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(client, REVOKE, {"i": {"id": delegation_id}}, token=as_alpha["manager"])
    ).codes == ["NOT_FOUND"]
    listed = (await gql(client, "{ approvalDelegations { id } }", token=as_beta["admin"])).data[
        "approvalDelegations"
    ]
    assert delegation_id not in {d["id"] for d in listed}
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetchval("SELECT count(*) FROM approval_delegation") == 0
    revoked = await gql(client, REVOKE, {"i": {"id": delegation_id}}, token=as_alpha["member"])
    assert revoked.data["revokeApprovalDelegation"]["revokedAt"]


@pytest.fixture
def mailbox(tmp_path):
    """A mail catcher this process's outgoing email goes to for one test."""
    from domain.outbound.config import configure_outbound, outbound_config
    from tessera.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path).start()
    before = outbound_config()
    configure_outbound(replace(before, smtp_url=catcher.url))
    yield catcher
    configure_outbound(before)
    catcher.stop()


async def test_rules_email_and_notify_the_current_approvers(
    client, as_alpha, user_ids, tenants, mailbox
):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    bad = await gql(
        client,
        "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
        {
            "input": {
                "name": "x",
                "object": "Opportunity",
                "trigger": {"on": "ApprovalRequest.submitted"},
                "actions": [{"type": "send_email", "to": "approverz", "subject": "x"}],
            }
        },
        token=admin,
    )
    assert bad.errors[0]["extensions"]["fieldErrors"][0]["field"] == "actions.0.to"
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[users_step("Pair", [user_ids["manager"], user_ids["agent"]], mode="ALL")],
    )
    rule = await make_rule(
        client,
        admin,
        name="Tell the approvers",
        object="Opportunity",
        trigger={"on": "ApprovalRequest.submitted"},
        conditions={"field": "name", "op": "contains", "value": marker},
        actions=[
            {"type": "send_email", "to": "approvers", "subject": "Please approve {{name}}"},
            {"type": "notify", "to": "approvers", "title": "Mail sent about {{name}}"},
        ],
    )
    try:
        await deliver()
        before = len(mailbox.messages())
        deal = (
            await gql(
                client, OPPORTUNITY, {"input": {"name": f"Deal {marker}"}}, token=as_alpha["member"]
            )
        ).data["createOpportunity"]
        await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        await deliver()
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
        [sent] = [email.message_from_bytes(m) for m in mailbox.messages()[before:]]
        assert sent["Subject"] == f"Please approve Deal {marker}"
        assert sorted(a.strip() for a in sent["To"].split(",")) == sorted(
            [tenants["alpha"].email("manager"), tenants["alpha"].email("agent")]
        )
        for role in ("manager", "agent"):
            notes = (
                await gql(
                    client,
                    "{ notifications(first: 100) { edges { node { title } } } }",
                    token=as_alpha[role],
                )
            ).nodes("notifications")
            assert f"Mail sent about Deal {marker}" in {n["title"] for n in notes}
    finally:
        await disable(client, admin, rule)
        await delete_process(client, admin, process)

"""Approval requests under load and at the edges: concurrent decisions, double clicks, who may
decide, events for rules and webhooks, another tenant."""

from __future__ import annotations

import asyncio
import base64
import uuid

from tests.support.approvals import (
    MY_APPROVALS,
    REASSIGN,
    RECALL,
    REQUEST,
    decide,
    delete_process,
    make_process,
    reason,
    submit,
    users_step,
    waiting_on,
)
from tests.support.automation import deliver, disable, make_rule
from tests.support.graphql import gql

OPPORTUNITY = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)
READ = "query($id: ID!) { node(id: $id) { ... on Opportunity { probability approvalRequests { id status } } } }"


def _raw(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def _deal(client, token):
    return (
        await gql(
            client, OPPORTUNITY, {"input": {"name": f"Deal {uuid.uuid4().hex[:6]}"}}, token=token
        )
    ).data["createOpportunity"]


async def test_two_approvers_of_an_any_step_at_once_one_decides_the_other_is_told(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[users_step("Either", [user_ids["manager"], user_ids["agent"]], mode="ANY")],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        first, second = await asyncio.gather(
            decide(client, as_alpha["manager"], request["id"]),
            decide(client, as_alpha["agent"], request["id"], approve=False),
        )
        outcomes = sorted([first, second], key=lambda r: bool(r.errors))
        assert (
            not outcomes[0].errors
            and outcomes[1].codes == ["CONFLICT"]
            and reason(outcomes[1]) == "ALREADY_DECIDED"
        )
        final = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        decided = [
            d for d in final["steps"][0]["decisions"] if d["status"] in ("APPROVED", "REJECTED")
        ]
        assert len(decided) == 1 and final["status"] in ("APPROVED", "REJECTED")
    finally:
        await delete_process(client, admin, process)


async def test_concurrent_approvals_of_an_all_step_complete_it_exactly_once(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    everyone = ("manager", "member", "agent")
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step("Everyone", [user_ids[r] for r in everyone], mode="ALL"),
            users_step("Admin", [user_ids["admin"]]),
        ],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        answers = await asyncio.gather(
            *[decide(client, as_alpha[r], request["id"]) for r in everyone]
        )
        assert [a.errors for a in answers] == [[], [], []]
        final = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert final["currentStepName"] == "Admin" and [s["name"] for s in final["steps"]] == [
            "Everyone",
            "Admin",
        ]
        assert [e["event"] for e in final["history"]].count("step_approved") == 1
        assert [e["event"] for e in final["history"]].count("entered") == 2
        await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["member"])
    finally:
        await delete_process(client, admin, process)


async def test_a_double_click_decides_once(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[users_step("Both", [user_ids["manager"], user_ids["agent"]], mode="ALL")],
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        clicks = await asyncio.gather(
            *[
                decide(client, as_alpha["manager"], request["id"], version=request["version"])
                for _ in range(2)
            ]
        )
        assert [c.errors for c in clicks] == [[], []]
        final = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert final["status"] == "PENDING"
        assert sorted(d["status"] for d in final["steps"][0]["decisions"]) == [
            "APPROVED",
            "PENDING",
        ]
        assert [e["event"] for e in final["history"]].count("approved_by") == 1
        await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["member"])
    finally:
        await delete_process(client, admin, process)


async def test_only_current_approvers_decide_admins_override_and_reassign(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        assert (await decide(client, as_alpha["viewer"], request["id"])).codes == ["FORBIDDEN"]
        assert (await decide(client, as_alpha["member"], request["id"], override=True)).codes == [
            "FORBIDDEN"
        ]
        assert (await decide(client, admin, request["id"])).codes == [
            "CONFLICT"
        ]  # an admin must say override
        again = await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        assert again.codes == ["CONFLICT"] and reason(again) == "ALREADY_PENDING"

        moved = await gql(
            client,
            REASSIGN,
            {"input": {"requestId": request["id"], "toUserId": user_ids["agent"]}},
            token=as_alpha["manager"],
        )
        assert moved.data["reassignApproval"]["status"] == "PENDING"
        assert request["id"] in await waiting_on(client, as_alpha["agent"])
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
        assert (await decide(client, as_alpha["manager"], request["id"])).codes == ["CONFLICT"]

        overridden = (
            await decide(client, admin, request["id"], override=True, comment="urgent")
        ).data["approve"]
        assert overridden["status"] == "APPROVED"
        decisions = {d["approver"]["id"]: d["status"] for d in overridden["steps"][0]["decisions"]}
        assert decisions == {
            user_ids["manager"]: "REASSIGNED",
            user_ids["agent"]: "CLOSED",
            user_ids["admin"]: "APPROVED",
        }
        assert (
            await gql(client, REQUEST, {"id": request["id"]}, token=as_alpha["viewer"])
        ).codes == ["NOT_FOUND"]
    finally:
        await delete_process(client, admin, process)


async def test_approval_events_trigger_rules_on_the_record(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    rule = await make_rule(
        client,
        admin,
        name="On approved",
        object="Opportunity",
        trigger={"on": "ApprovalRequest.approved"},
        actions=[{"type": "update_fields", "values": {"probability": 77}}],
    )
    try:
        await deliver()
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        await decide(client, as_alpha["manager"], request["id"])
        seen: list = []
        await deliver(seen)
        mine = [e.event_type for e in seen if e.record_id == _raw(deal["id"])]
        assert {
            "ApprovalRequest.submitted",
            "ApprovalRequest.step_completed",
            "ApprovalRequest.approved",
        } <= set(mine)
        read = (await gql(client, READ, {"id": deal["id"]}, token=admin)).data["node"]
        assert read["probability"] == 77 and read["approvalRequests"] == [
            {"id": request["id"], "status": "APPROVED"}
        ]
        notes = (
            await gql(
                client,
                "{ notifications(first: 100) { edges { node { title recordId } } } }",
                token=as_alpha["manager"],
            )
        ).nodes("notifications")
        assert any(n["title"].startswith("Approval needed") and n["recordId"] for n in notes)
    finally:
        await disable(client, admin, rule)
        await delete_process(client, admin, process)


async def test_another_tenant_neither_sees_nor_decides_a_request(
    client, as_alpha, as_beta, user_ids, app_db, tenants
):
    admin = as_alpha["admin"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    try:
        deal = await _deal(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        for role in ("admin", "manager"):
            beta = as_beta[role]
            assert (await gql(client, REQUEST, {"id": request["id"]}, token=beta)).codes == [
                "NOT_FOUND"
            ]
            assert (await decide(client, beta, request["id"])).codes == ["NOT_FOUND"]
            assert (await decide(client, beta, request["id"], override=True)).codes in (
                ["NOT_FOUND"],
                ["FORBIDDEN"],
            )
            assert (
                await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=beta)
            ).codes == ["NOT_FOUND"]
            listed = (
                await gql(client, "{ approvalRequests(first: 100) { id } }", token=beta)
            ).data["approvalRequests"]
            assert request["id"] not in {r["id"] for r in listed}
            assert request["id"] not in await waiting_on(client, beta)
        assert (await submit(client, as_beta["admin"], deal["id"])).codes == ["NOT_FOUND"]
        raw = _raw(request["id"])
        for tenant, expected in (("beta", 0), ("alpha", 1)):
            async with app_db.transaction():
                await app_db.execute(
                    "SELECT set_config('app.tenant_id', $1, true)", tenants[tenant].id
                )
                assert (
                    await app_db.fetchval(
                        "SELECT count(*) FROM approval_request WHERE id = $1", raw
                    )
                    == expected
                )
                assert (
                    await app_db.fetchval(
                        "SELECT count(*) FROM approval_task WHERE request_id = $1", raw
                    )
                    == expected
                )
                if tenant == "beta":
                    assert (
                        await app_db.execute(
                            "UPDATE approval_request SET status = 'APPROVED' WHERE id = $1", raw
                        )
                        == "UPDATE 0"
                    )
        alpha_state = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert alpha_state["status"] == "PENDING"
        assert (await gql(client, MY_APPROVALS, token=as_alpha["manager"])).data["myApprovals"][
            "count"
        ] >= 1
        await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["member"])
    finally:
        await delete_process(client, admin, process)


async def test_approval_notifications_speak_each_recipients_language(client, as_alpha, user_ids):
    admin, member, manager = as_alpha["admin"], as_alpha["member"], as_alpha["manager"]
    locale = "mutation($l: String) { setMyLocale(input: {locale: $l}) { locale } }"
    assert (await gql(client, locale, {"l": "zh-CN"}, token=manager)).data["setMyLocale"][
        "locale"
    ] == "zh-CN"
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        name=f"折扣审批 {uuid.uuid4().hex[:6]}",
        steps=[users_step("经理", [user_ids["manager"]])],
    )
    try:
        deal = await _deal(client, member)
        request = (await submit(client, member, deal["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        await decide(client, manager, request["id"], comment="同意")
        query = "{ notifications(first: 100) { edges { node { title body recordId } } } }"
        ours = (deal["id"],)  # a global id, which node(id:) reads
        to_manager = [
            n
            for n in (await gql(client, query, token=manager)).nodes("notifications")
            if n["recordId"] in ours
        ]
        to_member = [
            n
            for n in (await gql(client, query, token=member)).nodes("notifications")
            if n["recordId"] in ours
        ]
        assert [(n["title"].split("：")[0], n["body"]) for n in to_manager] == [
            ("待审批", f"{process['name']}，步骤 经理")
        ]
        assert [(n["title"].split(": ")[0], n["body"]) for n in to_member] == [
            ("Approved", f"{process['name']}: 同意")
        ]
    finally:
        await gql(client, locale, {"l": None}, token=manager)
        await delete_process(client, admin, process)

"""Approvals in a customer's full timeline: requests on the customer's records and each approver's
decision appear, filterable by kind, only for records the caller may read."""

from __future__ import annotations

from tests.support.approvals import RECALL, decide, delete_process, make_process, submit, users_step
from tests.support.graphql import gql
from tests.support.records import make_customer, unique

TIMELINE = """query($id: ID!, $kinds: [TimelineKind!]) { node(id: $id) { ... on Customer {
  fullTimeline(first: 100, kinds: $kinds) {
    totalCount
    edges { node { at kind recordType recordId toStatus actor { email }
                   approvalRequest { id status processName } } } } } } }"""
DEAL = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }"
APPROVALS = ["APPROVAL_REQUESTED", "APPROVAL_DECISION"]


async def _timeline(client, token, customer_id, kinds=None) -> dict:
    response = await gql(client, TIMELINE, {"id": customer_id, "kinds": kinds}, token=token)
    assert not response.errors, response.errors
    return response.data["node"]["fullTimeline"] if response.data["node"] else None


async def test_approval_requests_and_decisions_join_the_customers_timeline(
    client, as_alpha, as_beta, user_ids
):
    admin = as_alpha["admin"]
    customer = await make_customer(client, admin, ownerId=None)
    shared = (
        await gql(
            client,
            DEAL,
            {"input": {"name": unique("Deal"), "customerId": customer["id"], "ownerId": None}},
            token=admin,
        )
    ).data["createOpportunity"]
    private = (
        await gql(
            client,
            DEAL,
            {
                "input": {
                    "name": unique("Secret"),
                    "customerId": customer["id"],
                    "ownerId": user_ids["admin"],
                }
            },
            token=admin,
        )
    ).data["createOpportunity"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Boss", [user_ids["manager"]])]
    )
    try:
        asked = await submit(client, as_alpha["member"], shared["id"], processId=process["id"])
        shared_request = asked.data["submitForApproval"]
        private_request = (
            await submit(client, admin, private["id"], processId=process["id"])
        ).data["submitForApproval"]
        assert (await decide(client, as_alpha["manager"], shared_request["id"])).data

        everything = await _timeline(client, admin, customer["id"])
        approvals = [e["node"] for e in everything["edges"] if e["node"]["kind"] in APPROVALS]
        by_kind = {(n["kind"], n["recordId"]): n for n in approvals}
        assert set(by_kind) == {
            ("APPROVAL_REQUESTED", shared["id"]),
            ("APPROVAL_REQUESTED", private["id"]),
            ("APPROVAL_DECISION", shared["id"]),
        }
        decision = by_kind[("APPROVAL_DECISION", shared["id"])]
        assert decision["toStatus"] == "APPROVED"
        assert decision["actor"]["email"] == "manager@alpha.test"
        assert decision["approvalRequest"]["id"] == shared_request["id"]
        requested = by_kind[("APPROVAL_REQUESTED", shared["id"])]
        assert requested["actor"]["email"] == "member@alpha.test"
        assert requested["approvalRequest"]["status"] == "APPROVED"  # as it is now
        assert requested["recordType"] == "Opportunity"
        assert decision["at"] >= requested["at"]

        only = await _timeline(client, admin, customer["id"], kinds=["APPROVAL_DECISION"])
        assert [e["node"]["kind"] for e in only["edges"]] == ["APPROVAL_DECISION"]
        assert only["totalCount"] == 1

        # The member cannot read the private deal: neither its request shows.
        member = await _timeline(client, as_alpha["member"], customer["id"], kinds=APPROVALS)
        assert {e["node"]["recordId"] for e in member["edges"]} == {shared["id"]}
        assert member["totalCount"] == 2
        # Another tenant sees nothing of the customer at all.
        assert await _timeline(client, as_beta["admin"], customer["id"]) is None

        await gql(client, RECALL, {"input": {"requestId": private_request["id"]}}, token=admin)
    finally:
        await delete_process(client, admin, process)

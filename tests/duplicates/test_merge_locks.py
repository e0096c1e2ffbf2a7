"""A record waiting for an approval is not merged, neither as the survivor nor as a merged record."""

from __future__ import annotations

from tests.duplicates.support import create_customer
from tests.support.approvals import delete_process, make_process, submit, users_step
from tests.support.graphql import gql

MERGE = "mutation($input: MergeRecordsInput!) { mergeRecords(input: $input) { id } }"


async def test_a_record_with_a_pending_approval_is_not_merged(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    process = await make_process(
        client, admin, object="Customer", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    request = None
    try:
        survivor = (await create_customer(client, admin)).data["createCustomer"]
        pending = (await create_customer(client, admin)).data["createCustomer"]
        request = (await submit(client, admin, pending["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        for ids in ((survivor["id"], [pending["id"]]), (pending["id"], [survivor["id"]])):
            refused = await gql(
                client,
                MERGE,
                {"input": {"object": "Customer", "survivorId": ids[0], "mergedIds": ids[1]}},
                token=admin,
            )
            assert refused.codes == ["CONFLICT"]
            assert refused.errors[0]["extensions"]["reason"] == "RECORD_LOCKED"
            assert refused.errors[0]["extensions"]["approvalRequestId"] == request["id"]
        assert (
            await gql(
                client,
                "query($id: ID!) { node(id: $id) { ... on Customer { deletedAt } } }",
                {"id": pending["id"]},
                token=admin,
            )
        ).data["node"]["deletedAt"] is None
    finally:
        if request is not None:  # a pending request would keep the customer locked for later tests
            await gql(
                client,
                "mutation($id: ID!) { recall(input: {requestId: $id}) { id } }",
                {"id": request["id"]},
                token=admin,
            )
        await delete_process(client, admin, process)

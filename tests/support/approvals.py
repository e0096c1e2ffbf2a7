"""Approval processes and requests through GraphQL, for the approval tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.graphql import GraphQLResponse, gql

PROCESS_FIELDS = """id name object version enabled startMode lockAll lockedFields entryCriteria onApproved onRejected
  steps { index name mode condition onReject approvers { kind userIds role teamId levels field }
          timeout { hours remindAfterHours action calendar } }"""
CREATE_PROCESS = f"mutation($input: CreateApprovalProcessInput!) {{ createApprovalProcess(input: $input) {{ {PROCESS_FIELDS} }} }}"
UPDATE_PROCESS = f"mutation($input: UpdateApprovalProcessInput!) {{ updateApprovalProcess(input: $input) {{ {PROCESS_FIELDS} }} }}"
DELETE_PROCESS = (
    "mutation($input: ApprovalProcessRefInput!) { deleteApprovalProcess(input: $input) { id } }"
)


def users_step(name: str, user_ids: list[str], mode: str = "ANY", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "approvers": [{"kind": "USERS", "userIds": user_ids}],
        "mode": mode,
        **extra,
    }


async def try_process(client, token: str, **fields: Any) -> GraphQLResponse:
    fields.setdefault("name", f"Process {uuid.uuid4().hex[:8]}")
    return await gql(client, CREATE_PROCESS, {"input": fields}, token=token)


async def make_process(client, token: str, **fields: Any) -> dict[str, Any]:
    return (await try_process(client, token, **fields)).data["createApprovalProcess"]


async def delete_process(client, token: str, process: dict[str, Any]) -> None:
    _ = (
        await gql(client, DELETE_PROCESS, {"input": {"id": process["id"]}}, token=token)
    ).data  # asserts no errors


def field_errors(response: GraphQLResponse) -> dict[str, str]:
    """{field path: code} of a BAD_USER_INPUT answer."""
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}


REQUEST_FIELDS = """id status version currentStep currentStepName processVersion recordId recordType comment history
  submittedBy { id }
  steps { index name round mode decisions { status comment approver { id } decidedBy { id } onBehalfOf { id } } }"""
SUBMIT = f"mutation($input: SubmitForApprovalInput!) {{ submitForApproval(input: $input) {{ {REQUEST_FIELDS} }} }}"
APPROVE = (
    f"mutation($input: DecideApprovalInput!) {{ approve(input: $input) {{ {REQUEST_FIELDS} }} }}"
)
REJECT = (
    f"mutation($input: DecideApprovalInput!) {{ reject(input: $input) {{ {REQUEST_FIELDS} }} }}"
)
RECALL = (
    f"mutation($input: RecallApprovalInput!) {{ recall(input: $input) {{ {REQUEST_FIELDS} }} }}"
)
REASSIGN = f"mutation($input: ReassignApprovalInput!) {{ reassignApproval(input: $input) {{ {REQUEST_FIELDS} }} }}"
REQUEST = f"query($id: ID!) {{ approvalRequest(id: $id) {{ {REQUEST_FIELDS} }} }}"
MY_APPROVALS = (
    "query($filter: MyApprovalsFilter) { myApprovals(filter: $filter, first: 100) { count items { cursor "
    "onBehalfOf { id } request { id status currentStep recordId } } } }"
)


async def submit(client, token: str, record_id: str, **extra: Any) -> GraphQLResponse:
    return await gql(client, SUBMIT, {"input": {"recordId": record_id, **extra}}, token=token)


async def decide(
    client, token: str, request_id: str, *, approve: bool = True, **extra: Any
) -> GraphQLResponse:
    return await gql(
        client,
        APPROVE if approve else REJECT,
        {"input": {"requestId": request_id, **extra}},
        token=token,
    )


async def waiting_on(client, token: str) -> list[str]:
    """Ids of the requests waiting on the token's user."""
    return [
        item["request"]["id"]
        for item in (await gql(client, MY_APPROVALS, token=token)).data["myApprovals"]["items"]
    ]


def reason(response: GraphQLResponse) -> str | None:
    return response.errors[0]["extensions"].get("reason") if response.errors else None


DELETE_TEAM = "mutation($input: DeleteInput!) { deleteTeam(input: $input) { id } }"


async def delete_team(client, token: str, team_id: str) -> None:
    """Teams with managers change whom `owner_manager` reaches in other tests: gone after each."""
    assert not (await gql(client, DELETE_TEAM, {"input": {"id": team_id}}, token=token)).errors

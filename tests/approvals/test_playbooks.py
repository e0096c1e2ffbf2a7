"""The issue's playbooks through GraphQL: branches by value, ALL then ANY on a custom object, ANY
among service leads, delegation, recall, back to the previous step (playbook 5, escalation, is in
test_timeouts.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.approvals import (
    RECALL,
    REQUEST,
    REQUEST_FIELDS,
    decide,
    delete_process,
    delete_team,
    field_errors,
    make_process,
    reason,
    submit,
    users_step,
    waiting_on,
)
from tests.support.custom import create_record, make_field, make_object
from tests.support.graphql import gql

OPPORTUNITY = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)
UPDATE_OPPORTUNITY = "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { id version name amount } }"
READ_OPPORTUNITY = (
    "query($id: ID!) { node(id: $id) { ... on Opportunity { probability version amount name } } }"
)
TICKET = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id version } }"
TEAM = "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def _opportunity(client, token, **values):
    return (
        await gql(
            client,
            OPPORTUNITY,
            {"input": {"name": f"Deal {uuid.uuid4().hex[:6]}", **values}},
            token=token,
        )
    ).data["createOpportunity"]


async def test_playbook_1_discount_over_20_goes_to_the_sales_manager_over_40_also_to_the_director(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    discount = f"discount_{marker}"
    await make_field(client, admin, "Opportunity", apiName=discount, type="DECIMAL")
    team = (
        await gql(
            client,
            TEAM,
            {
                "i": {
                    "name": f"Sales {marker}",
                    "memberIds": [user_ids["member"]],
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
        entryCriteria={"field": f"customFields.{discount}", "op": "gt", "value": 20},
        onApproved=[{"type": "update_fields", "values": {"probability": 90}}],
        steps=[
            {"name": "Sales manager", "mode": "ANY", "approvers": [{"kind": "OWNER_MANAGER"}]},
            {
                "name": "Sales director",
                "mode": "ANY",
                "condition": {"field": f"customFields.{discount}", "op": "gt", "value": 40},
                "approvers": [{"kind": "USERS", "userIds": [user_ids["admin"]]}],
            },
        ],
    )
    member = as_alpha["member"]
    try:
        small = await _opportunity(client, member, customFields={discount: 10})
        assert (await submit(client, member, small["id"])).errors[0]["extensions"]["fieldErrors"][
            0
        ]["code"] == "NO_MATCHING_PROCESS"

        moderate = await _opportunity(client, member, customFields={discount: 30})
        request = (await submit(client, member, moderate["id"], comment="Key account")).data[
            "submitForApproval"
        ]
        assert (request["status"], request["currentStepName"], request["processVersion"]) == (
            "PENDING",
            "Sales manager",
            1,
        )
        assert user_ids["manager"] in {
            d["approver"]["id"] for d in request["steps"][0]["decisions"]
        }
        assert request["id"] in await waiting_on(client, as_alpha["manager"])
        approved = (await decide(client, as_alpha["manager"], request["id"], comment="ok")).data[
            "approve"
        ]
        assert approved["status"] == "APPROVED" and [s["name"] for s in approved["steps"]] == [
            "Sales manager"
        ]
        assert [e["event"] for e in approved["history"]][-2:] == ["skipped", "approved"]
        assert (await gql(client, READ_OPPORTUNITY, {"id": moderate["id"]}, token=member)).data[
            "node"
        ]["probability"] == 90

        large = await _opportunity(client, member, customFields={discount: 50})
        request = (await submit(client, member, large["id"])).data["submitForApproval"]
        after_manager = (await decide(client, as_alpha["manager"], request["id"])).data["approve"]
        assert (after_manager["status"], after_manager["currentStepName"]) == (
            "PENDING",
            "Sales director",
        )
        assert request["id"] in await waiting_on(client, admin)
        done = (await decide(client, admin, request["id"])).data["approve"]
        assert done["status"] == "APPROVED" and [s["name"] for s in done["steps"]] == [
            "Sales manager",
            "Sales director",
        ]
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
    finally:
        await delete_process(client, admin, process)
        await delete_team(client, admin, team)


async def test_playbook_2_a_large_contract_needs_legal_and_finance_then_the_ceo(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    contract = await make_object(
        client,
        admin,
        [{"apiName": "amount", "type": "DECIMAL"}, {"apiName": "state", "type": "TEXT"}],
        stem="contract",
    )
    legal, finance, ceo = user_ids["member"], user_ids["agent"], user_ids["admin"]
    process = await make_process(
        client,
        admin,
        object=contract,
        entryCriteria={"field": "amount", "op": "gt", "value": 1000000},
        onApproved=[{"type": "update_fields", "values": {"state": "SIGNED"}}],
        steps=[
            users_step("Legal and finance", [legal, finance], mode="ALL"),
            users_step("CEO", [ceo]),
        ],
    )
    try:
        record = (
            await create_record(
                client, as_alpha["manager"], contract, {"amount": 2500000, "state": "DRAFT"}
            )
        ).data["createRecord"]
        request = (await submit(client, as_alpha["manager"], record["id"])).data[
            "submitForApproval"
        ]
        assert request["recordType"] == contract and request["recordId"] == record["id"]
        after_legal = (await decide(client, as_alpha["member"], request["id"])).data["approve"]
        assert (after_legal["status"], after_legal["currentStepName"]) == (
            "PENDING",
            "Legal and finance",
        )
        assert request["id"] not in await waiting_on(client, admin)
        after_finance = (await decide(client, as_alpha["agent"], request["id"])).data["approve"]
        assert after_finance["currentStepName"] == "CEO"
        assert request["id"] in await waiting_on(client, admin)
        signed = (await decide(client, admin, request["id"], comment="签")).data["approve"]
        assert signed["status"] == "APPROVED"
        first, second = signed["steps"]
        assert sorted((d["approver"]["id"], d["status"]) for d in first["decisions"]) == sorted(
            [(legal, "APPROVED"), (finance, "APPROVED")]
        )
        assert [(d["decidedBy"]["id"], d["comment"]) for d in second["decisions"]] == [(ceo, "签")]
        read = await gql(
            client,
            "query($id: ID!) { record(id: $id) { values approvalRequests { id status } } }",
            {"id": record["id"]},
            token=admin,
        )
        assert read.data["record"]["values"]["state"] == "SIGNED"
        assert read.data["record"]["approvalRequests"] == [
            {"id": request["id"], "status": "APPROVED"}
        ]
    finally:
        await delete_process(client, admin, process)


async def test_playbook_3_a_refund_needs_any_one_of_the_service_leads(
    client, as_alpha, user_ids, marker
):
    admin = as_alpha["admin"]
    leads = (
        await gql(
            client,
            TEAM,
            {
                "i": {
                    "name": f"Service leads {marker}",
                    "memberIds": [user_ids["manager"], user_ids["agent"]],
                }
            },
            token=admin,
        )
    ).data["createTeam"]["id"]
    process = await make_process(
        client,
        admin,
        object="Ticket",
        entryCriteria={"field": "subject", "op": "contains", "value": marker},
        steps=[
            {
                "name": "Service lead",
                "mode": "ANY",
                "approvers": [{"kind": "TEAM", "teamId": leads}],
            }
        ],
    )
    try:
        ticket = (
            await gql(client, TICKET, {"input": {"subject": f"Refund {marker}"}}, token=admin)
        ).data["createTicket"]
        request = (await submit(client, as_alpha["member"], ticket["id"])).data["submitForApproval"]
        assert request["id"] in await waiting_on(client, as_alpha["manager"])
        assert request["id"] in await waiting_on(client, as_alpha["agent"])
        approved = (await decide(client, as_alpha["agent"], request["id"])).data["approve"]
        assert approved["status"] == "APPROVED"
        statuses = {d["approver"]["id"]: d["status"] for d in approved["steps"][0]["decisions"]}
        assert statuses == {user_ids["agent"]: "APPROVED", user_ids["manager"]: "CLOSED"}
        late = await decide(client, as_alpha["manager"], request["id"])
        assert late.codes == ["CONFLICT"] and reason(late) == "ALREADY_DECIDED"
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
    finally:
        await delete_process(client, admin, process)
        await delete_team(client, admin, leads)


async def test_playbook_4_the_delegate_of_an_approver_out_of_office_approves_and_history_shows_both(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    now = datetime.now(timezone.utc)
    delegation = await gql(
        client,
        "mutation($i: CreateApprovalDelegationInput!) { createApprovalDelegation(input: $i) "
        "{ id delegator { id } delegate { id } } }",
        {
            "i": {
                "delegateId": user_ids["agent"],
                "startsAt": (now - timedelta(hours=1)).isoformat(),
                "endsAt": (now + timedelta(days=2)).isoformat(),
            }
        },
        token=as_alpha["manager"],
    )
    delegation_id = delegation.data["createApprovalDelegation"]["id"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    try:
        deal = await _opportunity(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        mine = (
            await gql(
                client,
                "query($f: MyApprovalsFilter) { myApprovals(filter: $f) { count items { onBehalfOf { id } "
                "request { id } } } }",
                {"f": {"delegated": True}},
                token=as_alpha["agent"],
            )
        ).data["myApprovals"]
        assert {
            "onBehalfOf": {"id": user_ids["manager"]},
            "request": {"id": request["id"]},
        } in mine["items"]
        assert mine["count"] >= 1
        approved = (
            await decide(client, as_alpha["agent"], request["id"], comment="for my boss")
        ).data["approve"]
        assert approved["status"] == "APPROVED"
        [decision] = approved["steps"][0]["decisions"]
        assert (
            decision["approver"]["id"],
            decision["decidedBy"]["id"],
            decision["onBehalfOf"]["id"],
        ) == (user_ids["manager"], user_ids["agent"], user_ids["manager"])
        entry = next(e for e in approved["history"] if e["event"] == "approved_by")
        assert entry["onBehalfOf"] and entry["by"] and entry["by"] != entry["onBehalfOf"]
    finally:
        await delete_process(client, admin, process)
        await gql(
            client,
            "mutation($i: ApprovalDelegationRefInput!) { revokeApprovalDelegation(input: $i) { revokedAt } }",
            {"i": {"id": delegation_id}},
            token=as_alpha["manager"],
        )
    after = await gql(client, "{ approvalDelegations { id } }", token=as_alpha["manager"])
    assert delegation_id not in {d["id"] for d in after.data["approvalDelegations"]}


async def test_playbook_6_the_submitter_recalls_and_the_record_unlocks(client, as_alpha, user_ids):
    admin, member = as_alpha["admin"], as_alpha["member"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        lockAll=False,
        lockedFields=["amount"],
        steps=[users_step("Manager", [user_ids["manager"]])],
    )
    try:
        deal = await _opportunity(client, member, amount="1000")
        request = (await submit(client, member, deal["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        locked = await gql(
            client,
            UPDATE_OPPORTUNITY,
            {"input": {"id": deal["id"], "version": deal["version"], "amount": "2000"}},
            token=member,
        )
        assert locked.codes == ["CONFLICT"] and reason(locked) == "RECORD_LOCKED"
        assert locked.errors[0]["extensions"]["approvalRequestId"] == request["id"]
        renamed = await gql(
            client,
            UPDATE_OPPORTUNITY,
            {"input": {"id": deal["id"], "version": deal["version"], "name": "Renamed"}},
            token=member,
        )
        assert (
            renamed.data["updateOpportunity"]["name"] == "Renamed"
        )  # unlocked fields stay editable
        version = renamed.data["updateOpportunity"]["version"]

        assert (
            await gql(
                client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["manager"]
            )
        ).codes == ["FORBIDDEN"]
        recalled = (
            await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=member)
        ).data["recall"]
        assert recalled["status"] == "RECALLED"
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
        unlocked = await gql(
            client,
            UPDATE_OPPORTUNITY,
            {"input": {"id": deal["id"], "version": version, "amount": "2000"}},
            token=member,
        )
        assert unlocked.data["updateOpportunity"]["amount"] in ("2000", "2000.00")
        late = await decide(client, as_alpha["manager"], request["id"])
        assert late.codes == ["CONFLICT"]
    finally:
        await delete_process(client, admin, process)


async def test_admins_override_a_lock_and_the_audit_trail_says_so(client, as_alpha, user_ids):
    admin, member = as_alpha["admin"], as_alpha["member"]
    process = await make_process(
        client, admin, object="Opportunity", steps=[users_step("Manager", [user_ids["manager"]])]
    )
    try:
        deal = await _opportunity(client, member, amount="1000")
        request = (await submit(client, member, deal["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        assert (
            await gql(
                client,
                UPDATE_OPPORTUNITY,
                {"input": {"id": deal["id"], "version": 1, "name": "x"}},
                token=member,
            )
        ).codes == ["CONFLICT"]  # lockAll: every field
        changed = await gql(
            client,
            UPDATE_OPPORTUNITY,
            {"input": {"id": deal["id"], "version": 1, "amount": "5"}},
            token=admin,
        )
        assert changed.data["updateOpportunity"]["version"] == 2
        history = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Opportunity { history { edges { node { action changes "
            "actor { id } } } } } } }",
            {"id": deal["id"]},
            token=admin,
        )
        overrides = [
            e["node"]
            for e in history.data["node"]["history"]["edges"]
            if e["node"]["action"] == "approval_lock_overridden"
        ]
        assert overrides and overrides[0]["actor"]["id"] == user_ids["admin"]
        assert overrides[0]["changes"]["fields"] == ["amount"]
        delete = "mutation($input: DeleteInput!) { deleteOpportunity(input: $input) { id } }"
        refused = await gql(
            client, delete, {"input": {"id": deal["id"], "version": 2}}, token=admin
        )
        assert refused.codes == ["CONFLICT"] and reason(refused) == "RECORD_LOCKED"
        await gql(client, RECALL, {"input": {"requestId": request["id"]}}, token=member)
        assert not (
            await gql(client, delete, {"input": {"id": deal["id"], "version": 2}}, token=admin)
        ).errors
    finally:
        await delete_process(client, admin, process)


async def test_playbook_7_rejected_at_step_2_goes_back_to_step_1_and_a_resubmission_starts_fresh(
    client, as_alpha, user_ids
):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step("Manager", [user_ids["manager"]]),
            users_step("Director", [user_ids["admin"]], onReject="PREVIOUS_STEP"),
        ],
    )
    try:
        deal = await _opportunity(client, as_alpha["member"])
        request = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        await decide(client, as_alpha["manager"], request["id"])
        back = (await decide(client, admin, request["id"], approve=False, comment="numbers?")).data[
            "reject"
        ]
        assert (back["status"], back["currentStepName"]) == ("PENDING", "Manager")
        assert [(s["name"], s["round"]) for s in back["steps"]] == [
            ("Manager", 1),
            ("Director", 2),
            ("Manager", 3),
        ]
        assert request["id"] in await waiting_on(client, as_alpha["manager"])
        rejected = (await decide(client, as_alpha["manager"], request["id"], approve=False)).data[
            "reject"
        ]
        assert rejected["status"] == "REJECTED"

        again = (
            await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
        ).data["submitForApproval"]
        assert (
            again["id"] != request["id"]
            and again["status"] == "PENDING"
            and again["currentStepName"] == "Manager"
        )
        assert [
            (s["name"], s["round"], [d["status"] for d in s["decisions"]]) for s in again["steps"]
        ] == [("Manager", 1, ["PENDING"])]
        old = (await gql(client, REQUEST, {"id": request["id"]}, token=admin)).data[
            "approvalRequest"
        ]
        assert old["status"] == "REJECTED"
        await gql(client, RECALL, {"input": {"requestId": again["id"]}}, token=as_alpha["member"])
    finally:
        await delete_process(client, admin, process)


CANCEL = f"mutation($input: CancelApprovalInput!) {{ cancelApprovalRequest(input: $input) {{ {REQUEST_FIELDS} }} }}"


async def test_an_admin_cancels_a_request_that_no_longer_applies(
    client, as_alpha, as_beta, user_ids
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        lockAll=False,
        lockedFields=["amount"],
        steps=[users_step("Manager", [user_ids["manager"]])],
    )
    try:
        deal = await _opportunity(client, member, amount="1000")
        request = (await submit(client, member, deal["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        cancel = {"input": {"requestId": request["id"], "comment": "Deal lost"}}
        assert (await gql(client, CANCEL, cancel, token=member)).codes == [
            "FORBIDDEN"
        ]  # even the submitter: recall is theirs
        assert (await gql(client, CANCEL, cancel, token=as_beta["admin"])).codes == [
            "NOT_FOUND"
        ]  # another tenant
        unexplained = await gql(
            client, CANCEL, {"input": {"requestId": request["id"], "comment": " "}}, token=admin
        )
        assert field_errors(unexplained) == {"comment": "REQUIRED"}

        cancelled = (await gql(client, CANCEL, cancel, token=admin)).data["cancelApprovalRequest"]
        assert cancelled["status"] == "CANCELLED"
        assert (await gql(client, CANCEL, cancel, token=admin)).data["cancelApprovalRequest"][
            "status"
        ] == "CANCELLED"  # twice
        assert request["id"] not in await waiting_on(client, as_alpha["manager"])
        assert (await decide(client, as_alpha["manager"], request["id"])).codes == ["CONFLICT"]
        unlocked = await gql(
            client,
            UPDATE_OPPORTUNITY,
            {"input": {"id": deal["id"], "version": deal["version"], "amount": "2000"}},
            token=member,
        )
        assert unlocked.data["updateOpportunity"]["amount"] in ("2000", "2000.00")
        again = (await submit(client, member, deal["id"], processId=process["id"])).data[
            "submitForApproval"
        ]
        assert again["status"] == "PENDING" and again["id"] != request["id"]
        decided = (await decide(client, as_alpha["manager"], again["id"])).data["approve"]
        assert decided["status"] == "APPROVED"
        assert (
            await gql(
                client,
                CANCEL,
                {"input": {"requestId": again["id"], "comment": "late"}},
                token=admin,
            )
        ).codes == ["CONFLICT"]
    finally:
        await delete_process(client, admin, process)

"""Approval process definitions through GraphQL: saving, versions, checks reported all at once with
their paths, rights."""

from __future__ import annotations

import base64
import uuid

from tests.support.approvals import (
    UPDATE_PROCESS,
    delete_process,
    field_errors,
    make_process,
    try_process,
    users_step,
)
from tests.support.graphql import gql

TEAM = "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }"


async def test_a_process_with_every_kind_of_step_is_saved_and_read_back(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    team = (
        await gql(
            client,
            TEAM,
            {"i": {"name": f"Legal {uuid.uuid4().hex[:6]}", "memberIds": [user_ids["member"]]}},
            token=admin,
        )
    ).data["createTeam"]["id"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        entryCriteria={"field": "amount", "op": "gt", "value": 1000},
        lockAll=False,
        lockedFields=["amount", "stageId"],
        onApproved=[
            {
                "type": "notify",
                "to": "users",
                "userIds": [user_ids["member"]],
                "title": "Approved {{name}}",
            }
        ],
        steps=[
            users_step(
                "Manager",
                [user_ids["manager"]],
                timeout={"hours": 24, "remindAfterHours": 8, "action": "ESCALATE"},
            ),
            {
                "name": "Legal and finance",
                "mode": "ALL",
                "onReject": "PREVIOUS_STEP",
                "condition": {"field": "amount", "op": "gt", "value": 1000000},
                "approvers": [{"kind": "TEAM", "teamId": team}, {"kind": "ROLE", "role": "admin"}],
            },
            {
                "name": "Chain",
                "mode": "ANY",
                "approvers": [
                    {"kind": "OWNER_MANAGER"},
                    {"kind": "MANAGER_CHAIN", "levels": 2},
                    {"kind": "USER_FIELD", "field": "ownerId"},
                ],
            },
        ],
    )
    try:
        assert (
            process["version"] == 1
            and process["startMode"] == "MANUAL"
            and process["lockedFields"] == ["amount", "stageId"]
        )
        assert [s["mode"] for s in process["steps"]] == ["ANY", "ALL", "ANY"]
        assert process["steps"][0]["approvers"][0]["userIds"] == [user_ids["manager"]]
        assert process["steps"][0]["timeout"] == {
            "hours": 24.0,
            "remindAfterHours": 8.0,
            "action": "ESCALATE",
            "calendar": None,
        }
        assert process["steps"][1]["approvers"][0]["teamId"] == team
        assert process["steps"][1]["onReject"] == "PREVIOUS_STEP"
        assert process["onApproved"][0]["userIds"] == [user_ids["member"]]

        updated = await gql(
            client,
            UPDATE_PROCESS,
            {"input": {"id": process["id"], "version": 1, "name": "Big deals"}},
            token=admin,
        )
        assert updated.data["updateApprovalProcess"]["version"] == 2
        stale = await gql(
            client,
            UPDATE_PROCESS,
            {"input": {"id": process["id"], "version": 1, "enabled": False}},
            token=admin,
        )
        assert stale.codes == ["CONFLICT"]
        listed = (
            await gql(
                client,
                '{ approvalProcesses(object: "Opportunity") { id name version } }',
                token=as_alpha["member"],
            )
        ).data["approvalProcesses"]
        assert {"id": process["id"], "name": "Big deals", "version": 2} in listed
    finally:
        await delete_process(client, admin, process)
    gone = await gql(
        client,
        "query($id: ID!) { approvalProcess(id: $id) { id } }",
        {"id": process["id"]},
        token=admin,
    )
    assert gone.codes == ["NOT_FOUND"]


async def test_saving_reports_every_problem_at_once_with_its_path(client, as_alpha, user_ids):
    empty_team = (
        await gql(
            client, TEAM, {"i": {"name": f"Empty {uuid.uuid4().hex[:6]}"}}, token=as_alpha["admin"]
        )
    ).data["createTeam"]["id"]
    stranger = (
        "VXNlcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDE="  # User:00000000-...-000000000001
    )
    response = await try_process(
        client,
        as_alpha["admin"],
        object="Opportunity",
        name=" ",
        entryCriteria={"field": "amount", "op": "bigger", "value": 1},
        lockAll=False,
        lockedFields=["amount", "noSuchField"],
        onApproved=[
            {"type": "call_http", "url": "https://example.com"},
            {"type": "update_fields", "values": {"noSuch": 1}},
        ],
        steps=[
            {
                "name": "First",
                "mode": "ANY",
                "onReject": "PREVIOUS_STEP",
                "approvers": [{"kind": "USERS", "userIds": [stranger]}],
            },
            {
                "name": "Second",
                "mode": "ALL",
                "condition": {"field": "customer.nothing", "op": "eq", "value": 1},
                "approvers": [
                    {"kind": "TEAM", "teamId": empty_team},
                    {"kind": "MANAGER_CHAIN", "levels": 9},
                    {"kind": "USER_FIELD", "field": "amount"},
                    {"kind": "ROLE", "role": "king"},
                ],
                "timeout": {"hours": 4, "remindAfterHours": 6},
            },
        ],
    )
    errors = field_errors(response)
    assert errors == {
        "name": "REQUIRED",
        "entryCriteria.op": "INVALID_OPERATOR",
        "lockedFields.1": "UNKNOWN_FIELD",
        "onApproved.0.type": "INVALID_CHOICE",
        "steps.0.onReject": "NO_PREVIOUS_STEP",
        "steps.0.approvers.0.userIds.0": "NOT_FOUND",
        "steps.1.condition": "UNKNOWN_FIELD",
        "steps.1.approvers.0.teamId": "NO_APPROVERS",
        "steps.1.approvers.1.levels": "OUT_OF_RANGE",
        "steps.1.approvers.2.field": "NOT_A_USER_FIELD",
        "steps.1.approvers.3.role": "INVALID_CHOICE",
        "steps.1.timeout.remindAfterHours": "OUT_OF_RANGE",
    }, errors
    assert field_errors(
        await try_process(client, as_alpha["admin"], object="Nothing", steps=[])
    ) == {"object": "UNKNOWN_OBJECT"}
    assert field_errors(await try_process(client, as_alpha["admin"], object="Lead", steps=[])) == {
        "steps": "INVALID_STEPS"
    }
    team_as_user = await try_process(
        client, as_alpha["admin"], object="Lead", steps=[users_step("x", [empty_team])]
    )
    assert field_errors(team_as_user) == {"steps.0.approvers.0.userIds.0": "INVALID_ID"}


async def test_outcome_field_updates_are_checked_like_writes(client, as_alpha, user_ids):
    response = await try_process(
        client,
        as_alpha["admin"],
        object="Ticket",
        steps=[users_step("Lead", [user_ids["manager"]])],
        onRejected=[{"type": "update_fields", "values": {"status": "NOT_A_STATUS"}}],
    )
    assert set(field_errors(response)) == {"onRejected.0.values.status"}


async def test_only_admins_define_processes(client, as_alpha, user_ids):
    for role in ("manager", "member", "viewer"):
        response = await try_process(
            client, as_alpha[role], object="Lead", steps=[users_step("x", [user_ids["admin"]])]
        )
        assert response.codes == ["FORBIDDEN"], role


async def test_another_tenant_neither_sees_nor_changes_a_process(
    client, as_alpha, as_beta, user_ids, app_db, tenants
):
    process = await make_process(
        client, as_alpha["admin"], object="Lead", steps=[users_step("x", [user_ids["manager"]])]
    )
    try:
        listed = (await gql(client, "{ approvalProcesses { id } }", token=as_beta["admin"])).data[
            "approvalProcesses"
        ]
        assert process["id"] not in {p["id"] for p in listed}
        seen = await gql(
            client,
            "query($id: ID!) { approvalProcess(id: $id) { id } }",
            {"id": process["id"]},
            token=as_beta["admin"],
        )
        assert seen.codes == ["NOT_FOUND"]
        changed = await gql(
            client,
            UPDATE_PROCESS,
            {"input": {"id": process["id"], "version": 1, "name": "Mine"}},
            token=as_beta["admin"],
        )
        assert changed.codes == ["NOT_FOUND"]
        raw = uuid.UUID(base64.b64decode(process["id"]).decode().split(":", 1)[1])
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            assert (
                await app_db.fetchval("SELECT count(*) FROM approval_process WHERE id = $1", raw)
                == 0
            )
            assert (
                await app_db.execute("UPDATE approval_process SET name = 'x' WHERE id = $1", raw)
                == "UPDATE 0"
            )
        async with app_db.transaction():
            await app_db.execute(
                "SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id
            )
            assert (
                await app_db.fetchval("SELECT count(*) FROM approval_process WHERE id = $1", raw)
                == 1
            )
    finally:
        await delete_process(client, as_alpha["admin"], process)

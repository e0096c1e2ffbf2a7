"""Who reads the run log: admins and managers (the roles that write rules), not members, agents or
viewers, whatever records the runs were on; another tenant reads none of it, at the API and in
the database."""

from __future__ import annotations

import base64
import uuid

from tests.support.automation import deliver, disable, make_rule
from tests.support.graphql import gql
from tests.support.records import scoped_token, unique

RUNS = "query($r: ID) { automationRuns(ruleId: $r, first: 100) { edges { node { id recordId status steps } } } }"


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def _a_run(client, admin: str) -> tuple[dict, dict]:
    """A rule of alpha's that ran on a lead only its admin owns; (rule, run)."""
    tag = unique("runlog")
    rule = await make_rule(
        client,
        admin,
        name=tag,
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "personName", "op": "eq", "value": tag},
        actions=[{"type": "add_tags", "names": [tag]}],
    )
    await gql(
        client,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
        {"i": {"personName": tag}},
        token=admin,
    )
    await deliver()
    await disable(client, admin, rule)
    runs = (await gql(client, RUNS, {"r": rule["id"]}, token=admin)).nodes("automationRuns")
    run = next(r for r in runs if r["status"] == "SUCCEEDED")
    return rule, run


async def test_only_admins_and_managers_read_the_run_log(client, as_alpha):
    rule, run = await _a_run(client, as_alpha["admin"])
    for role in ("admin", "manager"):
        assert run["id"] in [
            r["id"]
            for r in (await gql(client, RUNS, {"r": rule["id"]}, token=as_alpha[role])).nodes(
                "automationRuns"
            )
        ]
    for role in ("member", "agent", "viewer"):
        for rule_id in (rule["id"], None):
            assert (await gql(client, RUNS, {"r": rule_id}, token=as_alpha[role])).codes == [
                "FORBIDDEN"
            ], role
    # The member may not see the lead the run was on, nor anything else the log says.
    lead = await gql(
        client,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": run["recordId"]},
        token=as_alpha["member"],
    )
    assert lead.data["node"] is None


async def test_tokens_read_the_run_log_with_admin_read_only(client, as_alpha):
    rule, run = await _a_run(client, as_alpha["admin"])
    reader = await scoped_token(client, as_alpha["admin"], ["admin:read"])
    assert [
        r["id"]
        for r in (await gql(client, RUNS, {"r": rule["id"]}, token=reader)).nodes("automationRuns")
    ] == [run["id"]]
    for scopes in (["crm:write"], ["tickets:write"]):
        token = await scoped_token(client, as_alpha["admin"], scopes)
        assert (await gql(client, RUNS, {"r": rule["id"]}, token=token)).codes == ["FORBIDDEN"]


async def test_another_tenant_reads_and_changes_no_run(client, as_alpha, as_beta, app_db, tenants):
    rule, run = await _a_run(client, as_alpha["admin"])
    for role in ("admin", "manager"):
        assert (await gql(client, RUNS, {"r": rule["id"]}, token=as_beta[role])).nodes(
            "automationRuns"
        ) == []
        everything = (await gql(client, RUNS, {"r": None}, token=as_beta[role])).nodes(
            "automationRuns"
        )
        assert run["id"] not in [r["id"] for r in everything]
    rerun = await gql(
        client,
        "mutation($id: ID!) { rerunAutomationRun(input: {id: $id}) }",
        {"id": run["id"]},
        token=as_beta["admin"],
    )
    assert rerun.codes == ["NOT_FOUND"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetch("SELECT id FROM automation_run WHERE id = $1", _uuid(run["id"]))
            == []
        )
        assert (
            await app_db.execute(
                "UPDATE automation_run SET status = 'FAILED' WHERE id = $1", _uuid(run["id"])
            )
            == "UPDATE 0"
        )
        assert (
            await app_db.execute("DELETE FROM automation_run WHERE id = $1", _uuid(run["id"]))
            == "DELETE 0"
        )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert (
            await app_db.fetchval(
                "SELECT status FROM automation_run WHERE id = $1", _uuid(run["id"])
            )
            == "SUCCEEDED"
        )

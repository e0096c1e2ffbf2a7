"""Defining rules: who may, what is checked when a rule is saved, versions, and tenant isolation."""

from __future__ import annotations

from tests.support.automation import CREATE_RULE, make_rule
from tests.support.custom import field_codes
from tests.support.graphql import gql

UPDATE = "mutation($i: UpdateAutomationRuleInput!) { updateAutomationRule(input: $i) { id version enabled name } }"
VALID = {
    "name": "R",
    "object": "Lead",
    "trigger": {"on": "created"},
    "actions": [{"type": "add_tags", "names": ["x"]}],
    "enabled": False,
}


async def test_rules_are_checked_when_saved(client, as_alpha):
    bad = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "name": "",
                "object": "Nothing",
                "trigger": {"on": "sometimes"},
                "conditions": {"field": "region", "op": "resembles"},
                "actions": [
                    {"type": "launch"},
                    {"type": "assign_owner", "strategy": "random"},
                    {"type": "notify", "to": "everyone"},
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert field_codes(bad) == {
        "name": "REQUIRED",
        "object": "UNKNOWN_OBJECT",
        "trigger.on": "INVALID_CHOICE",
        "conditions.op": "INVALID_OPERATOR",
        "actions.0.type": "INVALID_CHOICE",
        "actions.1.strategy": "INVALID_CHOICE",
        "actions.1.teamId": "INVALID_ID",
        "actions.2.title": "REQUIRED",
        "actions.2.to": "INVALID_CHOICE",
    }
    not_a_team = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                **VALID,
                "actions": [
                    {"type": "assign_owner", "strategy": "round_robin", "teamId": "not-a-team"}
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert field_codes(not_a_team) == {"actions.0.teamId": "INVALID_ID"}


async def test_admins_and_managers_define_rules_with_versions(client, as_alpha):
    assert (await gql(client, CREATE_RULE, {"input": VALID}, token=as_alpha["member"])).codes == [
        "FORBIDDEN"
    ]
    rule = await make_rule(client, as_alpha["manager"], **VALID)
    changed = await gql(
        client,
        UPDATE,
        {"i": {"id": rule["id"], "version": rule["version"], "name": "Renamed"}},
        token=as_alpha["admin"],
    )
    assert changed.data["updateAutomationRule"]["version"] == rule["version"] + 1
    stale = await gql(
        client,
        UPDATE,
        {"i": {"id": rule["id"], "version": rule["version"], "name": "Again"}},
        token=as_alpha["admin"],
    )
    assert stale.codes == ["CONFLICT"]


async def test_another_tenant_sees_and_changes_no_rule_run_or_notification(
    client, as_alpha, as_beta, app_db, tenants
):
    rule = await make_rule(client, as_alpha["admin"], **VALID)
    assert rule["id"] not in [
        r["id"]
        for r in (await gql(client, "{ automationRules { id } }", token=as_beta["admin"])).data[
            "automationRules"
        ]
    ]
    assert (
        await gql(
            client,
            UPDATE,
            {"i": {"id": rule["id"], "version": 1, "name": "x"}},
            token=as_beta["admin"],
        )
    ).codes == ["NOT_FOUND"]
    runs = await gql(
        client,
        "query($r: ID) { automationRuns(ruleId: $r) { edges { node { id } } } }",
        {"r": rule["id"]},
        token=as_beta["admin"],
    )
    assert runs.nodes("automationRuns") == []
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        for table in ("automation_rule", "automation_run", "notification", "automation_counter"):
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE tenant_id = $1::uuid", tenants["alpha"].id
                )
                == 0
            )


async def test_a_deleted_rule_leaves_the_list_and_only_its_tenants_admins_may_delete_it(
    client, as_alpha, as_beta
):
    rule = await make_rule(client, as_alpha["admin"], **{**VALID, "enabled": True})
    delete = "mutation($i: RuleRefInput!) { deleteAutomationRule(input: $i) { id } }"
    assert (await gql(client, delete, {"i": {"id": rule["id"]}}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    assert (
        await gql(client, delete, {"i": {"id": rule["id"]}}, token=as_alpha["member"])
    ).codes == ["FORBIDDEN"]
    assert (await gql(client, delete, {"i": {"id": rule["id"]}}, token=as_alpha["admin"])).data
    listed = (await gql(client, "{ automationRules { id } }", token=as_alpha["admin"])).data[
        "automationRules"
    ]
    assert rule["id"] not in [r["id"] for r in listed]

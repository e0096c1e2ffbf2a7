"""SLA policies through the API: admins define and order them, everyone reads them, bad input
names every failing field, other tenants neither see nor change them (API and row-level security)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.service_levels.support import (
    CREATE_POLICY,
    POLICY_FIELDS,
    T0,
    for_category,
    make_policy,
    open_ticket,
)
from tests.support.graphql import gql
from tests.support.records import unique

LIST = f"{{ slaPolicies {{ {POLICY_FIELDS} }} }}"
UPDATE = f"mutation($input: UpdateSlaPolicyInput!) {{ updateSlaPolicy(input: $input) {{ {POLICY_FIELDS} }} }}"
DELETE = "mutation($id: ID!) { deleteSlaPolicy(input: {id: $id}) { id name } }"
REORDER = "mutation($ids: [ID!]!) { reorderSlaPolicies(input: {ids: $ids}) { id position } }"


async def test_admins_create_update_and_delete_policies_that_everyone_reads(client, as_alpha):
    policy = await make_policy(
        client,
        as_alpha["admin"],
        conditions={"field": "priority", "op": "eq", "value": "URGENT"},
        firstResponseMinutes=30,
        resolutionMinutes=240,
        warningPercent=80,
        escalations=[
            {"level": 1, "notify": "ASSIGNEE"},
            {"level": 2, "notify": "TEAM_MANAGER", "afterMinutes": 60},
        ],
    )
    assert (
        policy["calendar"] is None and policy["warningPercent"] == 80 and policy["enabled"] is True
    )
    assert [e["notify"] for e in policy["escalations"]] == ["ASSIGNEE", "TEAM_MANAGER"]
    listed = (await gql(client, LIST, token=as_alpha["agent"])).data["slaPolicies"]
    assert policy["id"] in [p["id"] for p in listed]
    positions = [p["position"] for p in listed]
    assert positions == sorted(positions)

    changed = (
        await gql(
            client,
            UPDATE,
            {
                "input": {
                    "id": policy["id"],
                    "version": policy["version"],
                    "resolutionMinutes": 120,
                    "enabled": False,
                }
            },
            token=as_alpha["admin"],
        )
    ).data["updateSlaPolicy"]
    assert (
        changed["resolutionMinutes"] == 120
        and changed["firstResponseMinutes"] == 30
        and changed["enabled"] is False
    )
    stale = await gql(
        client,
        UPDATE,
        {"input": {"id": policy["id"], "version": policy["version"], "name": "x"}},
        token=as_alpha["admin"],
    )
    assert stale.codes == ["CONFLICT"]

    assert (await gql(client, DELETE, {"id": policy["id"]}, token=as_alpha["admin"])).data[
        "deleteSlaPolicy"
    ]["id"] == policy["id"]
    listed = (await gql(client, LIST, token=as_alpha["admin"])).data["slaPolicies"]
    assert policy["id"] not in [p["id"] for p in listed]


async def test_only_admins_write_policies(client, as_alpha):
    for role in ("manager", "member", "agent", "viewer"):
        response = await gql(
            client,
            CREATE_POLICY,
            {"input": {"name": unique("SLA"), "resolutionMinutes": 60}},
            token=as_alpha[role],
        )
        assert response.codes == ["FORBIDDEN"], role


async def test_bad_input_names_every_failing_field_and_writes_nothing(client, as_alpha):
    name = unique("Broken SLA")
    response = await gql(
        client,
        CREATE_POLICY,
        {
            "input": {
                "name": name,
                "warningPercent": 100,
                "firstResponseMinutes": 0,
                "calendar": "Nowhere",
                "conditions": {"field": "priority", "op": "resembles", "value": "HIGH"},
                "escalations": [
                    {"level": 1, "notify": "USER"},
                    {"level": 1, "notify": "ASSIGNEE", "afterMinutes": -5},
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    fields = {(e["field"], e["code"]) for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        ("warningPercent", "OUT_OF_RANGE"),
        ("firstResponseMinutes", "OUT_OF_RANGE"),
        ("calendar", "UNKNOWN_CALENDAR"),
        ("conditions.op", "INVALID_OPERATOR"),
        ("escalations.0.userId", "REQUIRED"),
        ("escalations.1.level", "INVALID_LEVEL"),
        ("escalations.1.afterMinutes", "OUT_OF_RANGE"),
    }
    no_target = await gql(client, CREATE_POLICY, {"input": {"name": name}}, token=as_alpha["admin"])
    assert {e["field"] for e in no_target.errors[0]["extensions"]["fieldErrors"]} == {
        "resolutionMinutes"
    }
    unknown_field = await gql(
        client,
        CREATE_POLICY,
        {
            "input": {
                "name": name,
                "resolutionMinutes": 60,
                "conditions": {"field": "customer.nothing", "op": "eq", "value": 1},
            }
        },
        token=as_alpha["admin"],
    )
    assert unknown_field.codes == ["BAD_USER_INPUT"]
    listed = (await gql(client, LIST, token=as_alpha["admin"])).data["slaPolicies"]
    assert name not in [p["name"] for p in listed]


async def test_reorder_names_every_policy_once(client, as_alpha):
    first = await make_policy(client, as_alpha["admin"], resolutionMinutes=60, enabled=False)
    second = await make_policy(client, as_alpha["admin"], resolutionMinutes=60, enabled=False)
    ids = [p["id"] for p in (await gql(client, LIST, token=as_alpha["admin"])).data["slaPolicies"]]
    assert ids[-2:] == [first["id"], second["id"]]
    wanted = [second["id"], *[i for i in ids if i != second["id"]]]
    reordered = (await gql(client, REORDER, {"ids": wanted}, token=as_alpha["admin"])).data[
        "reorderSlaPolicies"
    ]
    assert [p["id"] for p in reordered] == wanted and [p["position"] for p in reordered] == list(
        range(1, len(wanted) + 1)
    )
    missing = await gql(client, REORDER, {"ids": wanted[1:]}, token=as_alpha["admin"])
    assert missing.codes == ["BAD_USER_INPUT"]
    assert (await gql(client, REORDER, {"ids": wanted}, token=as_alpha["agent"])).codes == [
        "FORBIDDEN"
    ]


async def test_another_tenant_neither_sees_nor_changes_policies(client, as_alpha, as_beta):
    policy = await make_policy(client, as_alpha["admin"], resolutionMinutes=60, enabled=False)
    seen = (await gql(client, LIST, token=as_beta["admin"])).data["slaPolicies"]
    assert policy["id"] not in [p["id"] for p in seen]
    update = await gql(
        client,
        UPDATE,
        {"input": {"id": policy["id"], "version": policy["version"], "name": "mine"}},
        token=as_beta["admin"],
    )
    assert update.codes == ["NOT_FOUND"]
    assert (await gql(client, DELETE, {"id": policy["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    beta_ids = [p["id"] for p in seen]
    assert (
        await gql(client, REORDER, {"ids": [*beta_ids, policy["id"]]}, token=as_beta["admin"])
    ).codes == ["BAD_USER_INPUT"]
    still = (await gql(client, LIST, token=as_alpha["admin"])).data["slaPolicies"]
    assert next(p for p in still if p["id"] == policy["id"])["version"] == policy["version"]


@pytest.mark.parametrize("table", ["sla_policy", "ticket_sla", "ticket_sla_history", "sla_timer"])
async def test_the_database_keeps_service_level_rows_to_their_tenant(
    app_db, tenants, table, client, as_alpha
):
    category = unique("rls")
    await make_policy(
        client, as_alpha["admin"], resolutionMinutes=60, conditions=for_category(category)
    )
    await open_ticket(
        client, as_alpha["agent"], T0, category=category
    )  # a running clock: rows in every table
    alpha, beta = tenants["alpha"], tenants["beta"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
        seen = {r["tenant_id"] for r in await app_db.fetch(f"SELECT tenant_id FROM {table}")}
    assert seen <= {uuid.UUID(beta.id)}
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
        assert {r["tenant_id"] for r in await app_db.fetch(f"SELECT tenant_id FROM {table}")} == {
            uuid.UUID(alpha.id)
        }
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
            await app_db.execute(f"UPDATE {table} SET tenant_id = $1", uuid.UUID(beta.id))

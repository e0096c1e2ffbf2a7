"""Who may do what: role rights, record visibility, token scopes and tenant isolation."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.support.graphql import gql
from tests.support.records import make_customer, scoped_token, unique

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"
DELETE = "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { id } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Customer { name } } }"
NAMES = "query($p: String!) { customers(filter: {name: {like: $p}}, first: 100) { edges { node { name } } } }"


async def test_role_rights_on_customers(client, as_alpha):
    customer = await make_customer(
        client, as_alpha["admin"], ownerId=None
    )  # unassigned: visible to all
    for role in ("agent", "viewer"):
        assert (
            await gql(client, CREATE, {"input": {"name": "x"}}, token=as_alpha[role])
        ).codes == ["FORBIDDEN"], role
        update = await gql(
            client,
            UPDATE,
            {"input": {"id": customer["id"], "version": 1, "tier": "x"}},
            token=as_alpha[role],
        )
        assert update.codes == ["FORBIDDEN"], role
    for role in ("member", "agent", "viewer"):
        assert (await gql(client, DELETE, {"id": customer["id"]}, token=as_alpha[role])).codes == [
            "FORBIDDEN"
        ], role
    assert (await gql(client, DELETE, {"id": customer["id"]}, token=as_alpha["manager"])).data


async def test_token_scopes_per_object_family(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])
    reader = await scoped_token(client, as_alpha["admin"], ["crm:read"])
    tickets_only = await scoped_token(client, as_alpha["admin"], ["tickets:write"])

    assert (await gql(client, NODE, {"id": customer["id"]}, token=reader)).data["node"][
        "name"
    ] == customer["name"]
    assert (await gql(client, CREATE, {"input": {"name": "x"}}, token=reader)).codes == [
        "FORBIDDEN"
    ]
    assert (await gql(client, NODE, {"id": customer["id"]}, token=tickets_only)).codes == [
        "FORBIDDEN"
    ]
    assert (await gql(client, "{ customers { totalCount } }", token=tickets_only)).codes == [
        "FORBIDDEN"
    ]


@pytest.fixture
async def team_setup(client, as_alpha, user_ids):
    """A team managed by alpha's manager with the member in it; the agent stays outside."""
    team = await gql(
        client,
        "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }",
        {
            "input": {
                "name": unique("Sales"),
                "managerId": user_ids["manager"],
                "memberIds": [user_ids["member"]],
            }
        },
        token=as_alpha["admin"],
    )
    return team.data["createTeam"]["id"]


async def test_visibility_follows_ownership_and_teams(client, as_alpha, user_ids, team_setup):
    marker = unique("vis")
    admin = as_alpha["admin"]
    await make_customer(client, admin, name=f"{marker}-member", ownerId=user_ids["member"])
    await make_customer(client, admin, name=f"{marker}-agent", ownerId=user_ids["agent"])
    await make_customer(
        client, admin, name=f"{marker}-team", ownerId=user_ids["admin"], teamId=team_setup
    )
    await make_customer(client, admin, name=f"{marker}-pool", ownerId=None)
    await make_customer(client, admin, name=f"{marker}-admin", ownerId=user_ids["admin"])

    async def visible(role):
        response = await gql(client, NAMES, {"p": f"{marker}-%"}, token=as_alpha[role])
        return sorted(
            edge["node"]["name"].rsplit("-", 1)[1] for edge in response.data["customers"]["edges"]
        )

    assert await visible("admin") == ["admin", "agent", "member", "pool", "team"]
    assert await visible("member") == ["member", "pool", "team"]
    assert await visible("agent") == ["agent", "pool"]
    # The manager sees the team's records and what its members own.
    assert await visible("manager") == ["member", "pool", "team"]


async def test_invisible_records_cannot_be_changed(client, as_alpha, user_ids):
    hidden = await make_customer(client, as_alpha["admin"], ownerId=user_ids["admin"])
    update = await gql(
        client,
        UPDATE,
        {"input": {"id": hidden["id"], "version": 1, "tier": "x"}},
        token=as_alpha["member"],
    )
    assert update.codes == ["NOT_FOUND"]
    assert (await gql(client, NODE, {"id": hidden["id"]}, token=as_alpha["member"])).data[
        "node"
    ] is None


async def test_another_tenant_sees_and_changes_nothing(client, as_alpha, as_beta):
    customer = await make_customer(
        client, as_alpha["admin"], name=unique("alpha-only"), ownerId=None
    )
    beta = as_beta["admin"]

    assert (await gql(client, NODE, {"id": customer["id"]}, token=beta)).data["node"] is None
    assert (await gql(client, NAMES, {"p": customer["name"]}, token=beta)).data["customers"][
        "edges"
    ] == []
    assert (
        await gql(
            client, UPDATE, {"input": {"id": customer["id"], "version": 1, "tier": "x"}}, token=beta
        )
    ).codes == ["NOT_FOUND"]
    assert (await gql(client, DELETE, {"id": customer["id"]}, token=beta)).codes == ["NOT_FOUND"]
    tags = await gql(
        client,
        'mutation($id: ID!) { addTags(input: {recordId: $id, names: ["x"]}) }',
        {"id": customer["id"]},
        token=beta,
    )
    assert tags.codes == ["NOT_FOUND"]
    contact = await gql(
        client,
        'mutation($c: ID!) { createContact(input: {name: "x", customerId: $c}) { id } }',
        {"c": customer["id"]},
        token=beta,
    )
    assert contact.codes == ["BAD_USER_INPUT"]  # the customer does not exist for beta
    still = (await gql(client, NODE, {"id": customer["id"]}, token=as_alpha["admin"])).data["node"]
    assert still["name"] == customer["name"]


async def test_the_database_refuses_crm_rows_of_another_tenant(app_db, tenants):
    alpha, beta = tenants["alpha"], tenants["beta"]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
            await app_db.execute(
                "INSERT INTO customer (tenant_id, id, name) VALUES ($1, $2, 'sneaky')",
                uuid.UUID(beta.id),
                uuid.uuid4(),
            )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
        tenants_seen = {
            r["tenant_id"] for r in await app_db.fetch("SELECT tenant_id FROM customer")
        }
    assert tenants_seen <= {uuid.UUID(beta.id)}


async def test_the_audit_trail_is_append_only_for_the_application(app_db, tenants):
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute(
                "SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id
            )
            await app_db.execute("DELETE FROM audit_event")


async def test_records_cannot_be_linked_to_records_the_caller_cannot_see(
    client, as_alpha, user_ids
):
    hidden = await make_customer(client, as_alpha["admin"], ownerId=user_ids["admin"])
    response = await gql(
        client,
        'mutation($c: ID!) { createContact(input: {name: "x", customerId: $c}) { id } }',
        {"c": hidden["id"]},
        token=as_alpha["agent"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert response.errors[0]["extensions"]["fieldErrors"][0] == {
        "field": "customerId",
        "code": "NOT_FOUND",
        "message": "no such customer",
    }
    visible = await gql(
        client,
        'mutation($c: ID!) { createContact(input: {name: "x", customerId: $c}) { id } }',
        {"c": hidden["id"]},
        token=as_alpha["admin"],
    )
    assert visible.data["createContact"]["id"]


async def test_a_deleted_team_no_longer_shows_its_members_records(client, as_alpha, user_ids):
    admin, manager = as_alpha["admin"], as_alpha["manager"]
    marker = unique("gone")
    owned = await make_customer(client, admin, name=f"{marker}-agent", ownerId=user_ids["agent"])
    team = (
        await gql(
            client,
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id version } }",
            {
                "input": {
                    "name": unique("Leads"),
                    "memberIds": [user_ids["manager"], user_ids["agent"]],
                }
            },
            token=admin,
        )
    ).data["createTeam"]
    try:
        seen = await gql(client, NAMES, {"p": f"{marker}-%"}, token=manager)
        assert [e["node"]["name"] for e in seen.data["customers"]["edges"]] == [
            owned["name"]
        ]  # a fellow member's
    finally:
        deleted = await gql(
            client,
            "mutation($input: DeleteInput!) { deleteTeam(input: $input) { id } }",
            {"input": {"id": team["id"], "version": team["version"]}},
            token=admin,
        )
        assert not deleted.errors, deleted.body
    after = await gql(client, NAMES, {"p": f"{marker}-%"}, token=manager)
    assert after.data["customers"]["edges"] == []

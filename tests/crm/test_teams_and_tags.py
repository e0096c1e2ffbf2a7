"""Teams (admins manage them) and tags (created on first use, case-insensitive)."""

from __future__ import annotations

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

CREATE_TEAM = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id name version manager { email } members { email } } }"
UPDATE_TEAM = "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { name version members { email } } }"


async def test_admin_manages_teams(client, as_alpha, user_ids):
    name = unique("Support")
    created = await gql(
        client,
        CREATE_TEAM,
        {
            "input": {
                "name": name,
                "managerId": user_ids["manager"],
                "memberIds": [user_ids["agent"], user_ids["member"]],
            }
        },
        token=as_alpha["admin"],
    )
    team = created.data["createTeam"]
    assert team["manager"]["email"] == "manager@alpha.test"
    assert sorted(m["email"] for m in team["members"]) == ["agent@alpha.test", "member@alpha.test"]

    renamed = await gql(
        client,
        UPDATE_TEAM,
        {
            "input": {
                "id": team["id"],
                "version": 1,
                "name": name + "!",
                "memberIds": [user_ids["agent"]],
            }
        },
        token=as_alpha["admin"],
    )
    assert renamed.data["updateTeam"]["members"] == [{"email": "agent@alpha.test"}]
    history = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Team { history { edges { node { action } } } } } }",
        {"id": team["id"]},
        token=as_alpha["admin"],
    )
    assert [e["node"]["action"] for e in history.data["node"]["history"]["edges"]] == [
        "created",
        "members_changed",
        "updated",
        "members_changed",
    ]


async def test_team_names_are_unique_and_rights_are_admin_only(client, as_alpha):
    name = unique("Dup")
    assert (await gql(client, CREATE_TEAM, {"input": {"name": name}}, token=as_alpha["admin"])).data
    duplicate = await gql(
        client, CREATE_TEAM, {"input": {"name": name.upper()}}, token=as_alpha["admin"]
    )
    assert duplicate.codes == ["BAD_USER_INPUT"]
    assert duplicate.errors[0]["extensions"]["fieldErrors"][0] == {
        "field": "name",
        "code": "TAKEN",
        "message": "another Team already has this name",
    }
    assert (
        await gql(client, CREATE_TEAM, {"input": {"name": unique("x")}}, token=as_alpha["manager"])
    ).codes == ["FORBIDDEN"]
    listing = await gql(
        client,
        "query($n: String!) { teams(filter: {name: {eq: $n}}) { totalCount } }",
        {"n": name},
        token=as_alpha["viewer"],
    )
    assert listing.data["teams"]["totalCount"] == 1


async def test_unknown_members_are_refused(client, as_alpha, as_beta):
    stranger = (await gql(client, "{ me { id } }", token=as_beta["admin"])).data["me"]["id"]
    response = await gql(
        client,
        CREATE_TEAM,
        {"input": {"name": unique("T"), "memberIds": [stranger]}},
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert (
        await gql(
            client,
            "query($n: String!) { teams(filter: {name: {like: $n}}) { totalCount } }",
            {"n": "T-%"},
            token=as_alpha["admin"],
        )
    ).data["teams"]["totalCount"] == 0


async def test_tags_are_created_once_and_matched_case_insensitively(client, as_alpha):
    a = await make_customer(client, as_alpha["member"])
    b = await make_customer(client, as_alpha["member"])
    tag = unique("Priority")
    add = "mutation($id: ID!, $n: [String!]!) { addTags(input: {recordId: $id, names: $n}) }"
    remove = "mutation($id: ID!, $n: [String!]!) { removeTags(input: {recordId: $id, names: $n}) }"

    assert (
        await gql(client, add, {"id": a["id"], "n": [tag, "east"]}, token=as_alpha["member"])
    ).data["addTags"] == sorted([tag, "east"], key=str.lower)
    assert (
        tag
        in (
            await gql(client, add, {"id": b["id"], "n": [tag.upper()]}, token=as_alpha["member"])
        ).data["addTags"]
    )
    tags = (
        await gql(client, "{ tags { edges { node { name usage } } } }", token=as_alpha["viewer"])
    ).nodes("tags")
    assert {"name": tag, "usage": 2} in tags
    assert (
        await gql(client, remove, {"id": a["id"], "n": [tag.lower()]}, token=as_alpha["member"])
    ).data["removeTags"] == ["east"]
    assert (
        await gql(client, add, {"id": a["id"], "n": ["x"]}, token=as_alpha["viewer"])
    ).codes == ["FORBIDDEN"]
    assert (await gql(client, add, {"id": a["id"], "n": [""]}, token=as_alpha["member"])).codes == [
        "BAD_USER_INPUT"
    ]
    me = (await gql(client, "{ me { id } }", token=as_alpha["member"])).data["me"]["id"]
    assert (await gql(client, add, {"id": me, "n": ["x"]}, token=as_alpha["member"])).codes == [
        "BAD_USER_INPUT"
    ]


async def test_members_lists_the_tenant_for_pickers(client, as_alpha, as_beta):
    everyone = (
        await gql(
            client,
            "{ members(first: 100) { edges { node { email role } } } }",
            token=as_alpha["agent"],
        )
    ).data["members"]["edges"]
    emails = {m["node"]["email"] for m in everyone}
    assert {
        "admin@alpha.test",
        "manager@alpha.test",
        "member@alpha.test",
        "agent@alpha.test",
        "viewer@alpha.test",
    } <= emails
    assert not any(email.endswith("@beta.test") for email in emails)
    managers = (
        await gql(
            client,
            "{ members(role: MANAGER) { edges { node { email role } } } }",
            token=as_alpha["viewer"],
        )
    ).data["members"]["edges"]
    assert managers == [{"node": {"email": "manager@alpha.test", "role": "MANAGER"}}]
    found = (
        await gql(
            client,
            '{ members(search: "AGE") { edges { node { email } } } }',
            token=as_alpha["member"],
        )
    ).data["members"]["edges"]
    assert found == [{"node": {"email": "agent@alpha.test"}}]
    assert (
        await gql(client, '{ members(search: "%") { totalCount } }', token=as_alpha["member"])
    ).data["members"]["totalCount"] == 0
    assert (await gql(client, "{ members { totalCount } }")).codes == ["UNAUTHENTICATED"]

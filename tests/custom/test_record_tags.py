"""Tags on custom records, as on standard ones: addTags / removeTags take their ids, the record shows
its `tags`, the history records each change, rules' add_tags / remove_tags act on them, and no
other tenant sees or changes them."""

from __future__ import annotations

import uuid

from strawberry import relay

from tests.support.automation import deliver, disable, make_rule
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

ADD = "mutation($i: TagsInput!) { addTags(input: $i) }"
REMOVE = "mutation($i: TagsInput!) { removeTags(input: $i) }"
VIEW = "query($id: ID!) { node(id: $id) { ... on CustomRecord { tags history { edges { node { action changes } } } } } }"


async def test_a_custom_record_is_tagged_and_untagged_like_a_standard_one(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    record = (await create_record(client, admin, name, {"title": "Tagged"})).data["createRecord"]

    vip, east = f"vip-{uuid.uuid4().hex[:6]}", f"East-{uuid.uuid4().hex[:6]}"
    # When an admin tags it, then removes one tag (tags match without case)
    assert (
        await gql(client, ADD, {"i": {"recordId": record["id"], "names": [vip, east]}}, token=admin)
    ).data["addTags"] == [east, vip]
    assert (
        await gql(
            client, REMOVE, {"i": {"recordId": record["id"], "names": [east.lower()]}}, token=admin
        )
    ).data["removeTags"] == [vip]

    # Then the record shows its tags, and its history both changes
    node = (await gql(client, VIEW, {"id": record["id"]}, token=admin)).data["node"]
    assert node["tags"] == [vip]
    assert [e["node"]["action"] for e in node["history"]["edges"]] == [
        "created",
        "tags_changed",
        "tags_changed",
    ]
    # and lists show them too
    listed = await gql(
        client,
        "query($o: String!) { records(object: $o) { edges { node { id tags } } } }",
        {"o": name},
        token=admin,
    )
    assert [(e["node"]["id"], e["node"]["tags"]) for e in listed.data["records"]["edges"]] == [
        (record["id"], [vip])
    ]


async def test_a_rule_tags_a_custom_record(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    rule = await make_rule(
        client,
        admin,
        name="Tag new",
        object=name,
        trigger={"on": "created"},
        actions=[{"type": "add_tags", "names": ["new"]}],
    )
    try:
        record = (await create_record(client, admin, name, {"title": "By rule"})).data[
            "createRecord"
        ]
        await deliver()
        assert (await gql(client, VIEW, {"id": record["id"]}, token=admin)).data["node"][
            "tags"
        ] == ["new"]
    finally:
        await disable(client, admin, rule)


async def test_tags_of_custom_records_stay_in_their_tenant_and_follow_rights(
    client, as_alpha, as_beta, tenants, app_db
):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    record = (await create_record(client, admin, name, {"title": "Private"})).data["createRecord"]
    secret_tag = f"secret-{uuid.uuid4().hex[:6]}"
    assert (
        await gql(
            client, ADD, {"i": {"recordId": record["id"], "names": [secret_tag]}}, token=admin
        )
    ).data

    # Another tenant's admin can neither tag nor untag it, nor see its tags
    for mutation in (ADD, REMOVE):
        assert (
            await gql(
                client,
                mutation,
                {"i": {"recordId": record["id"], "names": [secret_tag]}},
                token=as_beta["admin"],
            )
        ).codes == ["NOT_FOUND"]
    assert secret_tag not in [
        t["name"]
        for t in (
            await gql(client, "{ tags { edges { node { name } } } }", token=as_beta["admin"])
        ).nodes("tags")
    ]
    assert (await gql(client, VIEW, {"id": record["id"]}, token=as_beta["admin"])).data[
        "node"
    ] is None
    # A viewer of the same tenant may read but not tag
    assert (
        await gql(
            client,
            ADD,
            {"i": {"recordId": record["id"], "names": ["mine"]}},
            token=as_alpha["viewer"],
        )
    ).codes == ["FORBIDDEN"]
    assert (await gql(client, VIEW, {"id": record["id"]}, token=admin)).data["node"]["tags"] == [
        secret_tag
    ]

    # And in the database, row-level security keeps the tag rows in their tenant
    record_id = uuid.UUID(relay.GlobalID.from_id(record["id"]).node_id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval("SELECT count(*) FROM record_tag WHERE record_id = $1", record_id)
            == 0
        )
        deleted = await app_db.execute("DELETE FROM record_tag WHERE record_id = $1", record_id)
        assert deleted == "DELETE 0"
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert (
            await app_db.fetchval("SELECT count(*) FROM record_tag WHERE record_id = $1", record_id)
            == 1
        )

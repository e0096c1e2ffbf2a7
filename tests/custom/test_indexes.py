"""Indexes on custom objects: admins ask through GraphQL, `tessera indexer` builds them
concurrently as the owner, and list queries on the indexed fields then walk the index."""

from __future__ import annotations

import uuid

from strawberry import relay

from tests.support.cli import arun, ok
from tests.support.custom import create_record, field_codes, make_object
from tests.support.graphql import gql

CREATE = "mutation($input: CreateIndexInput!) { createIndex(input: $input) { id status error fields { field descending } } }"
DROP = "mutation($id: ID!) { dropIndex(input: {id: $id}) { id status } }"


def relay_id(global_id: str) -> str:
    return relay.GlobalID.from_id(global_id).node_id


LIST = "query($o: String!) { indexes(object: $o) { id status error fields { field descending } } }"


async def test_an_index_is_built_by_the_indexer_and_used_by_lists(
    client, as_alpha, owner_db, app_db, tenants
):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="region", type="TEXT"),
            dict(apiName="signed_on", type="DATE"),
            dict(apiName="amount", type="DECIMAL"),
            dict(apiName="extra", type="JSON"),
        ],
    )
    await create_record(
        client, admin, name, {"region": "East", "signed_on": "2026-01-01", "amount": 5}
    )
    asked = await gql(
        client,
        CREATE,
        {
            "input": {
                "object": name,
                "fields": [{"field": "region"}, {"field": "signed_on", "descending": True}],
            }
        },
        token=admin,
    )
    index = asked.data["createIndex"]
    assert index["status"] == "PENDING"

    ok(await arun("indexer", "--once"))
    listed = (await gql(client, LIST, {"o": name}, token=admin)).data["indexes"]
    assert [(i["status"], i["error"]) for i in listed] == [("READY", None)]

    rows = await owner_db.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'custom_record' "
        "AND indexname LIKE 'cri_%'"
    )
    object_id = await owner_db.fetchval("SELECT id FROM custom_object WHERE api_name = $1", name)
    expected = await owner_db.fetchval(
        "SELECT index_name FROM custom_index WHERE id = $1", uuid.UUID(relay_id(index["id"]))
    )
    built = {r["indexname"]: r["indexdef"] for r in rows}
    assert "(data #>> '{signed_on}'::text[])) DESC, id)" in built[expected]
    index_name = expected
    # As the application, under row-level security: the tenant policy must not keep the planner
    # from using the index for the region condition and the order.
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        await app_db.execute(
            "SET LOCAL enable_seqscan = off"
        )  # a tiny table: make the choice visible
        plan = "\n".join(
            r[0]
            for r in await app_db.fetch(
                "EXPLAIN SELECT t.id FROM custom_record t WHERE t.tenant_id = $1 AND t.object_id = $2 AND t.deleted_at IS NULL "
                "AND (t.data #>> '{region}') = $3 ORDER BY (t.data #>> '{signed_on}') DESC NULLS FIRST, t.id ASC NULLS LAST "
                "LIMIT 51",
                uuid.UUID(tenants["alpha"].id),
                object_id,
                "East",
            )
        )
    scan = next(line for line in plan.splitlines() if index_name in line)
    assert "Index Cond" in plan.split(scan)[1].splitlines()[1] and "region" in plan.split(scan)[1]
    assert "Sort" not in plan
    await gql(client, DROP, {"id": index["id"]}, token=admin)
    ok(await arun("indexer", "--once"))
    assert (await gql(client, LIST, {"o": name}, token=admin)).data["indexes"] == []
    assert not await owner_db.fetchval(
        "SELECT count(*) FROM pg_indexes WHERE indexname = $1", index_name
    )


async def test_index_requests_are_checked_and_admin_only(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    name = await make_object(
        client, admin, [dict(apiName="region", type="TEXT"), dict(apiName="extra", type="JSON")]
    )
    bad = await gql(
        client,
        CREATE,
        {"input": {"object": name, "fields": [{"field": "extra"}, {"field": "nope"}]}},
        token=admin,
    )
    assert field_codes(bad) == {
        "fields.0.field": "NOT_INDEXABLE",
        "fields.1.field": "UNKNOWN_FIELD",
    }
    assert (
        await gql(
            client,
            CREATE,
            {"input": {"object": name, "fields": [{"field": "region"}]}},
            token=as_alpha["manager"],
        )
    ).codes == ["FORBIDDEN"]
    made = (
        await gql(
            client,
            CREATE,
            {"input": {"object": name, "fields": [{"field": "region"}]}},
            token=admin,
        )
    ).data["createIndex"]
    again = await gql(
        client, CREATE, {"input": {"object": name, "fields": [{"field": "region"}]}}, token=admin
    )
    assert field_codes(again) == {"fields": "DUPLICATE"}
    assert (await gql(client, DROP, {"id": made["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    assert (await gql(client, LIST, {"o": name}, token=as_beta["admin"])).codes == ["NOT_FOUND"]

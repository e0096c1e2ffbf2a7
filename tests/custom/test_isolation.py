"""Tenant isolation of custom objects: another tenant never sees or changes an object, a field or
a record, neither through the API (names, ids, node) nor in the database (row-level security)."""

from __future__ import annotations

from tests.support.custom import (
    CREATE_FIELD,
    UPDATE_RECORD,
    create_record,
    list_records,
    make_field,
    make_object,
)
from tests.support.graphql import gql

OBJECT = "query($name: String!) { object(apiName: $name) { apiName } }"
OBJECTS = "{ objects { apiName } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_another_tenant_sees_and_changes_nothing_through_the_api(
    client, as_alpha, as_beta, tenants
):
    name = await make_object(client, as_alpha["admin"], stem="secret")
    field = await make_field(
        client, as_alpha["admin"], name, apiName="code", type="TEXT", unique=True
    )
    record = (await create_record(client, as_alpha["admin"], name, {"code": "ALPHA-1"})).data[
        "createRecord"
    ]
    beta = as_beta["admin"]

    assert name not in [
        o["apiName"] for o in (await gql(client, OBJECTS, token=beta)).data["objects"]
    ]
    assert (await gql(client, OBJECT, {"name": name}, token=beta)).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            "query($o: String!) { records(object: $o) { totalCount } }",
            {"o": name},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]
    assert (await gql(client, NODE, {"id": record["id"]}, token=beta)).data["node"] is None
    assert (
        await gql(
            client, "query($id: ID!) { record(id: $id) { id } }", {"id": record["id"]}, token=beta
        )
    ).data["record"] is None
    assert (
        await gql(
            client,
            'query($o: String!) { recordCounts(object: $o, field: "code") { count } }',
            {"o": name},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            UPDATE_RECORD,
            {"input": {"id": record["id"], "version": 1, "values": {"code": "X"}}},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            "mutation($id: ID!) { deleteRecord(input: {id: $id}) { id } }",
            {"id": record["id"]},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            "mutation($i: UpdateFieldInput!) { updateField(input: $i) { id } }",
            {"i": {"id": field["id"], "version": 1, "label": "X"}},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            CREATE_FIELD,
            {"input": {"object": name, "apiName": "x", "label": "X", "type": "TEXT"}},
            token=beta,
        )
    ).codes == ["NOT_FOUND"]

    # Beta may use the same names and unique values: nothing is shared.
    same = await make_object(client, beta, stem="mine")
    await make_field(client, beta, same, apiName="code", type="TEXT", unique=True)
    assert (await create_record(client, beta, same, {"code": "ALPHA-1"})).data["createRecord"]
    assert (await list_records(client, as_alpha["admin"], name))["totalCount"] == 1


async def test_row_level_security_hides_other_tenants_definitions_and_records(
    client, as_alpha, app_db, owner_db, tenants
):
    name = await make_object(
        client,
        as_alpha["admin"],
        [dict(apiName="code", type="TEXT", unique=True), dict(apiName="n", type="AUTO_NUMBER")],
        stem="rls",
    )
    await create_record(client, as_alpha["admin"], name, {"code": "RLS"})
    tables = (
        "custom_object",
        "custom_field",
        "custom_record",
        "custom_unique_value",
        "custom_sequence",
    )
    alpha = await owner_db.fetchval("SELECT id FROM tenant WHERE slug = 'alpha'")
    beta = await owner_db.fetchval("SELECT id FROM tenant WHERE slug = 'beta'")
    for table in tables:
        assert (
            await owner_db.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", alpha) > 0
        ), table
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", str(beta))
            assert (
                await app_db.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", alpha)
                == 0
            ), table
            # Nor can it write rows into alpha's space.
            changed = await app_db.execute(
                f"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1", alpha
            )
            assert changed == "UPDATE 0", table
        assert await app_db.fetchval(f"SELECT count(*) FROM {table}") == 0, (
            table
        )  # no tenant set: nothing

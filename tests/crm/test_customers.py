"""Customers through /graphql: create, read, update with versions, delete/restore, bulk, history."""

from __future__ import annotations

import asyncio

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

GET = "query($id: ID!) { node(id: $id) { ... on Customer { id name tier version deletedAt region } } }"
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id name tier region version } }"
DELETE = "mutation($id: ID!, $v: Int) { deleteCustomer(input: {id: $id, version: $v}) { id deletedAt version } }"
RESTORE = "mutation($id: ID!) { restoreCustomer(input: {id: $id}) { id deletedAt version } }"
COUNT = "query($name: String!) { customers(filter: {name: {eq: $name}}) { totalCount } }"


async def test_create_returns_the_customer_owned_by_its_creator(client, as_alpha, user_ids):
    customer = await make_customer(
        client, as_alpha["member"], name="Acme Ltd", tier="gold", region="East"
    )

    assert (
        customer["name"] == "Acme Ltd" and customer["tier"] == "gold" and customer["version"] == 1
    )
    assert customer["owner"]["id"] == user_ids["member"]
    assert customer["lifetimeValue"] == "0.00"


async def test_create_reports_every_bad_field_and_writes_nothing(client, as_alpha, tenants):
    name = unique("Invalid")
    response = await gql(
        client,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
        {
            "input": {
                "name": " ",
                "domain": "not a domain",
                "website": "ftp:/x",
                "address": {"city": "x" * 10},
                "teamId": "VGVhbTpub3QtYS11dWlk",
            }
        },
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    codes = {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert codes == {"teamId": "INVALID_ID"}  # ids are parsed before anything else

    response = await gql(
        client,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
        {
            "input": {
                "name": " ",
                "domain": "not a domain",
                "website": "ftp:/x",
            }
        },
        token=as_alpha["admin"],
    )
    codes = {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert codes == {
        "name": "REQUIRED",
        "domain": "INVALID_FORMAT",
        "website": "INVALID_FORMAT",
    }
    assert (await gql(client, COUNT, {"name": name}, token=as_alpha["admin"])).data["customers"][
        "totalCount"
    ] == 0


async def test_references_must_exist_in_the_tenant(client, as_alpha, as_beta):
    beta_user = (await gql(client, "{ me { id } }", token=as_beta["member"])).data["me"]["id"]
    response = await gql(
        client,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
        {"input": {"name": "Ref", "ownerId": beta_user}},
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert response.errors[0]["extensions"]["fieldErrors"] == [
        {"field": "ownerId", "code": "NOT_FOUND", "message": "no such member"}
    ]


async def test_update_bumps_the_version_and_a_stale_version_is_a_conflict(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"], tier="silver")

    updated = await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 1, "tier": "gold"}},
        token=as_alpha["admin"],
    )
    assert updated.data["updateCustomer"]["version"] == 2

    stale = await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 1, "tier": "bronze"}},
        token=as_alpha["admin"],
    )
    assert stale.codes == ["CONFLICT"]
    current = (await gql(client, GET, {"id": customer["id"]}, token=as_alpha["admin"])).data["node"]
    assert current["tier"] == "gold" and current["version"] == 2


async def test_update_leaves_absent_fields_alone_clears_nulls_and_skips_no_ops(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"], tier="gold", region="North")

    cleared = await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 1, "tier": None}},
        token=as_alpha["admin"],
    )
    assert cleared.data["updateCustomer"] == {
        **cleared.data["updateCustomer"],
        "tier": None,
        "region": "North",
        "version": 2,
    }
    same = await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 2, "region": "North"}},
        token=as_alpha["admin"],
    )
    assert same.data["updateCustomer"]["version"] == 2  # nothing changed, nothing to version


async def test_two_concurrent_updates_of_one_version_one_wins(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])

    first, second = await asyncio.gather(
        gql(
            client,
            UPDATE,
            {"input": {"id": customer["id"], "version": 1, "tier": "A"}},
            token=as_alpha["admin"],
        ),
        gql(
            client,
            UPDATE,
            {"input": {"id": customer["id"], "version": 1, "tier": "B"}},
            token=as_alpha["admin"],
        ),
    )

    outcomes = sorted([first.codes, second.codes])
    assert outcomes == [[], ["CONFLICT"]]
    winner = first if not first.codes else second
    current = (await gql(client, GET, {"id": customer["id"]}, token=as_alpha["admin"])).data["node"]
    assert current["tier"] == winner.data["updateCustomer"]["tier"] and current["version"] == 2


async def test_delete_hides_the_customer_until_restored(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])

    deleted = (
        await gql(client, DELETE, {"id": customer["id"], "v": 1}, token=as_alpha["admin"])
    ).data
    assert deleted["deleteCustomer"]["deletedAt"] is not None
    assert (await gql(client, GET, {"id": customer["id"]}, token=as_alpha["admin"])).data[
        "node"
    ] is None
    assert (await gql(client, COUNT, {"name": customer["name"]}, token=as_alpha["admin"])).data[
        "customers"
    ]["totalCount"] == 0
    assert (await gql(client, DELETE, {"id": customer["id"]}, token=as_alpha["admin"])).codes == [
        "NOT_FOUND"
    ]

    restored = (await gql(client, RESTORE, {"id": customer["id"]}, token=as_alpha["admin"])).data[
        "restoreCustomer"
    ]
    assert restored["deletedAt"] is None and restored["version"] == 3
    assert (await gql(client, GET, {"id": customer["id"]}, token=as_alpha["admin"])).data["node"][
        "name"
    ] == customer["name"]
    assert (await gql(client, RESTORE, {"id": customer["id"]}, token=as_alpha["admin"])).codes == [
        "NOT_FOUND"
    ]


async def test_delete_with_a_stale_version_is_a_conflict(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])
    await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 1, "tier": "x"}},
        token=as_alpha["admin"],
    )
    assert (
        await gql(client, DELETE, {"id": customer["id"], "v": 1}, token=as_alpha["admin"])
    ).codes == ["CONFLICT"]


async def test_unknown_and_malformed_ids(client, as_alpha):
    missing = (
        "Q3VzdG9tZXI6MDFhMjA1NTctNDE0Mi03NGZhLWE0NGYtMDAwMDAwMDAwMDAw"  # Customer:<unused uuid>
    )
    assert (
        await gql(
            client,
            UPDATE,
            {"input": {"id": missing, "version": 1, "tier": "x"}},
            token=as_alpha["admin"],
        )
    ).codes == ["NOT_FOUND"]
    assert (await gql(client, GET, {"id": missing}, token=as_alpha["admin"])).data["node"] is None
    wrong_type = (await gql(client, "{ me { id } }", token=as_alpha["admin"])).data["me"]["id"]
    response = await gql(
        client, UPDATE, {"input": {"id": wrong_type, "version": 1}}, token=as_alpha["admin"]
    )
    assert response.codes == ["BAD_USER_INPUT"]


async def test_bulk_create_is_all_or_nothing_with_errors_per_item(client, as_alpha):
    marker = unique("bulk")
    bad = await gql(
        client,
        "mutation($input: BulkCreateCustomersInput!) { bulkCreateCustomers(input: $input) { id } }",
        {
            "input": {
                "items": [
                    {"name": f"{marker}-a"},
                    {"name": ""},
                    {"name": f"{marker}-c", "domain": "bad"},
                ]
            }
        },
        token=as_alpha["admin"],
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = [e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]]
    assert fields == ["items.1.name", "items.2.domain"]
    listing = await gql(
        client,
        "query($p: String!) { customers(filter: {name: {like: $p}}) { totalCount } }",
        {"p": f"{marker}%"},
        token=as_alpha["admin"],
    )
    assert listing.data["customers"]["totalCount"] == 0

    good = await gql(
        client,
        "mutation($input: BulkCreateCustomersInput!) { bulkCreateCustomers(input: $input) { name } }",
        {"input": {"items": [{"name": f"{marker}-{i}"} for i in range(3)]}},
        token=as_alpha["admin"],
    )
    assert [c["name"] for c in good.data["bulkCreateCustomers"]] == [
        f"{marker}-{i}" for i in range(3)
    ]

    too_many = await gql(
        client,
        "mutation($input: BulkCreateCustomersInput!) { bulkCreateCustomers(input: $input) { id } }",
        {"input": {"items": [{"name": f"x{i}"} for i in range(101)]}},
        token=as_alpha["admin"],
    )
    assert too_many.codes == ["BAD_USER_INPUT"]


async def test_bulk_update_rolls_back_everything_on_one_conflict(client, as_alpha):
    a = await make_customer(client, as_alpha["admin"], tier="1")
    b = await make_customer(client, as_alpha["admin"], tier="1")
    await gql(
        client,
        UPDATE,
        {"input": {"id": b["id"], "version": 1, "tier": "2"}},
        token=as_alpha["admin"],
    )

    response = await gql(
        client,
        "mutation($input: BulkUpdateCustomersInput!) { bulkUpdateCustomers(input: $input) { id tier } }",
        {
            "input": {
                "items": [
                    {"id": a["id"], "version": 1, "tier": "9"},
                    {"id": b["id"], "version": 1, "tier": "9"},
                ]
            }
        },
        token=as_alpha["admin"],
    )

    assert response.codes == ["CONFLICT"]
    assert (await gql(client, GET, {"id": a["id"]}, token=as_alpha["admin"])).data["node"][
        "tier"
    ] == "1"


async def test_history_records_each_change_exactly(client, as_alpha, user_ids):
    customer = await make_customer(client, as_alpha["admin"], tier="silver")
    await gql(
        client,
        UPDATE,
        {"input": {"id": customer["id"], "version": 1, "tier": "gold", "region": "West"}},
        token=as_alpha["admin"],
    )
    await gql(
        client,
        'mutation($id: ID!) { addTags(input: {recordId: $id, names: ["vip"]}) }',
        {"id": customer["id"]},
        token=as_alpha["admin"],
    )
    await gql(client, DELETE, {"id": customer["id"]}, token=as_alpha["admin"])
    await gql(client, RESTORE, {"id": customer["id"]}, token=as_alpha["admin"])

    history = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { history { totalCount edges { node { action changes "
        "actor { id } } } } } } }",
        {"id": customer["id"]},
        token=as_alpha["admin"],
    )
    events = [edge["node"] for edge in history.data["node"]["history"]["edges"]]
    assert [e["action"] for e in events] == [
        "created",
        "updated",
        "tags_changed",
        "deleted",
        "restored",
    ]
    assert events[0]["changes"]["tier"] == [None, "silver"]
    assert events[1]["changes"] == {"tier": ["silver", "gold"], "region": [None, "West"]}
    assert events[2]["changes"] == {"tags": [[], ["vip"]]}
    assert all(e["actor"]["id"] == user_ids["admin"] for e in events)

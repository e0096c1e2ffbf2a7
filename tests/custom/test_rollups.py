"""Rollup fields stay correct as children are created, changed, moved, deleted and restored,
also when children are written concurrently, and can be filtered and sorted on."""

from __future__ import annotations

import asyncio

from tests.support.custom import (
    UPDATE_RECORD,
    api_name,
    create_record,
    field_codes,
    list_records,
    make_field,
    make_object,
)
from tests.support.graphql import gql
from tests.support.records import make_customer

NODE = "query($id: ID!) { node(id: $id) { ... on CustomRecord { values } ... on Customer { customFields } } }"
DELETE = "mutation($id: ID!) { deleteRecord(input: {id: $id}) { id } }"
RESTORE = "mutation($id: ID!) { restoreRecord(input: {id: $id}) { id } }"


async def _values(client, token, record_id):
    node = (await gql(client, NODE, {"id": record_id}, token=token)).data["node"]
    return node.get("values", node.get("customFields"))


async def test_rollups_on_a_custom_parent_follow_their_children(client, as_alpha):
    admin = as_alpha["admin"]
    project = await make_object(client, admin, [dict(apiName="title", type="TEXT")], stem="project")
    task = await make_object(
        client,
        admin,
        [
            dict(apiName="project", type="RELATION", config={"target": project}),
            dict(apiName="hours", type="DECIMAL"),
        ],
        stem="task",
    )
    for name, function, field in (
        ("tasks", "COUNT", None),
        ("hours_total", "SUM", "hours"),
        ("longest", "MAX", "hours"),
        ("average", "AVG", "hours"),
    ):
        config = {
            "childObject": task,
            "relationField": "project",
            "function": function,
            **({"field": field} if field else {}),
        }
        await make_field(client, admin, project, apiName=name, type="ROLLUP", config=config)
    a = (await create_record(client, admin, project, {"title": "A"})).data["createRecord"]
    b = (await create_record(client, admin, project, {"title": "B"})).data["createRecord"]
    assert a["values"] == {"title": "A", "tasks": 0, "hours_total": "0.00"}

    t1 = (await create_record(client, admin, task, {"project": a["id"], "hours": 2})).data[
        "createRecord"
    ]
    await create_record(client, admin, task, {"project": a["id"], "hours": 6})
    assert await _values(client, admin, a["id"]) == {
        "title": "A",
        "tasks": 2,
        "hours_total": "8.00",
        "longest": "6.00",
        "average": "4.00",
    }
    await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": t1["id"], "version": 1, "values": {"hours": 10}}},
        token=admin,
    )
    assert (await _values(client, admin, a["id"]))["hours_total"] == "16.00"
    await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": t1["id"], "version": 2, "values": {"project": b["id"]}}},
        token=admin,
    )
    assert (await _values(client, admin, a["id"]))["tasks"] == 1 and (
        await _values(client, admin, b["id"])
    )["tasks"] == 1
    await gql(client, DELETE, {"id": t1["id"]}, token=admin)
    assert (await _values(client, admin, b["id"])) == {
        "title": "B",
        "tasks": 0,
        "hours_total": "0.00",
    }
    await gql(client, RESTORE, {"id": t1["id"]}, token=admin)
    assert (await _values(client, admin, b["id"]))["longest"] == "10.00"

    ranked = await list_records(
        client,
        admin,
        project,
        filter={"field": "tasks", "gte": 1},
        orderBy=[{"field": "hours_total", "direction": "DESC"}],
    )
    assert [e["node"]["values"]["title"] for e in ranked["edges"]] == ["B", "A"]


async def test_concurrent_children_are_all_counted(client, as_alpha):
    admin = as_alpha["admin"]
    parent = await make_object(client, admin, [dict(apiName="title", type="TEXT")], stem="parent")
    child = await make_object(
        client,
        admin,
        [dict(apiName="parent", type="RELATION", config={"target": parent})],
        stem="child",
    )
    await make_field(
        client,
        admin,
        parent,
        apiName="children",
        type="ROLLUP",
        config={"childObject": child, "relationField": "parent", "function": "COUNT"},
    )
    p = (await create_record(client, admin, parent, {"title": "P"})).data["createRecord"]
    results = await asyncio.gather(
        *[create_record(client, admin, child, {"parent": p["id"]}) for _ in range(8)]
    )
    assert all(r.data for r in results)
    assert (await _values(client, admin, p["id"]))["children"] == 8


async def test_rollup_on_a_standard_parent_and_its_checks(client, as_alpha):
    admin = as_alpha["admin"]
    invoice = await make_object(
        client,
        admin,
        [
            dict(apiName="customer", type="RELATION", config={"target": "Customer"}),
            dict(apiName="amount", type="CURRENCY", config={"currency": "EUR"}),
            dict(apiName="memo", type="TEXT"),
        ],
        stem="invoice",
    )
    customer = await make_customer(client, admin, name=api_name("Billed"))
    await create_record(
        client, admin, invoice, {"customer": customer["id"], "amount": 100}
    )  # before the rollup exists
    total = api_name("billed")
    await make_field(
        client,
        admin,
        "Customer",
        apiName=total,
        type="ROLLUP",
        config={
            "childObject": invoice,
            "relationField": "customer",
            "function": "SUM",
            "field": "amount",
        },
    )
    assert (await _values(client, admin, customer["id"]))[total] == "100.00"  # backfilled
    await create_record(
        client, admin, invoice, {"customer": customer["id"], "amount": {"amount": "50.5"}}
    )
    assert (await _values(client, admin, customer["id"]))[total] == "150.50"

    bad = await gql(
        client,
        "mutation($i: CreateFieldInput!) { createField(input: $i) { id } }",
        {
            "i": {
                "object": "Customer",
                "apiName": "broken",
                "label": "B",
                "type": "ROLLUP",
                "config": {
                    "childObject": invoice,
                    "relationField": "memo",
                    "function": "MEDIAN",
                    "field": "memo",
                },
            }
        },
        token=admin,
    )
    assert field_codes(bad) == {
        "config.function": "INVALID_CHOICE",
        "config.relationField": "INVALID_RELATION",
        "config.field": "INVALID_FIELD",
    }
    fields = (
        await gql(
            client,
            "query($n: String!) { object(apiName: $n) { fields { id apiName version } } }",
            {"n": invoice},
            token=admin,
        )
    ).data["object"]["fields"]
    amount = next(f for f in fields if f["apiName"] == "amount")
    in_use = await gql(
        client,
        "mutation($i: FieldRefInput!) { deleteField(input: $i) { id } }",
        {"i": {"id": amount["id"]}},
        token=admin,
    )
    assert field_codes(in_use) == {"id": "IN_USE"}

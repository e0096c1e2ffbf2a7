"""Fields computed from a hidden field are hidden too: a formula over it, a rollup over it (or over
such a formula), to any depth, on custom and standard objects, in every read path: lists, node,
mutation results, history, filters, sorting, counts and text search."""

from __future__ import annotations

import uuid

from tests.support.custom import (
    RECORDS,
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

SET = (
    "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { field role access } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on CustomRecord { values history { edges { node { changes } } } } } }"
CUSTOMER = "query($id: ID!) { node(id: $id) { ... on Customer { customFields history { edges { node { changes } } } } } }"
COUNTS = "query($o: String!, $f: String!) { recordCounts(object: $o, field: $f) { count } }"


async def _hide(client, admin, object_name, field, role):
    response = await gql(
        client,
        SET,
        {"input": {"object": object_name, "field": field, "role": role, "access": "HIDDEN"}},
        token=admin,
    )
    assert response.data, response.errors


async def _priced(client, admin) -> str:
    """An object with qty, price and total = qty * price."""
    return await make_object(
        client,
        admin,
        [
            dict(apiName="qty", type="INTEGER"),
            dict(apiName="price", type="DECIMAL"),
            dict(apiName="total", type="FORMULA", config={"expression": "qty * price"}),
        ],
        stem="priced",
    )


async def test_a_formula_over_a_hidden_field_is_hidden_wherever_it_could_be_read(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await _priced(client, admin)
    await _hide(client, admin, name, "price", "MEMBER")
    record = (await create_record(client, admin, name, {"qty": 2, "price": 5}, ownerId=None)).data[
        "createRecord"
    ]
    assert record["values"] == {"qty": 2, "price": "5.00", "total": "10.00"}

    seen = (await gql(client, NODE, {"id": record["id"]}, token=member)).data["node"]
    assert seen["values"] == {"qty": 2}
    assert [e["node"]["values"] for e in (await list_records(client, member, name))["edges"]] == [
        {"qty": 2}
    ]
    changed = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"qty": 3}}},
        token=member,
    )
    assert changed.data["updateRecord"]["values"] == {"qty": 3}
    history = (await gql(client, NODE, {"id": record["id"]}, token=member)).data["node"]["history"][
        "edges"
    ]
    assert [sorted(set(e["node"]["changes"]) - {"objectId"}) for e in history] == [["qty"], ["qty"]]

    probe = await gql(
        client, RECORDS, {"object": name, "filter": {"field": "total", "gt": 12}}, token=member
    )
    assert field_codes(probe) == {"filter.total": "NOT_FILTERABLE"}
    sort = await gql(
        client, RECORDS, {"object": name, "orderBy": [{"field": "total"}]}, token=member
    )
    assert field_codes(sort) == {"orderBy.total": "NOT_SORTABLE"}
    assert field_codes(await gql(client, COUNTS, {"o": name, "f": "total"}, token=member)) == {
        "field": "NOT_GROUPABLE"
    }

    # Roles the price is not hidden from, and admins, still read the total.
    for role in ("admin", "agent"):
        assert (await gql(client, NODE, {"id": record["id"]}, token=as_alpha[role])).data["node"][
            "values"
        ]["total"] == "15.00"


async def test_rollups_over_hidden_fields_and_over_formulas_over_them_are_hidden(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    order = await make_object(client, admin, [dict(apiName="title", type="TEXT")], stem="order")
    line = await _priced(client, admin)
    await make_field(
        client, admin, line, apiName="order", type="RELATION", config={"target": order}
    )
    rollups = {
        "lines": ("COUNT", None),
        "units": ("SUM", "qty"),
        "top_price": ("MAX", "price"),
        "value": ("SUM", "total"),
    }
    for rollup, (function, field) in rollups.items():
        config = {
            "childObject": line,
            "relationField": "order",
            "function": function,
            **({"field": field} if field else {}),
        }
        await make_field(client, admin, order, apiName=rollup, type="ROLLUP", config=config)
    parent = (await create_record(client, admin, order, {"title": "O"}, ownerId=None)).data[
        "createRecord"
    ]
    await create_record(client, admin, line, {"order": parent["id"], "qty": 2, "price": 5})
    await _hide(client, admin, line, "price", "MEMBER")

    assert (await gql(client, NODE, {"id": parent["id"]}, token=admin)).data["node"]["values"] == {
        "title": "O",
        "lines": 1,
        "units": "2.00",
        "top_price": "5.00",
        "value": "10.00",
    }
    assert (await gql(client, NODE, {"id": parent["id"]}, token=member)).data["node"]["values"] == {
        "title": "O",
        "lines": 1,
        "units": "2.00",
    }
    for rollup in ("top_price", "value"):
        probe = await gql(
            client, RECORDS, {"object": order, "filter": {"field": rollup, "gt": 1}}, token=member
        )
        assert field_codes(probe) == {f"filter.{rollup}": "NOT_FILTERABLE"}
        assert field_codes(await gql(client, COUNTS, {"o": order, "f": rollup}, token=member)) == {
            "field": "NOT_GROUPABLE"
        }

    # Hiding the relation hides what is counted through it too.
    await _hide(client, admin, line, "order", "MEMBER")
    assert (await gql(client, NODE, {"id": parent["id"]}, token=member)).data["node"]["values"] == {
        "title": "O"
    }


async def test_derived_custom_fields_of_standard_objects_are_hidden_too(client, as_alpha):
    admin, agent = as_alpha["admin"], as_alpha["agent"]
    cost, markup, spent = api_name("cost"), api_name("markup"), api_name("spent")
    await make_field(client, admin, "Customer", apiName=cost, type="DECIMAL")
    await make_field(
        client,
        admin,
        "Customer",
        apiName=markup,
        type="FORMULA",
        config={"expression": f"{cost} * 2"},
    )
    invoice = await make_object(
        client,
        admin,
        [
            dict(apiName="customer", type="RELATION", config={"target": "Customer"}),
            dict(apiName="amount", type="DECIMAL"),
        ],
        stem="invoice",
    )
    await make_field(
        client,
        admin,
        "Customer",
        apiName=spent,
        type="ROLLUP",
        config={
            "childObject": invoice,
            "relationField": "customer",
            "function": "SUM",
            "field": "amount",
        },
    )
    customer = await make_customer(
        client, admin, name=api_name("Derived"), customFields={cost: 4}, ownerId=None
    )
    await create_record(client, admin, invoice, {"customer": customer["id"], "amount": 7})
    await _hide(client, admin, "Customer", f"customFields.{cost}", "AGENT")
    await _hide(client, admin, invoice, "amount", "AGENT")

    assert (await gql(client, CUSTOMER, {"id": customer["id"]}, token=admin)).data["node"][
        "customFields"
    ] == {cost: "4.00", markup: "8.00", spent: "7.00"}
    seen = (await gql(client, CUSTOMER, {"id": customer["id"]}, token=agent)).data["node"]
    assert seen["customFields"] == {}
    assert all(
        not set(e["node"]["changes"]) & {f"customFields.{n}" for n in (cost, markup, spent)}
        for e in seen["history"]["edges"]
    )
    listed = await gql(
        client,
        "query($f: CustomerFilter) { customers(filter: $f) { edges { node { customFields } } } }",
        {"f": {"name": {"eq": customer["name"]}}},
        token=agent,
    )
    assert [e["node"]["customFields"] for e in listed.data["customers"]["edges"]] == [{}]
    for field in (markup, spent):
        probe = await gql(
            client,
            "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }",
            {"f": {"customFields": {"field": field, "gt": 1}}},
            token=agent,
        )
        assert field_codes(probe) == {f"filter.customFields.{field}": "NOT_FILTERABLE"}
        sort = await gql(
            client,
            "query($o: [CustomerOrder!]) { customers(orderBy: $o) { totalCount } }",
            {"o": [{"customField": {"field": field}}]},
            token=agent,
        )
        assert sort.codes == ["BAD_USER_INPUT"], sort.body
    # The member, whom nothing is hidden from, reads all three.
    assert set(
        (await gql(client, CUSTOMER, {"id": customer["id"]}, token=as_alpha["member"])).data[
            "node"
        ]["customFields"]
    ) == {cost, markup, spent}


async def test_a_search_finds_no_record_by_a_hidden_value_nor_by_a_formula_over_it(
    client, as_alpha
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = api_name("searched")
    await gql(
        client,
        "mutation($i: CreateObjectInput!) { createObject(input: $i) { apiName } }",
        {
            "i": {
                "apiName": name,
                "label": "Searched",
                "pluralLabel": "Searched",
                "searchable": True,
            }
        },
        token=admin,
    )
    await make_field(client, admin, name, apiName="title", type="TEXT")
    await make_field(client, admin, name, apiName="codename", type="TEXT")
    await make_field(
        client,
        admin,
        name,
        apiName="badge",
        type="FORMULA",
        config={"expression": 'codename & "-badge"', "resultType": "TEXT"},
    )
    word = f"zq{uuid.uuid4().hex[:8]}"
    record = (
        await create_record(
            client, admin, name, {"title": "Plain title", "codename": word}, ownerId=None
        )
    ).data["createRecord"]
    await _hide(client, admin, name, "codename", "MEMBER")
    search = "query($o: String!, $s: String) { records(object: $o, search: $s) { totalCount edges { node { id } } } }"

    async def found(token: str, text: str) -> list[str]:
        listing = (await gql(client, search, {"o": name, "s": text}, token=token)).data["records"]
        assert listing["totalCount"] == len(listing["edges"])
        return [e["node"]["id"] for e in listing["edges"]]

    assert await found(admin, word) == [record["id"]]
    assert await found(admin, f"{word}-badge") == [record["id"]]
    assert await found(member, "plain") == [record["id"]]
    assert await found(member, word) == []
    assert await found(member, f"{word}-badge") == []
    across = "query($s: String!) { searchRecords(text: $s) { id } }"
    assert (await gql(client, across, {"s": word}, token=member)).data["searchRecords"] == []

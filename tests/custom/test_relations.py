"""Relations both ways: filtering records by a related record's fields one level deep, and the
reverse one-to-many list on the target record, without N+1."""

from __future__ import annotations

from tests.crm.test_query_counts import statements_per_request
from tests.support.custom import (
    RECORDS,
    api_name,
    create_record,
    field_codes,
    list_records,
    make_object,
)
from tests.support.graphql import gql
from tests.support.records import make_customer

CUSTOMER_CONTRACTS = """query($id: ID!, $object: String!) { node(id: $id) { ... on Customer {
  relatedRecords(object: $object, field: "customer") { totalCount edges { node { values } } } } } }"""
CUSTOMERS_CONTRACTS = """query($name: String!, $object: String!) { customers(filter: {name: {like: $name}}, orderBy: [{name: ASC}]) {
  edges { node { name relatedRecords(object: $object, field: "customer") { totalCount edges { node { values } } } } } } }"""


async def _contracts(client, admin):
    plan = await make_object(
        client,
        admin,
        [dict(apiName="name", type="TEXT"), dict(apiName="level", type="INTEGER")],
        stem="plan",
    )
    contract = await make_object(
        client,
        admin,
        [
            dict(apiName="customer", type="RELATION", config={"target": "Customer"}),
            dict(apiName="plan", type="RELATION", config={"target": plan}),
            dict(apiName="amount", type="DECIMAL"),
        ],
        stem="contract",
    )
    return plan, contract


async def test_filter_by_a_related_records_fields(client, as_alpha):
    admin = as_alpha["admin"]
    plan, contract = await _contracts(client, admin)
    gold = await make_customer(client, admin, name=api_name("Gold Co"), tier="gold")
    basic = await make_customer(client, admin, name=api_name("Basic Co"), tier="basic")
    premium = (await create_record(client, admin, plan, {"name": "Premium", "level": 3})).data[
        "createRecord"
    ]
    starter = (await create_record(client, admin, plan, {"name": "Starter", "level": 1})).data[
        "createRecord"
    ]
    for customer, chosen, amount in (
        (gold, premium, 100),
        (gold, starter, 50),
        (basic, premium, 70),
    ):
        await create_record(
            client,
            admin,
            contract,
            {"customer": customer["id"], "plan": chosen["id"], "amount": amount},
        )

    by_tier = await list_records(
        client,
        admin,
        contract,
        filter={"field": "customer.tier", "eq": "gold"},
        orderBy=[{"field": "amount", "direction": "DESC"}],
    )
    assert [e["node"]["values"]["amount"] for e in by_tier["edges"]] == ["100.00", "50.00"]
    by_level = await list_records(
        client,
        admin,
        contract,
        filter={
            "and": [
                {"field": "plan.level", "gte": "2"},
                {"field": "customer.name", "ilike": "basic%"},
            ]
        },
    )
    assert [e["node"]["values"]["amount"] for e in by_level["edges"]] == ["70.00"]
    unknown = await gql(
        client,
        RECORDS,
        {"object": contract, "filter": {"field": "customer.nothing", "eq": 1}},
        token=admin,
    )
    assert field_codes(unknown) == {"filter.customer.nothing": "NOT_FILTERABLE"}
    deep = await gql(
        client,
        RECORDS,
        {"object": contract, "filter": {"field": "amount.level", "eq": 1}},
        token=admin,
    )
    assert field_codes(deep) == {"filter.amount.level": "NOT_FILTERABLE"}


async def test_the_target_lists_what_points_at_it_without_n_plus_1(client, as_alpha, monkeypatch):
    admin = as_alpha["admin"]
    _, contract = await _contracts(client, admin)
    stem = api_name("Reverse")
    customers = [await make_customer(client, admin, name=f"{stem} {n}") for n in range(3)]
    for n, customer in enumerate(customers):
        for amount in range(n):
            await create_record(
                client, admin, contract, {"customer": customer["id"], "amount": amount}
            )
    one = (
        await gql(
            client, CUSTOMER_CONTRACTS, {"id": customers[2]["id"], "object": contract}, token=admin
        )
    ).data
    assert one["node"]["relatedRecords"]["totalCount"] == 2

    many = (
        await gql(
            client, CUSTOMERS_CONTRACTS, {"name": f"{stem}%", "object": contract}, token=admin
        )
    ).data
    assert [c["node"]["relatedRecords"]["totalCount"] for c in many["customers"]["edges"]] == [
        0,
        1,
        2,
    ]
    wrong = await gql(
        client,
        CUSTOMER_CONTRACTS,
        {"id": customers[0]["id"], "object": contract.replace("contract", "plan")},
        token=admin,
    )
    assert wrong.codes == ["NOT_FOUND"] or field_codes(wrong) == {"field": "INVALID_RELATION"}

    paged = CUSTOMERS_CONTRACTS.replace(
        "orderBy: [{name: ASC}])", "orderBy: [{name: ASC}], first: $first)"
    ).replace(
        "query($name: String!, $object: String!)",
        "query($name: String!, $object: String!, $first: Int!)",
    )
    counts = await statements_per_request(
        client,
        admin,
        paged,
        {"name": f"{stem}%", "object": contract},
        monkeypatch,
        "customers",
        (1, 3),
    )
    assert counts[1] == counts[3], counts


async def test_record_lists_with_relations_cost_the_same_statements_for_1_or_many(
    client, as_alpha, monkeypatch
):
    admin = as_alpha["admin"]
    plan, contract = await _contracts(client, admin)
    chosen = (await create_record(client, admin, plan, {"name": "P", "level": 1})).data[
        "createRecord"
    ]
    for n in range(4):
        customer = await make_customer(client, admin, name=api_name("Counted"))
        await create_record(
            client, admin, contract, {"customer": customer["id"], "plan": chosen["id"], "amount": n}
        )
    query = (
        "query($o: String!, $first: Int!) { records(object: $o, first: $first) { edges { node { values display "
        "owner { name } related { field id display } history(first: 2) { edges { node { action } } } } } } }"
    )
    counts = await statements_per_request(
        client, admin, query, {"o": contract}, monkeypatch, "records", (1, 4)
    )
    assert counts[1] == counts[4], counts

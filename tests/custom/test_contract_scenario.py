"""The issue's "done when": an admin models a Contract related to customers through GraphQL alone,
and the team creates, filters, sorts and counts contracts."""

from __future__ import annotations

from tests.support.custom import create_record, list_records, make_field, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer


async def test_an_admin_models_contracts_and_the_team_works_with_them(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    contract = await make_object(client, admin, stem="contract")
    await make_field(
        client,
        admin,
        contract,
        apiName="number",
        type="AUTO_NUMBER",
        config={"prefix": "C-", "digits": 5},
    )
    await make_field(
        client,
        admin,
        contract,
        apiName="customer",
        type="RELATION",
        config={"target": "Customer"},
        required=True,
    )
    await make_field(
        client,
        admin,
        contract,
        apiName="amount",
        type="CURRENCY",
        config={"currency": "CNY"},
        required=True,
    )
    await make_field(
        client,
        admin,
        contract,
        apiName="status",
        type="SINGLE_SELECT",
        config={"options": ["DRAFT", "ACTIVE", "ENDED"]},
        defaultValue="DRAFT",
    )
    await make_field(client, admin, contract, apiName="start_date", type="DATE")
    await make_field(client, admin, contract, apiName="end_date", type="DATE")
    await make_field(
        client,
        admin,
        contract,
        apiName="days",
        type="FORMULA",
        config={
            "expression": "DAYS_BETWEEN(start_date, end_date)",
            "resultType": "NUMBER",
            "decimalPlaces": 0,
        },
    )
    await gql(
        client,
        "mutation($input: UpdateObjectInput!) { updateObject(input: $input) { displayField } }",
        {"input": {"apiName": contract, "version": 1, "displayField": "number"}},
        token=admin,
    )

    acme = await make_customer(client, member, name="Acme Contracts Ltd")
    made = []
    for amount, status, start, end in [
        ("1200.50", "ACTIVE", "2026-01-01", "2026-12-31"),
        ("300", "DRAFT", "2026-03-01", "2026-03-31"),
        ("9000", "ACTIVE", "2026-02-01", "2027-01-31"),
    ]:
        response = await create_record(
            client,
            member,
            contract,
            {
                "customer": acme["id"],
                "amount": {"amount": amount},
                "status": status,
                "start_date": start,
                "end_date": end,
            },
        )
        made.append(response.data["createRecord"])

    first = made[0]
    assert first["values"]["number"] == "C-00001" and made[2]["values"]["number"] == "C-00003"
    assert first["values"]["amount"] == {"amount": "1200.50", "currency": "CNY"}
    assert first["values"]["days"] == "364"
    assert first["values"]["customer"] == acme["id"]
    assert first["display"] == "C-00001"
    assert first["related"] == [
        {"field": "customer", "id": acme["id"], "display": "Acme Contracts Ltd"}
    ]

    active = await list_records(
        client,
        member,
        contract,
        filter={"field": "status", "eq": "ACTIVE"},
        orderBy=[{"field": "amount", "direction": "DESC"}],
    )
    assert active["totalCount"] == 2
    assert [e["node"]["values"]["number"] for e in active["edges"]] == ["C-00003", "C-00001"]

    ranged = await list_records(
        client,
        member,
        contract,
        filter={
            "and": [
                {"field": "amount", "gte": 500},
                {"field": "start_date", "lt": "2026-02-15"},
                {"field": "customer", "eq": acme["id"]},
            ]
        },
        orderBy=[{"field": "end_date", "direction": "ASC"}],
    )
    assert [e["node"]["values"]["number"] for e in ranged["edges"]] == ["C-00001", "C-00003"]

    counts = await gql(
        client,
        'query($o: String!) { recordCounts(object: $o, field: "status") { value count } }',
        {"o": contract},
        token=member,
    )
    assert counts.data["recordCounts"] == [
        {"value": "ACTIVE", "count": 2},
        {"value": "DRAFT", "count": 1},
    ]
    filtered = await gql(
        client,
        'query($o: String!, $f: RecordFilter) { recordCounts(object: $o, field: "customer", filter: $f) '
        "{ value count } }",
        {"o": contract, "f": {"field": "amount", "gte": 1000}},
        token=member,
    )
    assert filtered.data["recordCounts"] == [{"value": acme["id"], "count": 2}]
    one = await gql(
        client, "query($id: ID!) { record(id: $id) { values } }", {"id": first["id"]}, token=member
    )
    assert one.data["record"]["values"]["number"] == "C-00001"

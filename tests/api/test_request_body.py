"""/graphql refuses malformed requests at the door: 400 with a GraphQL-shaped error, nothing run."""

from __future__ import annotations

import json

import pytest

from tests.support.graphql import gql
from tests.support.records import unique

DEEP = 70  # past the 64 levels a body may nest


def refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return error["message"]


@pytest.mark.parametrize(
    "body", [b"null", b"5", b'"x"', b"true", b"[5]", b"[null]", b'[{"query": "{ __typename }"}, 7]']
)
async def test_a_body_that_is_not_operations_is_refused(client, body):
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert "operation" in refused(response)


async def test_an_empty_batch_is_refused(client):
    assert "empty batch" in refused(await client.post("/graphql", json=[]))


async def test_a_body_that_is_not_utf8_is_refused(client):
    for body in (
        b'{"query": "{ __typename \xff }"}',
        json.dumps({"query": "{ __typename }"}).encode("utf-16"),
    ):
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert refused(response) == "The body is not UTF-8"


async def test_a_body_that_is_not_json_is_refused(client):
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"content-type": "application/json"}
    )
    assert refused(response).startswith("The body is not JSON")


async def test_deeply_nested_bodies_and_variables_are_refused(client):
    variables = {"v": json.loads("[" * DEEP + "]" * DEEP)}
    in_variables = await client.post(
        "/graphql", json={"query": "query($v: JSON) { __typename }", "variables": variables}
    )
    pathological = await client.post(
        "/graphql",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"content-type": "application/json"},
    )
    over_get = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": json.dumps(variables)}
    )

    for response in (in_variables, pathological, over_get):
        assert "nests deeper" in refused(response)


async def test_a_batch_with_one_malformed_operation_runs_none_of_them(client, as_alpha):
    admin = as_alpha["admin"]
    name = unique("Batched")
    create = {
        "query": "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
        "variables": {"i": {"name": name}},
    }
    for bad in (
        {"query": "{ __typename }", "variables": 5},
        {"query": 5},
        {"query": "{ __typename }", "operationName": []},
    ):
        response = await client.post(
            "/graphql", json=[create, bad], headers={"Authorization": f"Bearer {admin}"}
        )
        assert "operation 1" in refused(response)
    found = await gql(
        client,
        "query($n: String) { customers(filter: {name: {eq: $n}}) { totalCount } }",
        {"n": name},
        token=admin,
    )
    assert found.data["customers"]["totalCount"] == 0


async def test_other_refusals_of_the_endpoint_are_graphql_shaped_too(client):
    unsupported = await client.post(
        "/graphql", content=b"{ __typename }", headers={"content-type": "text/plain"}
    )
    assert refused(unsupported) == "Unsupported content type"


async def test_well_formed_requests_still_work(client):
    single = await client.post(
        "/graphql", json={"query": "{ __typename }", "variables": None, "operationName": None}
    )
    batch = await client.post(
        "/graphql",
        json=[
            {"query": "{ __typename }"},
            {"query": "query Q { __typename }", "operationName": "Q"},
        ],
    )
    assert single.json() == {"data": {"__typename": "Query"}}
    assert [item["data"] for item in batch.json()] == [{"__typename": "Query"}] * 2

"""Relations in imported files: a contact's customer by name or by external id, with row errors
for names and ids that match nothing or, by name, several records; another tenant's records are
never matched."""

from __future__ import annotations

import uuid

from tests.support.data import run_import, uploaded
from tests.support.graphql import gql

CUSTOMER = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
CONTACTS = """query($ids: [ID!]) { contacts(filter: {customerId: {in: $ids}}, first: 50) {
  edges { node { name customer { name } } } } }"""


async def _customer(client, token: str, name: str) -> str:
    return (await gql(client, CUSTOMER, {"input": {"name": name}}, token=token)).data[
        "createCustomer"
    ]["id"]


async def test_a_contacts_customer_is_found_by_name_or_external_id(client, as_alpha, as_beta):
    admin, mark = as_alpha["admin"], uuid.uuid4().hex[:8]
    acme = await _customer(client, admin, f"Acme {mark}")
    twins = [await _customer(client, admin, f"Twin {mark}") for _ in range(2)]
    await _customer(client, as_beta["admin"], f"Beta only {mark}")
    # Customers brought from another system keep its ids (an import links them).
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, f"code,name\nC-{mark},Zed {mark}\n".encode()),
        object="Customer",
        mapping=[{"column": "code", "field": "externalId"}, {"column": "name", "field": "name"}],
        externalSystem="oldcrm",
    )
    assert job["result"]["created"] == 1, job

    by_name = (
        "name,Customer\n"
        f"Ann {mark},acme {mark}\n"  # names match regardless of case
        f"Bob {mark},Nobody {mark}\n"
        f"Cy {mark},Twin {mark}\n"
        f"Di {mark},Beta only {mark}\n"
        f"Ed {mark},{acme and ''}\n"  # no customer: nothing to find
    )
    job = await run_import(
        client, admin, fileId=await uploaded(client, admin, by_name.encode()), object="Contact"
    )
    assert (job["result"]["created"], job["result"]["failed"]) == (2, 3), job
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "customerId", "NOT_FOUND"),
        (4, "customerId", "AMBIGUOUS"),
        (5, "customerId", "NOT_FOUND"),  # another tenant's customer is not there at all
    ]

    by_code = f"name,code\nFay {mark},C-{mark}\nGus {mark},C-none-{mark}\n"
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, by_code.encode()),
        object="Contact",
        mapping=[
            {"column": "name", "field": "name"},
            {"column": "code", "field": "customerId.externalId"},
        ],
        externalSystem="oldcrm",
    )
    assert (job["result"]["created"], job["result"]["failed"]) == (1, 1), job
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "customerId", "NOT_FOUND")
    ]
    zed = (
        await gql(
            client,
            "query($n: String!) { customers(filter: {name: {eq: $n}}) { edges { node { id } } } }",
            {"n": f"Zed {mark}"},
            token=admin,
        )
    ).data["customers"]["edges"][0]["node"]["id"]
    found = (await gql(client, CONTACTS, {"ids": [acme, zed, *twins]}, token=admin)).data[
        "contacts"
    ]["edges"]
    assert sorted((e["node"]["name"], e["node"]["customer"]["name"]) for e in found) == [
        (f"Ann {mark}", f"Acme {mark}"),
        (f"Fay {mark}", f"Zed {mark}"),
    ]


async def test_a_relation_mapped_twice_is_a_mapping_error(client, as_alpha):
    admin = as_alpha["admin"]
    file_id = await uploaded(client, admin, b"name,customer,code\nAnn,Acme,C1\n")
    refused = await gql(
        client,
        "mutation($input: StartImportInput!) { startImport(input: $input) { id } }",
        {
            "input": {
                "fileId": file_id,
                "object": "Contact",
                "mapping": [
                    {"column": "name", "field": "name"},
                    {"column": "customer", "field": "customerId"},
                    {"column": "code", "field": "customerId.externalId"},
                ],
            }
        },
        token=admin,
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["fieldErrors"] == [
        {
            "field": "mapping.code",
            "code": "MAPPED_TWICE",
            "message": "customerId is already mapped from 'customer'",
        }
    ]

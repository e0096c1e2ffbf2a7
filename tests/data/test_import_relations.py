"""Relations in imported files: a contact's customer by name or by external id, with row errors
for names and ids that match nothing or, by name, several records; another tenant's records are
never matched."""

from __future__ import annotations

import uuid

from tests.duplicates.support import rule
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


LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
LEADS = """query($region: String!) { leads(filter: {region: {eq: $region}}, first: 50) {
  edges { node { personName email score } } } }"""


async def test_an_upsert_by_duplicate_rules_updates_the_one_match_and_refuses_ambiguous_rows(
    client, as_alpha, as_beta
):
    admin, mark = as_alpha["admin"], "r" + uuid.uuid4().hex[:8]
    for name, email in (("Ann", "ann"), ("Bo", "bo"), ("Bob", "bo")):  # WARN lets twins in
        await gql(
            client,
            LEAD,
            {"input": {"personName": name, "email": f"{email}.{mark}@example.com", "region": mark}},
            token=admin,
        )
    # Another tenant's lead with the same email is never matched.
    await gql(
        client,
        LEAD,
        {"input": {"personName": "Cy", "email": f"cy.{mark}@example.com", "region": mark}},
        token=as_beta["admin"],
    )
    text = (
        "email,score,personName,region\n"
        f"ANN.{mark}@example.com,11,Ann,{mark}\n"  # the rule compares emails normalised
        f"cy.{mark}@example.com,22,Cy,{mark}\n"
        f"bo.{mark}@example.com,33,Bo,{mark}\n"
    )
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, text.encode()),
        object="Lead",
        mode="UPSERT",
        matchBy="duplicateRules",
    )
    result = job["result"]
    assert (result["created"], result["updated"], result["failed"]) == (1, 1, 1), job
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (4, "duplicateRules", "AMBIGUOUS")
    ]
    found = (await gql(client, LEADS, {"region": mark}, token=admin)).data["leads"]["edges"]
    assert sorted((e["node"]["personName"], e["node"]["score"]) for e in found) == [
        ("Ann", 11),
        ("Bo", 0),
        ("Bob", 0),
        ("Cy", 22),
    ]

    only_updates = f"email,score\nnobody.{mark}@example.com,1\n"
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, only_updates.encode()),
        object="Lead",
        mode="UPDATE",
        matchBy="duplicateRules",
    )
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (2, "duplicateRules", "NOT_FOUND")
    ]


async def test_an_upsert_by_a_rule_on_a_two_word_field_updates_its_match(client, as_alpha):
    # The mapping names fields as clients do (`companyName`), the rules as the domain stores them
    # (`company_name`): a match on such a field must still be found, not created a second time.
    admin, mark = as_alpha["admin"], "w" + uuid.uuid4().hex[:8]
    company = f"Acme {mark}"
    await gql(
        client,
        LEAD,
        {"input": {"personName": "Dee", "companyName": company, "region": mark}},
        token=admin,
    )
    conditions = [{"field": "companyName", "match": "EXACT"}]
    async with rule(client, admin, object="Lead", name=mark, action="WARN", conditions=conditions):
        job = await run_import(
            client,
            admin,
            fileId=await uploaded(client, admin, f"companyName,score\n{company},44\n".encode()),
            object="Lead",
            mode="UPSERT",
            matchBy="duplicateRules",
        )
    assert (job["result"]["created"], job["result"]["updated"]) == (0, 1), job
    found = (await gql(client, LEADS, {"region": mark}, token=admin)).data["leads"]["edges"]
    assert [(e["node"]["personName"], e["node"]["score"]) for e in found] == [("Dee", 44)]

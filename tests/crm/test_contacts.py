"""Contacts: normalised phones and emails, the link to a customer, the customer's 360° view."""

from __future__ import annotations

from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, unique

CREATE = (
    "mutation($input: CreateContactInput!) { createContact(input: $input) { id phones emails } }"
)


async def test_phones_become_e164_and_emails_are_normalised(client, as_alpha):
    contact = await make_contact(
        client,
        as_alpha["agent"],
        phones=["+86 138-0013-8000", "+1 (415) 555-2671", "+8613800138000"],
        emails=["Li.Lei@EXAMPLE.com"],
    )
    assert contact["phones"] == ["+8613800138000", "+14155552671"]  # duplicates dropped
    assert contact["emails"] == ["Li.Lei@example.com"]


async def test_invalid_phones_and_emails_are_field_errors(client, as_alpha):
    response = await gql(
        client,
        CREATE,
        {
            "input": {
                "name": "Bad",
                "phones": ["+8613800138000", "12345", "call me"],
                "emails": ["nope@", "ok@example.com"],
            }
        },
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    codes = {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert codes == {
        "phones.1": "INVALID_PHONE",
        "phones.2": "INVALID_PHONE",
        "emails.0": "INVALID_EMAIL",
    }


async def test_contact_update_and_delete(client, as_alpha):
    contact = await make_contact(client, as_alpha["member"], title="Buyer")
    updated = await gql(
        client,
        "mutation($input: UpdateContactInput!) { updateContact(input: $input) { title version marketingConsent } }",
        {
            "input": {
                "id": contact["id"],
                "version": 1,
                "title": "Head of purchasing",
                "marketingConsent": True,
            }
        },
        token=as_alpha["member"],
    )
    assert updated.data["updateContact"] == {
        "title": "Head of purchasing",
        "version": 2,
        "marketingConsent": True,
    }
    forbidden = await gql(
        client,
        "mutation($id: ID!) { deleteContact(input: {id: $id}) { id } }",
        {"id": contact["id"]},
        token=as_alpha["member"],
    )
    assert forbidden.codes == ["FORBIDDEN"]
    deleted = await gql(
        client,
        "mutation($id: ID!) { deleteContact(input: {id: $id}) { deletedAt } }",
        {"id": contact["id"]},
        token=as_alpha["admin"],
    )
    assert deleted.data["deleteContact"]["deletedAt"]


async def test_customer_360_view(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"], name=unique("Globex"))
    for name in ("Ann", "Bob", "Cy"):
        await make_contact(client, as_alpha["admin"], name=name, customerId=customer["id"])

    view = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { name contacts(first: 2) { totalCount "
        "pageInfo { hasNextPage } edges { node { name customer { name } } } } } } }",
        {"id": customer["id"]},
        token=as_alpha["admin"],
    )
    contacts = view.data["node"]["contacts"]
    assert contacts["totalCount"] == 3 and contacts["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["name"] for e in contacts["edges"]] == ["Ann", "Bob"]
    assert {e["node"]["customer"]["name"] for e in contacts["edges"]} == {customer["name"]}


async def test_filter_contacts_by_customer_and_email(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])
    email = f"{unique('x')}@example.com"
    await make_contact(client, as_alpha["admin"], customerId=customer["id"], emails=[email])
    await make_contact(client, as_alpha["admin"], customerId=customer["id"])

    by_customer = await gql(
        client,
        "query($c: ID!) { contacts(filter: {customerId: {eq: $c}}) { totalCount } }",
        {"c": customer["id"]},
        token=as_alpha["admin"],
    )
    assert by_customer.data["contacts"]["totalCount"] == 2
    by_email = await gql(
        client,
        "query($e: String!) { contacts(filter: {emails: {eq: $e}}) { edges { node { emails } } } }",
        {"e": email},
        token=as_alpha["admin"],
    )
    assert [e["node"]["emails"] for e in by_email.data["contacts"]["edges"]] == [[email]]


async def test_bulk_contacts_report_the_failing_item(client, as_alpha):
    response = await gql(
        client,
        "mutation($input: BulkCreateContactsInput!) { bulkCreateContacts(input: $input) { id } }",
        {"input": {"items": [{"name": "ok"}, {"name": "bad", "phones": ["0"]}]}},
        token=as_alpha["admin"],
    )
    assert response.errors[0]["extensions"]["fieldErrors"][0]["field"] == "items.1.phones.0"

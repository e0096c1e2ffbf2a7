"""Upserts and lookups by external id through GraphQL, for standard and custom records, with
per-item errors, all-or-nothing, rights and tenant isolation."""

from __future__ import annotations

import uuid

import pytest

from tests.support.custom import make_object
from tests.support.graphql import gql
from tests.support.records import make_customer, scoped_token

UPSERT = "mutation($i: UpsertRecordsInput!) { upsertRecords(input: $i) { externalId id created } }"
LOOKUP = (
    "query($o: String!, $s: String!, $e: String!) { recordByExternalId(object: $o, system: $s, externalId: $e) "
    "{ id ... on Customer { name externalIds { system id } } ... on Contact { name customer { id } } ... on CustomRecord { values } } }"
)


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def test_upserts_create_then_update_the_same_records(client, as_alpha, marker):
    token = await scoped_token(
        client, as_alpha["admin"], ["crm:read", "crm:write"]
    )  # a partner's token
    first = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Customer",
                "system": "erp",
                "items": [
                    {
                        "externalId": f"A-{marker}",
                        "values": {"name": f"Acme {marker}", "region": "East"},
                    },
                    {"externalId": f"B-{marker}", "values": {"name": f"Beta Co {marker}"}},
                ],
            }
        },
        token=token,
    )
    assert [(r["externalId"], r["created"]) for r in first.data["upsertRecords"]] == [
        (f"A-{marker}", True),
        (f"B-{marker}", True),
    ]
    again = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Customer",
                "system": "erp",
                "items": [{"externalId": f"A-{marker}", "values": {"name": f"Acme Corp {marker}"}}],
            }
        },
        token=token,
    )
    [updated] = again.data["upsertRecords"]
    assert (updated["created"], updated["id"]) == (False, first.data["upsertRecords"][0]["id"])
    found = (
        await gql(client, LOOKUP, {"o": "Customer", "s": "erp", "e": f"A-{marker}"}, token=token)
    ).data["recordByExternalId"]
    assert found == {
        "id": updated["id"],
        "name": f"Acme Corp {marker}",
        "externalIds": [{"system": "erp", "id": f"A-{marker}"}],
    }
    # A contact linked by the customer's global id, upserted by its own external id.
    contact = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Contact",
                "system": "erp",
                "items": [
                    {
                        "externalId": f"P-{marker}",
                        "values": {"name": "Pat", "customerId": updated["id"]},
                    }
                ],
            }
        },
        token=token,
    )
    assert contact.data, contact.errors
    linked = (
        await gql(client, LOOKUP, {"o": "Contact", "s": "erp", "e": f"P-{marker}"}, token=token)
    ).data["recordByExternalId"]
    assert linked["customer"]["id"] == updated["id"]
    assert (
        await gql(client, LOOKUP, {"o": "Customer", "s": "erp", "e": "nope"}, token=token)
    ).data["recordByExternalId"] is None


async def test_a_bad_item_undoes_the_whole_call_and_every_problem_is_reported(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    bad = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Lead",
                "system": "shop",
                "items": [
                    {"externalId": f"ok-{marker}", "values": {"personName": "Fine"}},
                    {
                        "externalId": f"bad-{marker}",
                        "values": {"personName": "Bad", "email": "not an email"},
                    },
                    {"externalId": "", "values": {"personName": "No id"}},
                ],
            }
        },
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {"items.1.email", "items.2.externalId.id"}
    nothing = await gql(
        client, LOOKUP, {"o": "Lead", "s": "shop", "e": f"ok-{marker}"}, token=admin
    )
    assert nothing.data["recordByExternalId"] is None  # the good item was undone too
    unknown = await gql(
        client,
        UPSERT,
        {"i": {"object": "Spaceship", "system": "x", "items": [{"externalId": "1", "values": {}}]}},
        token=admin,
    )
    assert unknown.codes == ["BAD_USER_INPUT"]


async def test_custom_records_upsert_by_external_id_too(client, as_alpha, marker):
    admin = as_alpha["admin"]
    contract = await make_object(
        client,
        admin,
        [
            dict(apiName="title", type="TEXT"),
            dict(apiName="account", type="RELATION", config={"target": "Customer"}),
        ],
        stem="contract",
    )
    customer = await make_customer(client, admin, name=f"Party {marker}")
    for title, created in (("v1", True), ("v2", False)):
        result = await gql(
            client,
            UPSERT,
            {
                "i": {
                    "object": contract,
                    "system": "erp",
                    "items": [
                        {
                            "externalId": f"K-{marker}",
                            "values": {"title": title, "account": customer["id"]},
                        }
                    ],
                }
            },
            token=admin,
        )
        assert result.data["upsertRecords"][0]["created"] is created
    found = (
        await gql(client, LOOKUP, {"o": contract, "s": "erp", "e": f"K-{marker}"}, token=admin)
    ).data["recordByExternalId"]
    assert found["values"]["title"] == "v2" and found["values"]["account"] == customer["id"]
    wrong = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": contract,
                "system": "erp",
                "items": [{"externalId": f"K-{marker}", "values": {"account": "not-an-id"}}],
            }
        },
        token=admin,
    )
    assert [e["field"] for e in wrong.errors[0]["extensions"]["fieldErrors"]] == [
        "items.0.values.account"
    ]


async def test_rights_and_tenants_bound_upserts_and_lookups(client, as_alpha, as_beta, marker):
    reader = await scoped_token(client, as_alpha["admin"], ["crm:read"])
    denied = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Customer",
                "system": "erp",
                "items": [{"externalId": f"R-{marker}", "values": {"name": "x"}}],
            }
        },
        token=reader,
    )
    assert denied.codes == ["FORBIDDEN"]
    customer = await make_customer(client, as_alpha["admin"], name=f"Alpha's {marker}")
    mine = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Customer",
                "system": "erp",
                "items": [{"externalId": f"T-{marker}", "values": {"name": f"Alpha's {marker}"}}],
            }
        },
        token=as_alpha["admin"],
    )
    assert mine.data and customer
    beta = as_beta["admin"]
    assert (
        await gql(client, LOOKUP, {"o": "Customer", "s": "erp", "e": f"T-{marker}"}, token=beta)
    ).data["recordByExternalId"] is None
    # Beta's own upsert with the same external id makes beta's own record; alpha's is untouched.
    theirs = await gql(
        client,
        UPSERT,
        {
            "i": {
                "object": "Customer",
                "system": "erp",
                "items": [{"externalId": f"T-{marker}", "values": {"name": "Beta's"}}],
            }
        },
        token=beta,
    )
    assert theirs.data["upsertRecords"][0]["created"] is True
    still = (
        await gql(
            client,
            LOOKUP,
            {"o": "Customer", "s": "erp", "e": f"T-{marker}"},
            token=as_alpha["admin"],
        )
    ).data
    assert still["recordByExternalId"]["name"] == f"Alpha's {marker}"

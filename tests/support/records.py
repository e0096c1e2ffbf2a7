"""Helpers that make CRM records through the API, the way clients do."""

from __future__ import annotations

import itertools

from tests.support.graphql import create_token, gql

_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


async def make_customer(client, token: str, **fields) -> dict:
    fields.setdefault("name", unique("Customer"))
    response = await gql(
        client,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id name version tier region "
        "lifetimeValue owner { id email } team { id name } } }",
        {"input": fields},
        token=token,
    )
    return response.data["createCustomer"]


async def make_contact(client, token: str, **fields) -> dict:
    fields.setdefault("name", unique("Contact"))
    response = await gql(
        client,
        "mutation($input: CreateContactInput!) { createContact(input: $input) { id name version emails phones "
        "customer { id name } } }",
        {"input": fields},
        token=token,
    )
    return response.data["createContact"]


async def scoped_token(client, admin_token: str, scopes: list[str]) -> str:
    return (await create_token(client, admin_token, scopes, name=unique("crm-token")))["secret"]

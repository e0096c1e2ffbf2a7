"""Sessions for every role of alpha and beta, and helpers to make CRM records through the API."""

from __future__ import annotations

import itertools

import pytest

from tests.support.graphql import create_token, gql, login

ROLES = ("admin", "manager", "member", "agent", "viewer")
_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@pytest.fixture(scope="session")
async def as_alpha(client, tenants) -> dict[str, str]:
    """Access tokens of alpha's admin, manager, member, agent and viewer."""
    info = tenants["alpha"]
    return {role: (await login(client, "alpha", info.email(role), info.password))["accessToken"] for role in ROLES}


@pytest.fixture(scope="session")
async def as_beta(client, tenants) -> dict[str, str]:
    info = tenants["beta"]
    return {role: (await login(client, "beta", info.email(role), info.password))["accessToken"] for role in ROLES}


@pytest.fixture(scope="session")
async def user_ids(client, as_alpha) -> dict[str, str]:
    """Global ids of alpha's users, by role."""
    ids = {}
    for role, token in as_alpha.items():
        ids[role] = (await gql(client, "{ me { id } }", token=token)).data["me"]["id"]
    return ids


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

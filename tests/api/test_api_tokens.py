"""Partner API tokens: create, use, scopes, last use, revoke, expiry, and tenant isolation."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.graphql import create_token, gql, login

ME = "{ me { email role scopes tenant { slug } } }"
TOKENS = "query($first: Int, $after: String) { apiTokens(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id name lastUsedAt revokedAt } } } }"
REVOKE = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { id revokedAt } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on ApiToken { name scopes } } }"


@pytest.fixture
async def alpha_admin(client, tenants):
    alpha = tenants["alpha"]
    return (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]


@pytest.fixture
async def beta_admin(client, tenants):
    beta = tenants["beta"]
    return (await login(client, "beta", beta.admin_email, beta.password))["accessToken"]


async def test_token_is_shown_once_recognisable_and_works(client, alpha_admin):
    created = await create_token(client, alpha_admin, ["crm:read"], name="erp sync")

    secret = created["secret"]
    assert secret.startswith("tsk_") and len(secret) == 4 + 22 + 32 + 6
    assert secret not in str(created["apiToken"])  # only the hint is listed
    me = (await gql(client, ME, token=secret)).data["me"]
    assert me["tenant"]["slug"] == "alpha" and me["email"] == "admin@alpha.test"
    assert me["scopes"] == ["crm:read"]


async def test_token_checksum_catches_typos_before_any_lookup(client, alpha_admin):
    secret = (await create_token(client, alpha_admin, ["crm:read"]))["secret"]
    typo = secret[:-7] + ("a" if secret[-7] != "a" else "b") + secret[-6:]
    response = await gql(client, ME, token=typo)
    assert (
        response.codes == ["UNAUTHENTICATED"]
        and response.errors[0]["message"] == "Invalid API token"
    )


async def test_last_used_is_recorded(client, alpha_admin):
    created = await create_token(client, alpha_admin, ["admin:read"], name="last-used")
    assert created["apiToken"]["lastUsedAt"] is None

    await gql(client, ME, token=created["secret"])

    node = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on ApiToken { lastUsedAt } } }",
        {"id": created["apiToken"]["id"]},
        token=alpha_admin,
    )
    last_used = datetime.fromisoformat(node.data["node"]["lastUsedAt"])
    assert abs(datetime.now(timezone.utc) - last_used) < timedelta(minutes=1)


async def test_revoked_token_is_rejected_at_once(client, alpha_admin):
    created = await create_token(client, alpha_admin, ["crm:read"])
    assert (await gql(client, ME, token=created["secret"])).data

    revoked = (await gql(client, REVOKE, {"id": created["apiToken"]["id"]}, token=alpha_admin)).data
    assert revoked["revokeApiToken"]["revokedAt"] is not None

    assert (await gql(client, ME, token=created["secret"])).codes == ["UNAUTHENTICATED"]


async def test_expired_token_is_rejected(client, alpha_admin):
    soon = (datetime.now(timezone.utc) + timedelta(seconds=1.5)).isoformat()
    created = await create_token(client, alpha_admin, ["crm:read"], expires_at=soon)
    assert (await gql(client, ME, token=created["secret"])).data

    await asyncio.sleep(2)

    response = await gql(client, ME, token=created["secret"])
    assert response.codes == ["UNAUTHENTICATED"] and "expired" in response.errors[0]["message"]


async def test_read_only_token_cannot_mutate(client, alpha_admin):
    reader = (await create_token(client, alpha_admin, ["admin:read"]))["secret"]

    listing = await gql(client, TOKENS, token=reader)
    assert listing.data["apiTokens"]["totalCount"] >= 1
    attempt = await gql(
        client,
        'mutation { createApiToken(input: {name: "x", scopes: ["crm:read"]}) { secret } }',
        token=reader,
    )
    assert attempt.codes == ["FORBIDDEN"]
    assert "admin:write" in attempt.errors[0]["message"]


async def test_token_without_the_scope_cannot_read(client, alpha_admin):
    crm_only = (await create_token(client, alpha_admin, ["crm:write"]))["secret"]
    assert (await gql(client, TOKENS, token=crm_only)).codes == ["FORBIDDEN"]


async def test_a_token_cannot_mint_a_stronger_token(client, alpha_admin):
    admin_token = (await create_token(client, alpha_admin, ["admin:write"]))["secret"]

    escalation = await gql(
        client,
        'mutation { createApiToken(input: {name: "x", scopes: ["crm:write"]}) { secret } }',
        token=admin_token,
    )
    assert escalation.codes == ["FORBIDDEN"]
    same = await gql(
        client,
        'mutation { createApiToken(input: {name: "x", scopes: ["admin:read"]}) { secret } }',
        token=admin_token,
    )
    assert same.data["createApiToken"]["secret"].startswith("tsk_")


async def test_roles_other_than_admin_cannot_manage_tokens(client, tenants):
    alpha = tenants["alpha"]
    for role in ("manager", "member", "agent", "viewer"):
        access = (await login(client, "alpha", alpha.email(role), alpha.password))["accessToken"]
        assert (await gql(client, TOKENS, token=access)).codes == ["FORBIDDEN"], role
        attempt = await gql(
            client,
            'mutation { createApiToken(input: {name: "x", scopes: ["crm:read"]}) { secret } }',
            token=access,
        )
        assert attempt.codes == ["FORBIDDEN"], role


async def test_invalid_input_reports_every_field_and_writes_nothing(client, alpha_admin):
    before = (await gql(client, TOKENS, token=alpha_admin)).data["apiTokens"]["totalCount"]
    past = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()

    response = await gql(
        client,
        "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }",
        {"input": {"name": "", "scopes": ["crm:read", "crm:destroy"], "expiresAt": past}},
        token=alpha_admin,
    )

    assert response.codes == ["BAD_USER_INPUT"]
    fields = {fe["field"]: fe["code"] for fe in response.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {"name": "LENGTH", "scopes": "UNKNOWN_SCOPE", "expiresAt": "IN_PAST"}
    assert (await gql(client, TOKENS, token=alpha_admin)).data["apiTokens"]["totalCount"] == before


async def test_listing_pages_with_keyset_cursors(client, alpha_admin):
    for index in range(3):
        await create_token(client, alpha_admin, ["crm:read"], name=f"page-{index}")
    total = (await gql(client, TOKENS, token=alpha_admin)).data["apiTokens"]["totalCount"]

    seen, after = [], None
    while True:
        page = (await gql(client, TOKENS, {"first": 2, "after": after}, token=alpha_admin)).data[
            "apiTokens"
        ]
        assert page["totalCount"] == total
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == total

    for first in (0, 101):
        assert (await gql(client, TOKENS, {"first": first}, token=alpha_admin)).codes == [
            "BAD_USER_INPUT"
        ]
    assert (await gql(client, TOKENS, {"after": "nonsense"}, token=alpha_admin)).codes == [
        "BAD_USER_INPUT"
    ]


async def test_tokens_of_one_tenant_never_reach_another(client, alpha_admin, beta_admin, tenants):
    beta_created = await create_token(client, beta_admin, ["admin:write"], name="beta-only")
    beta_id = beta_created["apiToken"]["id"]
    alpha_token = (await create_token(client, alpha_admin, ["admin:write"], name="alpha-partner"))[
        "secret"
    ]

    for caller in (alpha_admin, alpha_token):
        listing = (await gql(client, TOKENS, {"first": 100}, token=caller)).data["apiTokens"]
        assert beta_id not in [edge["node"]["id"] for edge in listing["edges"]]
        assert (await gql(client, NODE, {"id": beta_id}, token=caller)).data["node"] is None
        assert (await gql(client, REVOKE, {"id": beta_id}, token=caller)).codes == ["NOT_FOUND"]

    # beta's token still works and is not revoked.
    assert (await gql(client, ME, token=beta_created["secret"])).data["me"]["tenant"][
        "slug"
    ] == "beta"


async def test_node_resolves_api_tokens_and_rejects_bad_ids(client, alpha_admin):
    created = await create_token(client, alpha_admin, ["crm:read"], name="by-node")
    node = (await gql(client, NODE, {"id": created["apiToken"]["id"]}, token=alpha_admin)).data[
        "node"
    ]
    assert node == {"__typename": "ApiToken", "name": "by-node", "scopes": ["crm:read"]}
    assert (await gql(client, NODE, {"id": "not-a-global-id"}, token=alpha_admin)).codes == [
        "BAD_USER_INPUT"
    ]

"""Login: the only way in without a token. Failures never reveal which part was wrong."""

from __future__ import annotations

import jwt
import pytest

from tests.support import cli
from tests.support.graphql import LOGIN, gql, login

ME = "{ me { id email name role tenant { id slug name } scopes } }"


def _login_vars(tenant: str, email: str, password: str) -> dict:
    return {"input": {"tenant": tenant, "email": email, "password": password}}


async def test_login_returns_tokens_that_identify_the_user(client, tenants, settings):
    alpha = tenants["alpha"]
    session = await login(client, "alpha", alpha.admin_email, alpha.password)

    claims = jwt.decode(
        session["accessToken"],
        settings.jwt_secret_value(),
        algorithms=["HS256"],
        audience=settings.jwt_audience,
    )
    assert claims["tid"] == alpha.id and claims["role"] == "admin"
    assert {"sub", "tid", "role", "iat", "exp", "iss", "aud", "jti"} <= claims.keys()
    assert session["refreshToken"].startswith("tsr_")
    me = (await gql(client, ME, token=session["accessToken"])).data["me"]
    assert me["email"] == alpha.admin_email
    assert me["role"] == "ADMIN"
    assert me["tenant"]["slug"] == "alpha"
    assert me["scopes"] is None


async def test_email_is_case_insensitive(client, tenants):
    session = await login(client, "alpha", "ADMIN@Alpha.Test", tenants["alpha"].password)
    assert session["accessToken"]


@pytest.mark.parametrize(
    "tenant, email, password",
    [
        ("alpha", "admin@alpha.test", "wrong-password"),  # wrong password
        ("alpha", "nobody@alpha.test", "correct-horse-battery"),  # unknown email
        ("no-such-tenant", "admin@alpha.test", "correct-horse-battery"),  # unknown tenant
        ("beta", "admin@alpha.test", "correct-horse-battery"),  # a user of alpha logging into beta
    ],
)
async def test_failed_logins_are_unauthenticated_and_say_nothing_specific(
    client, tenants, tenant, email, password
):
    response = await gql(client, LOGIN, _login_vars(tenant, email, password))

    assert response.codes == ["UNAUTHENTICATED"]
    assert response.errors[0]["message"] == "Invalid credentials"
    assert response.body["data"] is None


async def test_suspended_tenant_cannot_log_in_and_its_tokens_stop_working(client, tenants):
    gamma = tenants["gamma"]
    session = await login(client, "gamma", gamma.admin_email, gamma.password)
    partner = (
        await gql(
            client,
            'mutation { createApiToken(input: {name: "p", scopes: ["crm:read"]}) { secret } }',
            token=session["accessToken"],
        )
    ).data["createApiToken"]["secret"]

    cli.ok(await cli.arun("tenant", "suspend", "gamma"))
    try:
        for token in (session["accessToken"], partner):
            assert (await gql(client, ME, token=token)).codes == ["UNAUTHENTICATED"]
        refreshed = await gql(
            client,
            "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken } }",
            {"t": session["refreshToken"]},
        )
        assert refreshed.codes == ["UNAUTHENTICATED"]
        denied = await gql(client, LOGIN, _login_vars("gamma", gamma.admin_email, gamma.password))
        assert denied.codes == ["FORBIDDEN"]
        wrong = await gql(
            client, LOGIN, _login_vars("gamma", gamma.admin_email, "not-the-password")
        )
        assert wrong.codes == [
            "UNAUTHENTICATED"
        ]  # suspension is only revealed to the right password
    finally:
        cli.ok(await cli.arun("tenant", "activate", "gamma"))
    assert (await gql(client, ME, token=partner)).data["me"]["tenant"]["slug"] == "gamma"


async def test_me_without_a_token_is_unauthenticated(client, tenants):
    response = await gql(client, ME)
    assert response.codes == ["UNAUTHENTICATED"]

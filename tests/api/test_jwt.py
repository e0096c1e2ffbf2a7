"""Access tokens are trusted only when everything about them checks out."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from tests.support.graphql import gql, login

ME = "{ me { email } }"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
async def session(client, tenants):
    alpha = tenants["alpha"]
    return await login(client, "alpha", alpha.email("manager"), alpha.password)


def _resign(settings, claims: dict, *, key: str | None = None) -> str:
    return jwt.encode(claims, key or settings.jwt_secret_value(), algorithm="HS256")


async def test_a_valid_token_works(client, session):
    assert (await gql(client, ME, token=session["accessToken"])).data["me"][
        "email"
    ] == "manager@alpha.test"


@pytest.mark.parametrize(
    "change",
    [
        {"exp": int(time.time()) - 60, "iat": int(time.time()) - 1000},  # expired
        {"aud": "someone-else"},  # wrong audience
        {"iss": "https://evil.example"},  # wrong issuer
    ],
    ids=["expired", "wrong-audience", "wrong-issuer"],
)
async def test_properly_signed_but_invalid_claims_are_rejected(client, session, settings, change):
    token = _resign(settings, {**_claims_of(session["accessToken"]), **change})
    assert (await gql(client, ME, token=token)).codes == ["UNAUTHENTICATED"]


async def test_missing_required_claim_is_rejected(client, session, settings):
    claims = _claims_of(session["accessToken"])
    del claims["jti"]
    assert (await gql(client, ME, token=_resign(settings, claims))).codes == ["UNAUTHENTICATED"]


async def test_alg_none_is_rejected(client, session):
    claims = _claims_of(session["accessToken"])
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert (await gql(client, ME, token=token)).codes == ["UNAUTHENTICATED"]


async def test_tampered_signature_is_rejected(client, session):
    header, payload, signature = session["accessToken"].split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert (await gql(client, ME, token=f"{header}.{payload}.{flipped}")).codes == [
        "UNAUTHENTICATED"
    ]


async def test_token_signed_with_another_key_is_rejected(client, session, settings):
    token = _resign(settings, _claims_of(session["accessToken"]), key="another-key-" + "x" * 40)
    assert (await gql(client, ME, token=token)).codes == ["UNAUTHENTICATED"]


async def test_edited_claims_break_the_signature(client, session, tenants):
    header, _, signature = session["accessToken"].split(".")
    claims = {**_claims_of(session["accessToken"]), "tid": tenants["beta"].id, "role": "admin"}
    forged = f"{header}.{_b64(claims)}.{signature}"
    assert (await gql(client, ME, token=forged)).codes == ["UNAUTHENTICATED"]


async def test_swapped_tenant_with_a_valid_signature_still_finds_no_session(
    client, session, settings, tenants
):
    # Even if the signing key leaked, a token naming another tenant has no session there.
    claims = {**_claims_of(session["accessToken"]), "tid": tenants["beta"].id}
    assert (await gql(client, ME, token=_resign(settings, claims))).codes == ["UNAUTHENTICATED"]


async def test_unknown_session_is_rejected(client, session, settings):
    claims = {**_claims_of(session["accessToken"]), "sid": str(uuid.uuid4())}
    assert (await gql(client, ME, token=_resign(settings, claims))).codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer", "Bearer ", "Token x", "Bearer not-a-jwt"]
)
async def test_malformed_authorization_headers_are_rejected(client, header):
    response = await client.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def test_a_bad_token_fails_even_fields_that_need_no_login(client):
    # A client that sends a credential must learn it is bad rather than silently act anonymously.
    response = await gql(
        client,
        'mutation { login(input: {tenant: "alpha", email: "a@b.c", password: "x"}) { accessToken } }',
        token="garbage",
    )
    assert response.codes == ["UNAUTHENTICATED"]
    assert response.errors[0]["message"] == "Invalid access token"


async def test_a_token_that_worked_stops_working_when_it_expires(
    client, session, settings, monkeypatch
):
    # Verified tokens are remembered; expiry must still end them, to the second pyjwt would.
    claims = {**_claims_of(session["accessToken"]), "exp": int(time.time()) + 120}
    token = _resign(settings, claims)
    assert (await gql(client, ME, token=token)).data["me"]["email"] == "manager@alpha.test"
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 130)
    response = await gql(client, ME, token=token)
    assert response.codes == ["UNAUTHENTICATED"]
    assert "expired" in response.errors[0]["message"]

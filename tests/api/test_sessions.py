"""Refresh-token rotation, reuse detection and logout."""

from __future__ import annotations

from tests.support.graphql import gql, login

REFRESH = "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken refreshToken } }"
ME = "{ me { email } }"


async def test_refresh_rotates_the_refresh_token(client, tenants):
    alpha = tenants["alpha"]
    first = await login(client, "alpha", alpha.email("member"), alpha.password)

    second = (await gql(client, REFRESH, {"t": first["refreshToken"]})).data["refreshSession"]

    assert second["refreshToken"] != first["refreshToken"]
    assert (await gql(client, ME, token=second["accessToken"])).data["me"]["email"] == alpha.email(
        "member"
    )
    third = await gql(client, REFRESH, {"t": second["refreshToken"]})
    assert third.data["refreshSession"]["accessToken"]


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(client, tenants):
    alpha = tenants["alpha"]
    first = await login(client, "alpha", alpha.email("member"), alpha.password)
    second = (await gql(client, REFRESH, {"t": first["refreshToken"]})).data["refreshSession"]

    replay = await gql(client, REFRESH, {"t": first["refreshToken"]})

    assert replay.codes == ["UNAUTHENTICATED"]
    # Every token of the family is dead now, including the newest pair.
    assert (await gql(client, REFRESH, {"t": second["refreshToken"]})).codes == ["UNAUTHENTICATED"]
    assert (await gql(client, ME, token=second["accessToken"])).codes == ["UNAUTHENTICATED"]
    # Other sessions of the same user are untouched.
    other = await login(client, "alpha", alpha.email("member"), alpha.password)
    assert (await gql(client, ME, token=other["accessToken"])).data["me"]


async def test_garbage_and_foreign_refresh_tokens_are_rejected(client, tenants):
    for token in ("", "tsr_", "tsr_not-base64!!", "tsk_whatever", "x" * 500):
        assert (await gql(client, REFRESH, {"t": token})).codes == ["UNAUTHENTICATED"]


async def test_logout_ends_access_and_refresh_tokens_at_once(client, tenants):
    alpha = tenants["alpha"]
    session = await login(client, "alpha", alpha.email("viewer"), alpha.password)

    assert (await gql(client, "mutation { logout }", token=session["accessToken"])).data[
        "logout"
    ] is True

    assert (await gql(client, ME, token=session["accessToken"])).codes == ["UNAUTHENTICATED"]
    assert (await gql(client, REFRESH, {"t": session["refreshToken"]})).codes == ["UNAUTHENTICATED"]


async def test_logout_needs_a_session(client, tenants):
    assert (await gql(client, "mutation { logout }")).codes == ["UNAUTHENTICATED"]

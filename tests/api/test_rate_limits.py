"""Rate limits: password guessing is slowed per account and per client, tenants per minute."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.support.graphql import LOGIN, gql, login


@pytest.fixture
def limits(app, monkeypatch):
    """The running app's limits, lowered for one test."""
    return lambda **values: [
        monkeypatch.setattr(app.state.rate_limits, k, v) for k, v in values.items()
    ]


def _attempt(tenant: str, email: str, password: str = "wrong-password") -> dict:
    return {"input": {"tenant": tenant, "email": email, "password": password}}


async def test_login_attempts_per_account_are_limited(client, app, tenants, limits):
    # Start from an empty window: earlier tests (in any order) may have signed this account in.
    async for key in app.state.redis.scan_iter("rl:login:beta:viewer@beta.test:*"):
        await app.state.redis.delete(key)
    limits(login_per_identity=3)
    for _ in range(3):
        assert (await gql(client, LOGIN, _attempt("beta", "viewer@beta.test"))).codes == [
            "UNAUTHENTICATED"
        ]

    blocked = await gql(
        client, LOGIN, _attempt("beta", "viewer@beta.test", tenants["beta"].password)
    )

    assert blocked.status == 429 and blocked.codes == ["RATE_LIMITED"]
    assert blocked.body["data"] is None and blocked.errors[0]["message"] == "Too many requests"
    retry_after = blocked.errors[0]["extensions"]["retryAfterSeconds"]
    assert 1 <= retry_after <= 300
    assert int(blocked.headers["retry-after"]) == math.ceil(retry_after)
    # Other accounts are not affected.
    assert (await login(client, "beta", "member@beta.test", tenants["beta"].password))[
        "accessToken"
    ]


async def test_login_attempts_per_client_are_limited(client, tenants, limits):
    limits(login_per_client=2)
    # The in-process client shares one address with earlier tests, so its counter may be high already.
    responses = [
        await gql(client, LOGIN, _attempt("beta", f"guess{i}@beta.test")) for i in range(3)
    ]
    assert responses[-1].codes == ["RATE_LIMITED"]


async def test_requests_per_tenant_are_limited(client, app, tenants, limits):
    gamma = tenants["gamma"]
    access = (await login(client, "gamma", gamma.admin_email, gamma.password))["accessToken"]
    # Start from an empty window: earlier tests may have used gamma within the last two minutes.
    async for key in app.state.redis.scan_iter(f"rl:tenant:{gamma.id}:*"):
        await app.state.redis.delete(key)
    limits(tenant_per_minute=3)
    answers = [await gql(client, "{ me { email } }", token=access) for _ in range(5)]
    assert answers[0].status == 200 and answers[0].codes == []
    limited = [answer for answer in answers if answer.codes == ["RATE_LIMITED"]]
    assert limited and {(a.status, a.body["data"]) for a in limited} == {(429, None)}
    assert all(int(a.headers["retry-after"]) >= 1 for a in limited)
    # Another tenant is not slowed down by gamma's traffic.
    alpha = tenants["alpha"]
    limits(tenant_per_minute=1000)
    other = await login(client, "alpha", alpha.admin_email, alpha.password)
    assert (await gql(client, "{ me { email } }", token=other["accessToken"])).data


async def test_limits_fail_open_when_redis_is_down(client, app, tenants, limits):
    from redis.asyncio import Redis

    limits(login_per_identity=1)
    working = app.state.redis
    app.state.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        for _ in range(3):
            session = await login(client, "beta", "agent@beta.test", tenants["beta"].password)
            assert (await gql(client, "{ me { email } }", token=session["accessToken"])).data
    finally:
        await app.state.redis.aclose()
        app.state.redis = working


async def test_requests_per_api_token_are_limited_apart_from_other_tokens(
    client, app, as_alpha, limits
):
    from tests.support.records import scoped_token

    first = await scoped_token(client, as_alpha["admin"], ["crm:read"])
    second = await scoped_token(client, as_alpha["admin"], ["crm:read"])
    limits(token_per_minute=2)
    codes = [(await gql(client, "{ me { email } }", token=first)).codes for _ in range(4)]
    assert codes[:2] == [[], []] and codes[2:] == [["RATE_LIMITED"], ["RATE_LIMITED"]]
    limited = await gql(client, "{ me { email } }", token=first)
    assert limited.status == 429 and 1 <= limited.errors[0]["extensions"]["retryAfterSeconds"] <= 60
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Another token of the same tenant, and a person's session, go on.
    assert (await gql(client, "{ me { email } }", token=second)).codes == []
    assert (await gql(client, "{ me { email } }", token=as_alpha["admin"])).codes == []


async def test_a_batch_is_429_only_when_every_operation_was_limited(client, app, tenants, limits):
    gamma = tenants["gamma"]
    access = (await login(client, "gamma", gamma.admin_email, gamma.password))["accessToken"]
    async for key in app.state.redis.scan_iter(f"rl:tenant:{gamma.id}:*"):
        await app.state.redis.delete(key)
    limits(tenant_per_minute=1)

    async def batch() -> httpx.Response:
        return await client.post(
            "/graphql",
            json=[{"query": "{ me { email } }"}] * 2,
            headers={"Authorization": f"Bearer {access}"},
        )

    first, second = await batch(), await batch()
    # the first batch had one operation through and one limited: a GraphQL answer, 200 (the
    # operations of a batch run concurrently, so either of them may be the one let through)
    assert first.status_code == 200 and sorted(bool(r.get("errors")) for r in first.json()) == [
        False,
        True,
    ]
    # the second had both limited
    assert second.status_code == 429 and all(
        r["errors"][0]["extensions"]["code"] == "RATE_LIMITED" for r in second.json()
    )
    assert int(second.headers["retry-after"]) >= 1

"""Operator commands: provisioning tenants, users and tokens from scripts."""

from __future__ import annotations

from tests.support import cli
from tests.support.graphql import gql


async def test_token_create_prints_a_working_token_of_that_tenant(client, tenants):
    # Operator commands connect as the owner role, which RLS does not restrict: each tenant's
    # token must still act for that tenant's own admin.
    for slug in ("alpha", "beta", "gamma"):
        secret = cli.ok(
            await cli.arun(
                "token",
                "create",
                "--tenant",
                slug,
                "--name",
                "script",
                "--scopes",
                "crm:read,admin:read",
            )
        )

        assert secret.startswith("tsk_")
        me = (await gql(client, "{ me { email scopes tenant { slug } } }", token=secret)).data["me"]
        assert me == {
            "email": f"admin@{slug}.test",
            "scopes": ["admin:read", "crm:read"],
            "tenant": {"slug": slug},
        }


async def test_an_existing_user_can_join_another_tenant(client, tenants):
    out = cli.ok(
        await cli.arun(
            "user",
            "add",
            "--tenant",
            "gamma",
            "--email",
            "member@alpha.test",
            "--password",
            "ignored-for-existing",
            "--role",
            "viewer",
        )
    )
    assert "viewer of gamma" in out
    # One identity, one password: the existing one.
    response = await gql(
        client,
        'mutation { login(input: {tenant: "gamma", email: "member@alpha.test", password: "correct-horse-battery"}) { accessToken } }',
    )
    assert response.data["login"]["accessToken"]


async def test_token_create_for_a_named_member(client, tenants):
    secret = cli.ok(
        await cli.arun(
            "token",
            "create",
            "--tenant",
            "beta",
            "--name",
            "agent-bot",
            "--scopes",
            "tickets:write",
            "--user",
            "agent@beta.test",
            "--expires-in-days",
            "30",
        )
    )
    me = (await gql(client, "{ me { email role } }", token=secret)).data["me"]
    assert me == {"email": "agent@beta.test", "role": "AGENT"}


async def test_bad_input_is_reported_plainly(tenants):
    cases = [
        (
            (
                "tenant",
                "create",
                "Bad Slug!",
                "--name",
                "x",
                "--admin-email",
                "a@b.c",
                "--admin-password",
                "long-enough",
            ),
            "slug",
        ),
        (
            (
                "tenant",
                "create",
                "alpha",
                "--name",
                "x",
                "--admin-email",
                "a@b.c",
                "--admin-password",
                "long-enough",
            ),
            "already exists",
        ),
        (
            (
                "tenant",
                "create",
                "delta",
                "--name",
                "x",
                "--admin-email",
                "not-an-email",
                "--admin-password",
                "short",
            ),
            "password",
        ),
        (
            ("token", "create", "--tenant", "alpha", "--name", "x", "--scopes", "crm:destroy"),
            "unknown scopes",
        ),
        (
            ("token", "create", "--tenant", "nope", "--name", "x", "--scopes", "crm:read"),
            "no tenant",
        ),
        (
            (
                "user",
                "add",
                "--tenant",
                "alpha",
                "--email",
                "admin@alpha.test",
                "--password",
                "long-enough",
                "--role",
                "viewer",
            ),
            "already belongs",
        ),
        (("tenant", "suspend", "nope"), "no tenant"),
    ]
    for args, message in cases:
        result = await cli.arun(*args)
        assert result.code == 1, (args, result)
        assert message in result.err, (args, result.err)
        assert "Traceback" not in result.err


async def test_a_failed_tenant_creation_leaves_nothing_behind(owner_db, tenants):
    result = await cli.arun(
        "tenant",
        "create",
        "epsilon",
        "--name",
        "E",
        "--admin-email",
        "x",
        "--admin-password",
        "long-enough",
    )
    assert result.code == 1
    assert await owner_db.fetchval("SELECT count(*) FROM tenant WHERE slug = 'epsilon'") == 0

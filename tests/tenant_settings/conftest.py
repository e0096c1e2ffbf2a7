"""A tenant of its own for settings tests (its zone, region and language touch no other test)."""

from __future__ import annotations

import os

import pytest

from tests.support import cli
from tests.support.database import connect
from tests.support.graphql import login

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "manager", "agent", "viewer")


@pytest.fixture(scope="module")
async def settings_tenant(client, request) -> dict[str, str]:
    """A tenant per test module: access tokens of its admin, manager, agent and viewer, its id under "id"."""
    TENANT = "st-" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace(
        "_", "-"
    )
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            TENANT,
            "--name",
            "Settings Co",
            "--admin-email",
            f"admin@{TENANT}.test",
            "--admin-password",
            PASSWORD,
        )
    )
    for role in ROLES[1:]:
        cli.ok(
            await cli.arun(
                "user",
                "add",
                "--tenant",
                TENANT,
                "--email",
                f"{role}@{TENANT}.test",
                "--password",
                PASSWORD,
                "--role",
                role,
            )
        )
    owner = await connect(os.environ["DATABASE_URL"])
    try:
        tenant_id = str(await owner.fetchval("SELECT id FROM tenant WHERE slug = $1", TENANT))
    finally:
        await owner.close()
    tokens = {
        role: (await login(client, TENANT, f"{role}@{TENANT}.test", PASSWORD))["accessToken"]
        for role in ROLES
    }
    return {**tokens, "id": tenant_id}

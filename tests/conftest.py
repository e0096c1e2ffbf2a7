"""Test session set-up: real PostgreSQL and redis (embedded unless DATABASE_URL/REDIS_URL are set),
a fresh migrated database, the ASGI app with its real lifespan, and tenants made by the real CLI."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import cli
from tests.support.database import connect, recreate_database
from tests.support.graphql import gql, login

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE = "tessera_test"
PASSWORD = "correct-horse-battery"


def pytest_configure(config: pytest.Config) -> None:
    from tessera.devservices import ensure_services

    ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    os.environ["TESSERA_TEST_SERVER_URL"] = server_url
    os.environ["DATABASE_URL"] = recreate_database(server_url, TEST_DATABASE)
    os.environ["TESSERA_ENV"] = "test"
    # The suite logs in far more often than a person; the limits have tests of their own.
    os.environ["LOGIN_RATE_LIMIT_PER_IDENTITY"] = "100000"
    os.environ["LOGIN_RATE_LIMIT_PER_CLIENT"] = "100000"
    # Tokens are signed in once per session (as_alpha, as_beta): they must outlive a slow run of the
    # suite on a loaded machine. Expiry has tests of its own, with tokens made for them.
    os.environ.setdefault("ACCESS_TOKEN_TTL_SECONDS", "86400")
    # Tests start their receivers (HTTP, SMTP) on 127.0.0.1, which production refuses by default.
    os.environ["OUTBOUND_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    _forget_rate_limits(os.environ["REDIS_URL"])

    from tessera import migrations

    migrations.upgrade(database_url=os.environ["DATABASE_URL"])


def _forget_rate_limits(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("rl:*", count=1000):
        client.delete(key)


@pytest.fixture(scope="session")
def settings():
    from tessera.settings import load_settings

    return load_settings()


@pytest.fixture(scope="session")
async def app(settings):
    from api.app import create_app
    from tessera.outbound import configure_outbound_traffic
    from tessera.wiring import api_config

    configure_outbound_traffic(
        settings
    )  # rules run in this process too (tests deliver events here)
    application = create_app(api_config(settings))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
        yield http


@dataclass(frozen=True)
class TenantInfo:
    slug: str
    id: str
    admin_email: str
    password: str = PASSWORD

    def email(self, role: str) -> str:
        return f"{role}@{self.slug}.test"


@pytest.fixture(scope="session")
async def tenants() -> dict[str, TenantInfo]:
    """alpha and beta (each with a user of every role) and gamma (for suspension), via the CLI."""
    slugs = ("alpha", "beta", "gamma")
    created = await asyncio.gather(
        *[
            cli.arun(
                "tenant",
                "create",
                slug,
                "--name",
                slug.title(),
                "--admin-email",
                f"admin@{slug}.test",
                "--admin-password",
                PASSWORD,
            )
            for slug in slugs
        ]
    )
    for result in created:
        cli.ok(result)
    users = await asyncio.gather(
        *[
            cli.arun(
                "user",
                "add",
                "--tenant",
                slug,
                "--email",
                f"{role}@{slug}.test",
                "--password",
                PASSWORD,
                "--role",
                role,
            )
            for slug in ("alpha", "beta")
            for role in ("manager", "member", "agent", "viewer")
        ]
    )
    for result in users:
        cli.ok(result)
    owner = await connect(os.environ["DATABASE_URL"])
    try:
        rows = await owner.fetch("SELECT slug, id FROM tenant")
    finally:
        await owner.close()
    ids = {row["slug"]: str(row["id"]) for row in rows}
    return {slug: TenantInfo(slug, ids[slug], f"admin@{slug}.test") for slug in slugs}


@pytest.fixture
async def owner_db():
    """A connection as the owner role, for test set-up and catalog checks (never for assertions
    that the application could see something)."""
    conn = await connect(os.environ["DATABASE_URL"])
    yield conn
    await conn.close()


@pytest.fixture
async def app_db(settings):
    """A connection as the application role, to check what row-level security lets through."""
    conn = await connect(settings.app_database_url())
    yield conn
    await conn.close()


ROLES = ("admin", "manager", "member", "agent", "viewer")


@pytest.fixture(scope="session")
async def as_alpha(client, tenants) -> dict[str, str]:
    """Access tokens of alpha's admin, manager, member, agent and viewer."""
    info = tenants["alpha"]
    return {
        role: (await login(client, "alpha", info.email(role), info.password))["accessToken"]
        for role in ROLES
    }


@pytest.fixture(scope="session")
async def as_beta(client, tenants) -> dict[str, str]:
    info = tenants["beta"]
    return {
        role: (await login(client, "beta", info.email(role), info.password))["accessToken"]
        for role in ROLES
    }


@pytest.fixture(scope="session")
async def user_ids(client, as_alpha) -> dict[str, str]:
    """Global ids of alpha's users, by role."""
    ids = {}
    for role, token in as_alpha.items():
        ids[role] = (await gql(client, "{ me { id } }", token=token)).data["me"]["id"]
    return ids

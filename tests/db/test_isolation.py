"""Row-level security, checked in the database itself, as the role the application connects with."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.db.catalog import GLOBAL_TABLES, TABLES
from tests.support.graphql import create_token, login


@pytest.fixture
async def populated(client, tenants):
    """Rows in every tenant-owned table of both tenants, made through the API."""
    for slug in ("alpha", "beta"):
        info = tenants[slug]
        session = await login(client, slug, info.admin_email, info.password)
        await create_token(client, session["accessToken"], ["crm:read"], name=f"{slug}-rls")
    return tenants


async def test_every_tenant_owned_table_has_rls_enabled_and_forced(owner_db, tenants):
    tables = await owner_db.fetch(TABLES)
    tenant_owned = [t for t in tables if t["table"] not in GLOBAL_TABLES]

    assert {t["table"] for t in tenant_owned} >= {
        "membership",
        "auth_session",
        "refresh_token",
        "api_token",
    }
    for table in tenant_owned:
        assert table["has_tenant_id"], f"{table['table']} has no tenant_id"
        assert table["rls"] and table["forced"], (
            f"{table['table']} lacks ENABLE/FORCE row level security"
        )
    app_user = next(t for t in tables if t["table"] == "app_user")
    assert app_user["rls"] and app_user["forced"]


async def test_application_role_is_powerless(owner_db, settings):
    role = await owner_db.fetchrow(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1",
        settings.app_db_user,
    )
    assert role is not None
    assert not any(role.values())
    owned = await owner_db.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1",
        settings.app_db_user,
    )
    assert owned == 0


async def test_without_a_tenant_the_application_sees_nothing(app_db, owner_db, populated):
    for table in ("membership", "api_token", "auth_session", "refresh_token", "app_user"):
        assert await owner_db.fetchval(f"SELECT count(*) FROM {table}") > 0, table
        assert await app_db.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    # An empty setting (what a pooled connection has after a transaction) is no tenant either.
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', '', true)")
        assert await app_db.fetchval("SELECT count(*) FROM membership") == 0


async def test_a_tenant_sees_only_its_own_rows(app_db, populated):
    alpha = populated["alpha"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
        tenant_ids = set()
        for table in ("membership", "api_token", "auth_session", "refresh_token"):
            tenant_ids |= {
                str(r["tenant_id"]) for r in await app_db.fetch(f"SELECT tenant_id FROM {table}")
            }
        emails = {r["email"] for r in await app_db.fetch("SELECT email FROM app_user")}
    assert tenant_ids == {alpha.id}
    assert emails and all(email.endswith("@alpha.test") for email in emails)


async def test_writing_a_row_for_another_tenant_is_refused(app_db, tenants):
    alpha, beta = tenants["alpha"], tenants["beta"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
        user_id = await app_db.fetchval("SELECT user_id FROM membership LIMIT 1")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
            await app_db.execute(
                "INSERT INTO api_token (tenant_id, id, user_id, name, scopes, token_hash, hint) "
                "VALUES ($1, $2, $3, 'sneaky', '{crm:read}', '\\x00', 'x')",
                uuid.UUID(beta.id),
                uuid.uuid4(),
                user_id,
            )
    # Moving one of its own rows to another tenant is refused too.
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
            await app_db.execute("UPDATE auth_session SET tenant_id = $1", uuid.UUID(beta.id))


async def test_the_application_cannot_touch_the_tenant_registry(app_db, tenants):
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_db.execute("UPDATE tenant SET status = 'active'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_db.execute(
            "INSERT INTO tenant (id, slug, name) VALUES ($1, 'x', 'x')", uuid.uuid4()
        )


async def test_the_tenant_setting_does_not_leak_past_its_transaction(app_db, tenants):
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
    assert await app_db.fetchval("SELECT count(*) FROM membership") == 0

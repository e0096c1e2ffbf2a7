"""One tenant's settings are invisible and unchangeable to another, through the API and in the database."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.graphql import gql

SETTINGS = "{ tenantSettings { displayName timeZone phoneRegion version } }"
UPDATE = "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { timeZone version } }"


async def test_each_tenant_reads_and_changes_only_its_own_settings(
    client, settings_tenant, as_beta
):
    ours = (await gql(client, SETTINGS, token=settings_tenant["admin"])).data["tenantSettings"]
    await gql(
        client,
        UPDATE,
        {"i": {"version": ours["version"], "timeZone": "Asia/Tokyo"}},
        token=settings_tenant["admin"],
    )
    beta = (await gql(client, SETTINGS, token=as_beta["admin"])).data["tenantSettings"]
    assert beta["displayName"] == "Beta" and beta["timeZone"] != "Asia/Tokyo"
    # Beta's admin changing "the settings" changes beta's, whatever version it sends
    changed = await gql(
        client,
        UPDATE,
        {"i": {"version": beta["version"], "timeZone": "Europe/Paris"}},
        token=as_beta["admin"],
    )
    assert changed.data["updateTenantSettings"]["timeZone"] == "Europe/Paris"
    assert (await gql(client, SETTINGS, token=settings_tenant["agent"])).data["tenantSettings"][
        "timeZone"
    ] == "Asia/Tokyo"
    await gql(
        client,
        UPDATE,
        {"i": {"version": beta["version"] + 1, "timeZone": beta["timeZone"]}},
        token=as_beta["admin"],
    )


async def test_row_level_security_keeps_settings_rows_apart(
    client, settings_tenant, tenants, app_db
):
    # Given a settings row of our tenant (written by a change through the API)
    ours = settings_tenant["id"]
    version = (await gql(client, SETTINGS, token=settings_tenant["admin"])).data["tenantSettings"][
        "version"
    ]
    await gql(
        client,
        UPDATE,
        {"i": {"version": version, "phoneRegion": "SG"}},
        token=settings_tenant["admin"],
    )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", ours)
        assert await app_db.fetchval("SELECT phone_region FROM tenant_settings") == "SG"
    # Then another tenant neither sees nor changes it, nor writes one for a third tenant
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        seen = {
            str(r["tenant_id"]) for r in await app_db.fetch("SELECT tenant_id FROM tenant_settings")
        }
        assert ours not in seen
        assert (
            await app_db.execute(
                "UPDATE tenant_settings SET locale = 'zh-CN' WHERE tenant_id = $1", ours
            )
            == "UPDATE 0"
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute(
                "INSERT INTO tenant_settings (tenant_id, display_name) VALUES ($1, 'x')",
                tenants["alpha"].id,
            )
    assert (
        await app_db.fetchval("SELECT count(*) FROM tenant_settings") == 0
    )  # no tenant set: nothing

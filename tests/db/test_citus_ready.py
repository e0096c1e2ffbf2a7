"""Citus readiness: tenant_id leads every key of every tenant-owned table."""

from __future__ import annotations

from tests.db.catalog import CONSTRAINTS, GLOBAL_TABLES, UNIQUE_INDEXES


async def test_keys_and_foreign_keys_lead_with_tenant_id(owner_db, tenants):
    constraints = await owner_db.fetch(CONSTRAINTS)
    checked = 0
    for con in constraints:
        if con["table"] in GLOBAL_TABLES:
            continue
        if con["type"] == "f" and con["references"] in GLOBAL_TABLES:
            # References to reference tables (tenant, app_user) need not be co-located.
            continue
        checked += 1
        assert con["leading"] == ["tenant_id"], (
            f"{con['table']}.{con['name']} keys on {con['columns']}"
        )
    assert checked >= 8


async def test_unique_indexes_lead_with_tenant_id(owner_db, tenants):
    for index in await owner_db.fetch(UNIQUE_INDEXES):
        if index["table"] in GLOBAL_TABLES:
            continue
        assert index["leading"] == "tenant_id", f"{index['table']}.{index['name']}"

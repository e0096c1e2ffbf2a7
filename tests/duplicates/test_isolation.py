"""Tenant isolation of duplicate rules and keys: another tenant neither sees nor changes a rule,
its records never match across tenants, and the database refuses rows of another tenant (RLS)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.duplicates.support import create_customer, domain_name, rule
from tests.support.graphql import gql

UPDATE = "mutation($input: UpdateDuplicateRuleInput!) { updateDuplicateRule(input: $input) { id } }"
DELETE = "mutation($id: ID!) { deleteDuplicateRule(input: {id: $id}) { id } }"


async def test_another_tenant_neither_sees_nor_changes_a_rule(client, as_alpha, as_beta):
    async with rule(
        client,
        as_alpha["admin"],
        object="Customer",
        name="Alpha only",
        action="ALLOW",
        conditions=[{"field": "name", "match": "FUZZY"}],
    ) as made:
        beta = as_beta["admin"]
        seen = (await gql(client, "{ duplicateRules { id name } }", token=beta)).data[
            "duplicateRules"
        ]
        assert made["id"] not in [r["id"] for r in seen] and "Alpha only" not in [
            r["name"] for r in seen
        ]
        assert (
            await gql(
                client,
                UPDATE,
                {"input": {"id": made["id"], "version": 1, "name": "Mine"}},
                token=beta,
            )
        ).codes == ["NOT_FOUND"]
        assert (await gql(client, DELETE, {"id": made["id"]}, token=beta)).codes == ["NOT_FOUND"]
        mine = (
            await gql(
                client,
                '{ duplicateRules(object: "Customer") { id name version } }',
                token=as_alpha["admin"],
            )
        ).data
        assert {"id": made["id"], "name": "Alpha only", "version": 1} in mine["duplicateRules"]


async def test_records_of_another_tenant_never_match(client, as_alpha, as_beta):
    domain = domain_name()
    async with rule(
        client,
        as_beta["admin"],
        object="Customer",
        name="Beta block",
        action="BLOCK",
        conditions=[{"field": "domain"}],
    ):
        await create_customer(client, as_alpha["admin"], domain=domain)
        beta = (await create_customer(client, as_beta["admin"], domain=domain)).data[
            "createCustomer"
        ]
        assert beta["likelyDuplicates"] == []


async def test_the_database_keeps_rules_and_keys_apart(client, as_alpha, tenants, app_db, owner_db):
    await create_customer(client, as_alpha["admin"], domain=domain_name())
    alpha, beta = tenants["alpha"], tenants["beta"]
    for table in ("duplicate_rule", "duplicate_key"):
        assert (
            await owner_db.fetchval(
                f"SELECT count(*) FROM {table} WHERE tenant_id = $1", uuid.UUID(alpha.id)
            )
            > 0
        ), table
        assert await app_db.fetchval(f"SELECT count(*) FROM {table}") == 0, (
            table
        )  # no tenant set: nothing
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE tenant_id <> $1", uuid.UUID(beta.id)
                )
                == 0
            ), table
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
            await app_db.execute(
                "INSERT INTO duplicate_key (tenant_id, record_type, field, key, record_id, block) "
                "VALUES ($1, 'Customer', 'domain:DOMAIN', 'x.com', $2, 'x.')",
                uuid.UUID(alpha.id),
                uuid.uuid4(),
            )

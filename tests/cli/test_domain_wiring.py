"""The custom-field checks are plugged in by each entry point (tessera/domain_wiring.py), never by
importing a module. A process that has not plugged them refuses to write standard records (and to
read field rules) instead of writing unchecked custom values; the API app and the worker plug them
in when they start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.records import unique

# Runs in a fresh interpreter: `start` stands for what an entry point does when it starts; then a
# customer with an unknown custom field is written and a member reads field rules.
SCRIPT = """
import asyncio, json, sys, uuid

{start}

from domain import MODEL_MODULES
from domain.crm.customers import create_customers
from domain.identity.operator import member_principal
from domain.records.field_access import field_rules
from tenants.context import tenant_transaction
from tenants.database import connect, disconnect


async def outcome(work):
    try:
        await work()
    except Exception as exc:
        return type(exc).__name__
    return "done"


async def main(database_url, tenant_id, name):
    await connect(database_url, MODEL_MODULES, pool_size=1)
    try:
        async with tenant_transaction(uuid.UUID(tenant_id)):
            admin = await member_principal(email="admin@alpha.test")
            member = await member_principal(email="member@alpha.test")

            async def write():
                await create_customers(principal=admin, items=[{{"name": name, "custom_fields": {{"no_such_field": 1}}}}])

            async def read_rules():
                await field_rules(member, "Customer")

            print("OUTCOME", json.dumps({{"write": await outcome(write), "rules": await outcome(read_rules)}}))
    finally:
        await disconnect()


asyncio.run(main(*sys.argv[1:]))
"""

STARTS = {
    "nothing": "",
    "the API app": "from tessera.settings import load_settings\nfrom tessera.wiring import api_config\n"
    "from api.app import create_app\ncreate_app(api_config(load_settings()))",
    "the worker": "import tessera.worker_entry",
    "the domain package alone": "import domain.custom, domain.custom.standard, domain.custom.derived",
}


def _run(start: str, settings, tenant_id: str, name: str) -> dict[str, str]:
    script = SCRIPT.format(start=start)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(script),
            settings.app_database_url(),
            tenant_id,
            name,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    outcome = next(
        line for line in result.stdout.splitlines() if line.startswith("OUTCOME ")
    )  # the worker logs too
    return json.loads(outcome.removeprefix("OUTCOME "))


@pytest.mark.parametrize("start", ["nothing", "the domain package alone"])
async def test_a_process_without_the_wiring_refuses_to_write(settings, tenants, owner_db, start):
    name = unique("unwired")
    assert _run(STARTS[start], settings, tenants["alpha"].id, name) == {
        "write": "NotWired",
        "rules": "NotWired",
    }
    assert await owner_db.fetchval("SELECT count(*) FROM customer WHERE name = $1", name) == 0


@pytest.mark.parametrize("start", ["the API app", "the worker"])
async def test_an_entry_point_checks_custom_fields(settings, tenants, owner_db, start):
    name = unique("wired")
    assert _run(STARTS[start], settings, tenants["alpha"].id, name) == {
        "write": "InvalidInput",
        "rules": "done",
    }
    assert await owner_db.fetchval("SELECT count(*) FROM customer WHERE name = $1", name) == 0

"""A real dramatiq worker process runs a tenant-scoped job enqueued by the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

from tests.support import cli
from tests.support.cli import TESSERA
from tests.support.graphql import login

JOB_TIMEOUT_SECONDS = 30


async def _old_refresh_tokens(owner_db, tenant_id: str) -> int:
    return await owner_db.fetchval(
        "SELECT count(*) FROM refresh_token WHERE tenant_id = $1 AND expires_at < now() - interval '7 days'",
        uuid.UUID(tenant_id),
    )


async def _plant_old_refresh_token(owner_db, tenant_id: str) -> None:
    session_id = await owner_db.fetchval(
        "SELECT id FROM auth_session WHERE tenant_id = $1 LIMIT 1", uuid.UUID(tenant_id)
    )
    await owner_db.execute(
        "INSERT INTO refresh_token (tenant_id, id, session_id, token_hash, expires_at) "
        "VALUES ($1, $2, $3, $4, now() - interval '30 days')",
        uuid.UUID(tenant_id),
        uuid.uuid4(),
        session_id,
        os.urandom(32),
    )


async def test_purge_job_deletes_only_its_tenants_expired_tokens(client, tenants, owner_db):
    for slug in ("alpha", "beta"):
        await login(client, slug, tenants[slug].admin_email, tenants[slug].password)
        await _plant_old_refresh_token(owner_db, tenants[slug].id)
    live_before = await owner_db.fetchval(
        "SELECT count(*) FROM refresh_token WHERE expires_at > now()"
    )

    worker = subprocess.Popen(
        [*TESSERA, "worker", "--processes", "1", "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    try:
        cli.ok(await cli.arun("maintenance", "purge-credentials", "--tenant", "alpha"))
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while await _old_refresh_tokens(owner_db, tenants["alpha"].id):
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the job did not run"
            await asyncio.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)

    assert await _old_refresh_tokens(owner_db, tenants["beta"].id) == 1
    assert (
        await owner_db.fetchval("SELECT count(*) FROM refresh_token WHERE expires_at > now()")
        == live_before
    )
    assert worker.returncode == 0, output

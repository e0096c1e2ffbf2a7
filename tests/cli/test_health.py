"""`tessera health KIND`, the healthcheck of the processes without a port: unhealthy until the
process has made a pass of its loop, healthy while its last pass is recent."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support import cli
from tests.support.database import connect
from tests.support.processes import start, stop, until
from workers.scheduler import LOCK_KEY

PROCESSES = {
    "relay": ("relay", "--poll-seconds", "0.5"),
    "worker": ("worker", "--processes", "1", "--threads", "1"),
    "scheduler": ("scheduler", "--poll-seconds", "0.5"),
    "indexer": ("indexer", "--poll-seconds", "0.5"),
}


@pytest.fixture
async def standby_scheduler():
    """The scheduler's lock held here, so the scheduler under test stands by and runs nothing."""
    conn = await connect(os.environ["DATABASE_URL"])
    assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
    yield
    await conn.close()


@pytest.mark.parametrize("kind", sorted(PROCESSES))
async def test_a_process_is_healthy_once_it_made_a_pass(kind, tmp_path, standby_scheduler):
    own = {"DATA_DIR": str(tmp_path)}

    def health(*extra: str) -> cli.Result:
        return cli.run("health", kind, *extra, env=own)

    # Given no such process yet: unhealthy
    assert health().code == 1
    process = start(*PROCESSES[kind], env=own)
    try:
        # When it runs, then it turns healthy
        async def healthy() -> bool:
            assert process.poll() is None, f"the {kind} died"
            return health().code == 0

        await until(healthy, f"the {kind} never reported a pass")
        # and a last pass older than the allowed age is unhealthy
        stale = health("--max-age", "0")
        assert stale.code == 1 and "last pass" in stale.err
    finally:
        stop(process)


def test_an_unknown_kind_is_refused():
    result = cli.run("health", "mailer")
    assert result.code == 2 and "invalid choice" in result.err


def test_health_never_starts_services(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    done = subprocess.run(
        [*cli.TESSERA, "health", "relay"],
        env={**env, "DATA_DIR": str(tmp_path), "TESSERA_ENV": "dev"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert not (tmp_path / "pg").exists() and not (tmp_path / "redis").exists()

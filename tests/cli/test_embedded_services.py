"""The embedded PostgreSQL and redis shared by several processes, as with `make dev` and CLI
commands run beside it (no DATABASE_URL / REDIS_URL, so each command attaches to the servers under
the data directory): commands coming and going at the same time never stop a server another
process still uses, and the last process to leave stops them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import psycopg
import redis

from tests.support import cli

# `make dev`'s part: starts the services, then uses them until its stdin is closed, and leaves them
# as a process does at exit.
HOLDER = """
import os, sys
from tessera.devservices import ensure_services
ensure_services(sys.argv[1])
print(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], flush=True)
sys.stdin.read()
"""
ROUNDS = 2
AT_ONCE = 4
EMBEDDED = ("DATABASE_URL", "REDIS_URL")


def _answers(database_url: str, redis_url: str) -> tuple[bool, bool]:
    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            postgres = conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        postgres = False
    try:
        queue = bool(redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping())
    except redis.RedisError:
        queue = False
    return postgres, queue


async def test_concurrent_cli_commands_never_stop_the_servers_another_process_uses(tmp_path):
    own = {"DATA_DIR": str(tmp_path)}
    environment = {key: value for key, value in os.environ.items() if key not in EMBEDDED} | own
    # Given a process that started the embedded services and uses them
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        env=environment,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        database_url, redis_url = holder.stdout.readline().split()
        cli.ok(await cli.arun("migrate", env=own, unset=EMBEDDED, timeout=180))
        for round_ in range(ROUNDS):
            # When CLI commands attach to them, work and leave, several at the same time
            results = await asyncio.gather(
                *[
                    cli.arun(
                        "tenant",
                        "create",
                        f"shared-{round_}-{n}",
                        "--name",
                        "Shared",
                        "--admin-email",
                        f"admin-{round_}-{n}@shared.test",
                        "--admin-password",
                        "correct-horse-battery",
                        env=own,
                        unset=EMBEDDED,
                        timeout=120,
                    )
                    for n in range(AT_ONCE)
                ]
            )
            for result in results:
                cli.ok(result)
            # Then the servers still answer the process that uses them
            assert _answers(database_url, redis_url) == (True, True), (
                f"a server was stopped in round {round_}"
            )
        with psycopg.connect(database_url) as conn:
            assert conn.execute(
                "SELECT count(*) FROM tenant WHERE slug LIKE 'shared-%'"
            ).fetchone() == (ROUNDS * AT_ONCE,)
        # When the last process using them leaves, then it stops them
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
        assert _answers(database_url, redis_url) == (False, False)
    finally:
        if holder.poll() is None:  # leave as a process does, so nothing outlives the test
            try:
                holder.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                holder.kill()
                holder.wait(timeout=10)

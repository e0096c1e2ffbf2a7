"""How much does the API add on top of the SQL it runs? `{ me }` over real HTTP (uvicorn, one
process) against raw asyncpg running the same statements in the same kind of transaction (tenant
setting, credential check, profile lookup). The API also checks the tenant's rate limit in redis.

    .venv/bin/python bench/me_query.py [--requests 500]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services under .data/. Creates and drops
the database `tessera_bench`. Prints per-request latency of both and their ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tenants.database import connection_credentials  # noqa: E402
from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402
from tests.support.server import free_port, wait_until_ready  # noqa: E402

DATABASE = "tessera_bench"
PASSWORD = "bench-password-1"
ME = "{ me { id email name role tenant { id slug name } } }"


def _tessera(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tessera.cli", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _time_http(base: str, token: str, count: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(50):
            client.post("/graphql", json={"query": ME}).raise_for_status()
        for _ in range(count):
            started = time.perf_counter()
            response = client.post("/graphql", json={"query": ME})
            samples.append(time.perf_counter() - started)
            assert "errors" not in response.json(), response.text
    return samples


async def _time_raw(
    app_url: str, tenant_id: uuid.UUID, user_id: uuid.UUID, session_id: uuid.UUID, count: int
) -> list[float]:
    conn = await asyncpg.connect(**connection_credentials(app_url))
    samples = []
    try:
        for index in range(count + 50):
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
                await conn.fetch(
                    "SELECT t.status, m.role, s.revoked_at, s.user_id FROM tenant t "
                    "LEFT JOIN membership m ON m.tenant_id = t.id AND m.user_id = $2 "
                    "LEFT JOIN auth_session s ON s.tenant_id = t.id AND s.id = $3 WHERE t.id = $1",
                    tenant_id,
                    user_id,
                    session_id,
                )
                await conn.fetchrow(
                    "SELECT u.email, u.name, t.slug, t.name AS tenant_name FROM app_user u, tenant t "
                    "WHERE u.id = $1 AND t.id = $2",
                    user_id,
                    tenant_id,
                )
            if index >= 50:
                samples.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    env = {
        **os.environ,
        "DATABASE_URL": recreate_database(server_url, DATABASE),
        "LOG_LEVEL": "WARNING",
    }
    _tessera("migrate", env=env)
    _tessera(
        "tenant",
        "create",
        "bench",
        "--name",
        "Bench",
        "--admin-email",
        "admin@bench.test",
        "--admin-password",
        PASSWORD,
        env=env,
    )

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
        login = httpx.post(
            f"{base}/graphql",
            json={
                "query": 'mutation { login(input: {tenant: "bench", '
                f'email: "admin@bench.test", password: "{PASSWORD}"}}) {{ accessToken }} }}'
            },
        ).json()
        token = login["data"]["login"]["accessToken"]
        http = _time_http(base, token, args.requests)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(20)

    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    from tessera.settings import load_settings

    app_url = (
        load_settings().model_copy(update={"database_url": env["DATABASE_URL"]}).app_database_url()
    )
    raw = asyncio.run(
        _time_raw(
            app_url,
            uuid.UUID(claims["tid"]),
            uuid.UUID(claims["sub"]),
            uuid.UUID(claims["sid"]),
            args.requests,
        )
    )
    drop_database(server_url, DATABASE)
    services.stop()

    def ms(samples: list[float]) -> str:
        return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {sorted(samples)[int(len(samples) * 0.95)] * 1000:.2f} ms"

    print(f"requests: {args.requests}")
    print(f"API  {{ me }} over HTTP:        {ms(http)}")
    print(f"raw asyncpg, same statements: {ms(raw)}")
    print(
        f"ratio (median API / median raw): {statistics.median(http) / statistics.median(raw):.2f}"
    )


if __name__ == "__main__":
    main()

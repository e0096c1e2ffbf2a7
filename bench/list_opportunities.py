"""The list every sales frontend shows: "50 opportunities with customer name, owner name and stage
name, filtered by pipeline and ordered by close date".

Runs two servers on 127.0.0.1, each one uvicorn process: Tessera's /graphql, and a raw endpoint
that runs one hand-written asyncpg query (same tenant transaction, same RLS, as the application
role) and serialises it to JSON. A bounded load generator sends the same number of requests to
each under the same concurrency and prints requests/s, p50 and p99 of both, and the ratio; and
the CPU each server and the load generator spent per request, which tells which of them set the
pace (on a 2-core machine the generator alone caps the raw endpoint).

    .venv/bin/python bench/list_opportunities.py [--size small|large] [--requests 2000] [--concurrency 16]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services; creates and drops `tessera_bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402
from tests.support.server import free_port, wait_until_ready  # noqa: E402

DATABASE = "tessera_bench"
PASSWORD = "bench-password-1"
QUERY = """query Deals($pipeline: ID!) {
  opportunities(first: 50, filter: {pipelineId: {eq: $pipeline}}, orderBy: [{expectedCloseDate: ASC}]) {
    edges { node { id name amount expectedCloseDate customer { name } owner { name } stage { name } } }
  }
}"""

# The raw endpoint: one statement, joined, serialised with json.dumps.
RAW_APP = '''
import json, os, uuid
import asyncpg
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from tenants.database import connection_credentials

TENANT = os.environ["BENCH_TENANT"]
PIPELINE = uuid.UUID(os.environ["BENCH_PIPELINE"])
SQL = """
SELECT o.id, o.name, o.amount, o.expected_close_date, c.name AS customer, u.name AS owner, s.name AS stage
FROM opportunity o
LEFT JOIN customer c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
LEFT JOIN membership m ON m.tenant_id = o.tenant_id AND m.user_id = o.owner_id
LEFT JOIN app_user u ON u.id = m.user_id
JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
WHERE o.tenant_id = $1 AND o.pipeline_id = $2 AND o.deleted_at IS NULL
ORDER BY o.expected_close_date ASC NULLS LAST, o.id LIMIT 50
"""
pool = None

async def deals(request):
    global pool
    if pool is None:
        pool = await asyncpg.create_pool(**connection_credentials(os.environ["BENCH_APP_URL"]), min_size=2, max_size=10)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", TENANT)
        rows = await conn.fetch(SQL, uuid.UUID(TENANT), PIPELINE)
    body = {"data": {"opportunities": {"edges": [{"node": {
        "id": str(r["id"]), "name": r["name"], "amount": str(r["amount"]),
        "expectedCloseDate": r["expected_close_date"].isoformat() if r["expected_close_date"] else None,
        "customer": {"name": r["customer"]}, "owner": {"name": r["owner"]}, "stage": {"name": r["stage"]}}} for r in rows]}}}
    return Response(json.dumps(body), media_type="application/json")

async def ready(request):
    return Response("ok")

app = Starlette(routes=[Route("/deals", deals, methods=["POST"]), Route("/readyz", ready)])
'''


async def _load(
    url: str, body: dict, headers: dict, requests: int, concurrency: int
) -> tuple[float, list[float]]:
    """Send `requests` POSTs with `concurrency` workers; returns (elapsed seconds, latencies)."""
    latencies: list[float] = []
    remaining = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        for _ in range(min(50, requests)):  # warm up
            (await client.post(url, json=body)).raise_for_status()

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                response = await client.post(url, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise RuntimeError(response.text[:300])

        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        return time.perf_counter() - started, latencies


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    name: str,
    server: subprocess.Popen,
    url: str,
    body: dict,
    headers: dict,
    args: argparse.Namespace,
) -> float:
    """Load one server; print requests/s, p50, p99, and the CPU it and the load generator spent per
    request (which of the two limits the throughput)."""
    server_cpu, client_cpu = _cpu_seconds(server.pid), time.process_time()
    elapsed, latencies = asyncio.run(_load(url, body, headers, args.requests, args.concurrency))
    server_cpu, client_cpu = _cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
    ordered = sorted(latencies)
    rps = len(latencies) / elapsed
    print(
        f"{name:<28} {rps:8.1f} req/s   p50 {statistics.median(ordered) * 1000:7.2f} ms   "
        f"p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:7.2f} ms   CPU per request: server "
        f"{server_cpu / len(latencies) * 1000:.2f} ms, load generator {client_cpu / len(latencies) * 1000:.2f} ms"
    )
    return rps


def _serve(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [*args, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(base, proc, timeout_seconds=60)
    return proc, base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=["small", "large"], default="large")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    db_url = recreate_database(server_url, DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        "TENANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    tessera = [sys.executable, "-m", "tessera.cli"]
    run = dict(env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    subprocess.run([*tessera, "migrate"], **run)
    subprocess.run(
        [
            *tessera,
            "tenant",
            "create",
            "bench",
            "--name",
            "Bench",
            "--admin-email",
            "admin@bench.test",
            "--admin-password",
            PASSWORD,
        ],
        **run,
    )
    seeded = subprocess.run(
        [*tessera, "seed", "demo", "--tenant", "bench", "--size", args.size], **run
    )
    print(seeded.stdout.strip())
    with psycopg.connect(db_url) as conn:
        tenant, pipeline = conn.execute(
            "SELECT t.id, p.id FROM tenant t JOIN pipeline p ON p.tenant_id = t.id AND p.is_default WHERE t.slug = 'bench'"
        ).fetchone()
        conn.execute("ANALYZE")

    from strawberry import relay

    from tessera.settings import load_settings

    app_url = load_settings().model_copy(update={"database_url": db_url}).app_database_url()
    (ROOT / ".data").mkdir(exist_ok=True)
    (ROOT / ".data" / "bench_raw_app.py").write_text(RAW_APP)
    raw_env = {
        **env,
        "BENCH_TENANT": str(tenant),
        "BENCH_PIPELINE": str(pipeline),
        "BENCH_APP_URL": app_url,
        "PYTHONPATH": f"{ROOT}:{ROOT / '.data'}",
    }
    api, api_base = _serve([*tessera, "serve"], env)
    raw, raw_base = _serve(
        [sys.executable, "-m", "uvicorn", "bench_raw_app:app", "--log-level", "warning"], raw_env
    )
    try:
        login = httpx.post(
            f"{api_base}/graphql",
            json={
                "query": 'mutation { login(input: {tenant: "bench", '
                f'email: "admin@bench.test", password: "{PASSWORD}"}}) {{ accessToken }} }}'
            },
        ).json()
        token = login["data"]["login"]["accessToken"]
        body = {
            "query": QUERY,
            "variables": {"pipeline": str(relay.GlobalID("Pipeline", str(pipeline)))},
        }
        check = httpx.post(
            f"{api_base}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert len(check["data"]["opportunities"]["edges"]) == 50, json.dumps(check)[:500]
        print(
            f"{args.requests} requests each, concurrency {args.concurrency}, one uvicorn process per server"
        )
        api_rps = _measure(
            "GraphQL /graphql",
            api,
            f"{api_base}/graphql",
            body,
            {"Authorization": f"Bearer {token}"},
            args,
        )
        raw_rps = _measure("raw asyncpg + json.dumps", raw, f"{raw_base}/deals", {}, {}, args)
        print(f"ratio (GraphQL / raw throughput): {api_rps / raw_rps:.2f}")
    finally:
        for proc in (api, raw):
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
        drop_database(server_url, DATABASE)
        services.stop()


if __name__ == "__main__":
    main()

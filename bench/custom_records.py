"""First page of a custom object with a million records: "contracts of one region with an amount in
a range, newest signing first, 50 per page", through /graphql against the same query as
hand-written SQL on raw asyncpg (same tenant transaction, same RLS, as the application role).

The object, its fields and its index are made through GraphQL as a tenant admin would; the
records are inserted by one SQL statement per tenant (1,000,000 for the measured tenant and
200,000 for another, so the table is shared as in production); `tessera indexer` builds the index.
Then requests are sent one at a time (bounded count), each for another region, and p50/p99 of both
are printed. A short run after dropping the index shows what the index is worth.

    .venv/bin/python bench/custom_records.py [--records 1000000] [--requests 300]

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
import uuid
from pathlib import Path

import asyncpg
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tenants.database import connection_credentials  # noqa: E402
from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402
from tests.support.server import free_port, wait_until_ready  # noqa: E402

DATABASE = "tessera_bench"
PASSWORD = "bench-password-1"
REGIONS = 50
QUERY = """query Contracts($region: JSON!) {
  records(object: "contract", first: 50,
          filter: {and: [{field: "region", eq: $region}, {field: "amount", gte: 20000, lte: 60000}]},
          orderBy: [{field: "signed_on", direction: DESC}]) {
    edges { node { id values } }
  }
}"""
# What the API runs for that query (listing.py), written out by hand.
RAW_SQL = """
SELECT t.id, t.data FROM custom_record t
WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND t.object_id = $2 AND (t.data #>> '{region}') = $3
  AND (t.data #>> '{amount}')::numeric >= $4 AND (t.data #>> '{amount}')::numeric <= $5
ORDER BY (t.data #>> '{signed_on}') DESC NULLS FIRST, t.id ASC NULLS LAST LIMIT 51
"""
FIELDS = [
    {"apiName": "region", "label": "Region", "type": "TEXT"},
    {"apiName": "amount", "label": "Amount", "type": "DECIMAL"},
    {"apiName": "signed_on", "label": "Signed on", "type": "DATE"},
    {"apiName": "code", "label": "Code", "type": "TEXT"},
]
# Values exactly as the API would store them: decimals as 2-place text, dates as ISO text.
FILL = """
INSERT INTO custom_record (tenant_id, id, object_id, owner_id, data, created_at, created_by, updated_by)
SELECT %(tenant)s, gen_random_uuid(), %(object)s, %(owner)s,
       jsonb_build_object('region', 'R' || (g %% 50), 'amount', ((g::bigint * 7919) %% 100000)::text || '.00',
                          'signed_on', to_char(date '2021-01-01' + ((g::bigint * 31) %% 1826)::int, 'YYYY-MM-DD'),
                          'code', 'C-' || g),
       now() - (g || ' seconds')::interval, %(owner)s, %(owner)s
FROM generate_series(1, %(count)s) g
"""


def _gql(base: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=120,
    ).json()
    if body.get("errors"):
        raise RuntimeError(json.dumps(body["errors"])[:500])
    return body["data"]


def _make_tenant(base: str, slug: str, env: dict) -> str:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tessera.cli",
            "tenant",
            "create",
            slug,
            "--name",
            slug,
            "--admin-email",
            f"admin@{slug}.test",
            "--admin-password",
            PASSWORD,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    token = _gql(
        base,
        "mutation($t: String!, $e: String!, $p: String!) { login(input: {tenant: $t, email: $e, password: $p}) "
        "{ accessToken } }",
        {"t": slug, "e": f"admin@{slug}.test", "p": PASSWORD},
    )["login"]["accessToken"]
    _gql(
        base,
        'mutation { createObject(input: {apiName: "contract", label: "Contract", pluralLabel: "Contracts"}) { apiName } }',
        token=token,
    )
    for field in FIELDS:
        _gql(
            base,
            "mutation($i: CreateFieldInput!) { createField(input: $i) { id } }",
            {"i": {"object": "contract", **field}},
            token=token,
        )
    _gql(
        base,
        'mutation { createIndex(input: {object: "contract", fields: [{field: "region"}, '
        '{field: "signed_on", descending: true}]}) { id } }',
        token=token,
    )
    return token


def _fill(db_url: str, slug: str, count: int) -> None:
    started = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        tenant, obj, admin = conn.execute(
            "SELECT t.id, o.id, m.user_id FROM tenant t JOIN custom_object o ON o.tenant_id = t.id "
            "JOIN membership m ON m.tenant_id = t.id WHERE t.slug = %s",
            (slug,),
        ).fetchone()
        conn.execute(FILL, {"tenant": tenant, "object": obj, "owner": admin, "count": count})
    print(f"{slug}: {count} records in {time.perf_counter() - started:.1f}s")


def _summary(name: str, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000
    print(f"{name:<34} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   ({len(ordered)} requests)")
    return p50


def _graphql_run(base: str, token: str, requests: int) -> list[float]:
    latencies = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for n in range(requests):
            body = {"query": QUERY, "variables": {"region": f"R{n % REGIONS}"}}
            started = time.perf_counter()
            response = client.post(f"{base}/graphql", json=body)
            latencies.append(time.perf_counter() - started)
            if (
                b'"errors"' in response.content
                or len(response.json()["data"]["records"]["edges"]) != 50
            ):
                raise RuntimeError(response.text[:300])
    return latencies


async def _raw_run(app_url: str, tenant: uuid.UUID, obj: uuid.UUID, requests: int) -> list[float]:
    conn = await asyncpg.connect(**connection_credentials(app_url))
    latencies = []
    try:
        for n in range(requests):
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
                rows = await conn.fetch(RAW_SQL, tenant, obj, f"R{n % REGIONS}", 20000, 60000)
            json.dumps([{"id": str(r["id"]), "values": json.loads(r["data"])} for r in rows[:50]])
            latencies.append(time.perf_counter() - started)
            if len(rows) != 51:
                raise RuntimeError(f"expected a full page, got {len(rows)} rows")
    finally:
        await conn.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
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
    subprocess.run([*tessera, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    api = subprocess.Popen(
        [*tessera, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, api, timeout_seconds=60)
        token = _make_tenant(base, "bench", env)
        _make_tenant(base, "other", env)
        _fill(db_url, "bench", args.records)
        _fill(db_url, "other", args.records // 5)
        started = time.perf_counter()
        subprocess.run(
            [*tessera, "indexer", "--once"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        print(
            f"indexer built the (region, signed_on DESC) index in {time.perf_counter() - started:.1f}s"
        )
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("ANALYZE custom_record")
            tenant, obj = conn.execute(
                "SELECT t.id, o.id FROM tenant t JOIN custom_object o ON o.tenant_id = t.id "
                "WHERE t.slug = 'bench'"
            ).fetchone()
            status = conn.execute(
                "SELECT status, error FROM custom_index WHERE tenant_id = %s", (tenant,)
            ).fetchone()
            assert status == ("READY", None), status

        from tessera.settings import load_settings

        app_url = load_settings().model_copy(update={"database_url": db_url}).app_database_url()
        _graphql_run(base, token, 20)  # warm up both
        asyncio.run(_raw_run(app_url, tenant, obj, 20))
        print(
            f"first page of 50 among {args.records} records (another tenant's {args.records // 5} in the same table)"
        )
        api_p50 = _summary("GraphQL /graphql (indexed)", _graphql_run(base, token, args.requests))
        raw_p50 = _summary(
            "raw asyncpg + json (indexed)",
            asyncio.run(_raw_run(app_url, tenant, obj, args.requests)),
        )
        print(
            f"ratio (GraphQL / raw p50): {api_p50 / raw_p50:.2f}; target: GraphQL p50 under 50 ms"
        )

        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE custom_index SET status = 'DROPPING'")
        subprocess.run(
            [*tessera, "indexer", "--once"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        unindexed = min(30, args.requests)
        _summary("GraphQL /graphql (no index)", _graphql_run(base, token, unindexed))
        _summary(
            "raw asyncpg + json (no index)", asyncio.run(_raw_run(app_url, tenant, obj, unindexed))
        )
    finally:
        api.send_signal(signal.SIGINT)
        api.wait(20)
        drop_database(server_url, DATABASE)
        services.stop()


if __name__ == "__main__":
    main()

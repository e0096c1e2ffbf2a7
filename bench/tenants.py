"""Does a tenant's list get slower as the database fills with other tenants? The same customer list
(50 rows with their owners, through `/graphql` on a real uvicorn process) is timed with 10 tenants
in the database, then again after 9,990 more tenants with small data each have been added, each
phase with a freshly started server. Every key leads with tenant_id, so the second phase should
read the same number of index pages as the first: the ratio is the point (issue 19: within 1.1x).

    .venv/bin/python bench/tenants.py [--tenants 10000] [--rows 50] [--requests 1000]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services under .data/. Creates and drops
the database `tessera_bench`. The filler tenants are written with SQL as the database owner (the
CLI would take hours for 10,000 tenants); the measured tenant is made by the real CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import serving, signed_in  # noqa: E402  (bench/served.py, beside this script)

from tenants.database import connection_credentials  # noqa: E402
from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402

DATABASE = "tessera_bench"
PASSWORD = "bench-password-1"
LIST = "{ customers(first: 50) { totalCount edges { node { id name tier owner { name } } } } }"
MEASURED_ROWS = 500


def _tessera(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "tessera.cli", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )


async def _fill(database_url: str, first: int, last: int, rows: int) -> float:
    """Tenants filler-<first>..filler-<last>, each with an admin and `rows` customers; seconds taken."""
    started = time.perf_counter()
    conn = await asyncpg.connect(**connection_credentials(database_url))
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO tenant (id, slug, name) SELECT gen_random_uuid(), 'filler-' || g, 'Filler ' || g "
                "FROM generate_series($1::int, $2::int) g",
                first,
                last,
            )
            await conn.execute(
                "INSERT INTO app_user (id, email, name, password_hash) "
                "SELECT gen_random_uuid(), slug || '@filler.test', 'Admin ' || slug, 'x' FROM tenant "
                "WHERE slug LIKE 'filler-%' AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.tenant_id = tenant.id)"
            )
            await conn.execute(
                "INSERT INTO membership (tenant_id, user_id, role) SELECT t.id, u.id, 'admin' FROM tenant t "
                "JOIN app_user u ON u.email = t.slug || '@filler.test' "
                "WHERE NOT EXISTS (SELECT 1 FROM membership m WHERE m.tenant_id = t.id)"
            )
            await conn.execute(
                "INSERT INTO customer (tenant_id, id, name, tier, owner_id) "
                "SELECT m.tenant_id, gen_random_uuid(), 'Customer ' || g, (ARRAY['A', 'B', 'C'])[1 + g % 3], m.user_id "
                "FROM tenant t JOIN membership m ON m.tenant_id = t.id, generate_series(1, $3::int) g "
                "WHERE t.slug LIKE 'filler-%' AND substr(t.slug, 8)::int BETWEEN $1 AND $2",
                first,
                last,
                rows,
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _seed_measured(database_url: str) -> None:
    conn = await asyncpg.connect(**connection_credentials(database_url))
    try:
        await conn.execute(
            "INSERT INTO customer (tenant_id, id, name, tier, owner_id) "
            "SELECT m.tenant_id, gen_random_uuid(), 'Bench customer ' || g, 'A', m.user_id "
            "FROM tenant t JOIN membership m ON m.tenant_id = t.id, generate_series(1, $1::int) g WHERE t.slug = 'bench'",
            MEASURED_ROWS,
        )
    finally:
        await conn.close()


def _phase(env: dict[str, str], requests: int) -> list[float]:
    """Latencies of the list over HTTP, one request at a time, on a freshly started server."""
    samples = []
    with (
        serving(env) as base,
        signed_in(base, tenant="bench", email="admin@bench.test", password=PASSWORD) as client,
    ):
        for index in range(requests + 100):
            started = time.perf_counter()
            answer = client.post("/graphql", json={"query": LIST}).json()
            if index >= 100:  # the first hundred warm the pools and plan caches
                samples.append(time.perf_counter() - started)
            assert answer["data"]["customers"]["totalCount"] == MEASURED_ROWS, answer
    return samples


async def _plan(database_url: str) -> str:
    """The plan of a statement of the page's shape (tenant condition leading, the default order)
    with every tenant present: it must stay an index scan of the one tenant's rows."""
    conn = await asyncpg.connect(**connection_credentials(database_url))
    try:
        tenant = await conn.fetchval("SELECT id FROM tenant WHERE slug = 'bench'")
        rows = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id, name FROM customer WHERE tenant_id = $1 "
            "AND deleted_at IS NULL ORDER BY created_at, id LIMIT 51",
            tenant,
        )
        return "\n".join("    " + r[0] for r in rows)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=50, help="customers per filler tenant")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    database_url = recreate_database(server_url, DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "LOGIN_RATE_LIMIT_PER_IDENTITY": "100000",
        "LOGIN_RATE_LIMIT_PER_CLIENT": "100000",
    }
    try:
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
        asyncio.run(_seed_measured(database_url))
        asyncio.run(_fill(database_url, 1, 9, args.rows))
        few = _phase(env, args.requests)
        filled = asyncio.run(_fill(database_url, 10, args.tenants - 1, args.rows))
        many = _phase(env, args.requests)
        plan = asyncio.run(_plan(database_url))
    finally:
        drop_database(server_url, DATABASE)
        services.stop()

    def ms(samples: list[float]) -> str:
        ordered = sorted(samples)
        return f"p50 {statistics.median(samples) * 1000:.2f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.2f} ms"

    print(f"list: {LIST}")
    print(
        f"measured tenant: {MEASURED_ROWS} customers; filler tenants: {args.rows} customers and an admin each; "
        f"{args.requests} sequential requests per phase"
    )
    print(f"10 tenants:             {ms(few)}")
    print(f"{args.tenants:,} tenants:         {ms(many)}   (filled in {filled:.0f} s)")
    print(
        f"ratio (p50 {args.tenants:,} / p50 10): {statistics.median(many) / statistics.median(few):.3f}"
    )
    print("plan of the page statement with every tenant present:")
    print(plan)


if __name__ == "__main__":
    main()

"""A scheduler pass over 50,000 open tickets with running SLA clocks: how long `schedule_once`
takes when nothing is due, and when some timers are due (fired into the outbox), and the plans
of the two statements a pass runs per tenant (found with EXPLAIN as the application role, under
row-level security): they must walk `sla_timer_due_idx`, not the table.

The tickets, their clocks and timers (first response and resolution, warning and breach: four
per ticket, due over the coming days) are inserted by SQL in the shape the domain writes them
(domain/service_levels/clocks.py, timers.py); another tenant gets a tenth as many so the table is
shared as in production.

    .venv/bin/python bench/sla_scheduler.py [--tickets 50000] [--due 1000]

Uses DATABASE_URL if set, else the embedded PostgreSQL; creates and drops `tessera_bench_sla`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402

DATABASE = "tessera_bench_sla"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
# One ticket per row of generate_series; its clock started from 30 minutes before NOW to two days
# after, so no timer is due at NOW and the rest spread over the coming days. The first `due`
# tickets started 50 minutes before NOW: their first-response warning (at 45 minutes) is due.
FILL = """
WITH g AS (SELECT g, $2::timestamptz + CASE WHEN g <= $4 THEN interval '-50 minutes'
                                            ELSE interval '-30 minutes' + (g % 2880) * interval '1 minute' END AS started
           FROM generate_series(1, $3) g),
tickets AS (
  INSERT INTO ticket (tenant_id, id, subject, priority, status, created_at)
  SELECT $1, gen_random_uuid(), 'Ticket ' || g, 'NORMAL', 'ACCEPTED', started FROM g RETURNING id, created_at),
clocks AS (
  INSERT INTO ticket_sla (tenant_id, ticket_id, policy_id, policy_version, started_at, first_response_minutes,
                          resolution_minutes, warning_percent, first_response_due_at, first_response_warn_at,
                          resolution_due_at, resolution_warn_at)
  SELECT $1, id, $5, 1, created_at, 60, 480, 75, created_at + interval '60 minutes', created_at + interval '45 minutes',
         created_at + interval '480 minutes', created_at + interval '360 minutes' FROM tickets RETURNING ticket_id, started_at)
INSERT INTO sla_timer (tenant_id, id, ticket_id, occasion, due_at)
SELECT $1, gen_random_uuid(), c.ticket_id, o.occasion, c.started_at + o.after
FROM clocks c CROSS JOIN (VALUES ('first_response.warning', interval '45 minutes'), ('first_response.breach', interval '60 minutes'),
                                 ('resolution.warning', interval '360 minutes'), ('resolution.breach', interval '480 minutes'))
                         AS o(occasion, after)
"""
CLAIM = (
    "SELECT id FROM sla_timer WHERE tenant_id = $1 AND fired_at IS NULL AND due_at <= $2 "
    "ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED"
)
PROBE = "SELECT 1 FROM sla_timer s WHERE s.tenant_id = $1 AND s.fired_at IS NULL AND s.due_at <= $2 LIMIT 1"


def _tenant(slug: str, env: dict[str, str]) -> None:
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
            "bench-password-1",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


async def _fill(owner_url: str, slug: str, tickets: int, due: int) -> str:
    conn = await asyncpg.connect(owner_url)
    try:
        tenant = await conn.fetchval("SELECT id FROM tenant WHERE slug = $1", slug)
        policy = await conn.fetchval(
            "INSERT INTO sla_policy (tenant_id, id, name, position, first_response_minutes, resolution_minutes) "
            "VALUES ($1, gen_random_uuid(), 'Standard', 1, 60, 480) RETURNING id",
            tenant,
        )
        started = time.perf_counter()
        await conn.execute(FILL, tenant, NOW, tickets, due, policy)
        await conn.execute("ANALYZE ticket; ANALYZE ticket_sla; ANALYZE sla_timer")
        print(
            f"{slug}: {tickets} tickets with running clocks, {tickets * 4} timers, in {time.perf_counter() - started:.1f}s"
        )
        return str(tenant)
    finally:
        await conn.close()


async def _explain(app_url: str, tenant: str) -> None:
    conn = await asyncpg.connect(app_url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant)
            for name, sql in (("claim", CLAIM), ("tenant probe", PROBE)):
                plan = [row[0] for row in await conn.fetch(f"EXPLAIN {sql}", tenant, NOW)]
                uses = "sla_timer_due_idx" in "\n".join(plan)
                print(
                    f"EXPLAIN {name} (application role, RLS on): {'uses sla_timer_due_idx' if uses else 'NO INDEX'}"
                )
                for line in plan:
                    print("   ", line)
    finally:
        await conn.close()


async def _passes(app_url: str, due: int) -> None:
    from domain import MODEL_MODULES
    from tenants.database import connect, disconnect
    from tessera.domain_wiring import wire_domain
    from workers.scheduler import schedule_once

    wire_domain()
    await connect(app_url, MODEL_MODULES, pool_size=2)
    try:
        for label, at in (
            ("nothing due", NOW - timedelta(minutes=20)),
            (f"{due} tickets' warnings due", NOW),
            ("again, nothing left", NOW),
        ):
            started = time.perf_counter()
            fired = await schedule_once(at)
            print(
                f"scheduler pass, {label}: {(time.perf_counter() - started) * 1000:.1f} ms, {fired} fired"
            )
    finally:
        await disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    url = recreate_database(server_url, DATABASE)
    env = {**os.environ, "DATABASE_URL": url}
    os.environ["DATABASE_URL"] = url
    try:
        subprocess.run(
            [sys.executable, "-m", "tessera.cli", "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        _tenant("bench-sla", env)
        _tenant("bench-other", env)
        from tessera.settings import load_settings

        app_url = load_settings().app_database_url()
        tenant = asyncio.run(_fill(url, "bench-sla", args.tickets, args.due))
        asyncio.run(_fill(url, "bench-other", args.tickets // 10, 0))
        asyncio.run(_explain(app_url, tenant))
        asyncio.run(_passes(app_url, args.due))
    finally:
        os.environ["DATABASE_URL"] = server_url
        drop_database(server_url, DATABASE)


if __name__ == "__main__":
    main()

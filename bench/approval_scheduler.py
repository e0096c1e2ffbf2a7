"""The scheduler's approval pass with many pending requests: 20,000 pending requests (each with an
approver's task, a reminder and a timeout timer, none due) in one tenant plus 5,000 in another, and
then 500 of them due. Times `workers.scheduler.schedule_once` (every tenant, every kind of
time-based work) when nothing is due and when the 500 reminders are due, next to the baseline of
the same pass's SQL without any of our Python (the due-tenants function and the claim statement on
raw psycopg), and prints the plans of both statements as the application role (index-backed under
row-level security).

    .venv/bin/python bench/approval_scheduler.py [--requests 20000] [--due 500]

Uses DATABASE_URL if set, else the embedded services; creates and drops `tessera_bench_approvals`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402

DATABASE = "tessera_bench_approvals"
STEP = (
    '[{"name": "Manager", "mode": "ANY", "approvers": [{"kind": "USERS", "userIds": ["%s"]}], "condition": null, '
    '"onReject": "REJECT", "timeout": {"hours": 24, "remindAfterHours": 8, "action": "ESCALATE", "calendar": null}}]'
)
CLAIM = (
    "SELECT * FROM approval_timer WHERE tenant_id = %s AND fired_at IS NULL AND due_at <= %s "
    "ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED"
)


def _seed(conn: psycopg.Connection, tenant: uuid.UUID, admin: uuid.UUID, requests: int) -> None:
    """Pending requests with one task and two future timers each, in a few statements."""
    process = uuid.uuid4()
    conn.execute(
        "INSERT INTO approval_process (tenant_id, id, name, object, start_mode, steps, created_by, updated_by) "
        "VALUES (%s, %s, 'Discounts', 'Opportunity', 'MANUAL', %s::jsonb, %s, %s)",
        (tenant, process, STEP % admin, admin, admin),
    )
    definition = (
        '{"name": "Discounts", "lockAll": true, "lockedFields": [], "onApproved": [], "onRejected": [], "steps": %s}'
        % (STEP % admin)
    )
    conn.execute(
        "INSERT INTO approval_request (tenant_id, id, process_id, process_version, definition, record_type, record_id, status, "
        "submitted_by, current_step, round) SELECT %s, gen_random_uuid(), %s, 1, %s::jsonb, 'Opportunity', gen_random_uuid(), "
        "'PENDING', %s, 0, 1 FROM generate_series(1, %s)",
        (tenant, process, definition, admin, requests),
    )
    conn.execute(
        "INSERT INTO approval_task (tenant_id, id, request_id, step_index, round, approver_id, status) "
        "SELECT tenant_id, gen_random_uuid(), id, 0, 1, %s, 'PENDING' FROM approval_request WHERE tenant_id = %s",
        (admin, tenant),
    )
    conn.execute(
        "INSERT INTO approval_timer (tenant_id, id, request_id, round, kind, due_at) "
        "SELECT tenant_id, gen_random_uuid(), id, 1, k.kind, now() + interval '1 day' * k.days "
        "FROM approval_request, (VALUES ('REMIND', 1), ('TIMEOUT', 3)) AS k(kind, days) WHERE tenant_id = %s",
        (tenant,),
    )


def _tenant(db_url: str, env: dict[str, str], slug: str) -> tuple[uuid.UUID, uuid.UUID]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tessera.cli",
            "tenant",
            "create",
            slug,
            "--name",
            slug.title(),
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
    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT t.id, m.user_id FROM tenant t JOIN membership m ON m.tenant_id = t.id WHERE t.slug = %s",
            (slug,),
        ).fetchone()


async def _passes(app_url: str, runs: int, now: datetime) -> list[float]:
    from domain import MODEL_MODULES
    from tenants.database import connect, disconnect
    from tessera.domain_wiring import wire_domain
    from workers.scheduler import schedule_once

    wire_domain()
    await connect(app_url, MODEL_MODULES, pool_size=2)
    try:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            await schedule_once(now)
            times.append(time.perf_counter() - started)
        return times
    finally:
        await disconnect()


def _raw(app_url: str, tenant: uuid.UUID, runs: int, now: datetime) -> list[float]:
    """The pass's two statements for this tenant on plain psycopg, rolled back (the baseline)."""
    times = []
    with psycopg.connect(app_url) as conn:
        for _ in range(runs):
            started = time.perf_counter()
            with conn.transaction(force_rollback=True):
                conn.execute("SELECT approval_due_tenants(%s)", (now,)).fetchall()
                conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant),))
                conn.execute(CLAIM, (tenant, now)).fetchall()
            times.append(time.perf_counter() - started)
    return times


def _plans(app_url: str, owner_url: str, tenant: uuid.UUID, now: datetime) -> None:
    """The claim as the application role (under row-level security); the due-tenants function's
    statement as the owner it runs as (SECURITY DEFINER)."""
    for url, title, sql, params in (
        (app_url, "the claim (application role)", CLAIM, (tenant, now)),
        (
            owner_url,
            "approval_due_tenants (runs as the owner)",
            "SELECT DISTINCT tenant_id FROM approval_timer WHERE fired_at IS NULL AND due_at <= %s",
            (now,),
        ),
    ):
        with psycopg.connect(url) as conn, conn.transaction(force_rollback=True):
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant),))
            plan = [row[0] for row in conn.execute("EXPLAIN " + sql, params).fetchall()]
            print(f"plan of {title}:\n  " + "\n  ".join(plan))


def _ms(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    db_url = recreate_database(server_url, DATABASE)
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    try:
        subprocess.run(
            [sys.executable, "-m", "tessera.cli", "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        tenant, admin = _tenant(db_url, env, "bench")
        other, other_admin = _tenant(db_url, env, "other")
        with psycopg.connect(db_url, autocommit=True) as conn:
            _seed(conn, tenant, admin, args.requests)
            _seed(conn, other, other_admin, args.requests // 4)
            conn.execute("ANALYZE")
        from tessera.settings import load_settings

        app_url = load_settings().model_copy(update={"database_url": db_url}).app_database_url()
        now = datetime.now(timezone.utc)
        print(
            f"{args.requests} pending requests (+{args.requests // 4} in another tenant), "
            f"{2 * (args.requests + args.requests // 4)} unfired timers"
        )
        idle = asyncio.run(_passes(app_url, args.runs, now))
        raw = _raw(app_url, tenant, args.runs, now)
        print(f"scheduler pass, nothing due: {_ms(idle)}; the same SQL on raw psycopg: {_ms(raw)}")
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE approval_timer SET due_at = now() - interval '1 minute' WHERE id IN (SELECT id FROM approval_timer "
                "WHERE tenant_id = %s AND kind = 'REMIND' LIMIT %s)",
                (tenant, args.due),
            )
        busy = asyncio.run(_passes(app_url, 1, now + timedelta(seconds=1)))
        with psycopg.connect(db_url, autocommit=True) as conn:
            fired = conn.execute(
                "SELECT count(*) FROM approval_timer WHERE fired_at IS NOT NULL"
            ).fetchone()[0]
        print(
            f"scheduler pass with {args.due} reminders due: {busy[0] * 1000:.0f} ms "
            f"({busy[0] * 1000 / max(fired, 1):.2f} ms per reminder; {fired} fired)"
        )
        again = asyncio.run(_passes(app_url, 1, now + timedelta(seconds=2)))
        print(f"the next pass (all fired, nothing due): {again[0] * 1000:.1f} ms")
        _plans(app_url, db_url, tenant, now)
    finally:
        drop_database(server_url, DATABASE)


if __name__ == "__main__":
    main()

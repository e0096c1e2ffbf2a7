"""Automation latency and throughput: leads are created at a steady rate (bounded count) while
`tessera relay` and `tessera worker --processes 2` run a rule on each ("tag every new lead"); the
latency from the committed change to the rule's finished run (both clocks are PostgreSQL's) is
reported as p50/p95 with the sustained rate of runs, next to the rate at which the same two
dramatiq worker processes drain no-op messages without any of our code: a ratio measured in one run.

    .venv/bin/python bench/automation.py [--events 2000] [--rate 200]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services; creates and drops `tessera_bench`,
and empties redis database 15 of that server before and after.
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
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402

DATABASE = "tessera_bench"
REDIS_DB = 15
WAIT_SECONDS = 300
NOOP_MODULE = """
import os
import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

broker = RedisBroker(url=os.environ["REDIS_URL"], namespace="tessera-bench-noop")
dramatiq.set_broker(broker)
counter = redis.Redis.from_url(os.environ["REDIS_URL"])


@dramatiq.actor(actor_name="bench.noop", max_retries=0)
def noop(n: int) -> None:
    counter.incr("tessera-bench-noop-done")
"""


def _tessera(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tessera.cli", *args],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(*procs: subprocess.Popen) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


async def _create_leads(
    app_url: str, tenant: uuid.UUID, admin: uuid.UUID, events: int, rate: float
) -> float:
    """Create `events` leads, one committed transaction each, paced at `rate` per second."""
    from domain import MODEL_MODULES
    from domain.crm.leads import create_leads
    from domain.identity.principal import CredentialKind, Principal
    from domain.identity.roles import Role
    from tenants.context import tenant_transaction
    from tenants.database import connect, disconnect
    from tessera.domain_wiring import wire_domain

    wire_domain()
    await connect(app_url, MODEL_MODULES, pool_size=4)
    principal = Principal(
        tenant_id=tenant,
        user_id=admin,
        role=Role.ADMIN,
        kind=CredentialKind.SESSION,
        credential_id=admin,
    )
    started = time.perf_counter()
    try:
        for n in range(events):
            async with tenant_transaction(tenant):
                await create_leads(
                    principal=principal, items=[{"personName": f"Bench {n}", "region": "East"}]
                )
            delay = started + (n + 1) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
    finally:
        await disconnect()
    return time.perf_counter() - started


def _wait_for_runs(db_url: str, count: int) -> list[tuple]:
    deadline = time.monotonic() + WAIT_SECONDS
    with psycopg.connect(db_url, autocommit=True) as conn:
        while (
            done := conn.execute(
                "SELECT count(*) FROM automation_run WHERE finished_at IS NOT NULL"
            ).fetchone()[0]
        ) < count:
            assert time.monotonic() < deadline, f"only {done} of {count} runs finished"
            time.sleep(0.2)
        return conn.execute(
            "SELECT extract(epoch FROM r.finished_at - e.occurred_at), r.status, r.finished_at, "
            "extract(epoch FROM e.published_at - e.occurred_at), extract(epoch FROM r.started_at - e.published_at), "
            "extract(epoch FROM r.finished_at - r.started_at) FROM automation_run r "
            "JOIN outbox_event e ON e.tenant_id = r.tenant_id AND e.id = r.event_id ORDER BY e.seq"
        ).fetchall()


def _wait_published(db_url: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    with psycopg.connect(db_url, autocommit=True) as conn:
        while conn.execute(
            "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the relay did not publish the backlog"
            time.sleep(0.2)


def _noop_rate(env: dict[str, str], messages: int) -> float:
    """Messages per second two plain dramatiq processes drain (no database, no Tessera code)."""
    (ROOT / ".data").mkdir(exist_ok=True)
    (ROOT / ".data" / "bench_noop.py").write_text(NOOP_MODULE)
    noop_env = {**env, "PYTHONPATH": f"{ROOT / '.data'}"}
    client = redis.Redis.from_url(env["REDIS_URL"])
    client.delete("tessera-bench-noop-done")
    sys.path.insert(0, str(ROOT / ".data"))
    os.environ["REDIS_URL"] = env["REDIS_URL"]
    import bench_noop  # written just above

    for n in range(messages):
        bench_noop.noop.send(n)
    workers = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "bench_noop", "--processes", "2", "--threads", "8"],
        env=noop_env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started, deadline = time.perf_counter(), time.monotonic() + WAIT_SECONDS
        first = None
        while int(client.get("tessera-bench-noop-done") or 0) < messages:
            if first is None and int(client.get("tessera-bench-noop-done") or 0) > 0:
                first = time.perf_counter()
            assert time.monotonic() < deadline, "no-op messages were not drained"
            time.sleep(0.01)
        return messages / (time.perf_counter() - (first or started))
    finally:
        _stop(workers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    db_url = recreate_database(server_url, DATABASE)
    # A redis database of the bench's own, emptied first: messages left in a shared queue (by tests,
    # or by events a previous run's rules caused) would be drained ahead of this run's and skew it.
    redis_url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{REDIS_DB}"))
    redis.Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    run = dict(env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "tessera.cli", "migrate"], **run)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tessera.cli",
            "tenant",
            "create",
            "bench",
            "--name",
            "Bench",
            "--admin-email",
            "admin@bench.test",
            "--admin-password",
            "bench-password-1",
        ],
        **run,
    )
    with psycopg.connect(db_url, autocommit=True) as conn:
        tenant, admin = conn.execute(
            "SELECT t.id, m.user_id FROM tenant t JOIN membership m ON m.tenant_id = t.id "
            "WHERE t.slug = 'bench'"
        ).fetchone()
        conn.execute(
            "INSERT INTO automation_rule (tenant_id, id, name, object, trigger, actions, created_by, updated_by) "
            "VALUES (%s, %s, 'Tag new leads', 'Lead', '{\"on\": \"created\"}', "
            '\'[{"type": "add_tags", "names": ["new"]}]\', %s, %s)',
            (tenant, uuid.uuid4(), admin, admin),
        )

    from tessera.settings import load_settings

    app_url = load_settings().model_copy(update={"database_url": db_url}).app_database_url()
    relay = _tessera("relay", "--poll-seconds", "1", env=env)
    worker = _tessera("worker", "--processes", "2", "--threads", "4", env=env)
    try:
        time.sleep(5)  # both up
        elapsed = asyncio.run(_create_leads(app_url, tenant, admin, args.events, args.rate))
        print(
            f"created {args.events} leads in {elapsed:.1f}s ({args.events / elapsed:.0f}/s), one transaction each"
        )
        rows = _wait_for_runs(db_url, args.events)
        # Capacity: a backlog made while no worker runs, then drained by the two worker processes.
        _stop(worker)
        asyncio.run(_create_leads(app_url, tenant, admin, args.events, rate=1e9))
        _wait_published(db_url)
        worker = _tessera("worker", "--processes", "2", "--threads", "4", env=env)
        backlog = _wait_for_runs(db_url, 2 * args.events)[args.events :]
    finally:
        _stop(relay, worker)
    latencies = sorted(float(r[0]) for r in rows)
    failed = sum(1 for r in rows if r[1] != "SUCCEEDED")
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"at {args.rate:.0f} events/s: {len(rows)} rule runs ({failed} not SUCCEEDED), latency change -> effect "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    parts = [statistics.median(float(r[i]) for r in rows) * 1000 for i in (3, 4, 5)]
    print(
        f"  median parts: commit -> relay published {parts[0]:.0f} ms, published -> run started {parts[1]:.0f} ms, "
        f"run {parts[2]:.1f} ms"
    )
    span = (max(r[2] for r in backlog) - min(r[2] for r in backlog)).total_seconds()
    capacity = len(backlog) / span
    print(
        f"capacity: a backlog of {len(backlog)} events drained at {capacity:.0f} rule runs/s (2 worker processes)"
    )
    noop = _noop_rate(env, args.events)
    print(
        f"plain dramatiq, same 2 processes: {noop:.0f} no-op messages/s; ratio (rule runs / no-op messages): "
        f"{capacity / noop:.2f}"
    )
    print("target: p95 under 1 s at 200 events/s")
    drop_database(server_url, DATABASE)
    redis.Redis.from_url(redis_url).flushdb()
    services.stop()


if __name__ == "__main__":
    main()

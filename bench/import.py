"""How fast does an import write? Leads with two custom fields from a CSV file, through the whole
path (upload over the API, startImport, the job run by the worker's function: per-row checks,
custom-field rules, audit trail and events, in committed batches of 100), against a plain COPY of
the same rows into a table of the same columns: rows per second of both and their ratio.

    .venv/bin/python bench/import.py [--rows 10000 100000]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services under .data/. Creates and drops
the database `tessera_bench_import`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tenants.database import connection_credentials  # noqa: E402
from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402

DATABASE = "tessera_bench_import"
PASSWORD = "bench-password-1"
FIELD = "mutation($input: CreateFieldInput!) { createField(input: $input) { apiName } }"
START = "mutation($input: StartImportInput!) { startImport(input: $input) { id } }"
JOB = "query($id: ID!) { job(id: $id) { status result error } }"
LOGIN = (
    'mutation { login(input: {tenant: "bench", email: "admin@bench.test", '
    f'password: "{PASSWORD}"}}) {{ accessToken }} }}'
)


def _tessera(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tessera.cli", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _rows(count: int) -> list[tuple[str, str, str, int, str, str]]:
    regions = ("North", "South", "East", "West")
    return [
        (
            f"Person {n}",
            f"Company {n % 5000}",
            f"p{n}@example.com",
            n % 1000,
            regions[n % 4],
            ("A", "B", "C")[n % 3],
        )
        for n in range(count)
    ]


def _csv(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    out.write("personName,companyName,email,score,region,tier,budget\n")
    for name, company, email, score, region, tier in rows:
        out.write(f"{name},{company},{email},{score},{region},{tier},{score * 10}.50\n")
    return out.getvalue().encode()


async def _gql(client: httpx.AsyncClient, query: str, variables: dict, token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (
        await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    ).json()
    assert not body.get("errors"), body
    return body["data"]


async def _import(counts: list[int]) -> list[tuple[int, float, float, float]]:
    from api.app import create_app
    from tessera.settings import load_settings
    from tessera.wiring import api_config
    from workers.events import deliver
    from workers.jobs import execute_job
    from workers.relay import relay_once

    settings = load_settings()
    app = create_app(api_config(settings))
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as client:
            token = (await _gql(client, LOGIN, {}, ""))["login"]["accessToken"]
            await _gql(
                client,
                FIELD,
                {
                    "input": {
                        "object": "Lead",
                        "apiName": "tier",
                        "label": "Tier",
                        "type": "SINGLE_SELECT",
                        "config": {"options": ["A", "B", "C"]},
                    }
                },
                token,
            )
            await _gql(
                client,
                FIELD,
                {
                    "input": {
                        "object": "Lead",
                        "apiName": "budget",
                        "label": "Budget",
                        "type": "DECIMAL",
                    }
                },
                token,
            )
            for count in counts:
                rows = _rows(count)
                upload = await client.post(
                    "/files/imports?filename=leads.csv",
                    content=_csv(rows),
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert upload.status_code == 201, upload.text
                job_id = (
                    await _gql(
                        client,
                        START,
                        {"input": {"fileId": upload.json()["id"], "object": "Lead"}},
                        token,
                    )
                )["startImport"]["id"]
                events: list = []
                await relay_once(events.append)
                gc.collect()
                gc.freeze()  # as tessera/worker_entry.py does once loaded
                started, cpu = time.perf_counter(), time.process_time()
                for event in events:
                    _, queued = await deliver(str(event.tenant_id), str(event.id))
                    if queued is not None:
                        await execute_job(str(event.tenant_id), str(queued))
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu
                token = (await _gql(client, LOGIN, {}, ""))["login"][
                    "accessToken"
                ]  # a long run outlives the token
                job = (await _gql(client, JOB, {"id": job_id}, token))["job"]
                assert job["status"] == "SUCCEEDED" and job["result"]["created"] == count, job
                results.append(
                    (count, elapsed, cpu, await _copy(settings.app_database_url(), rows))
                )
    return results


async def _copy(app_url: str, rows: list[tuple]) -> float:
    """The baseline: the same rows COPYed into a plain table with the lead's columns."""
    conn = await asyncpg.connect(**connection_credentials(app_url))
    try:
        await conn.execute(
            "CREATE TEMP TABLE lead_copy (person_name text, company_name text, email text, score int, "
            "region text, custom_fields jsonb)"
        )
        records = [
            (n, c, e, s, r, json.dumps({"tier": t, "budget": f"{s * 10}.50"}))
            for n, c, e, s, r, t in rows
        ]
        started = time.perf_counter()
        await conn.copy_records_to_table("lead_copy", records=records)
        return time.perf_counter() - started
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = recreate_database(server_url, DATABASE)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["LOGIN_RATE_LIMIT_PER_IDENTITY"] = "0"  # the bench signs in again after each run
    env = dict(os.environ)
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
    try:
        results = asyncio.run(_import(args.rows))
    finally:
        os.environ["DATABASE_URL"] = server_url
        drop_database(server_url, DATABASE)
        services.stop()
    load = os.getloadavg()[0]
    for count, elapsed, cpu, copy in results:
        print(
            f"{count:>7} leads with 2 custom fields: import {elapsed:6.1f} s = {count / elapsed:7.0f} rows/s "
            f"(worker CPU {cpu:5.1f} s); plain COPY {copy:5.2f} s = {count / copy:8.0f} rows/s; "
            f"ratio import/COPY {elapsed / copy:5.1f}x (load average {load:.1f})"
        )


if __name__ == "__main__":
    main()

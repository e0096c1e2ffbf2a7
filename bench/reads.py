"""Reads side by side: Tessera's /graphql, PostGraphile 4 and a hand-written asyncpg endpoint, each
one process on 127.0.0.1, the same database, the same application role (row-level security on)
and the same tenant setting, loaded by `wrk` (a C load generator, so the generator does not cap
the fast side) in one run.

Two reads, on the large seed:
- the sales list: "50 opportunities with customer, owner and stage names, one pipeline, by close
  date";
- a customer 360°: the customer with its contacts, its open opportunities with their stage, its
  last 10 activities and its open tickets.

For every server and read it prints requests/s, p50/p99, the server's CPU per request (from
/proc of the server process) and wrk's own CPU per request, then the ratios. Before loading, it
checks that the three servers answer the same records.

    .venv/bin/python bench/reads.py [--size large] [--duration 10] [--connections 16] [--keep]
        [--no-postgraphile] [--only sales|c360]

Needs `wrk` (Debian: `apt-get install wrk`). PostGraphile is optional: with `node` and `npm` on
the PATH it is installed into bench/postgraphile/node_modules (git-ignored) on first use.
Uses DATABASE_URL / REDIS_URL if set, else the embedded services; creates `tessera_bench_reads`
(kept with --keep, so the next run skips migrating and seeding).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database, with_database  # noqa: E402
from tests.support.server import free_port, wait_until_ready  # noqa: E402

DATABASE = "tessera_bench_reads"
PASSWORD = "bench-password-1"
POSTGRAPHILE_DIR = ROOT / "bench" / "postgraphile"
OPEN_TICKET_STATUSES = ["NEW", "ACCEPTED", "DIAGNOSING", "DISPATCHED"]

TESSERA_SALES = """query Deals($pipeline: ID!) {
  opportunities(first: 50, filter: {pipelineId: {eq: $pipeline}}, orderBy: [{expectedCloseDate: ASC}]) {
    edges { node { id name amount expectedCloseDate customer { name } owner { name } stage { name } } }
  }
}"""
TESSERA_C360 = """query Customer360($id: ID!) {
  node(id: $id) {
    ... on Customer {
      id name industry tier lifecycleStage owner { name }
      contacts(first: 20) { edges { node { id name title emails } } }
    }
  }
  opportunities(first: 20, filter: {customerId: {eq: $id}, closedAt: {isNull: true}},
                orderBy: [{expectedCloseDate: ASC}]) {
    edges { node { id name amount expectedCloseDate stage { name } } }
  }
  activities(first: 10, filter: {recordId: {eq: $id}}, orderBy: [{occurredAt: DESC}]) {
    edges { node { id kind subject occurredAt } }
  }
  tickets(first: 20, filter: {customerId: {eq: $id}, status: {in: OPEN_STATUSES}}, orderBy: [{createdAt: DESC}]) {
    edges { node { id subject status priority } }
  }
}""".replace("OPEN_STATUSES", json.dumps(OPEN_TICKET_STATUSES))

# The same reads in PostGraphile's schema (simplified inflector, connection-filter plugin).
POSTGRAPHILE_SALES = """query Deals($pipeline: UUID!) {
  opportunities(first: 50, condition: {pipelineId: $pipeline, deletedAt: null},
                orderBy: [EXPECTED_CLOSE_DATE_ASC, ID_ASC]) {
    nodes { id name amount expectedCloseDate tenantCustomer { name } tenantOwner { user { name } }
            tenantStage { name } }
  }
}"""
POSTGRAPHILE_C360 = """query Customer360($tenant: UUID!, $id: UUID!) {
  customer(tenantId: $tenant, id: $id) {
    id name industry tier lifecycleStage tenantOwner { user { name } }
    contactsByTenantIdAndCustomerId(first: 20, condition: {deletedAt: null}, orderBy: [CREATED_AT_ASC, ID_ASC]) {
      nodes { id name title emails }
    }
    opportunitiesByTenantIdAndCustomerId(first: 20, condition: {deletedAt: null, closedAt: null},
                                         orderBy: [EXPECTED_CLOSE_DATE_ASC, ID_ASC]) {
      nodes { id name amount expectedCloseDate tenantStage { name } }
    }
    ticketsByTenantIdAndCustomerId(first: 20, condition: {deletedAt: null},
                                   filter: {status: {in: OPEN_STATUSES}}, orderBy: [CREATED_AT_DESC, ID_ASC]) {
      nodes { id subject status priority }
    }
  }
  activities(first: 10, condition: {recordId: $id, deletedAt: null}, orderBy: [OCCURRED_AT_DESC, ID_ASC]) {
    nodes { id kind subject occurredAt }
  }
}""".replace("OPEN_STATUSES", json.dumps(OPEN_TICKET_STATUSES))

# The hand-written endpoint: the statements a careful developer would write, in one transaction
# (the tenant set as in Tessera's), rows serialised with json.dumps.
RAW_APP = '''
import json, os, uuid
import asyncpg
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from tenants.database import connection_credentials

TENANT = os.environ["BENCH_TENANT"]
TENANT_ID = uuid.UUID(TENANT)
PIPELINE = uuid.UUID(os.environ["BENCH_PIPELINE"])
CUSTOMER = uuid.UUID(os.environ["BENCH_CUSTOMER"])
OPEN = json.loads(os.environ["BENCH_OPEN_TICKETS"])
DEALS = """
SELECT o.id, o.name, o.amount, o.expected_close_date, c.name AS customer, u.name AS owner, s.name AS stage
FROM opportunity o
LEFT JOIN customer c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
LEFT JOIN membership m ON m.tenant_id = o.tenant_id AND m.user_id = o.owner_id
LEFT JOIN app_user u ON u.id = m.user_id
JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
WHERE o.tenant_id = $1 AND o.pipeline_id = $2 AND o.deleted_at IS NULL
ORDER BY o.expected_close_date ASC NULLS LAST, o.id LIMIT 50
"""
CUSTOMER_SQL = """
SELECT c.id, c.name, c.industry, c.tier, c.lifecycle_stage, u.name AS owner FROM customer c
LEFT JOIN app_user u ON u.id = c.owner_id
WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
"""
CONTACTS_SQL = """
SELECT id, name, title, emails FROM contact
WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY created_at, id LIMIT 20
"""
OPEN_DEALS_SQL = """
SELECT o.id, o.name, o.amount, o.expected_close_date, s.name AS stage FROM opportunity o
JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id
WHERE o.tenant_id = $1 AND o.customer_id = $2 AND o.deleted_at IS NULL AND o.closed_at IS NULL
ORDER BY o.expected_close_date, o.id LIMIT 20
"""
ACTIVITIES_SQL = """
SELECT id, kind, subject, occurred_at FROM activity
WHERE tenant_id = $1 AND record_id = $2 AND deleted_at IS NULL ORDER BY occurred_at DESC, id LIMIT 10
"""
TICKETS_SQL = """
SELECT id, subject, status, priority FROM ticket
WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL AND status = ANY($3::text[])
ORDER BY created_at DESC, id LIMIT 20
"""
pool = None


async def _pool():
    global pool
    if pool is None:
        pool = await asyncpg.create_pool(**connection_credentials(os.environ["BENCH_APP_URL"]), min_size=2, max_size=10)
    return pool


def _day(value):
    return value.isoformat() if value is not None else None


async def deals(request):
    async with (await _pool()).acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", TENANT)
        rows = await conn.fetch(DEALS, TENANT_ID, PIPELINE)
    body = {"data": {"opportunities": {"edges": [{"node": {
        "id": str(r["id"]), "name": r["name"], "amount": str(r["amount"]),
        "expectedCloseDate": _day(r["expected_close_date"]),
        "customer": {"name": r["customer"]}, "owner": {"name": r["owner"]}, "stage": {"name": r["stage"]}}} for r in rows]}}}
    return Response(json.dumps(body), media_type="application/json")


async def customer360(request):
    async with (await _pool()).acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", TENANT)
        customer = await conn.fetchrow(CUSTOMER_SQL, TENANT_ID, CUSTOMER)
        contacts = await conn.fetch(CONTACTS_SQL, TENANT_ID, CUSTOMER)
        deals = await conn.fetch(OPEN_DEALS_SQL, TENANT_ID, CUSTOMER)
        activities = await conn.fetch(ACTIVITIES_SQL, TENANT_ID, CUSTOMER)
        tickets = await conn.fetch(TICKETS_SQL, TENANT_ID, CUSTOMER, OPEN)
    body = {"data": {
        "customer": {
            "id": str(customer["id"]), "name": customer["name"], "industry": customer["industry"],
            "tier": customer["tier"], "lifecycleStage": customer["lifecycle_stage"],
            "owner": {"name": customer["owner"]},
            "contacts": [{"id": str(r["id"]), "name": r["name"], "title": r["title"], "emails": r["emails"]} for r in contacts],
        },
        "opportunities": [{"id": str(r["id"]), "name": r["name"], "amount": str(r["amount"]),
                           "expectedCloseDate": _day(r["expected_close_date"]), "stage": {"name": r["stage"]}} for r in deals],
        "activities": [{"id": str(r["id"]), "kind": r["kind"], "subject": r["subject"],
                        "occurredAt": r["occurred_at"].isoformat()} for r in activities],
        "tickets": [{"id": str(r["id"]), "subject": r["subject"], "status": r["status"], "priority": r["priority"]} for r in tickets],
    }}
    return Response(json.dumps(body), media_type="application/json")


async def ready(request):
    return Response("ok")

app = Starlette(routes=[
    Route("/deals", deals, methods=["POST"]),
    Route("/customer360", customer360, methods=["POST"]),
    Route("/readyz", ready),
])
'''

# wrk: POST the body; count answers that are not 200 or carry GraphQL errors (wrk itself counts
# only non-2xx), summed over its threads in done().
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %s
wrk.headers["Content-Type"] = "application/json"
%s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD %%d\\n", total))
end
"""


@dataclass
class Target:
    server: str
    url: str
    body: dict
    headers: dict


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float
    wrk_cpu_ms: float
    requests: int


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process (all its threads) has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(target: Target, pid: int, seconds: int, args: argparse.Namespace) -> Result:
    """One wrk run against `target`; the CPU of the server `pid` and of wrk over the run."""
    headers = "\n".join(
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in target.headers.items()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (json.dumps(json.dumps(target.body)), headers))
    try:
        server_before, wrk_before = _cpu_seconds(pid), _children_cpu()
        out = subprocess.run(
            [
                "wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                script.name,
                target.url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        server_cpu, wrk_cpu = _cpu_seconds(pid) - server_before, _children_cpu() - wrk_before
    finally:
        os.unlink(script.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = int(re.search(r"BAD (\d+)", out).group(1))  # type: ignore[union-attr]
    if bad or "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"{target.server}: {bad} bad answers\n{out}")
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_duration_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        p99_ms=_duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        server_cpu_ms=server_cpu / requests * 1000,
        wrk_cpu_ms=wrk_cpu / requests * 1000,
        requests=requests,
    )


def _post(target: Target) -> dict:
    response = httpx.post(target.url, json=target.body, headers=target.headers, timeout=60)
    response.raise_for_status()
    answer = response.json()
    if answer.get("errors"):
        raise RuntimeError(f"{target.server}: {json.dumps(answer['errors'])[:500]}")
    return answer["data"]


def _raw_id(value: str) -> str:
    """A record's UUID from a Tessera global id (base64 "Type:uuid") or a plain UUID."""
    if re.fullmatch(r"[0-9a-f-]{36}", value):
        return value
    from strawberry import relay

    return relay.GlobalID.from_id(value).node_id


def _sales_ids(server: str, data: dict) -> list[tuple]:
    if server == "PostGraphile":
        nodes = data["opportunities"]["nodes"]
        return [
            (
                n["id"],
                n["tenantCustomer"]["name"],
                n["tenantOwner"]["user"]["name"],
                n["tenantStage"]["name"],
            )
            for n in nodes
        ]
    nodes = [e["node"] for e in data["opportunities"]["edges"]]
    return [
        (_raw_id(n["id"]), n["customer"]["name"], n["owner"]["name"], n["stage"]["name"])
        for n in nodes
    ]


def _c360_ids(server: str, data: dict) -> dict[str, list[str]]:
    """The ids of each part of a customer 360° answer, in answer order."""
    if server == "PostGraphile":
        customer = data["customer"]
        return {
            "customer": [customer["id"]],
            "contacts": [n["id"] for n in customer["contactsByTenantIdAndCustomerId"]["nodes"]],
            "opportunities": [
                n["id"] for n in customer["opportunitiesByTenantIdAndCustomerId"]["nodes"]
            ],
            "activities": [n["id"] for n in data["activities"]["nodes"]],
            "tickets": [n["id"] for n in customer["ticketsByTenantIdAndCustomerId"]["nodes"]],
        }
    if server == "hand-written":
        customer = data["customer"]
        return {
            "customer": [customer["id"]],
            "contacts": [c["id"] for c in customer["contacts"]],
            **{
                part: [r["id"] for r in data[part]]
                for part in ("opportunities", "activities", "tickets")
            },
        }
    customer = data["node"]
    return {
        "customer": [_raw_id(customer["id"])],
        "contacts": [_raw_id(e["node"]["id"]) for e in customer["contacts"]["edges"]],
        **{
            part: [_raw_id(e["node"]["id"]) for e in data[part]["edges"]]
            for part in ("opportunities", "activities", "tickets")
        },
    }


def _prepare_database(server_url: str, args: argparse.Namespace, env: dict) -> str:
    db_url = with_database(server_url, DATABASE)
    if args.keep:
        try:
            with psycopg.connect(db_url) as conn:
                seeded = conn.execute(
                    "SELECT count(*) FROM tenant WHERE slug = 'bench'"
                ).fetchone()[0]
            if seeded:
                print(f"reusing {DATABASE} (--keep), migrated to the code's schema")
                subprocess.run(
                    [sys.executable, "-m", "tessera.cli", "migrate"],
                    env={**env, "DATABASE_URL": db_url},
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                return db_url
        except psycopg.OperationalError:
            pass
    db_url = recreate_database(server_url, DATABASE)
    tessera = [sys.executable, "-m", "tessera.cli"]
    run = dict(
        env={**env, "DATABASE_URL": db_url}, cwd=ROOT, check=True, capture_output=True, text=True
    )
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
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return db_url


def _bench_ids(db_url: str) -> tuple[str, str, str]:
    """The tenant, its default pipeline, and the customer the 360° reads: the one with the most
    open opportunities, then open tickets, contacts and activities (so every part has rows)."""
    with psycopg.connect(db_url) as conn:
        return tuple(
            str(v)
            for v in conn.execute(
                """
            SELECT t.id, p.id, c.id FROM tenant t
            JOIN pipeline p ON p.tenant_id = t.id AND p.is_default
            JOIN customer c ON c.tenant_id = t.id
            WHERE t.slug = 'bench'
            ORDER BY (SELECT count(*) FROM opportunity o WHERE o.tenant_id = t.id
                        AND o.customer_id = c.id AND o.closed_at IS NULL) DESC,
                     (SELECT count(*) FROM ticket k WHERE k.tenant_id = t.id
                        AND k.customer_id = c.id AND k.status = ANY(%s)) DESC,
                     (SELECT count(*) FROM contact k WHERE k.tenant_id = t.id
                        AND k.customer_id = c.id) DESC,
                     c.id
            LIMIT 1
            """,
                (OPEN_TICKET_STATUSES,),
            ).fetchone()
        )  # type: ignore[return-value]


def _postgraphile_available(args: argparse.Namespace) -> bool:
    if args.no_postgraphile:
        return False
    if not (shutil.which("node") and shutil.which("npm")):
        print("PostGraphile skipped: node and npm are not on the PATH")
        return False
    if not (POSTGRAPHILE_DIR / "node_modules" / "postgraphile").exists():
        print("installing PostGraphile 4 into bench/postgraphile/node_modules ...")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"],
            cwd=POSTGRAPHILE_DIR,
            check=True,
            capture_output=True,
        )
    return True


def _start(command: list[str], env: dict, cwd: Path, ready_path: str = "/readyz"):
    port = free_port()
    proc = subprocess.Popen(
        [*command, "--port", str(port)] if command[0] != "node" else command,
        env={**env, "PORT": str(port)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(base, proc, timeout_seconds=120, path=ready_path)
    return proc, base


def _print_table(title: str, results: dict[str, Result]) -> None:
    print(f"\n{title}")
    print(
        f"{'server':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'server CPU/req':>15} {'wrk CPU/req':>12} {'requests':>9}"
    )
    for server, r in results.items():
        print(
            f"{server:<14} {r.rps:9.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.server_cpu_ms:12.3f} ms {r.wrk_cpu_ms:9.3f} ms {r.requests:9d}"
        )
    tessera = results["Tessera"]
    for other in ("PostGraphile", "hand-written"):
        if other in results:
            r = results[other]
            print(
                f"Tessera / {other}: throughput {tessera.rps / r.rps:.2f}, "
                f"server CPU per request {tessera.server_cpu_ms / r.server_cpu_ms:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=["small", "large"], default="large")
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds of load per server and read"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of load before each measurement"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded database")
    parser.add_argument("--no-postgraphile", action="store_true")
    parser.add_argument("--only", choices=["sales", "c360"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    env = {**os.environ, "LOG_LEVEL": "WARNING", "TENANT_RATE_LIMIT_PER_MINUTE": "0"}
    db_url = _prepare_database(server_url, args, env)
    env["DATABASE_URL"] = db_url
    tenant, pipeline, customer = _bench_ids(db_url)

    from strawberry import relay

    from tessera.settings import load_settings

    settings = load_settings().model_copy(update={"database_url": db_url})
    app_url = settings.app_database_url()
    (ROOT / ".data").mkdir(exist_ok=True)
    (ROOT / ".data" / "bench_reads_raw.py").write_text(RAW_APP)
    with_postgraphile = _postgraphile_available(args)
    servers: dict[str, subprocess.Popen] = {}
    try:
        servers["Tessera"], tessera_base = _start(
            [sys.executable, "-m", "tessera.cli", "serve"], env, ROOT
        )
        raw_env = {
            **env,
            "BENCH_TENANT": tenant,
            "BENCH_PIPELINE": pipeline,
            "BENCH_CUSTOMER": customer,
            "BENCH_OPEN_TICKETS": json.dumps(OPEN_TICKET_STATUSES),
            "BENCH_APP_URL": app_url,
            "PYTHONPATH": f"{ROOT}:{ROOT / '.data'}",
        }
        servers["hand-written"], raw_base = _start(
            [sys.executable, "-m", "uvicorn", "bench_reads_raw:app", "--log-level", "warning"],
            raw_env,
            ROOT,
        )
        if with_postgraphile:
            pg_env = {
                **env,
                "APP_DATABASE_URL": app_url,
                "JWT_SECRET": settings.jwt_secret_value(),
                "JWT_ISSUER": settings.jwt_issuer,
                "JWT_AUDIENCE": settings.jwt_audience,
                "NODE_ENV": "production",
            }
            servers["PostGraphile"], pg_base = _start(
                ["node", "server.js"], pg_env, POSTGRAPHILE_DIR
            )
        token = httpx.post(
            f"{tessera_base}/graphql",
            json={
                "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                "variables": {
                    "i": {"tenant": "bench", "email": "admin@bench.test", "password": PASSWORD}
                },
            },
        ).json()["data"]["login"]["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        customer_gid = str(relay.GlobalID("Customer", customer))
        reads = {
            "sales": {
                "Tessera": Target(
                    "Tessera",
                    f"{tessera_base}/graphql",
                    {
                        "query": TESSERA_SALES,
                        "variables": {"pipeline": str(relay.GlobalID("Pipeline", pipeline))},
                    },
                    auth,
                ),
                "PostGraphile": Target(
                    "PostGraphile",
                    f"{pg_base}/graphql" if with_postgraphile else "",
                    {"query": POSTGRAPHILE_SALES, "variables": {"pipeline": pipeline}},
                    auth,
                ),
                "hand-written": Target("hand-written", f"{raw_base}/deals", {}, {}),
            },
            "c360": {
                "Tessera": Target(
                    "Tessera",
                    f"{tessera_base}/graphql",
                    {"query": TESSERA_C360, "variables": {"id": customer_gid}},
                    auth,
                ),
                "PostGraphile": Target(
                    "PostGraphile",
                    f"{pg_base}/graphql" if with_postgraphile else "",
                    {"query": POSTGRAPHILE_C360, "variables": {"tenant": tenant, "id": customer}},
                    auth,
                ),
                "hand-written": Target("hand-written", f"{raw_base}/customer360", {}, {}),
            },
        }
        titles = {
            "sales": "sales list: 50 opportunities with customer, owner and stage names, one pipeline, by close date",
            "c360": "customer 360°: customer, contacts, open opportunities with stage, last 10 activities, open tickets",
        }
        print(
            f"one process per server; wrk -t{args.threads} -c{args.connections}, "
            f"{args.duration}s per server and read after {args.warmup}s of warm-up"
        )
        for read, targets in reads.items():
            if args.only and read != args.only:
                continue
            answers = {}
            for server, target in targets.items():
                if server not in servers:
                    continue
                data = _post(target)
                answers[server] = (
                    _sales_ids(server, data) if read == "sales" else _c360_ids(server, data)
                )
            first = answers["Tessera"]
            for server, answer in answers.items():
                if answer != first:
                    raise RuntimeError(
                        f"{read}: {server} answers other records than Tessera:\n{answer}\n{first}"
                    )
            results = {}
            for server, target in targets.items():
                if server not in servers:
                    continue
                pid = servers[server].pid
                _wrk(target, pid, args.warmup, args)
                results[server] = _wrk(target, pid, args.duration, args)
            _print_table(titles[read], results)
    finally:
        for proc in servers.values():
            proc.send_signal(signal.SIGINT)
        for proc in servers.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            drop_database(server_url, DATABASE)
        services.stop()


if __name__ == "__main__":
    main()

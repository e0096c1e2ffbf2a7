"""Reports through `/graphql` next to hand-written SQL giving the same answer: each standard
analytic and a one- and three-level aggregate, on the demo seed (`--size small|large`), as the
tenant's admin (no visibility predicate, so both sides read the same rows).

    .venv/bin/python bench/reports.py [--size large] [--requests 30] [--custom-records 1000000] [--reuse]

Uses DATABASE_URL / REDIS_URL if set, else the embedded services under .data/. Creates and drops
the database `tessera_bench_reports` (`--reuse` keeps it and reuses it next time, migrated but not
re-seeded). Besides the demo tenant it makes a tenant `bigcustom` whose custom object `contract`
has `--custom-records` records (one INSERT ... SELECT), for a one-level aggregate over them.
Prints, per report, the p50 of the API over HTTP (one uvicorn process, sequential requests) and of
the SQL on raw asyncpg as the application role (same tenant setting, one transaction per run),
taken in turn (one request, then one SQL run) so both see the same moments of a shared machine,
and their ratio (SQL / API: 1.0 means the API costs nothing on top of its SQL). The database is
vacuumed and analysed before measuring, as autovacuum would have done.
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
from pathlib import Path

import asyncpg
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import serving, signed_in  # noqa: E402  (bench/served.py, beside this script)

from tenants.database import connection_credentials  # noqa: E402
from tessera.devservices import ensure_services  # noqa: E402
from tests.support.database import drop_database, recreate_database, with_database  # noqa: E402

DATABASE = "tessera_bench_reports"
PASSWORD = "bench-password-1"
YEAR = '{ start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" }'

# name -> (GraphQL document, hand-written SQL for the same answer; $1 is the tenant id)
REPORTS: dict[str, tuple[str, str]] = {
    "aggregate, 1 level (deals by stage)": (
        '{ aggregate(object: "Opportunity", groupBy: [{field: "stageId"}], measures: [{function: COUNT}, '
        '{function: SUM, field: "amount"}]) { rows { keys { id label } values { number } } totals { values { number } } } }',
        "SELECT o.stage_id, s.name, count(*), sum(o.amount) FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id "
        "AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL GROUP BY ROLLUP ((o.stage_id, s.name))",
    ),
    "aggregate, 3 levels (owner, stage, month)": (
        '{ aggregate(object: "Opportunity", groupBy: [{field: "ownerId"}, {field: "stageId"}, {field: "createdAt", bucket: MONTH}], '
        'measures: [{function: COUNT}, {function: SUM, field: "amount"}, {function: P50, field: "amount"}], first: 1000) '
        "{ rows { keys { id date label } values { number } } totals { values { number } } } }",
        # The answer names each group's owner and stage, as the API's does.
        "WITH g AS (SELECT owner_id, stage_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month, count(*), "
        "sum(amount), percentile_cont(0.5) WITHIN GROUP (ORDER BY amount::float8) FROM opportunity WHERE tenant_id = $1 "
        "AND deleted_at IS NULL GROUP BY GROUPING SETS ((1, 2, 3), ()) ORDER BY 1, 2, 3 LIMIT 1001) "
        "SELECT g.*, coalesce(nullif(u.name, ''), u.email), s.name FROM g LEFT JOIN membership m ON m.tenant_id = $1 "
        "AND m.user_id = g.owner_id LEFT JOIN app_user u ON u.id = m.user_id LEFT JOIN stage s ON s.tenant_id = $1 "
        "AND s.id = g.stage_id",
    ),
    "pipelineReport": (
        "{ pipelineReport { name count amount weightedAmount } }",
        "SELECT s.name, count(o.id), sum(o.amount), round(sum(o.amount * coalesce(o.probability, s.probability) / 100.0), 2) "
        "FROM stage s LEFT JOIN opportunity o ON o.tenant_id = s.tenant_id AND o.stage_id = s.id AND o.deleted_at IS NULL "
        "WHERE s.tenant_id = $1 AND s.pipeline_id = (SELECT id FROM pipeline WHERE tenant_id = $1 AND is_default "
        "AND deleted_at IS NULL) AND s.deleted_at IS NULL GROUP BY s.id, s.name, s.position ORDER BY s.position",
    ),
    "winRates by owner": (
        f"{{ winRates(period: {YEAR}, by: OWNER) {{ ownerId label won lost winRate wonAmount averageDeal }} }}",
        "WITH g AS (SELECT o.owner_id, count(*) FILTER (WHERE s.kind = 'WON'), count(*) FILTER (WHERE s.kind = 'LOST'), "
        "sum(o.amount) FILTER (WHERE s.kind = 'WON'), avg(o.amount) FILTER (WHERE s.kind = 'WON') FROM opportunity o "
        "JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL "
        "AND s.kind IN ('WON', 'LOST') AND o.closed_at >= '2026-01-01' AND o.closed_at < '2027-01-01' GROUP BY 1) "
        "SELECT g.*, coalesce(nullif(u.name, ''), u.email) FROM g LEFT JOIN membership m ON m.tenant_id = $1 "
        "AND m.user_id = g.owner_id LEFT JOIN app_user u ON u.id = m.user_id",
    ),
    "salesForecast (6 months)": (
        '{ salesForecast(fromMonth: "2026-12-01", months: 6) { month count amount weightedAmount } }',
        "SELECT date_trunc('month', o.expected_close_date::timestamp)::date, count(*), sum(o.amount), "
        "sum(o.amount * coalesce(o.probability, s.probability) / 100.0) FROM opportunity o JOIN stage s ON s.tenant_id = o.tenant_id "
        "AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND s.kind = 'OPEN' "
        "AND o.expected_close_date >= '2026-12-01' AND o.expected_close_date < '2027-06-01' GROUP BY 1",
    ),
    "salesCycle": (
        f"{{ salesCycle(period: {YEAR}) {{ count averageDays p50Days p90Days }} }}",
        "SELECT count(*), avg(extract(epoch FROM o.closed_at - o.created_at) / 86400), percentile_cont(0.5) WITHIN GROUP "
        "(ORDER BY extract(epoch FROM o.closed_at - o.created_at) / 86400) FROM opportunity o JOIN stage s ON s.tenant_id = "
        "o.tenant_id AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL AND s.kind = 'WON' "
        "AND o.closed_at >= '2026-01-01' AND o.closed_at < '2027-01-01'",
    ),
    "lifecycleFunnel": (
        f"{{ lifecycleFunnel(period: {YEAR}) {{ stage entered conversionToNext }} }}",
        "WITH moves AS (SELECT coalesce(l.converted_customer_id, l.id) AS journey, lt.changed_at, "
        "array_position(ARRAY['LEAD','MQL','SQL','OPPORTUNITY','CUSTOMER','ADVOCATE'], lt.to_stage) AS rank "
        "FROM lifecycle_transition lt JOIN lead l ON l.tenant_id = lt.tenant_id AND l.id = lt.record_id AND l.deleted_at IS NULL "
        "WHERE lt.tenant_id = $1 AND lt.record_type = 'Lead' AND lt.changed_at < '2027-01-01' UNION ALL "
        "SELECT c.id, lt.changed_at, array_position(ARRAY['LEAD','MQL','SQL','OPPORTUNITY','CUSTOMER','ADVOCATE'], lt.to_stage) "
        "FROM lifecycle_transition lt JOIN customer c ON c.tenant_id = lt.tenant_id AND c.id = lt.record_id AND c.deleted_at IS NULL "
        "WHERE lt.tenant_id = $1 AND lt.record_type = 'Customer' AND lt.changed_at < '2027-01-01'), "
        "j AS (SELECT coalesce(max(rank) FILTER (WHERE changed_at < '2026-01-01'), 0) AS before, "
        "max(rank) FILTER (WHERE changed_at >= '2026-01-01') AS reached FROM moves GROUP BY journey) "
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE before < {r} AND reached >= {r})" for r in range(1, 7))
        + " FROM j",
    ),
    "ticketTimes by priority": (
        f"{{ ticketTimes(period: {YEAR}, by: PRIORITY) {{ split {{ key }} tickets responded firstResponseP50Hours resolved }} }}",
        "SELECT priority, count(*), count(first_response_at), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM first_response_at - created_at)) FILTER (WHERE first_response_at IS NOT NULL) FROM ticket "
        "WHERE tenant_id = $1 AND deleted_at IS NULL AND created_at >= '2026-01-01' AND created_at < '2027-01-01' GROUP BY 1",
    ),
    "ticketBacklog": (
        "{ ticketBacklog { status age count } }",
        "SELECT status, CASE WHEN now() - created_at < interval '1 day' THEN 'A' WHEN now() - created_at < interval '3 days' "
        "THEN 'B' WHEN now() - created_at < interval '7 days' THEN 'C' WHEN now() - created_at < interval '30 days' THEN 'D' "
        "ELSE 'E' END, count(*) FROM ticket WHERE tenant_id = $1 AND deleted_at IS NULL "
        "AND status NOT IN ('RESOLVED', 'FOLLOWED_UP', 'CLOSED') AND created_at <= now() GROUP BY 1, 2",
    ),
    "campaignPerformance": (
        "{ campaignPerformance { name leads mql sql opportunities won wonAmount cost costPerLead roi } }",
        "WITH l AS (SELECT campaign_id, count(*) AS leads, count(*) FILTER (WHERE lifecycle_stage <> 'LEAD') AS mql FROM lead "
        "WHERE tenant_id = $1 AND deleted_at IS NULL AND campaign_id IS NOT NULL GROUP BY 1), "
        "o AS (SELECT o.campaign_id, count(*) AS deals, sum(o.amount) FILTER (WHERE s.kind = 'WON') AS won FROM opportunity o "
        "JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL "
        "AND o.campaign_id IS NOT NULL GROUP BY 1) "
        "SELECT c.id, c.name, c.cost, l.leads, l.mql, o.deals, o.won FROM campaign c LEFT JOIN l ON l.campaign_id = c.id "
        "LEFT JOIN o ON o.campaign_id = c.id WHERE c.tenant_id = $1 AND c.deleted_at IS NULL",
    ),
    "campaignAttribution (first and last touch)": (
        f"{{ campaignAttribution(period: {YEAR}, by: CAMPAIGN) {{ campaignId name cost firstTouchDeals firstTouchRevenue "
        "firstTouchRoi lastTouchDeals lastTouchRevenue lastTouchRoi } }",
        "WITH deals AS (SELECT o.id, o.amount, o.closed_at, o.customer_id, o.primary_contact_id FROM opportunity o "
        "JOIN stage s ON s.tenant_id = o.tenant_id AND s.id = o.stage_id WHERE o.tenant_id = $1 AND o.deleted_at IS NULL "
        "AND s.kind = 'WON' AND o.closed_at >= '2026-01-01' AND o.closed_at < '2027-01-01'), "
        "people AS (SELECT d.id AS deal, l.id AS person FROM deals d JOIN lead l ON l.tenant_id = $1 "
        "AND l.converted_opportunity_id = d.id AND l.deleted_at IS NULL "
        "UNION SELECT d.id, l.id FROM deals d JOIN lead l ON l.tenant_id = $1 AND l.converted_customer_id = d.customer_id "
        "AND l.deleted_at IS NULL UNION SELECT d.id, c.id FROM deals d JOIN contact c ON c.tenant_id = $1 "
        "AND c.id = d.primary_contact_id AND c.deleted_at IS NULL UNION SELECT d.id, c.id FROM deals d JOIN contact c "
        "ON c.tenant_id = $1 AND c.customer_id = d.customer_id AND c.deleted_at IS NULL), "
        "touches AS (SELECT p.deal, t.campaign_id, t.touched_at, t.id FROM people p JOIN deals d ON d.id = p.deal "
        "JOIN campaign_touch t ON t.tenant_id = $1 AND t.record_id = p.person AND t.touched_at <= d.closed_at), "
        "firsts AS (SELECT DISTINCT ON (deal) deal, campaign_id FROM touches ORDER BY deal, touched_at, id), "
        "lasts AS (SELECT DISTINCT ON (deal) deal, campaign_id FROM touches ORDER BY deal, touched_at DESC, id), "
        "credited AS (SELECT d.amount, f.campaign_id AS fc, l.campaign_id AS lc FROM deals d "
        "LEFT JOIN firsts f ON f.deal = d.id LEFT JOIN lasts l ON l.deal = d.id), "
        "per_first AS (SELECT fc AS id, count(*) AS n, sum(amount) AS revenue FROM credited GROUP BY 1), "
        "per_last AS (SELECT lc AS id, count(*) AS n, sum(amount) AS revenue FROM credited GROUP BY 1) "
        "SELECT c.id, c.name, coalesce(c.cost, 0) AS cost, f.n, f.revenue, l.n, l.revenue, "
        "(f.revenue - c.cost) / nullif(c.cost, 0), (l.revenue - c.cost) / nullif(c.cost, 0) "
        "FROM (SELECT id, name, cost FROM campaign WHERE tenant_id = $1 AND deleted_at IS NULL "
        "UNION ALL SELECT NULL, NULL, NULL) c LEFT JOIN per_first f ON f.id IS NOT DISTINCT FROM c.id "
        "LEFT JOIN per_last l ON l.id IS NOT DISTINCT FROM c.id ORDER BY c.name, c.id",
    ),
}


def _tessera(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tessera.cli", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


async def _time_both(
    client: httpx.Client, app_url: str, tenant_id: uuid.UUID, query: str, sql: str, count: int
) -> tuple[list[float], list[float]]:
    """Latencies of the API and of the SQL, one of each in turn (after 3 warm-up rounds), so that
    both see the same moments of a shared machine."""
    conn = await asyncpg.connect(**connection_credentials(app_url))
    api, raw = [], []
    try:
        for index in range(count + 3):
            started = time.perf_counter()
            # Blocking on purpose: nothing else runs meanwhile, one request at a time.
            response = client.post("/graphql", json={"query": query})  # noqa: ASYNC212
            api_elapsed = time.perf_counter() - started
            assert "errors" not in response.json(), response.text[:500]
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
                await conn.fetch(sql, tenant_id)
            if index >= 3:
                api.append(api_elapsed)
                raw.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return api, raw


# A one-level aggregate over a custom object with 1,000,000 records, in a tenant of its own
# (`bigcustom`, object `contract`): the records are written by one INSERT ... SELECT, with values
# exactly as the API stores them (decimals as 2-place text).
CUSTOM_TENANT = "bigcustom"
CUSTOM_FIELDS = [
    {"apiName": "region", "label": "Region", "type": "TEXT"},
    {"apiName": "amount", "label": "Amount", "type": "DECIMAL"},
]
CUSTOM_FILL = """
INSERT INTO custom_record (tenant_id, id, object_id, owner_id, data, created_at, created_by, updated_by)
SELECT $1, gen_random_uuid(), $2, $3,
       jsonb_build_object('region', 'R' || (g % 50), 'amount', ((g::bigint * 7919) % 100000)::text || '.00'),
       now() - (g || ' seconds')::interval, $3, $3
FROM generate_series(1, $4::int) g
"""
CUSTOM_REPORT = (
    '{ aggregate(object: "contract", groupBy: [{field: "region"}], measures: [{function: COUNT}, '
    '{function: SUM, field: "amount"}]) { rows { keys { text } values { number } } totals { values { number } } } }',
    "SELECT data #>> '{region}', count(*), sum((data #>> '{amount}')::numeric) FROM custom_record "
    "WHERE tenant_id = $1 AND object_id = (SELECT id FROM custom_object WHERE tenant_id = $1 AND api_name = 'contract') "
    "AND deleted_at IS NULL GROUP BY ROLLUP (1)",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=["small", "large"], default="large")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--custom-records",
        type=int,
        default=1_000_000,
        help="records of the custom object for the one-level aggregate (0: skip that line)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database after the run, and reuse it (migrated again, not re-seeded) if it exists",
    )
    args = parser.parse_args()

    services = ensure_services(ROOT / ".data")
    server_url = os.environ["DATABASE_URL"]
    db_url = with_database(server_url, DATABASE)
    fresh = not (args.reuse and _exists(server_url))
    if fresh:
        recreate_database(server_url, DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        "TENANT_RATE_LIMIT_PER_MINUTE": "0",
        "TOKEN_RATE_LIMIT_PER_MINUTE": "0",
    }
    _tessera("migrate", env=env)
    if fresh:
        _seed(env, args.size)
    from tessera.settings import load_settings

    app_url = load_settings().model_copy(update={"database_url": db_url}).app_database_url()

    try:
        with serving(env) as base:
            if args.custom_records and not asyncio.run(_tenant(db_url, CUSTOM_TENANT)):
                _custom_tenant(base, env, db_url, args.custom_records)
            tenant_id = asyncio.run(_tenant(db_url, "bench", analyze=True))
            runs = [("bench", name, query, sql) for name, (query, sql) in REPORTS.items()]
            if args.custom_records:
                runs.append(
                    (
                        CUSTOM_TENANT,
                        f"aggregate, 1 level, {args.custom_records:,} custom records",
                        *CUSTOM_REPORT,
                    )
                )
            clients: dict[
                str, httpx.Client
            ] = {}  # one sign-in per tenant (logins are rate limited)
            for slug, name, query, sql in runs:
                tenant = tenant_id if slug == "bench" else asyncio.run(_tenant(db_url, slug))
                if slug not in clients:
                    clients[slug] = signed_in(
                        base, tenant=slug, email=f"admin@{slug}.test", password=PASSWORD
                    )
                api_samples, raw_samples = asyncio.run(
                    _time_both(clients[slug], app_url, tenant, query, sql, args.requests)
                )
                api, raw = statistics.median(api_samples), statistics.median(raw_samples)
                print(
                    f"{name:45s} API p50 {api * 1000:8.1f} ms   SQL p50 {raw * 1000:8.1f} ms   SQL/API {raw / api:5.2f}",
                    flush=True,
                )
    finally:
        if not args.reuse:
            drop_database(server_url, DATABASE)
        services.stop()


def _exists(server_url: str) -> bool:
    with psycopg.connect(server_url, autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        )


def _seed(env: dict[str, str], size: str) -> None:
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
    print(
        _tessera("seed", "demo", "--tenant", "bench", "--size", size, env=env)
        .stdout.strip()
        .splitlines()[-1:]
    )


def _custom_tenant(base: str, env: dict[str, str], db_url: str, count: int) -> None:
    """The tenant `bigcustom` with the object `contract` (made through GraphQL) and `count` records."""
    _tessera(
        "tenant",
        "create",
        CUSTOM_TENANT,
        "--name",
        "Big custom",
        "--admin-email",
        f"admin@{CUSTOM_TENANT}.test",
        "--admin-password",
        PASSWORD,
        env=env,
    )
    with signed_in(
        base, tenant=CUSTOM_TENANT, email=f"admin@{CUSTOM_TENANT}.test", password=PASSWORD
    ) as client:
        mutations = [
            (
                'mutation { createObject(input: {apiName: "contract", label: "Contract", '
                'pluralLabel: "Contracts"}) { apiName } }',
                {},
            ),
            *[
                (
                    "mutation($i: CreateFieldInput!) { createField(input: $i) { id } }",
                    {"i": {"object": "contract", **field}},
                )
                for field in CUSTOM_FIELDS
            ],
        ]
        for query, variables in mutations:
            body = client.post("/graphql", json={"query": query, "variables": variables}).json()
            assert not body.get("errors"), body
    started = time.perf_counter()
    asyncio.run(_fill(db_url, count))
    print(
        f"{CUSTOM_TENANT}: {count:,} custom records in {time.perf_counter() - started:.1f}s",
        flush=True,
    )


async def _fill(db_url: str, count: int) -> None:
    conn = await asyncpg.connect(**connection_credentials(db_url))
    try:
        tenant, obj, admin = await conn.fetchrow(
            "SELECT t.id, o.id, m.user_id FROM tenant t JOIN custom_object o ON o.tenant_id = t.id "
            "JOIN membership m ON m.tenant_id = t.id WHERE t.slug = $1",
            CUSTOM_TENANT,
        )
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
            await conn.execute(CUSTOM_FILL, tenant, obj, admin, count)
        await conn.execute("VACUUM ANALYZE custom_record")
    finally:
        await conn.close()


async def _tenant(db_url: str, slug: str, analyze: bool = False) -> uuid.UUID | None:
    conn = await asyncpg.connect(**connection_credentials(db_url))
    try:
        if analyze:
            await conn.execute("VACUUM ANALYZE")
        return await conn.fetchval("SELECT id FROM tenant WHERE slug = $1", slug)
    finally:
        await conn.close()


if __name__ == "__main__":
    main()

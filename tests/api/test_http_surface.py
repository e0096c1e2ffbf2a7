"""Health, readiness, metrics and GraphiQL."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.support.graphql import gql
from tests.support.server import pool_in_use, served, unreachable_database_url


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_reports_each_dependency(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}}


async def test_readyz_is_503_when_redis_is_unreachable(client, app):
    from redis.asyncio import Redis

    working = app.state.redis
    app.state.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        response = await client.get("/readyz")
    finally:
        await app.state.redis.aclose()
        app.state.redis = working
    assert response.status_code == 503
    assert response.json()["checks"]["postgres"] == "ok"
    assert response.json()["checks"]["redis"].startswith("error")


async def test_metrics_count_operations_latency_and_errors(client):
    await gql(client, "query MetricsProbe { __typename }")
    await gql(client, "query MetricsProbeDenied { me { email } }")

    text = (await client.get("/metrics")).text

    assert 'tessera_graphql_operations_total{operation="MetricsProbe",type="query"} 1.0' in text
    assert (
        'tessera_graphql_operation_duration_seconds_count{operation="MetricsProbe",type="query"} 1.0'
        in text
    )
    assert (
        'tessera_graphql_errors_total{code="UNAUTHENTICATED",operation="MetricsProbeDenied"} 1.0'
        in text
    )
    assert 'tessera_http_requests_total{route="/graphql",status="200"}' in text


async def test_operation_names_cannot_blow_up_metric_labels(client):
    await gql(client, "query " + "x" * 100 + " { __typename }")
    assert "x" * 100 not in (await client.get("/metrics")).text


async def test_graphiql_is_served_in_dev(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_every_response_carries_a_request_id(client):
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"


async def test_responses_keep_numbers_json_allows_but_64_bits_do_not_hold(client, as_alpha):
    # Responses are encoded with orjson, which refuses integers past 64 bits; those fall back to
    # the standard encoder instead of failing the request.
    from tests.support.records import make_customer, unique

    admin = as_alpha["admin"]
    field = unique("blob").replace("-", "_")
    created = await gql(
        client,
        "mutation($i: CreateFieldInput!) { createField(input: $i) { apiName } }",
        {"i": {"object": "Customer", "apiName": field, "label": "Blob", "type": "JSON"}},
        token=admin,
    )
    assert created.data
    customer = await make_customer(
        client, admin, customFields={field: {"big": 2**70, "text": "Zoë"}}
    )
    read = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { customFields } } }",
        {"id": customer["id"]},
        token=admin,
    )
    assert read.data["node"]["customFields"][field] == {"big": 2**70, "text": "Zoë"}


async def test_readyz_is_503_when_postgres_is_unreachable(client, app):
    from tenants.database import ReachabilityProbe

    working = app.state.db_probe
    app.state.db_probe = ReachabilityProbe(unreachable_database_url())
    try:
        response = await client.get("/readyz")
    finally:
        app.state.db_probe = working
    assert response.status_code == 503
    assert response.json()["checks"] == {"postgres": "error: ConnectionRefusedError", "redis": "ok"}


async def test_readyz_stays_ready_while_every_pool_connection_is_busy(owner_db, as_alpha):
    # given a served API whose pool has one connection, and a request holding it (waiting on a lock)
    async with served({"DB_POOL_SIZE": "1"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            locked = owner_db.transaction()
            await locked.start()
            await owner_db.execute("LOCK TABLE customer IN ACCESS EXCLUSIVE MODE")
            try:
                waiting = asyncio.ensure_future(
                    gql(http, "{ customers(first: 1) { totalCount } }", token=as_alpha["viewer"])
                )
                deadline = time.monotonic() + 20
                while (await pool_in_use(http) or 0) < 1:
                    assert time.monotonic() < deadline, (
                        "the request did not take the pool's connection"
                    )
                    await asyncio.sleep(0.1)
                # when a load balancer asks whether the instance is ready
                ready = await http.get("/readyz")
            finally:
                await locked.rollback()
            # then it is: the pool is busy, PostgreSQL and redis answer
            assert ready.status_code == 200, ready.text
            assert (await waiting).data["customers"]["totalCount"] >= 0

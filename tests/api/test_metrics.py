"""The API's metrics served on a port of their own (METRICS_PORT), read through real HTTP: the
process and Python collectors, latency for every route by its path template, unnamed operations
labelled by their root fields; and not on the API port."""

from __future__ import annotations

import httpx

from tests.support.graphql import gql
from tests.support.server import free_port, served
from tests.workers.test_metrics import samples


async def test_a_served_api_serves_its_metrics_apart(as_alpha):
    # given a served API with a metrics port
    port = free_port()
    async with served({"METRICS_PORT": str(port)}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # when clients use it: an unnamed query, a named one, an inbound hook that does not exist
            assert (await gql(http, "{ me { email } }", token=as_alpha["member"])).data
            assert (
                await gql(
                    http,
                    "{ me { email } teams(first: 1) { totalCount } }",
                    token=as_alpha["member"],
                )
            ).data
            assert (await gql(http, "query Who { me { email } }", token=as_alpha["member"])).data
            assert (await http.post("/hooks/in_nothing-here", content=b"{}")).status_code == 404
            # then the API port has no /metrics
            assert (await http.get("/metrics")).status_code == 404
            found = samples((await http.get(f"http://127.0.0.1:{port}/metrics")).text)
    # and the metrics port has the process and Python collectors
    assert found["process_cpu_seconds_total"] > 0 and any(
        name.startswith("python_info{") for name in found
    )
    assert any(name.startswith("python_gc_collections_total{") for name in found)
    # and the latency of every route, by path template and method
    assert found['tessera_http_request_duration_seconds_count{method="POST",route="/graphql"}'] >= 3
    assert (
        found[
            'tessera_http_request_duration_seconds_count{method="POST",route="/hooks/{public_id}"}'
        ]
        == 1
    )
    assert found['tessera_http_requests_total{route="/hooks/{public_id}",status="404"}'] == 1
    # and operations by name, unnamed ones by their root fields
    assert found['tessera_graphql_operations_total{operation="me",type="query"}'] == 1
    assert found['tessera_graphql_operations_total{operation="me+teams",type="query"}'] == 1
    assert found['tessera_graphql_operations_total{operation="Who",type="query"}'] == 1
    assert found['tessera_db_pool_connections{state="in_use"}'] == 0

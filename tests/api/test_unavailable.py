"""PostgreSQL out of reach: clients get UNAVAILABLE with HTTP 503 and Retry-After (something to
retry later), never INTERNAL on a 200; the log says what really failed. The API under test is a
served process pointed at a loopback port where nothing listens."""

from __future__ import annotations

import base64
import json
import uuid

import httpx

from tests.support.graphql import LOGIN, gql
from tests.support.server import served, unreachable_database_url


def public_id(tenant_id: str) -> str:
    """A well-formed public id of an inbound endpoint (tenant id, endpoint id)."""
    raw = uuid.UUID(tenant_id).bytes + uuid.uuid4().bytes
    return "in_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_requests_while_postgresql_is_unreachable_are_unavailable_503(
    as_alpha, tenants, tmp_path
):
    # given a served API whose PostgreSQL refuses connections
    log_path = tmp_path / "api.log"
    with log_path.open("w") as log:
        async with served(
            {"DATABASE_URL": unreachable_database_url()}, ready_path="/healthz", log=log
        ) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                # when a signed-in client queries, and another one logs in
                query = await gql(
                    http,
                    "{ me { email } }",
                    token=as_alpha["member"],
                    headers={"X-Request-ID": "db-away-1"},
                )
                signin = await gql(
                    http,
                    LOGIN,
                    {
                        "input": {
                            "tenant": "alpha",
                            "email": "member@alpha.test",
                            "password": "whatever-it-is",
                        }
                    },
                )
                ready = await http.get("/readyz")
                # and a web form is posted
                form = await http.post(
                    f"/forms/{public_id(tenants['alpha'].id)}", json={"name": "Visitor"}
                )
    # then both answers are UNAVAILABLE on HTTP 503 with Retry-After, the body a GraphQL answer
    for answer in (query, signin):
        assert answer.status == 503 and answer.headers["retry-after"] == "5"
        assert answer.codes == ["UNAVAILABLE"] and answer.body["data"] is None
        assert answer.errors[0]["message"] == "Service temporarily unavailable; try again later"
        assert answer.errors[0]["extensions"]["retryAfterSeconds"] == 5
    # and the form is refused for now, to be sent again later
    assert form.status_code == 503 and form.headers["retry-after"] == "5"
    # and readiness says PostgreSQL is what is missing
    assert ready.status_code == 503 and ready.json()["checks"]["postgres"].startswith("error: ")
    # and the log line of the failed request names the real cause
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    logged = [
        line
        for line in lines
        if line.get("request_id") == "db-away-1" and line["event"] == "service unavailable"
    ]
    assert logged and logged[0]["cause"].startswith("ConnectionRefusedError: "), logged

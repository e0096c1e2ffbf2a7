"""Safety limits and the error contract: coded errors, masked internals."""

from __future__ import annotations

import asyncpg
from structlog.testing import capture_logs

import api.auth.queries
from tests.support.graphql import gql, login

ME = "{ me { email } }"


async def test_unexpected_exception_is_masked_and_logged_with_the_request_id(
    client, tenants, monkeypatch
):
    alpha = tenants["alpha"]
    access = (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]

    async def broken(**kwargs):
        raise RuntimeError("secret connection string postgres://u:p@db")

    monkeypatch.setattr(api.auth.queries, "get_profile", broken)
    with capture_logs() as logs:
        response = await gql(client, ME, token=access, headers={"X-Request-ID": "req-12345"})

    assert response.codes == ["INTERNAL"]
    error = response.errors[0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-12345"}
    assert "secret" not in str(response.body) and "Traceback" not in str(response.body)
    assert response.headers["x-request-id"] == "req-12345"
    logged = [entry for entry in logs if entry["event"] == "unexpected error"]
    assert logged and logged[0]["request_id"] == "req-12345"
    assert "secret connection string" in str(logged[0]["exc_info"])
    assert logged[0]["cause"] == "RuntimeError: secret connection string postgres://u:p@db"


async def test_syntax_and_validation_errors_are_bad_user_input(client):
    assert (await gql(client, "{ me { ")).codes == ["BAD_USER_INPUT"]
    assert (await gql(client, "{ noSuchField }")).codes == ["BAD_USER_INPUT"]
    wrong_type = await gql(
        client,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        {"i": {"tenant": 1}},
    )
    assert set(wrong_type.codes) == {"BAD_USER_INPUT"}


async def test_query_depth_is_limited(client, settings):
    deep = (
        "{ me "
        + "{ tenant " * (settings.max_query_depth + 1)
        + "{ id }"
        + " }" * (settings.max_query_depth + 1)
        + " }"
    )
    response = await gql(client, deep)
    assert "BAD_USER_INPUT" in response.codes
    assert any("exceeds maximum operation depth" in e["message"] for e in response.errors)


async def test_token_count_is_limited(client, settings):
    huge = "{ " + " ".join(f"a{i}: __typename" for i in range(settings.max_query_tokens)) + " }"
    response = await gql(client, huge)
    assert response.codes and set(response.codes) == {"BAD_USER_INPUT"}


async def test_aliases_are_limited(client, settings):
    many = "{ " + " ".join(f"a{i}: __typename" for i in range(settings.max_aliases + 1)) + " }"
    response = await gql(client, many)
    assert set(response.codes) == {"BAD_USER_INPUT"}
    assert any("aliases" in e["message"] for e in response.errors)


async def test_batches_are_capped(client, settings):
    ok = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
    assert (
        ok.status_code == 200
        and [item["data"] for item in ok.json()] == [{"__typename": "Query"}] * 2
    )

    too_many = await client.post(
        "/graphql", json=[{"query": "{ __typename }"}] * (settings.max_batch_operations + 1)
    )
    assert too_many.status_code == 400


async def test_oversized_bodies_are_refused(client, settings):
    response = await client.post(
        "/graphql",
        content=b'{"query": "' + b" " * settings.max_request_bytes + b'{ __typename }"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_mutations_are_refused_over_get(client):
    response = await client.get("/graphql", params={"query": "mutation { logout }"})
    assert response.status_code == 400  # strawberry refuses it before execution


async def test_queries_work_over_get(client, tenants):
    alpha = tenants["alpha"]
    access = (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]
    response = await client.get(
        "/graphql", params={"query": ME}, headers={"Authorization": f"Bearer {access}"}
    )
    assert response.json()["data"]["me"]["email"] == alpha.admin_email


async def test_introspection_is_on_in_dev(client):
    response = await gql(client, "{ __schema { queryType { name } } }")
    assert response.data["__schema"]["queryType"]["name"] == "Query"


async def test_an_unreachable_database_while_authenticating_is_unavailable(
    client, tenants, monkeypatch
):
    import api.extensions.tenant_scope

    alpha = tenants["alpha"]
    access = (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]

    async def unreachable(credential):
        raise asyncpg.CannotConnectNowError("the database system at 10.1.2.3 is starting up")

    monkeypatch.setattr(api.extensions.tenant_scope, "authenticate", unreachable)
    with capture_logs() as logs:
        response = await gql(client, ME, token=access)

    assert response.status == 503 and response.headers["retry-after"] == "5"
    assert (
        response.codes == ["UNAVAILABLE"]
        and response.errors[0]["extensions"]["retryAfterSeconds"] == 5
    )
    assert "10.1.2.3" not in str(response.body)
    logged = [entry for entry in logs if entry["event"] == "service unavailable"]
    assert (
        logged[0]["cause"]
        == "CannotConnectNowError: the database system at 10.1.2.3 is starting up"
    )


async def test_a_refused_connection_elsewhere_than_the_database_stays_internal(
    client, tenants, monkeypatch
):
    alpha = tenants["alpha"]
    access = (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]

    async def calls_out(**kwargs):
        raise ConnectionRefusedError("a partner's server at 10.9.9.9 refused")

    monkeypatch.setattr(api.auth.queries, "get_profile", calls_out)
    response = await gql(client, ME, token=access)

    assert response.status == 200 and response.codes == ["INTERNAL"]


async def test_an_unexpected_failure_while_authenticating_logs_its_cause_on_the_error_line(
    client, tenants, monkeypatch
):
    import api.extensions.tenant_scope

    alpha = tenants["alpha"]
    access = (await login(client, "alpha", alpha.admin_email, alpha.password))["accessToken"]

    async def broken(credential):
        raise KeyError("role_of_a_missing_column")

    monkeypatch.setattr(api.extensions.tenant_scope, "authenticate", broken)
    with capture_logs() as logs:
        response = await gql(client, ME, token=access, headers={"X-Request-ID": "req-auth-broken"})

    assert response.status == 200 and response.codes == ["INTERNAL"]
    assert "role_of_a_missing_column" not in str(response.body)
    logged = [entry for entry in logs if entry["event"] == "unexpected error"]
    assert [(entry["request_id"], entry["cause"]) for entry in logged] == [
        ("req-auth-broken", "KeyError: 'role_of_a_missing_column'")
    ]


async def test_rejected_documents_are_counted_by_code(client):
    await gql(client, "query BrokenProbe { me { ")
    text = (await client.get("/metrics")).text
    assert 'tessera_graphql_errors_total{code="BAD_USER_INPUT",operation="anonymous"}' in text

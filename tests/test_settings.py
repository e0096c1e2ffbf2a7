"""Production settings: secrets are required, GraphiQL and introspection are off unless enabled."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from tessera.settings import Settings

PROD = {
    "tessera_env": "prod",
    "database_url": "postgresql://owner:pw@db:5432/tessera",
    "redis_url": "redis://redis:6379/0",
    "jwt_secret": "a-production-secret-of-at-least-32-chars",
    "app_db_password": "app-role-password",
}


@pytest.mark.parametrize("missing", ["jwt_secret", "app_db_password", "database_url", "redis_url"])
def test_prod_refuses_to_start_without_each_secret(missing, monkeypatch):
    for name in ("JWT_SECRET", "APP_DB_PASSWORD", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match=missing.upper()):
        Settings(_env_file=None, **{k: v for k, v in PROD.items() if k != missing})


def test_prod_refuses_a_short_jwt_secret():
    with pytest.raises(ValidationError, match="32"):
        Settings(_env_file=None, **{**PROD, "jwt_secret": "short"})


def test_app_role_url_swaps_in_the_application_credentials():
    settings = Settings(_env_file=None, **PROD)
    assert (
        settings.app_database_url() == "postgresql://tessera_app:app-role-password@db:5432/tessera"
    )


async def _prod_client(**overrides) -> httpx.AsyncClient:
    from api.app import create_app
    from tessera.wiring import api_config

    # No lifespan: these requests never reach the database.
    app = create_app(api_config(Settings(_env_file=None, **{**PROD, **overrides})))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://prod.test")


async def test_prod_disables_graphiql_and_introspection():
    async with await _prod_client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}
        )
    assert page.status_code == 404
    errors = introspection.json()["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_prod_can_enable_them_explicitly():
    async with await _prod_client(graphiql=True, introspection=True) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}
        )
    assert page.status_code == 200
    assert introspection.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_the_executor_is_chosen_by_setting():
    from tessera.wiring import api_config

    assert api_config(Settings(_env_file=None, **PROD)).fast_execution is True
    assert (
        api_config(Settings(_env_file=None, **PROD, graphql_executor="standard")).fast_execution
        is False
    )
    with pytest.raises(ValidationError, match="graphql_executor"):
        Settings(_env_file=None, **PROD, graphql_executor="turbo")


def test_prod_refuses_the_development_jwt_secret_published_in_the_code():
    from tessera.settings import Settings as Loaded

    published = Loaded(_env_file=None, tessera_env="dev").jwt_secret_value()
    assert len(published) >= 32  # long enough for the length check alone to let it through
    with pytest.raises(ValidationError, match="development secret"):
        Settings(_env_file=None, **{**PROD, "jwt_secret": published})


MISSPELT_FIELD = "{ customerz(first: 1) { totalCount } }"
MISSPELT_INPUT = (
    "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
    {"i": {"tenat": "alpha", "email": "a@b.test", "password": "x"}},
)


async def _messages(client: httpx.AsyncClient) -> list[str]:
    field = await client.post("/graphql", json={"query": MISSPELT_FIELD})
    query, variables = MISSPELT_INPUT
    value = await client.post("/graphql", json={"query": query, "variables": variables})
    return [error["message"] for answer in (field, value) for error in answer.json()["errors"]]


@pytest.mark.parametrize("executor", ["fast", "standard"])
async def test_with_introspection_off_errors_suggest_no_names(executor):
    async with await _prod_client(graphql_executor=executor) as client:
        messages = await _messages(client)
    assert any("customerz" in m for m in messages) and any("tenat" in m for m in messages)
    assert not [m for m in messages if "Did you mean" in m or "'customers'" in m]


async def test_with_introspection_on_errors_still_suggest_names():
    async with await _prod_client(introspection=True) as client:
        messages = await _messages(client)
    assert any("Did you mean 'customers'" in m for m in messages)
    assert any("Did you mean 'tenant'" in m for m in messages)


async def test_prod_does_not_serve_metrics_on_the_api_port_unless_told_to():
    async with await _prod_client() as client:
        assert (await client.get("/metrics")).status_code == 404
    async with await _prod_client(metrics_on_api_port=True) as client:
        assert (await client.get("/metrics")).status_code == 200


def test_metrics_leave_the_api_port_where_a_metrics_port_is_set():
    assert Settings(_env_file=None, tessera_env="dev").metrics_on_api_port_enabled is True
    assert (
        Settings(_env_file=None, tessera_env="dev", metrics_port=9100).metrics_on_api_port_enabled
        is False
    )
    assert Settings(_env_file=None, **PROD).metrics_on_api_port_enabled is False

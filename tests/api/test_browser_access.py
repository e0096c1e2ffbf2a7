"""A browser's view of the API: CORS preflights and cross-origin calls, and the GraphiQL page
working with nothing but what this server sends."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from tessera.settings import Settings
from tests.support.graphql import gql

PROD = {
    "tessera_env": "prod",
    "jwt_secret": "x" * 40,
    "app_db_password": "app-role-password",
    "database_url": "postgresql://owner:owner-password@db:5432/tessera",
    "redis_url": "redis://redis:6379/0",
}


def _client(**overrides) -> httpx.AsyncClient:
    from api.app import create_app
    from tessera.wiring import api_config

    # No lifespan: preflights, `{ __typename }` and static files never reach the database.
    app = create_app(api_config(Settings(_env_file=None, **{**PROD, **overrides})))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.example.com"
    )


def _preflight(origin: str, *, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def test_a_dev_server_page_passes_the_preflight_and_reads_the_answer(client, as_alpha):
    origin = "http://localhost:5173"  # Vite's dev server
    preflight = await client.options("/graphql", headers=_preflight(origin))
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = {
        h.strip() for h in preflight.headers["access-control-allow-headers"].lower().split(",")
    }
    assert {"authorization", "content-type"} <= allowed
    assert preflight.headers["access-control-max-age"] == "600"

    answer = await gql(
        client, "{ me { email } }", token=as_alpha["member"], headers={"Origin": origin}
    )
    assert answer.data["me"]["email"] == "member@alpha.test"
    assert answer.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
    assert "origin" in answer.headers["vary"].lower()


async def test_an_origin_not_allowed_gets_no_cors_headers(client):
    preflight = await client.options("/graphql", headers=_preflight("https://evil.example"))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers

    answer = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.example"}
    )
    # The server answers (CORS is enforced by the browser), but without the header that would let
    # the page read the answer.
    assert "access-control-allow-origin" not in answer.headers


async def test_configured_origins_patterns_credentials_and_preflight_cache():
    async with _client(
        cors_origins="https://app.example.org, https://*.example.com",
        cors_allow_credentials=True,
        cors_max_age_seconds=3600,
    ) as client:
        for origin in (
            "https://app.example.org",
            "https://crm.example.com",
            "https://eu.crm.example.com",
        ):
            preflight = await client.options("/graphql", headers=_preflight(origin))
            assert preflight.status_code == 200, origin
            assert preflight.headers["access-control-allow-origin"] == origin
            assert preflight.headers["access-control-allow-credentials"] == "true"
            assert preflight.headers["access-control-max-age"] == "3600"
            post = await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin}
            )
            assert post.json() == {"data": {"__typename": "Query"}}
            assert post.headers["access-control-allow-origin"] == origin
        for refused in (
            "https://example.com.evil.net",
            "http://crm.example.com",
            "https://example.com",
            "https://app.example.org.evil.net",
            "http://localhost:5173",
        ):
            preflight = await client.options("/graphql", headers=_preflight(refused))
            assert "access-control-allow-origin" not in preflight.headers, refused


async def test_cors_is_off_in_prod_unless_configured():
    async with _client() as client:
        preflight = await client.options("/graphql", headers=_preflight("http://localhost:3000"))
        post = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "http://localhost:3000"},
        )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post.headers


def test_bad_origins_and_wildcards_with_credentials_are_refused_at_start_up():
    from tessera.wiring import api_config

    with pytest.raises(ValueError, match="scheme://host"):
        api_config(Settings(_env_file=None, **PROD, cors_origins="app.example.com"))
    with pytest.raises(ValueError, match="scheme://host"):
        api_config(Settings(_env_file=None, **PROD, cors_origins="https://app.example.com/path"))
    with pytest.raises(ValueError, match="CORS_ALLOW_CREDENTIALS"):
        api_config(Settings(_env_file=None, **PROD, cors_origins="*", cors_allow_credentials=True))


class _References(HTMLParser):
    """Every URL the page makes a browser load (scripts, stylesheets, images, frames...)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "srcset", "data", "action", "poster"} and value:
                self.urls.append(value)


async def test_graphiql_and_every_asset_it_loads_come_from_this_server(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    # Nothing on another host: no absolute or protocol-relative URL anywhere in the page.
    assert not re.search(r"(https?:)?//", html), re.findall(r"\S*//\S*", html)
    references = _References()
    references.feed(html)
    assert len(references.urls) == 7  # 2 stylesheets and 5 scripts
    served = {}
    for url in references.urls:
        assert url.startswith("/graphiql/static/"), url
        asset = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, url
        served[url.rsplit("/", 1)[1]] = asset
    assert served["graphiql.min.js"].headers["content-encoding"] == "gzip"
    assert "javascript" in served["tessera-graphiql.js"].headers["content-type"]
    assert "css" in served["graphiql.min.css"].headers["content-type"]
    # The page's own script keeps the token in localStorage and sends it on both transports.
    script = served["tessera-graphiql.js"].text
    assert "localStorage" in script
    assert '"Bearer " + token()' in script and "connectionParams" in script
    # The vendored bundles carry their licenses beside them.
    for name in ("graphiql", "react", "react-dom", "graphql-ws"):
        assert (await client.get(f"/graphiql/static/LICENSE.{name}")).status_code == 200


async def test_graphiql_is_off_in_prod_unless_enabled():
    async with _client() as client:
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
        assert (await client.get("/graphiql/static/graphiql.min.js")).status_code == 404
    async with _client(graphiql=True) as client:
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code == 200
        assert (await client.get("/graphiql/static/graphiql.min.js")).status_code == 200

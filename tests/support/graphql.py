"""Talking to the API the way clients do: GraphQL over HTTP with a bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from graphql import GraphQLSchema, build_schema

from api.schema import schema


@cache
def api_schema() -> GraphQLSchema:
    """The API's schema as graphql-core types, read from its SDL: for tests that walk the schema."""
    return build_schema(schema.as_str())


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]
    headers: httpx.Headers

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    def nodes(self, field: str) -> list[dict[str, Any]]:
        """The nodes of the connection at `data[field]`, in order."""
        return [edge["node"] for edge in self.data[field]["edges"]]

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> GraphQLResponse:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
    )
    return GraphQLResponse(response.status_code, response.json(), response.headers)


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresAt }
}
"""


async def login(
    client: httpx.AsyncClient, tenant: str, email: str, password: str
) -> dict[str, Any]:
    response = await gql(
        client, LOGIN, {"input": {"tenant": tenant, "email": email, "password": password}}
    )
    return response.data["login"]


CREATE_TOKEN = """
mutation CreateToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { secret apiToken { id name scopes hint lastUsedAt revokedAt expiresAt } }
}
"""


async def create_token(
    client: httpx.AsyncClient,
    access_token: str,
    scopes: list[str],
    name: str = "partner",
    expires_at: str | None = None,
) -> dict[str, Any]:
    variables = {"input": {"name": name, "scopes": scopes, "expiresAt": expires_at}}
    response = await gql(client, CREATE_TOKEN, variables, token=access_token)
    return response.data["createApiToken"]

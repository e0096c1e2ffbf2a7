"""Automatic persisted queries (Apollo's APQ protocol) over HTTP: an unknown hash asks for the
document, the document is checked against its hash and remembered, and every API process (they
share redis) then answers the hash alone, for each caller with the caller's own data."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx

from tests.support.graphql import gql

CUSTOMER = "mutation($n: String!) { createCustomer(input: {name: $n}) { id } }"


def _document() -> tuple[str, str]:
    """A document no other test has registered (the alias makes it unique), and its hash."""
    document = f"query Mine {{ me {{ id }} c{uuid.uuid4().hex[:12]}: customers(first: 5) {{ totalCount }} }}"
    return document, hashlib.sha256(document.encode()).hexdigest()


def _extensions(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def _by_get(client: httpx.AsyncClient, digest: str, token: str) -> httpx.Response:
    return await client.get(
        "/graphql",
        params={"extensions": json.dumps(_extensions(digest))},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_an_unknown_hash_asks_for_the_document_then_the_hash_alone_answers(client, as_alpha):
    token = as_alpha["member"]
    document, digest = _document()
    first = await _by_get(client, digest, token)
    assert first.status_code == 200
    assert first.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }

    registered = await client.post(
        "/graphql",
        json={"query": document, "extensions": _extensions(digest)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert registered.status_code == 200 and "errors" not in registered.json()

    again = await _by_get(client, digest, token)
    assert again.status_code == 200
    assert again.json() == registered.json()
    by_post = await client.post(
        "/graphql",
        json={"extensions": _extensions(digest)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_post.json() == registered.json()


async def test_a_hash_that_is_not_the_documents_is_refused_and_not_kept(client, as_alpha):
    token = as_alpha["member"]
    document, digest = _document()
    other = hashlib.sha256(b"{ me { id } }").hexdigest()
    wrong = await client.post(
        "/graphql",
        json={"query": document, "extensions": _extensions(other)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (
        wrong.status_code == 400
        and wrong.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    )
    assert (await _by_get(client, digest, token)).json()["errors"][0][
        "message"
    ] == "PersistedQueryNotFound"
    for bad in ({"version": 2, "sha256Hash": digest}, {"version": 1, "sha256Hash": "ABC"}, "x"):
        refused = await client.post(
            "/graphql",
            json={"extensions": {"persistedQuery": bad}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 400, bad
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_mutations_by_hash_run_by_post_only(client, as_alpha):
    token = as_alpha["admin"]
    name = f"APQ {uuid.uuid4().hex[:8]}"
    digest = hashlib.sha256(CUSTOMER.encode()).hexdigest()
    made = await client.post(
        "/graphql",
        json={"query": CUSTOMER, "variables": {"n": name}, "extensions": _extensions(digest)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.json()["data"]["createCustomer"]["id"]
    by_get = await client.get(
        "/graphql",
        params={
            "extensions": json.dumps(_extensions(digest)),
            "variables": json.dumps({"n": name}),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_get.status_code == 400 and "data" not in by_get.json()  # GET never changes anything
    assert by_get.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    by_post = await client.post(
        "/graphql",
        json={"variables": {"n": name + "2"}, "extensions": _extensions(digest)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (
        by_post.json()["data"]["createCustomer"]["id"]
        != made.json()["data"]["createCustomer"]["id"]
    )


async def test_another_api_process_knows_the_hash_and_each_tenant_reads_its_own_data(
    client, app, as_alpha, as_beta
):
    from api.persisted_queries import PersistedQueries

    alpha, beta = as_alpha["admin"], as_beta["admin"]
    await gql(client, CUSTOMER, {"n": f"Only beta {uuid.uuid4().hex[:6]}"}, token=beta)
    document, digest = _document()
    await client.post(
        "/graphql",
        json={"query": document, "extensions": _extensions(digest)},
        headers={"Authorization": f"Bearer {alpha}"},
    )
    learnt = app.state.persisted_queries
    app.state.persisted_queries = PersistedQueries(
        app.state.redis
    )  # a fresh process's memory: only redis knows it
    try:
        answers = {
            who: (await _by_get(client, digest, token)).json()
            for who, token in (("alpha", alpha), ("beta", beta))
        }
    finally:
        app.state.persisted_queries = learnt
    direct = {
        who: (await gql(client, document, token=token)).data
        for who, token in (("alpha", alpha), ("beta", beta))
    }
    assert answers == {who: {"data": data} for who, data in direct.items()}
    assert answers["alpha"]["data"]["me"] != answers["beta"]["data"]["me"]


async def test_without_redis_the_process_still_remembers(client, app, as_alpha):
    from redis.asyncio import Redis

    from api.persisted_queries import PersistedQueries

    token = as_alpha["member"]
    document, digest = _document()
    learnt = app.state.persisted_queries
    nowhere = Redis.from_url(
        "redis://127.0.0.1:1/0", socket_timeout=0.5, socket_connect_timeout=0.5
    )
    app.state.persisted_queries = PersistedQueries(nowhere)
    try:
        assert (await _by_get(client, digest, token)).json()["errors"][0][
            "message"
        ] == "PersistedQueryNotFound"
        registered = await client.post(
            "/graphql",
            json={"query": document, "extensions": _extensions(digest)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert "errors" not in registered.json()
        assert (await _by_get(client, digest, token)).json() == registered.json()
    finally:
        app.state.persisted_queries = learnt
        await nowhere.aclose()

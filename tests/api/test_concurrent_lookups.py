"""One request's resolvers share its one transaction connection: aliased `nodes`/`node` lookups
of mixed types with their relations, many such documents at once, some failing as a whole on a
malformed id (which cancels the lookups still running). No answer is INTERNAL, and every pool
connection comes back: the API keeps answering, for every tenant."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from tests.support.graphql import gql, login
from tests.support.records import make_contact, make_customer
from tests.support.server import pool_in_use, served

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
FIELDS = (
    "fragment F on Node { id "
    "... on Contact { name customer { name owner { email } } history { edges { node { action actor { email } } } } } "
    "... on Customer { name owner { email } team { name } contacts { edges { node { name } } } } "
    "... on Lead { personName owner { email } } }"
)
ALIASES = 14  # of each of nodes(ids:) and node(id:): 28 root fields, within the alias limit
ROUNDS, AT_ONCE = 6, 8  # documents sent: bounded


def lookups(ids: list[str], *, malformed: bool) -> str:
    """ALIASES `nodes` and `node` lookups over `ids` (mixed types); one `nodes` list gets a
    malformed id too, failing the whole document with BAD_USER_INPUT while the others run."""
    fields = []
    for i in range(ALIASES):
        batch = [ids[(i + k) % len(ids)] for k in range(4)] + (
            ["not-a-global-id"] if malformed and i == ALIASES // 2 else []
        )
        fields.append(f"n{i}: nodes(ids: {json.dumps(batch)}) {{ ...F }}")
        fields.append(f'one{i}: node(id: "{ids[i % len(ids)]}") {{ ...F }}')
    return "query { " + " ".join(fields) + " } " + FIELDS


async def mixed_records(client: httpx.AsyncClient, token: str) -> list[str]:
    customers = [await make_customer(client, token) for _ in range(3)]
    contacts = [await make_contact(client, token, customerId=c["id"]) for c in customers]
    leads = [
        (await gql(client, LEAD, {"input": {"personName": f"Lookup {i}"}}, token=token)).data[
            "createLead"
        ]
        for i in range(3)
    ]
    return [record["id"] for record in customers + contacts + leads]


async def fire(http: httpx.AsyncClient, token: str, ids: list[str]) -> list[list[str]]:
    """ROUNDS rounds of AT_ONCE documents sent together, half of them malformed; the error codes
    of each answer."""
    codes = []
    for round_ in range(ROUNDS):
        answers = await asyncio.gather(
            *[
                gql(http, lookups(ids, malformed=(round_ + n) % 2 == 0), token=token)
                for n in range(AT_ONCE)
            ]
        )
        codes += [answer.codes for answer in answers]
    return codes


async def test_concurrent_aliased_lookups_answer_their_data_or_bad_user_input(client, as_alpha):
    # given records of three types, related to each other
    token = as_alpha["member"]
    ids = await mixed_records(client, token)
    # when many documents of aliased lookups run at once, half of them failing on a malformed id
    codes = await fire(client, token, ids)
    # then each answer is its data, or BAD_USER_INPUT for the malformed ones: never INTERNAL
    assert sorted({code for answer in codes for code in answer}) == ["BAD_USER_INPUT"]
    assert sum(1 for answer in codes if not answer) == ROUNDS * AT_ONCE // 2
    full = await gql(client, lookups(ids, malformed=False), token=token)
    assert [node["id"] for node in full.data["n0"]] == ids[:4]
    assert full.data["n0"][3]["customer"]["name"]  # a contact's relation resolved too


POOL_SIZE = 3


async def test_a_served_api_gets_every_pool_connection_back_after_concurrent_lookups(
    client, as_alpha, tenants
):
    # given a served API with a small pool, and records of three types
    token = as_alpha["member"]
    ids = await mixed_records(client, token)
    async with served({"DB_POOL_SIZE": str(POOL_SIZE)}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # when one user sends many documents of aliased lookups at once, half of them malformed
            codes = await fire(http, token, ids)
            # then none was INTERNAL
            assert sorted({code for answer in codes for code in answer}) == ["BAD_USER_INPUT"]
            # and every pool connection came back (the last answers may still be handing theirs back)
            deadline = time.monotonic() + 10
            while await pool_in_use(http) != 0:
                assert time.monotonic() < deadline, "pool connections did not come back"
                await asyncio.sleep(0.2)
            # and the API answers more requests at once than its pool has connections, for each tenant
            beta = await login(http, "beta", tenants["beta"].admin_email, tenants["beta"].password)
            answers = await asyncio.gather(
                *[
                    gql(http, "{ me { email } }", token=t)
                    for t in [token, beta["accessToken"]] * (POOL_SIZE + 1)
                ]
            )
            assert {a.data["me"]["email"] for a in answers} == {
                "member@alpha.test",
                "admin@beta.test",
            }
            assert (await http.get("/readyz")).status_code == 200

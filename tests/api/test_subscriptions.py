"""Subscriptions as deployed: two `tessera serve` processes and `tessera relay`, real WebSocket
clients (graphql-transport-ws). A change made through one process (or by the worker's code)
reaches subscribers connected to the other, checked again as each subscriber before it is sent."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from tests.support.cli import TESSERA
from tests.support.graphql import gql
from tests.support.live import live
from tests.support.records import make_customer, unique
from tests.support.server import served

# Short intervals so that pings, credential checks and limits show within a test; every wait in
# these tests is for a message (bounded by tests.support.live.WAIT_SECONDS), never a sleep.
SERVER_ENV = {
    "SUBSCRIPTION_PING_SECONDS": "2",
    "SUBSCRIPTION_AUTH_CHECK_SECONDS": "1",
    "SUBSCRIPTIONS_PER_CONNECTION": "4",
    "SUBSCRIPTIONS_PER_TENANT": "10",
    "SUBSCRIPTION_QUEUE_SIZE": "8",
}

CUSTOMER_CHANGES = """
subscription($ids: [ID!]) {
  recordChanged(object: "Customer", ids: $ids) {
    object action id fields occurredAt
    record { id ... on Customer { name tier customFields owner { id } } }
  }
}
"""
UPDATE_CUSTOMER = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { version } }"


@dataclass
class Servers:
    a: str
    b: str
    http_a: httpx.AsyncClient
    http_b: httpx.AsyncClient


@pytest.fixture(scope="module")
async def servers(tenants) -> AsyncIterator[Servers]:  # noqa: ANN001 - tenants made before the processes start
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(served(SERVER_ENV))
        b = await stack.enter_async_context(served(SERVER_ENV))
        relay = subprocess.Popen([*TESSERA, "relay", "--poll-seconds", "0.2"], env=os.environ.copy(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop_relay() -> None:
            relay.send_signal(signal.SIGTERM)
            try:
                relay.wait(timeout=20)
            except subprocess.TimeoutExpired:
                relay.kill()
                relay.wait(timeout=10)

        stack.callback(stop_relay)
        http_a = await stack.enter_async_context(httpx.AsyncClient(base_url=a, timeout=30))
        http_b = await stack.enter_async_context(httpx.AsyncClient(base_url=b, timeout=30))
        yield Servers(a, b, http_a, http_b)


async def update_customer(http: httpx.AsyncClient, token: str, customer: dict, **fields) -> None:  # noqa: ANN003
    response = await gql(http, UPDATE_CUSTOMER, {"i": {"id": customer["id"], "version": customer["version"], **fields}},
                         token=token)
    customer["version"] = response.data["updateCustomer"]["version"]


async def test_a_change_through_one_process_reaches_a_subscriber_of_the_other(servers, as_alpha):
    admin = as_alpha["admin"]
    async with live(servers.b, admin) as client:
        everything = await client.subscribe(CUSTOMER_CHANGES)
        customer = await make_customer(servers.http_a, admin, name=unique("Live"))
        created = (await client.next(everything))["recordChanged"]
        while created["id"] != customer["id"]:  # other tests' customers may pass by first
            created = (await client.next(everything))["recordChanged"]
        assert created["object"] == "Customer" and created["action"] == "created"
        assert created["record"] == {"id": customer["id"], "name": customer["name"], "tier": None,
                                     "customFields": {}, "owner": {"id": customer["owner"]["id"]}}

        only_this = await client.subscribe(CUSTOMER_CHANGES, {"ids": [customer["id"]]})
        await update_customer(servers.http_a, admin, customer, tier="gold")
        for op in (everything, only_this):
            updated = (await client.next(op))["recordChanged"]
            assert updated["id"] == customer["id"] and updated["action"] == "updated"
            assert updated["fields"] == ["tier"]
            assert updated["record"]["tier"] == "gold"  # read after the commit, as the subscriber sees it

        await client.complete(only_this)
        await gql(servers.http_a, "mutation($i: DeleteInput!) { deleteCustomer(input: $i) { id } }",
                  {"i": {"id": customer["id"]}}, token=admin)
        deleted = (await client.next(everything))["recordChanged"]
        assert deleted["action"] == "deleted" and deleted["id"] == customer["id"] and deleted["record"] is None
